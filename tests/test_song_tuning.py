"""The song gets the BCI's tuning budget on calibration birds only (experiments/song/
tuning.py), its defaults read the committed table, and its summary gives intervals."""

import math

import numpy as np
import pandas as pd
import pytest

from creditlab.analysis.statistics import median_with_interval
from creditlab.experiments.song import experiment
from creditlab.experiments.song.experiment import SongConfig
from creditlab.experiments.song.outputs import learning_summary
from creditlab.experiments.song.tuning import (
    CALIBRATION_SEED,
    Flock,
    criterion,
    tune,
    tuned_hyperparameters,
)
from creditlab.tuning import Budget, Score


def test_every_song_rule_gets_the_same_budget_on_calibration_birds_only() -> None:
    seen = []

    def evaluate(configs):
        seen.extend(configs)
        rates = [dict(c.rule_options)["learning_rate"] for c in configs]
        return [Score(-abs(math.log10(r / 0.4))) for r in rates]

    rules = ("node-perturbation", "three-factor", "eprop", "none")
    table, chosen = tune(rules, flock=Flock(index=3), evaluate=evaluate)
    counts = table.groupby(["rule", "hyperparameter", "round"]).size()
    assert (counts == Budget().candidates).all() and set(table.rule) == set(rules) - {"none"}
    assert {c.seed for c in seen} == {CALIBRATION_SEED + 3} and not any(c.tuned for c in seen)
    assert {c.lesion for c in seen} == {"none"}
    assert set(tuned_hyperparameters("node-perturbation")) == {"learning_rate", "baseline_rate"}
    best = chosen[(chosen.rule == "eprop") & (chosen.hyperparameter == "learning_rate")]
    assert best.value.item() == pytest.approx(0.4, rel=0.01)  # on the 0.04-centred grid


def test_the_song_criterion_is_error_removed_and_its_area() -> None:
    renditions = np.arange(1, 401)
    rows = pd.DataFrame(
        {
            "bird": np.repeat([0, 1], 400),
            "rendition": np.tile(renditions, 2),
            "relative_error": np.tile(np.where(renditions > 200, 0.2, 1.0), 2),
        }
    )
    removed, area = criterion(rows)
    assert removed == pytest.approx(0.8) and area == pytest.approx(1 - 0.6)


def test_the_song_defaults_read_the_committed_tuning(tmp_path, monkeypatch) -> None:
    table = tmp_path / "tuned.csv"
    table.write_text(
        "rule,feedback,hyperparameter,value,cohort_seed,budget\n"
        "node-perturbation,-,learning_rate,0.5,1000000,5x2dec x2\n"
    )
    monkeypatch.setattr(experiment, "TUNED_TABLE", table)
    assert SongConfig().tuning() == {"learning_rate": 0.5}
    assert SongConfig(tuned=False).tuning() is None
    assert SongConfig(rule="three-factor").tuning() is None  # not tuned: untuned defaults


def test_median_interval_is_deterministic_and_open_when_birds_never_learn() -> None:
    found = median_with_interval([100, 120, 140, 160, 180, 200])
    assert found.low <= found.mean == 150 <= found.high
    assert median_with_interval([100, 120, 140, 160, 180, 200]) == found
    never = median_with_interval([100, np.inf, np.inf, np.inf, 90, np.inf])
    assert never.mean == np.inf and never.high == np.inf


def test_the_song_summary_gives_intervals_over_birds() -> None:
    config = SongConfig(birds=3, renditions=300, seed=5, tuned=False)
    summary = learning_summary(experiment.run_song(config).learning)
    row = summary.iloc[0]
    assert row.final_error_low <= row.final_error <= row.final_error_high
    assert row.birds == 3
