"""The declared search (creditlab/tuning.py) with known scores: equal budgets, the shift
past an edge, ties, the secondary criterion and the order of coordinates."""

import math

import numpy as np
import pandas as pd
import pytest
from conftest import whole_page

from creditlab.tuning import CALIBRATION_SEED, Budget, Score, search, write_tuning


def peaked(targets: dict[str, float], secondary=lambda setting: 0.0):
    """A score that peaks where every hyperparameter is at its target."""

    def evaluate(settings):
        return [
            Score(-sum(abs(math.log10(s[name] / t)) for name, t in targets.items()), secondary(s))
            for s in settings
        ]

    return evaluate


def test_every_hyperparameter_gets_the_same_candidates_and_rounds() -> None:
    budget = Budget(candidates=5, decades=2.0, rounds=2)
    tried, _ = search({"a": 1.0, "b": 1.0}, peaked({"a": 1.0, "b": 1.0}), budget)
    for name in ("a", "b"):
        for round_ in (1, 2):
            values = [t.value for t in tried if t.hyperparameter == name and t.round == round_]
            assert len(values) == 5
            assert np.log10(max(values) / min(values)) == pytest.approx(2.0)


def test_a_best_candidate_at_the_edge_moves_the_next_round_past_it() -> None:
    tried, chosen = search({"a": 1e-6}, peaked({"a": 1e-3}))
    second = [t.value for t in tried if t.round == 2]
    assert min(second) == pytest.approx(1e-5) and max(second) == pytest.approx(1e-3)
    assert chosen["a"] == pytest.approx(1e-3)


def test_an_interior_best_centres_the_next_round_on_it() -> None:
    tried, chosen = search({"a": 1e-6}, peaked({"a": 3.16e-6}))
    second = [t.value for t in tried if t.round == 2]
    assert np.sqrt(min(second) * max(second)) == pytest.approx(3.16e-6, rel=0.01)
    assert chosen["a"] == pytest.approx(3.16e-6, rel=0.01)


def test_a_flat_score_moves_nothing() -> None:
    tried, chosen = search({"a": 1e-6}, lambda settings: [Score(0.0)] * len(settings))
    for round_ in (1, 2):
        values = [t.value for t in tried if t.round == round_]
        assert np.sqrt(min(values) * max(values)) == pytest.approx(1e-6)
    assert chosen["a"] == pytest.approx(1e-6)


def test_the_secondary_criterion_ranks_a_saturated_primary() -> None:
    # every candidate from 1e-6 up saturates the primary; the secondary prefers 1e-5
    def evaluate(settings):
        return [
            Score(min(0.0, math.log10(s["a"] / 1e-6)), -abs(math.log10(s["a"] / 1e-5)))
            for s in settings
        ]

    _, chosen = search({"a": 1e-6}, evaluate)
    assert chosen["a"] == pytest.approx(1e-5)
    # with the secondary flat, ties go to the candidate nearest the default
    flat = search({"a": 1e-6}, lambda ss: [Score(min(0.0, math.log10(s["a"] / 1e-6))) for s in ss])
    assert flat[1]["a"] == pytest.approx(1e-6)


def test_a_later_hyperparameter_is_swept_with_the_earlier_ones_best() -> None:
    tried, chosen = search({"a": 1.0, "b": 1.0}, peaked({"a": 10.0, "b": 0.1}))
    assert chosen == pytest.approx({"a": 10.0, "b": 0.1})
    assert all(t.setting["a"] == pytest.approx(10.0) for t in tried if t.hyperparameter == "b")
    assert all(t.setting["b"] == 1.0 for t in tried if t.hyperparameter == "a")


def test_an_upper_bound_caps_the_candidates_and_nan_ranks_last() -> None:
    tried, _ = search({"rate": 0.5}, peaked({"rate": 1.0}), upper={"rate": 1.0})
    assert max(t.value for t in tried) == 1.0
    nan_above = lambda ss: [Score(math.nan if s["a"] > 1 else -s["a"]) for s in ss]  # noqa: E731
    _, chosen = search({"a": 1.0}, nan_above)
    assert chosen["a"] < 1.0


def test_the_tuning_page_shows_the_chosen_values_and_explains_its_figure(tmp_path) -> None:
    scores = {1e-4: 0.1, 1e-3: 0.3, 1e-2: 0.2}
    names = {"rule": "eprop", "feedback": "-", "hyperparameter": "learning_rate"}
    tried = pd.DataFrame(
        [names | {"round": 0, "value": value, "default": 1e-3, "setting": "", "score": score,
                  "seed": CALIBRATION_SEED, "area": 0.0, "best": value == 1e-3}
         for value, score in scores.items()]
    )  # fmt: skip
    chosen = pd.DataFrame([names | {"value": 1e-3, "cohort_seed": CALIBRATION_SEED,
                                    "budget": "5x2dec x2"}])  # fmt: skip
    (tmp_path / "config.json").write_text('{"config": {"experiment": "bci"}}')
    text = write_tuning(tmp_path, tried, chosen, "probe gain over none")
    assert "| eprop | - | learning_rate | 0.001 |" in text
    page = whole_page(tmp_path / "tuning.html")
    assert "<td>learning_rate</td>" in page and "probe gain over none" in page
    assert len(pd.read_parquet(tmp_path / "tuning.parquet")) == 3
