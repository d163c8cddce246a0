"""Tuning every rule on the BCI with the same declared budget, on calibration mice that
no evaluation uses (the search: :mod:`creditlab.tuning`).

The tuned hyperparameters, swept in this order:
- ``learning_rate`` (every plastic rule);
- ``baseline_rate`` (rules that keep a reward baseline);
- the feedback pathway's gain ``feedback_gain`` (rules that send something along it,
  or read a learning signal).

Each is swept from the rule's untuned default (``BCI_RULE_DEFAULTS``, g = 1). Every
candidate sets all of them explicitly, so a tuning never depends on an earlier one.

Every candidate runs on the same calibration cohort (:class:`Cohort`: its own seed,
:data:`CALIBRATION_SEED` onwards, never an evaluation seed; the same mice and noise for
every candidate, common random numbers). The criterion, declared before the run that
set the shipped defaults:

- primary: the probe-block learning gain (last third of days minus first, mean over
  mice) minus that of ``none`` on the same cohort;
- secondary, only among exact ties of the primary (a gain saturated at accuracy 1):
  the mean probe accuracy over all days minus ``none``'s, the area under the probe
  learning curve, which ranks faster learning higher.

Candidates of one round run in parallel on Ray with ``address``. ``tune`` returns every
candidate with its score and the chosen values; :func:`write_tuned` writes the table
that :mod:`.tuned` reads.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from creditlab.experiments.bci.experiment import BCIConfig
from creditlab.experiments.bci.findings import learning_blocks, learning_gain
from creditlab.experiments.bci.learning import BCI_RULE_DEFAULTS, feedback_origin
from creditlab.experiments.bci.tuned import COLUMNS, NO_FEEDBACK
from creditlab.report import figure
from creditlab.rules.registry import get_rule, option_values
from creditlab.tuning import DECLARED_BUDGET, Budget, Score, search

CALIBRATION_SEED = 1_000_000  # cohorts are seeds CALIBRATION_SEED + k; evaluations use others
FEEDBACK_GAIN = "feedback_gain"


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


CALIBRATION_COHORT = Cohort()
Evaluate = Callable[[list[BCIConfig]], list[Score]]


def tuned_hyperparameters(rule: str) -> dict[str, float]:
    """The hyperparameters tuned for ``rule`` on the BCI and their untuned defaults."""
    if rule == "none":
        return {}
    options = option_values(rule, BCI_RULE_DEFAULTS)
    chosen = {
        name: float(options[name]) for name in ("learning_rate", "baseline_rate") if name in options
    }
    probe = BCIConfig(rule=rule, tuned=False, mice=1, days=1).learning_config()
    if get_rule(rule).learning_signal or probe.delivers != "none":
        chosen[FEEDBACK_GAIN] = 1.0
    return chosen


def candidate_config(
    rule: str, feedback: str | None, setting: dict[str, float], cohort: Cohort
) -> BCIConfig:
    """The calibration run of ``rule`` with every tuned hyperparameter as in ``setting``."""
    options = {name: value for name, value in setting.items() if name != FEEDBACK_GAIN}
    learning = {FEEDBACK_GAIN: setting[FEEDBACK_GAIN]} if FEEDBACK_GAIN in setting else {}
    return BCIConfig(
        rule=rule,
        feedback=feedback,
        mice=cohort.mice,
        days=cohort.days,
        session_minutes=cohort.session_minutes,
        probe_minutes=cohort.probe_minutes,
        seed=cohort.seed,
        rule_options=options,
        learning=learning,
        tuned=False,
    )


def criterion(daily: pd.DataFrame) -> Score:
    """The raw criterion of one run: (mean probe gain, mean probe accuracy) over mice."""
    gain = float(np.nanmean(learning_gain(daily)))
    area = float(learning_blocks(daily).groupby("mouse").accuracy.mean().mean())
    return Score(gain, area)


def simulate(address: str | None = None) -> Evaluate:
    """Run each config (in parallel on Ray with ``address``) and score it."""

    def evaluate(configs: list[BCIConfig]) -> list[Score]:
        if address is None:
            from creditlab.experiments.bci.experiment import run_experiment

            return [criterion(run_experiment(config).daily) for config in configs]
        from creditlab.experiments.bci.cluster import simulate_on_ray

        jobs = {index: (config, None) for index, config in enumerate(configs)}
        found = dict(simulate_on_ray(jobs, address))
        return [criterion(found[index].daily) for index in range(len(configs))]

    return evaluate


def over_none(
    evaluate: Evaluate,
    reference: Score,
    rule: str,
    origin: str | None,
    cohort: Cohort,
    on_candidate: Callable[[dict], None] | None,
) -> Callable[[list[dict[str, float]]], list[Score]]:
    """The search's evaluation of ``rule``'s settings: their calibration runs' criterion
    minus ``reference`` (``none``'s on the same cohort), each reported to
    ``on_candidate``."""

    def score(settings: list[dict[str, float]]) -> list[Score]:
        raw = evaluate([candidate_config(rule, origin, s, cohort) for s in settings])
        scored = [Score(*(np.subtract(found, reference))) for found in raw]
        for setting, value in zip(settings, scored, strict=True):
            if on_candidate is not None:
                on_candidate({"rule": rule, "feedback": origin, **setting, "score": value[0]})
        return scored

    return score


def tune(
    rules: tuple[str, ...],
    *,
    feedback: tuple[str | None, ...] = (None,),
    budget: Budget = DECLARED_BUDGET,
    cohort: Cohort = CALIBRATION_COHORT,
    evaluate: Evaluate | None = None,
    on_candidate: Callable[[dict], None] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Tune each rule (each ``feedback`` origin, for the rules with a learning signal).

    Returns every candidate (rule, feedback, hyperparameter, round, value, default,
    setting, seed, score = gain over ``none``, area = area over ``none``, best) and the
    chosen values in :mod:`.tuned`'s columns."""
    evaluate = evaluate or simulate()
    reference = evaluate([candidate_config("none", None, {}, cohort)])[0]
    rows, chosen_rows = [], []
    for rule in rules:
        defaults = tuned_hyperparameters(rule)
        origins = dict.fromkeys(feedback_origin(get_rule(rule), f) for f in feedback)
        for origin in origins if defaults else ():
            score = over_none(evaluate, reference, rule, origin, cohort, on_candidate)
            tried, chosen = search(defaults, score, budget, upper={"baseline_rate": 1.0})
            label = {"rule": rule, "feedback": origin or NO_FEEDBACK}
            rows += [
                {
                    **label,
                    "hyperparameter": candidate.hyperparameter,
                    "round": candidate.round,
                    "value": candidate.value,
                    "default": candidate.default,
                    "setting": ", ".join(f"{k}={v:.3g}" for k, v in candidate.setting.items()),
                    "seed": cohort.seed,
                    "score": candidate.score.primary,
                    "area": candidate.score.secondary,
                    "best": candidate.value == chosen[candidate.hyperparameter],
                }
                for candidate in tried
            ]
            budget_label = f"{budget.candidates}x{budget.decades:g}dec x{budget.rounds}"
            chosen_rows += [
                {**label, "hyperparameter": name, "value": value}
                | {"cohort_seed": cohort.seed, "budget": budget_label}
                for name, value in chosen.items()
            ]
    return pd.DataFrame(rows), pd.DataFrame(chosen_rows, columns=list(COLUMNS))


def write_tuned(chosen: pd.DataFrame, path: Path) -> None:
    """The chosen values as the table :mod:`.tuned` reads."""
    chosen.to_csv(path, index=False, float_format="%.6g")


def plot_tuning(table: pd.DataFrame, path: Path) -> None:
    """Score against each hyperparameter's candidates (log axis), one panel per rule and
    feedback origin; the chosen value of each hyperparameter is filled."""
    groups = list(table.groupby(["rule", "feedback"], sort=False))
    columns = min(4, len(groups))
    lines = -(-len(groups) // columns)
    fig = figure(3.4 * columns, 2.8 * lines)
    axes = np.atleast_1d(fig.subplots(lines, columns, squeeze=False)).ravel()
    for axis, ((rule, origin), rows) in zip(axes, groups, strict=False):
        for index, (name, swept) in enumerate(rows.groupby("hyperparameter", sort=False)):
            colour = f"C{index}"
            relative = swept.value / swept.default
            axis.plot(relative, swept.score, "o", mfc="none", color=colour, label=name)
            best = swept[swept.best]
            axis.plot(best.value / best.default, best.score, "o", color=colour)
        title = rule if origin == NO_FEEDBACK else f"{rule}, {origin}"
        axis.set(xscale="log", xlabel="candidate / untuned default", title=title)
        axis.set_ylabel("probe gain over none")
        axis.axhline(0.0, color="#7f7f7f", lw=0.5)
        axis.legend(frameon=False, fontsize=7)
    for axis in axes[len(groups) :]:
        axis.set_visible(False)
    fig.savefig(path, dpi=120)
