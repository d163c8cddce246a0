"""Tuning gives every rule the same budget on calibration mice only (experiments/bci/
tuning.py). The score is replaced here by a known function of the candidate, so the
budget and the search can be checked without simulating."""

import math

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from creditlab.cli import app
from creditlab.experiments.bci.tuning import (
    CALIBRATION_SEED,
    Budget,
    Cohort,
    candidate_config,
    probe_gain,
    tune,
)

RULES = ("dendritic", "node-perturbation", "three-factor", "eprop", "none")


def peaked_at(target: float):
    """A score that peaks where the learning rate is ``target`` (else flat)."""

    def score(config) -> float:
        rate = dict(config.rule_options).get("learning_rate")
        if config.rule == "none" or rate is None:
            return 0.0
        return -abs(math.log10(rate / target))

    return score


def test_every_rule_gets_the_same_budget_on_calibration_seeds_only() -> None:
    budget, cohort = Budget(), Cohort(index=2)
    table = tune(RULES, budget=budget, cohort=cohort, score=peaked_at(1e-4))
    counts = table.groupby(["rule", "hyperparameter", "round"]).size()
    assert (counts == budget.candidates).all()
    assert (table.groupby(["rule", "hyperparameter"])["round"].nunique() == budget.rounds).all()
    assert set(table.rule) == set(RULES) - {"none"}
    assert (table.seed == CALIBRATION_SEED + 2).all()
    for (_, name, _), rows in table.groupby(["rule", "hyperparameter", "round"]):
        span = np.log10(rows.value.max() / rows.value.min())
        clipped = name == "baseline_rate"  # a rate is clipped at 1
        assert span == pytest.approx(budget.decades) or clipped


def test_a_best_candidate_at_the_edge_moves_the_second_round_past_it() -> None:
    # dendritic's default 1e-6 spans 1e-7..1e-5 in round 1; the peak at 1e-3 lies past
    # the upper edge, so round 2 is shifted by the budget's two decades: 1e-5..1e-3.
    table = tune(("dendritic",), score=peaked_at(1e-3))
    rates = table[table.hyperparameter == "learning_rate"]
    second = rates[rates["round"] == 2].value
    assert second.min() == pytest.approx(1e-5) and second.max() == pytest.approx(1e-3)
    best = rates[rates.best].value.item()
    assert best == pytest.approx(1e-3)
    # an interior peak: round 2 centred on it
    inner = tune(("dendritic",), score=peaked_at(3.16e-6))
    rates = inner[(inner.hyperparameter == "learning_rate") & (inner["round"] == 2)]
    assert np.sqrt(rates.value.min() * rates.value.max()) == pytest.approx(3.16e-6, rel=0.01)


def test_a_candidate_is_a_calibration_run_and_a_real_score_runs() -> None:
    config = candidate_config("dendritic", "learned", "feedback_gain", 2.0, Cohort(mice=2))
    assert config.seed >= CALIBRATION_SEED and config.learning_config().feedback_gain == 2.0
    tiny = Cohort(mice=2, days=2, session_minutes=1.0, probe_minutes=1.0)
    table = tune(("dendritic",), budget=Budget(candidates=2, rounds=1), cohort=tiny)
    assert len(table) == 4 and np.isfinite(table.score).all()
    # the score is the candidate's probe gain minus none's, on the same cohort
    row = table.iloc[0]
    candidate = candidate_config("dendritic", None, row.hyperparameter, row.value, tiny)
    none = candidate.model_copy(update={"rule": "none", "rule_options": {}})
    assert row.score == probe_gain(candidate) - probe_gain(none)


@pytest.mark.slow
def test_the_tune_command_writes_every_candidate(tmp_path) -> None:
    arguments = ["tune", "--out", str(tmp_path / "t"), "--rules", "bptt", "--mice", "2"]
    arguments += ["--days", "2", "--session-minutes", "1"]
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 0, result.output
    table = pd.read_parquet(tmp_path / "t" / "tuning.parquet")
    assert len(table) == 2 * 5 and (table.seed >= CALIBRATION_SEED).all()  # 2 rounds × 5
    assert (tmp_path / "t" / "tuning.png").exists()


def test_the_tune_command_refuses_an_unknown_rule_before_any_work(tmp_path) -> None:
    bad = CliRunner().invoke(app, ["tune", "--out", str(tmp_path / "u"), "--rules", "hebb"])
    assert bad.exit_code == 2 and "unknown rule" in bad.output
    assert not (tmp_path / "u").exists()


def test_a_flat_score_leaves_the_second_round_where_the_first_was() -> None:
    # no evidence either way: ties do not count as a best candidate at an edge
    table = tune(("dendritic",), score=lambda config: 0.0)
    rates = table[table.hyperparameter == "learning_rate"]
    for round_ in (1, 2):
        values = rates[rates["round"] == round_].value
        assert np.sqrt(values.min() * values.max()) == pytest.approx(1e-6)
