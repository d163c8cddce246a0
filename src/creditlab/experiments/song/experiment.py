"""The song-learning experiment as a pure function of its config: birds, renditions,
and a condition (intact, LMAN lesion, dopamine lesion). Placement is this point-MSN
model's assumption; :mod:`.placement` tests it with spiny MSNs.

Each bird is its own random circuit, tutor and juvenile song (numpy, seeded from
``seed`` and the bird's index, so bird k is the same bird in every condition); all birds
learn in one vmapped scan, run in chunks so that progress can be shown. The same config
and seed give identical numbers on the same machine.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Literal, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
from pydantic import Field, field_validator, model_validator

from creditlab.config import Strict, dataclass_overrides
from creditlab.experiments.song.learning import Condition, Learner, renditions, start
from creditlab.experiments.song.model import (
    Bird,
    Route,
    SongModelConfig,
    initial_weights,
    song_error,
)
from creditlab.experiments.song.model import make_bird as draw_bird
from creditlab.rules.bptt import SurrogateGradient
from creditlab.rules.online import OnlineRule
from creditlab.rules.registry import closed_loop_rule, get_rule
from creditlab.tuning import check_evaluation_seed
from creditlab.tuning_table import tuned_values

Lesion = Literal["none", "lman", "dopamine"]
TUNED_TABLE = Path(__file__).with_name("tuned.csv")  # written by creditlab tune, committed
CHUNK = 250  # renditions per compiled call, between progress updates
CRITERION = 0.5  # learning time: renditions until the error is half the juvenile's
SMOOTHING = 50  # renditions in the moving average the criterion is applied to


def song_rule_defaults(model: SongModelConfig) -> dict[str, dict]:
    """Each closed-loop form's defaults on the song (keyed by a rule with that form).

    Node perturbation takes the model's constants (η, τ_e, R̄'s time constant, R̄ = ½ at
    the start). The others were set before any run of them, so that a typical change
    per rendition matches node perturbation's (≈ η · ½ · 1 per synapse of a bursting HVC
    neuron): learning-signal rules see L ≈ 0.25 in the one bin of a burst (η = 0.04),
    weight perturbation Ψ/σ² ≈ 1/σ (η = 0.001 at σ = 0.05), BPTT ∂E/∂W ≈ (2/160) ·
    0.25 / (κ · MSNs per channel) ≈ 3e-5 (η = 200). These are the untuned defaults the
    tuning (:mod:`.tuning`) starts from; a condition reads the shipped tuning over them."""
    reward = {"baseline_rate": 1.0 / model.reward_baseline_renditions}
    trace = {"trace_time_constant_ms": model.eligibility_tau_ms}
    return {
        "node-perturbation": {
            "learning_rate": model.learning_rate,
            "initial_baseline": 0.5,
            **trace,
            **reward,
        },
        "three-factor": {"learning_rate": model.learning_rate, **trace, **reward},
        "eprop": {"learning_rate": 0.04, "trace_time_constant_ms": model.bin_ms},
        "dendritic": {"learning_rate": 0.04},
        "weight-perturbation": {"learning_rate": 0.001, "noise_std": 0.05, **reward},
        "bptt": {"learning_rate": 200.0},
    }


class SongConfig(Strict):
    """One condition of the song experiment; ``model`` overrides :class:`SongModelConfig`."""

    rule: str = Field("node-perturbation", description="a rule with a closed-loop form")
    rule_options: dict[str, float | int | bool] = Field(default_factory=dict)
    birds: int = Field(10, ge=1, le=10_000)
    renditions: int = Field(3000, ge=1, le=10_000_000)
    lesion: Lesion = "none"
    route: Route = "loop"
    seed: int = Field(0, ge=0)
    model: dict[str, float | int] = Field(default_factory=dict)
    tuned: bool = Field(
        True, description="read the rule's shipped tuning (tuned.csv); False: untuned defaults"
    )

    @field_validator("model")
    @classmethod
    def _model_fields(cls, values: dict) -> dict:
        return dataclass_overrides(SongModelConfig, values)

    @model_validator(mode="after")
    def _rule_and_options(self) -> SongConfig:
        check_evaluation_seed(self.seed, self.tuning() is not None)
        self.online_rule()  # raises naming the rule or option that is wrong
        return self

    def model_config_(self) -> SongModelConfig:
        return SongModelConfig(**self.model)

    def tuning(self) -> dict[str, float] | None:
        """The shipped tuning this condition reads (``TUNED_TABLE``, written by ``creditlab
        tune --experiment song``): None when ``tuned`` is off or the rule was not tuned."""
        if not self.tuned or self.rule == "none":
            return None
        entry = get_rule(self.rule)  # a rule that is another on the song reads that one's
        return tuned_values(TUNED_TABLE, entry.closed_loop_same_as or self.rule, None)

    def online_rule(self) -> OnlineRule | SurrogateGradient:
        """The rule's closed-loop form, one step per time bin, with the song's defaults,
        the shipped tuning and ``rule_options`` (each overriding the one before)."""
        model = self.model_config_()
        return closed_loop_rule(
            self.rule,
            dt_ms=model.bin_ms,
            defaults=song_rule_defaults(model),
            options={**(self.tuning() or {}), **self.rule_options},
            experiment="song",
        )

    def condition(self) -> Condition:
        return Condition(
            route=self.route,
            lman_intact=self.lesion != "lman",
            dopamine=self.lesion != "dopamine",
        )

    @property
    def label(self) -> str:
        parts = [
            {"none": "intact", "lman": "LMAN lesion", "dopamine": "dopamine lesion"}[self.lesion]
        ]
        if self.rule != "node-perturbation":
            entry = get_rule(self.rule)
            name = self.rule
            if entry.closed_loop_same_as is not None:
                name += f" (= {entry.closed_loop_same_as})"
            if entry.knows_target or entry.learning_signal:
                name += " [upper bound: knows the tutor]"
            parts.insert(0, name)
        return ", ".join(parts)


class Results(NamedTuple):
    """``learning``: one row per bird and rendition; ``birds`` and final ``weights``
    (leading axis: bird) for the synapse table and the song figure."""

    learning: pd.DataFrame
    birds: Bird
    weights: jax.Array


def make_birds(config: SongConfig) -> Bird:
    model = config.model_config_()
    birds = [
        draw_bird(np.random.default_rng([config.seed, bird]), model) for bird in range(config.birds)
    ]
    return jax.tree.map(lambda *leaves: jnp.stack(leaves), *birds)


def one_bird(birds: Bird, index: int) -> Bird:
    """Bird ``index`` of a stack of birds (numpy leaves)."""
    return Bird(*(np.asarray(leaf[index]) for leaf in birds))


def learning_signal_weights(config: SongConfig, model: SongModelConfig) -> jax.Array:
    """B ``[birds, msns]``: 1 (each MSN's own effect on its channel) for rules that assume
    symmetric feedback, a fixed N(0, 1) per MSN and bird for those that assume random."""
    shape = (config.birds, model.msns)
    if get_rule(config.rule).feedback == "symmetric":
        return jnp.ones(shape, jnp.result_type(float))
    draws = [
        np.random.default_rng([config.seed, bird, 2]).standard_normal(model.msns)
        for bird in range(config.birds)
    ]
    return jnp.asarray(np.stack(draws), jnp.result_type(float)).reshape(shape)


def run_song(config: SongConfig, on_progress: Callable[[int], None] | None = None) -> Results:
    """Every bird's renditions under ``config``'s condition."""
    model, condition, rule = config.model_config_(), config.condition(), config.online_rule()
    birds = make_birds(config)
    weights = initial_weights(model)
    feedback = learning_signal_weights(config, model)
    seed_key = jax.random.key(config.seed)
    rule_keys = jax.random.split(jax.random.fold_in(seed_key, 2**31 - 1), config.birds)
    learner = jax.vmap(lambda bird, key: start(model, bird, weights, rule, key))(birds, rule_keys)
    keys = jax.vmap(
        lambda bird: jax.random.split(jax.random.fold_in(seed_key, bird), config.renditions)
    )(jnp.arange(config.birds))

    @jax.jit
    def chunk(learner: Learner, keys: jax.Array):
        return jax.vmap(partial(renditions, model, condition, rule))(birds, feedback, learner, keys)

    learner, record = scan_in_chunks(chunk, learner, keys, on_progress)
    juvenile = np.asarray(jax.vmap(lambda bird: song_error(bird.juvenile, bird.tutor))(birds))
    return Results(learning_table(config, record, juvenile), birds, learner.weights)


def scan_in_chunks(
    chunk: Callable, learner, keys: jax.Array, on_progress: Callable[[int], None] | None
) -> tuple:
    """Run ``chunk(learner, keys[:, part]) -> (learner, record)`` over the renditions'
    keys ``[birds, renditions]`` ``CHUNK`` at a time, reporting progress after each; the
    records (numpy) joined along the rendition axis."""
    renditions, records = keys.shape[1], []
    for first in range(0, renditions, CHUNK):
        learner, record = chunk(learner, keys[:, first : first + CHUNK])
        records.append(jax.tree.map(np.asarray, record))
        if on_progress is not None:
            on_progress(min(first + CHUNK, renditions))
    return learner, jax.tree.map(lambda *parts: np.concatenate(parts, axis=1), *records)


def learning_table(config: SongConfig, record, juvenile_error: np.ndarray) -> pd.DataFrame:
    """One row per bird and rendition; ``relative_error`` is the clean error divided by
    the bird's juvenile error ``juvenile_error [birds]``."""
    birds, renditions_ = record.error.shape
    clean = record.clean_error
    return pd.DataFrame(
        {
            "condition": config.label,
            "bird": np.repeat(np.arange(birds), renditions_),
            "rendition": np.tile(np.arange(1, renditions_ + 1), birds),
            "error": record.error.ravel(),
            "clean_error": clean.ravel(),
            "relative_error": (clean / juvenile_error[:, None]).ravel(),
            "reward": record.reward.ravel(),
            "dopamine": record.dopamine.ravel(),
        }
    )


def learning_time(learning: pd.DataFrame, criterion: float = CRITERION) -> pd.Series:
    """Per bird: the first rendition at which the moving average (``SMOOTHING``
    renditions) of the relative error is ≤ ``criterion``; NaN if it never is."""

    def first(rows: pd.DataFrame) -> float:
        smooth = rows.relative_error.rolling(SMOOTHING, min_periods=1).mean().to_numpy()
        below = np.flatnonzero(smooth <= criterion)
        return float(rows.rendition.to_numpy()[below[0]]) if len(below) else np.nan

    return learning.groupby("bird")[["rendition", "relative_error"]].apply(first)


def final_error(learning: pd.DataFrame, last: int = 200) -> pd.Series:
    """Per bird: mean relative error over the last ``last`` renditions."""
    cutoff = learning.rendition.max() - last
    return learning[learning.rendition > cutoff].groupby("bird").relative_error.mean()
