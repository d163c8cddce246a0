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
candidate with its score and the chosen values, which ``creditlab tune`` writes as the
table the experiment's defaults read (:mod:`creditlab.tuning_table`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import pandas as pd

from creditlab.experiments.bci.experiment import BCIConfig
from creditlab.experiments.bci.findings import learning_blocks, learning_gain
from creditlab.experiments.bci.learning import BCI_RULE_DEFAULTS, feedback_origin
from creditlab.rules.registry import get_rule, option_values
from creditlab.tuning import CALIBRATION_SEED, DECLARED_BUDGET, Budget, Score, Search, run_searches
from creditlab.tuning_table import COLUMNS, NO_FEEDBACK

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


def origins(rule: str, feedback: tuple[str | None, ...]) -> list[str | None]:
    """The distinct origins of B that ``rule`` is tuned with (None: no learning signal)."""
    return list(dict.fromkeys(feedback_origin(get_rule(rule), f) for f in feedback))


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
    evaluate: Evaluate, reference: Score, rule: str, origin: str | None, cohort: Cohort
) -> Callable[[list[dict[str, float]]], list[Score]]:
    """The search's evaluation of ``rule``'s settings: their calibration runs' criterion
    minus ``reference`` (``none``'s on the same cohort)."""

    def score(settings: list[dict[str, float]]) -> list[Score]:
        raw = evaluate([candidate_config(rule, origin, s, cohort) for s in settings])
        return [Score(*(np.subtract(found, reference))) for found in raw]

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
    chosen values in the tuning table's columns (:mod:`creditlab.tuning_table`)."""
    evaluate = evaluate or simulate()
    reference = evaluate([candidate_config("none", None, {}, cohort)])[0]
    defaults = {rule: tuned_hyperparameters(rule) for rule in rules}
    searches = [
        Search(
            rule,
            origin or NO_FEEDBACK,
            defaults[rule],
            over_none(evaluate, reference, rule, origin, cohort),
        )
        for rule in rules
        if defaults[rule]
        for origin in origins(rule, feedback)
    ]
    upper = {"baseline_rate": 1.0}
    rows, chosen = run_searches(searches, budget, cohort.seed, upper, on_candidate)
    return pd.DataFrame(rows), pd.DataFrame(chosen, columns=list(COLUMNS))
