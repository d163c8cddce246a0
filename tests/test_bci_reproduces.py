"""Slow: the vectorized dendritic rule with symmetric feedback (the upper bound: B is the
decoder's own weights) reproduces the paper's findings at a reduced size (6 mice × 10
days × 20 min, two seeds), and apical inhibition impairs its learning. Accuracy is that
of the training sessions (no probe blocks), as when this test was written."""

import pytest

from creditlab.experiments.bci.experiment import BCIConfig, run_experiment
from creditlab.experiments.bci.findings import findings, inhibition_impairs

pytestmark = pytest.mark.slow
SIZE = dict(mice=6, days=10, session_minutes=20.0, feedback="symmetric", probe_minutes=0.0)


@pytest.mark.parametrize("seed", [1, 2])
def test_dendritic_rule_reproduces_the_findings(seed: int) -> None:
    control = run_experiment(BCIConfig(rule="dendritic", seed=seed, **SIZE))
    found = {row.finding: row for row in findings(*control)}
    for name in (
        "learns",
        "sparsification",
        "residual-sign",
        "residual-outcome",
        "residual-predicts-change",
    ):
        assert found[name].reproduced, found[name].detail
    inhibited = run_experiment(
        BCIConfig(rule="dendritic", seed=seed, apical_inhibition="all", **SIZE)
    )
    impaired = inhibition_impairs(control.daily, inhibited.daily)
    assert impaired.reproduced, impaired.detail
