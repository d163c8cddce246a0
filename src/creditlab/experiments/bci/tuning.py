"""Tuning every rule on the BCI with the same declared budget, on calibration mice that
no evaluation uses.

The budget (:class:`Budget`) is the same for every rule: for each of its tuned
hyperparameters, ``candidates`` values log-spaced over ``decades`` around the rule's
default (the others held at their defaults), then a second round of the same size for
every rule — shifted by ``decades`` past the edge where the best candidate lay at an
edge, else centred on the best — so no rule gets more tries than another. The tuned
hyperparameters: ``learning_rate`` (every plastic rule), ``baseline_rate`` (rules that
keep a reward baseline) and the feedback pathway's gain (rules that send something along
it).

Every candidate runs on the same calibration cohort (:class:`Cohort`: its own seed,
:data:`CALIBRATION_SEED` onwards, never an evaluation seed; the same mice and noise for
every candidate, common random numbers). The criterion is declared: the probe-block
learning gain (last third of days minus first, mean over mice) minus that of ``none`` on
the same cohort. ``tune`` returns every candidate with its score; nothing reads a tuning
at run time.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from creditlab.experiments.bci.experiment import BCIConfig, run_experiment
from creditlab.experiments.bci.findings import learning_gain
from creditlab.experiments.bci.learning import BCI_RULE_DEFAULTS, LearningConfig
from creditlab.report import figure
from creditlab.rules.registry import get_rule, option_values

CALIBRATION_SEED = 1_000_000  # cohorts are seeds CALIBRATION_SEED + k; evaluations use others


class Budget(NamedTuple):
    """Candidates per hyperparameter and round, the decades they span, the rounds."""

    candidates: int = 5
    decades: float = 2.0
    rounds: int = 2


class Cohort(NamedTuple):
    """The calibration mice: how many, for how long, and which cohort (its seed is
    ``CALIBRATION_SEED + index``)."""

    mice: int = 3
    days: int = 4
    session_minutes: float = 10.0
    probe_minutes: float = 3.0
    index: int = 0

    @property
    def seed(self) -> int:
        return CALIBRATION_SEED + self.index


DECLARED_BUDGET, CALIBRATION_COHORT = Budget(), Cohort()


def tuned_hyperparameters(rule: str) -> dict[str, float]:
    """The hyperparameters tuned for ``rule`` on the BCI and their defaults."""
    if rule == "none":
        return {}
    options = option_values(rule, BCI_RULE_DEFAULTS)
    tuned = ("learning_rate", "baseline_rate")
    chosen = {name: float(options[name]) for name in tuned if name in options}
    if get_rule(rule).learning_signal or LearningConfig(rule=rule).delivers != "none":
        chosen["feedback_gain"] = LearningConfig().feedback_gain
    return chosen


def grid(centre: float, budget: Budget) -> np.ndarray:
    """``candidates`` values log-spaced over ``decades`` centred on ``centre``."""
    half = budget.decades / 2
    return centre * 10.0 ** np.linspace(-half, half, budget.candidates)


def next_centre(values: np.ndarray, scores: np.ndarray, budget: Budget) -> float:
    """Round 2's centre: ``decades`` past the edge where the best lay at an edge, else
    the best. Among tied best candidates the one nearest the middle counts, so a flat
    score (no evidence either way) leaves the centre where it was."""
    middle = (len(values) - 1) / 2
    tied = np.flatnonzero(scores == np.nanmax(scores))
    best = int(tied[np.argmin(np.abs(tied - middle))])
    if best == 0:
        return float(values[0] / 10.0 ** (budget.decades / 2))
    if best == len(values) - 1:
        return float(values[-1] * 10.0 ** (budget.decades / 2))
    return float(values[best])


def candidate_config(
    rule: str, feedback: str | None, name: str, value: float, cohort: Cohort
) -> BCIConfig:
    """The calibration run of ``rule`` with hyperparameter ``name`` at ``value``."""
    fields = dict(
        rule=rule,
        feedback=feedback,
        mice=cohort.mice,
        days=cohort.days,
        session_minutes=cohort.session_minutes,
        probe_minutes=cohort.probe_minutes,
        seed=cohort.seed,
    )
    if name == "feedback_gain":
        return BCIConfig(**fields, learning={"feedback_gain": value})
    return BCIConfig(**fields, rule_options={name: value})


def probe_gain(config: BCIConfig) -> float:
    """The criterion's raw part: mean over mice of the probe-block learning gain."""
    return float(np.nanmean(learning_gain(run_experiment(config).daily)))


def tune(
    rules: tuple[str, ...],
    *,
    feedback: str | None = None,
    budget: Budget = DECLARED_BUDGET,
    cohort: Cohort = CALIBRATION_COHORT,
    score: Callable[[BCIConfig], float] = probe_gain,
    on_candidate: Callable[[dict], None] | None = None,
) -> pd.DataFrame:
    """Every candidate of every rule (one row each: rule, hyperparameter, round, value,
    seed, score = its gain minus ``none``'s on the same cohort), with ``best`` marking
    each hyperparameter's best over both rounds."""
    base = dict(mice=cohort.mice, days=cohort.days, session_minutes=cohort.session_minutes)
    baseline = score(
        BCIConfig(rule="none", probe_minutes=cohort.probe_minutes, seed=cohort.seed, **base)
    )
    rows = []
    for rule in rules:
        origin = feedback if get_rule(rule).learning_signal else None
        for name, default in tuned_hyperparameters(rule).items():
            centre = default
            for round_ in range(1, budget.rounds + 1):
                values = grid(centre, budget)
                if name == "baseline_rate":
                    values = np.minimum(values, 1.0)  # a rate in (0, 1]
                scores = []
                for value in values:
                    config = candidate_config(rule, origin, name, float(value), cohort)
                    row = {
                        "rule": rule,
                        "hyperparameter": name,
                        "round": round_,
                        "value": float(value),
                        "default": default,
                        "seed": config.seed,
                        "score": score(config) - baseline,
                    }
                    rows.append(row)
                    scores.append(row["score"])
                    if on_candidate is not None:
                        on_candidate(row)
                centre = next_centre(values, np.array(scores), budget)
    table = pd.DataFrame(rows)
    if len(table):
        best = table.groupby(["rule", "hyperparameter"]).score.transform("max")
        table["best"] = table.score == best
    return table


def plot_tuning(table: pd.DataFrame, path: Path) -> None:
    """Score against each hyperparameter's candidates (log axis), one panel per rule."""
    rules = list(dict.fromkeys(table.rule))
    fig = figure(3.6 * len(rules), 3.0)
    axes = np.atleast_1d(fig.subplots(1, len(rules)))
    for axis, rule in zip(axes, rules, strict=True):
        for name, rows in table[table.rule == rule].groupby("hyperparameter"):
            relative = rows.value / rows.default
            axis.plot(relative, rows.score, "o", label=name)
        axis.set(xscale="log", xlabel="candidate / default", ylabel="gain over none", title=rule)
        axis.axhline(0.0, color="#7f7f7f", lw=0.5)
        axis.legend(frameon=False, fontsize=7)
    fig.savefig(path, dpi=120)
