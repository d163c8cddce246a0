"""Every rule on the command line's list trains a spiking network through ``train``."""

import math

import pytest

from creditlab.config import make_config
from creditlab.rules import RULES
from creditlab.train import train


@pytest.mark.parametrize("rule", list(RULES))
def test_rule_runs_through_train(rule: str) -> None:
    config = make_config(
        task="evidence-accumulation",
        rule=rule,
        iterations=2,
        batch=2,
        network={"n_rec": 12},
    )
    result = train(config)
    assert len(result.metrics) == 2
    for row in result.metrics:
        assert math.isfinite(row["loss"]) and 0.0 <= row["accuracy"] <= 1.0
        assert row["firing_rate_hz"] >= 0.0
