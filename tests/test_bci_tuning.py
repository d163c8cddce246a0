"""Tuning gives every rule the same budget on calibration mice only (experiments/bci/
tuning.py), and the shipped defaults read the committed table (experiments/bci/tuned.csv).
The simulation is replaced by a known score where only the bookkeeping is checked."""

import math

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from creditlab.cli import app
from creditlab.experiments.bci import experiment
from creditlab.experiments.bci.experiment import TUNED_TABLE, BCIConfig
from creditlab.experiments.bci.learning import BCI_RULE_DEFAULTS
from creditlab.experiments.bci.tuning import (
    CALIBRATION_SEED,
    Cohort,
    candidate_config,
    criterion,
    simulate,
    tune,
    tuned_hyperparameters,
)
from creditlab.tuning import Budget, Score
from creditlab.tuning_table import read_tuned

RULES = ("dendritic", "node-perturbation", "three-factor", "eprop", "none")


def peaked_at(target: float, seen: list | None = None):
    """Scores that peak where the learning rate is ``target`` (else flat); ``seen``
    collects every config evaluated."""

    def evaluate(configs):
        scores = []
        for config in configs:
            if seen is not None:
                seen.append(config)
            rate = dict(config.rule_options).get("learning_rate")
            flat = config.rule == "none" or rate is None
            scores.append(Score(0.0 if flat else -abs(math.log10(rate / target))))
        return scores

    return evaluate


def test_every_rule_gets_the_same_budget_on_calibration_seeds_only() -> None:
    budget, cohort, seen = Budget(), Cohort(index=2), []
    origins = ("learned", "shuffled")
    table, chosen = tune(
        RULES, feedback=origins, budget=budget, cohort=cohort, evaluate=peaked_at(1e-4, seen)
    )
    counts = table.groupby(["rule", "feedback", "hyperparameter", "round"]).size()
    assert (counts == budget.candidates).all()
    rounds = table.groupby(["rule", "feedback", "hyperparameter"])["round"].nunique()
    assert (rounds == budget.rounds).all()
    # each rule with a learning signal once per origin, the others once
    assert set(table.groupby("rule").feedback.nunique().items()) == {
        ("dendritic", 2),
        ("eprop", 2),
        ("node-perturbation", 1),
        ("three-factor", 1),
    }
    assert {c.seed for c in seen} == {CALIBRATION_SEED + 2} and (table.seed == cohort.seed).all()
    assert not any(c.tuned for c in seen)  # candidates never read an earlier tuning
    assert {c.mice for c in seen} == {cohort.mice} and {c.days for c in seen} == {cohort.days}
    assert len(chosen) == len(table.groupby(["rule", "feedback", "hyperparameter"]))


def test_a_candidate_sets_every_tuned_hyperparameter_explicitly() -> None:
    setting = {"learning_rate": 3e-6, "feedback_gain": 2.0}
    config = candidate_config("dendritic", "learned", setting, Cohort(mice=2))
    learning = config.learning_config()
    assert config.seed >= CALIBRATION_SEED and learning.feedback_gain == 2.0
    assert dict(learning.options)["learning_rate"] == 3e-6
    assert set(tuned_hyperparameters("node-perturbation")) == {
        "learning_rate",
        "baseline_rate",
        "feedback_gain",
    }
    assert tuned_hyperparameters("none") == {}
    assert tuned_hyperparameters("dendritic")["learning_rate"] == 1e-6  # the untuned default


def test_the_criterion_is_the_probe_gain_and_area() -> None:
    rows = [
        {"mouse": m, "day": d, "block": block, "accuracy": acc}
        for m in range(2)
        for d, acc in zip(range(1, 7), (0.2, 0.2, 0.4, 0.6, 0.8, 1.0), strict=True)
        for block, acc in (("probe", acc), ("training", 0.0))
    ]
    gain, area = criterion(pd.DataFrame(rows))
    assert gain == pytest.approx(0.9 - 0.2) and area == pytest.approx(3.2 / 6)


def test_a_real_candidate_is_scored_over_none_on_the_same_mice() -> None:
    tiny = Cohort(mice=2, days=2, session_minutes=1.0, probe_minutes=1.0)
    table, _ = tune(("dendritic",), budget=Budget(candidates=2, rounds=1), cohort=tiny)
    assert len(table) == 4 and np.isfinite(table.score).all()
    row = table.iloc[0]
    setting = {"learning_rate": row.value, "feedback_gain": 1.0}
    candidate = candidate_config("dendritic", "learned", setting, tiny)
    none = candidate_config("none", None, {}, tiny)
    found, reference = simulate()([candidate, none])
    assert row.score == found.primary - reference.primary
    assert row.area == found.secondary - reference.secondary


def test_the_defaults_read_the_committed_tuning(tmp_path, monkeypatch) -> None:
    table = tmp_path / "tuned.csv"
    table.write_text(
        "rule,feedback,hyperparameter,value,cohort_seed,budget\n"
        "dendritic,learned,learning_rate,3e-05,1000000,5x2dec x2\n"
        "dendritic,learned,feedback_gain,10,1000000,5x2dec x2\n"
        "node-perturbation,-,learning_rate,0.02,1000000,5x2dec x2\n"
    )
    monkeypatch.setattr(experiment, "TUNED_TABLE", table)
    learning = BCIConfig(rule="dendritic").learning_config()
    assert dict(learning.options)["learning_rate"] == 3e-5 and learning.feedback_gain == 10.0
    # another origin was not tuned: its untuned defaults, and the config says so
    random = BCIConfig(rule="dendritic", feedback="random")
    assert random.tuning() is None and random.learning_config().feedback_gain == 1.0
    # the user's options win; tuned=False is the untuned default
    mine = BCIConfig(rule="dendritic", rule_options={"learning_rate": 1e-7})
    assert dict(mine.learning_config().options)["learning_rate"] == 1e-7
    assert mine.learning_config().feedback_gain == 10.0
    untuned = BCIConfig(rule="dendritic", tuned=False).learning_config()
    assert untuned.options == () and untuned.feedback_gain == 1.0
    rate = dict(BCIConfig(rule="node-perturbation").learning_config().options)["learning_rate"]
    assert rate == 0.02 != BCI_RULE_DEFAULTS["node-perturbation"]["learning_rate"]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("rule,feedback,value\n", "missing column"),
        ("rule,feedback,hyperparameter,value,cohort_seed,budget\nx,-,a,fast,1,b\n", "line 2"),
        ("rule,feedback,hyperparameter,value,cohort_seed,budget\nx,-,a,inf,1,b\n", "finite"),
        (
            "rule,feedback,hyperparameter,value,cohort_seed,budget\nx,-,a,1,1,b\nx,-,a,2,1,b\n",
            "twice",
        ),
    ],
)
def test_a_malformed_tuning_table_names_the_file_and_line(tmp_path, text, problem) -> None:
    path = tmp_path / "tuned.csv"
    path.write_text(text)
    with pytest.raises(ValueError, match=problem) as error:
        read_tuned(path)
    assert str(path) in str(error.value)


def test_the_shipped_table_is_well_formed_and_covers_the_core_rules() -> None:
    shipped = read_tuned(TUNED_TABLE)
    for key in [("dendritic", o) for o in ("learned", "random", "symmetric", "shuffled")] + [
        ("eprop", "learned"),
        ("node-perturbation", "-"),
        ("three-factor", "-"),
    ]:
        assert set(shipped[key]) == set(tuned_hyperparameters(key[0])), key


@pytest.mark.slow
def test_the_tune_command_writes_every_candidate(tmp_path) -> None:
    arguments = ["tune", "--out", str(tmp_path / "t"), "--rules", "bptt", "--mice", "2"]
    arguments += ["--days", "2", "--session-minutes", "1"]
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 0, result.output
    table = pd.read_parquet(tmp_path / "t" / "tuning.parquet")
    assert len(table) == 2 * 5 and (table.seed >= CALIBRATION_SEED).all()  # 2 rounds × 5
    chosen = read_tuned(tmp_path / "t" / "tuned.csv")
    assert set(chosen) == {("bptt", "-")}
    assert (tmp_path / "t" / "tuning.png").exists()


def test_the_tune_command_refuses_an_unknown_rule_before_any_work(tmp_path) -> None:
    bad = CliRunner().invoke(app, ["tune", "--out", str(tmp_path / "u"), "--rules", "hebb"])
    assert bad.exit_code == 2 and "unknown rule" in bad.output
    assert not (tmp_path / "u").exists()


def test_a_tuned_evaluation_on_calibration_animals_is_refused() -> None:
    from pydantic import ValidationError

    from creditlab.experiments.song.experiment import SongConfig

    for make in (BCIConfig, SongConfig):
        with pytest.raises(ValidationError, match="calibration seed"):
            make(seed=CALIBRATION_SEED)
        assert make(seed=CALIBRATION_SEED, tuned=False).seed == CALIBRATION_SEED
        assert make(seed=CALIBRATION_SEED - 1).seed == CALIBRATION_SEED - 1


def test_a_condition_writes_what_it_ran_with_and_says_when_untuned(tmp_path) -> None:
    import json

    from creditlab.experiments.bci.outputs import condition_title, open_condition

    tuned_run = BCIConfig(rule="dendritic")
    folder = open_condition(tuned_run, tmp_path / "a").path
    written = json.loads((folder / "hyperparameters.json").read_text())
    assert written["source"].endswith("tuned.csv")
    assert written["rule_options"] == dict(tuned_run.learning_config().options)
    assert "untuned" not in condition_title(tuned_run)
    untuned = BCIConfig(rule="dendritic", tuned=False)
    assert "untuned" in condition_title(untuned)
    folder = open_condition(untuned, tmp_path / "b").path
    assert json.loads((folder / "hyperparameters.json").read_text())["source"] == (
        "untuned defaults"
    )


def test_a_cohort_reads_its_own_calibration_tuning_and_a_missing_table_is_refused(
    tmp_path,
) -> None:
    import json

    from pydantic import ValidationError

    from creditlab.experiments.bci.outputs import condition_title, open_condition
    from creditlab.tuning_table import COLUMNS, write_tuned

    own = tmp_path / "tuned.csv"
    rows = [("dendritic", "learned", "learning_rate", 7e-5, CALIBRATION_SEED + 1, "5x2")]
    write_tuned(pd.DataFrame(rows, columns=list(COLUMNS)), own)
    config = BCIConfig(rule="dendritic", seed=1, tuning_table=str(own))
    assert dict(config.learning_config().options)["learning_rate"] == 7e-5
    shipped = dict(BCIConfig(rule="dendritic", seed=1).learning_config().options)["learning_rate"]
    assert shipped != 7e-5
    folder = open_condition(config, tmp_path / "run").path
    assert json.loads((folder / "hyperparameters.json").read_text())["source"] == str(own)
    assert "untuned" in condition_title(BCIConfig(rule="eprop", tuning_table=str(own)))
    with pytest.raises(ValidationError, match="is not a file"):
        BCIConfig(tuning_table=str(tmp_path / "absent.csv"))
    with pytest.raises(ValidationError, match="tuned is False"):
        BCIConfig(tuning_table=str(own), tuned=False)
    (tmp_path / "bad.csv").write_text("rule,feedback\n")
    with pytest.raises(ValidationError, match=r"bad\.csv: missing column"):
        BCIConfig(tuning_table=str(tmp_path / "bad.csv"))


def test_the_commands_refuse_a_missing_tuning_table_before_simulating(tmp_path) -> None:
    for command in ("bci", "bci-compare"):
        out = tmp_path / command
        args = [command, "--out", str(out), "--tuning", str(tmp_path / "absent.csv")]
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 2, result.output
        assert "is not a file" in " ".join(result.output.split())
        assert not out.exists()


def test_a_run_with_its_own_tuning_table_runs_through_the_shared_set_up(tmp_path) -> None:
    """The set-up (shared by every condition, run without plasticity) must not carry the
    condition's tuning table into a config that refuses it."""
    from creditlab.experiments.bci.experiment import run_experiment
    from creditlab.tuning_table import COLUMNS, write_tuned

    own = tmp_path / "tuned.csv"
    rows = [("dendritic", "learned", "learning_rate", 7e-5, CALIBRATION_SEED + 1, "5x2")]
    write_tuned(pd.DataFrame(rows, columns=list(COLUMNS)), own)
    small = dict(mice=1, days=1, session_minutes=1.0, baseline_minutes=2.0, probe_minutes=0.0)
    results = run_experiment(BCIConfig(**small, seed=1, tuning_table=str(own)))
    assert len(results.daily) == 1
