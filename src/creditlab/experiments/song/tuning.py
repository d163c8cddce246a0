"""Tuning every rule on the song with the same declared budget as the BCI
(:mod:`creditlab.tuning`), on calibration birds that no evaluation uses.

The tuned hyperparameters, in this order: ``learning_rate`` (every plastic rule) and
``baseline_rate`` (rules that keep a reward baseline), from the rule's untuned song
default (:func:`.experiment.song_rule_defaults`). Every candidate sets them explicitly
and runs with ``tuned=False``, so a tuning never depends on an earlier one.

Every candidate sings with the same calibration flock (:class:`Flock`: seed
:data:`CALIBRATION_SEED` + index, never an evaluation seed; the same birds and noise
for every candidate), intact (no lesion, compartments as the model places them). The
criterion, declared before the run that set the shipped defaults:

- primary: 1 − the final relative error (the clean song's error over its last 200
  renditions divided by the juvenile's, mean over birds): how much of the juvenile's
  error is gone;
- secondary, among exact ties: 1 − the mean relative error over all renditions (the
  area under the learning curve), which ranks faster learning higher.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import pandas as pd

from creditlab.experiments.song.experiment import (
    SongConfig,
    final_error,
    run_song,
    song_rule_defaults,
)
from creditlab.experiments.song.model import SongModelConfig
from creditlab.rules.registry import option_values
from creditlab.tuning import CALIBRATION_SEED, DECLARED_BUDGET, Budget, Score, Search, run_searches
from creditlab.tuning_table import COLUMNS, NO_FEEDBACK

CRITERION = "error removed (1 − final relative error)"


class Flock(NamedTuple):
    """The calibration birds: how many, how many renditions, which flock (its seed is
    ``CALIBRATION_SEED + index``)."""

    birds: int = 4
    renditions: int = 3000
    index: int = 0

    @property
    def seed(self) -> int:
        return CALIBRATION_SEED + self.index


CALIBRATION_FLOCK = Flock()
Evaluate = Callable[[list[SongConfig]], list[Score]]


def tuned_hyperparameters(rule: str) -> dict[str, float]:
    """The hyperparameters tuned for ``rule`` on the song and their untuned defaults."""
    if rule == "none":
        return {}
    options = option_values(rule, song_rule_defaults(SongModelConfig()))
    tuned = ("learning_rate", "baseline_rate")
    return {name: float(options[name]) for name in tuned if name in options}


def candidate_config(rule: str, setting: dict[str, float], flock: Flock) -> SongConfig:
    """The calibration run of ``rule`` with its tuned hyperparameters as in ``setting``."""
    return SongConfig(
        rule=rule,
        rule_options=setting,
        birds=flock.birds,
        renditions=flock.renditions,
        seed=flock.seed,
        tuned=False,
    )


def criterion(learning: pd.DataFrame) -> Score:
    """(1 − final relative error, 1 − mean relative error), means over birds."""
    final = float(final_error(learning).mean())
    mean = float(learning.groupby("bird").relative_error.mean().mean())
    return Score(1.0 - final, 1.0 - mean)


def simulate(configs: list[SongConfig]) -> list[Score]:
    return [criterion(run_song(config).learning) for config in configs]


def tune(
    rules: tuple[str, ...],
    *,
    budget: Budget = DECLARED_BUDGET,
    flock: Flock = CALIBRATION_FLOCK,
    evaluate: Evaluate = simulate,
    on_candidate: Callable[[dict], None] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every candidate of every rule and the chosen values (the tuning table's rows)."""

    def scorer(rule: str) -> Callable[[list[dict[str, float]]], list[Score]]:
        return lambda settings: evaluate([candidate_config(rule, s, flock) for s in settings])

    defaults = {rule: tuned_hyperparameters(rule) for rule in rules}
    searches = [
        Search(rule, NO_FEEDBACK, defaults[rule], scorer(rule)) for rule in rules if defaults[rule]
    ]
    upper = {"baseline_rate": 1.0}
    rows, chosen = run_searches(searches, budget, flock.seed, upper, on_candidate)
    return pd.DataFrame(rows), pd.DataFrame(chosen, columns=list(COLUMNS))
