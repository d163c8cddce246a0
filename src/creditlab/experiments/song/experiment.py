"""The song-learning experiment as a pure function of its config: birds, renditions,
and a condition (intact, LMAN lesion, dopamine lesion, swapped compartments).

Each bird is its own random circuit, tutor and juvenile song (numpy, seeded from
``seed`` and the bird's index, so bird k is the same bird in every condition); all birds
learn in one vmapped scan, run in chunks so that progress can be shown. The same config
and seed give identical numbers on the same machine.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from functools import partial
from typing import Literal, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from creditlab.experiments.song.learning import Condition, Learner, renditions, start
from creditlab.experiments.song.model import (
    Bird,
    Route,
    SongModelConfig,
    initial_weights,
    song_error,
)
from creditlab.experiments.song.model import make_bird as draw_bird

Lesion = Literal["none", "lman", "dopamine"]
CHUNK = 250  # renditions per compiled call, between progress updates
CRITERION = 0.5  # learning time: renditions until the error is half the juvenile's
SMOOTHING = 50  # renditions in the moving average the criterion is applied to


class SongConfig(BaseModel):
    """One condition of the song experiment; ``model`` overrides :class:`SongModelConfig`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    birds: int = Field(10, ge=1, le=10_000)
    renditions: int = Field(3000, ge=1, le=10_000_000)
    lesion: Lesion = "none"
    swap_compartments: bool = False
    route: Route = "loop"
    seed: int = Field(0, ge=0)
    model: dict[str, float | int] = Field(default_factory=dict)

    @field_validator("model")
    @classmethod
    def _model_fields(cls, values: dict) -> dict:
        allowed = {f.name for f in dataclasses.fields(SongModelConfig)}
        unknown = sorted(set(values) - allowed)
        if unknown:
            raise ValueError(f"unknown field(s) {unknown}; allowed: {sorted(allowed)}")
        SongModelConfig(**values)  # raises with the rule a value breaks
        return values

    def model_config_(self) -> SongModelConfig:
        return SongModelConfig(**self.model)

    def condition(self) -> Condition:
        return Condition(
            swap=self.swap_compartments,
            route=self.route,
            lman_intact=self.lesion != "lman",
            dopamine=self.lesion != "dopamine",
        )

    @property
    def label(self) -> str:
        parts = [
            {"none": "intact", "lman": "LMAN lesion", "dopamine": "dopamine lesion"}[self.lesion]
        ]
        if self.swap_compartments:
            parts = ["swapped compartments"] + (parts if self.lesion != "none" else [])
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


def run_song(config: SongConfig, on_progress: Callable[[int], None] | None = None) -> Results:
    """Every bird's renditions under ``config``'s condition."""
    model, condition = config.model_config_(), config.condition()
    birds = make_birds(config)
    weights = initial_weights(model, condition.swap)
    learner = jax.vmap(lambda bird: start(model, bird, weights))(birds)
    seed_key = jax.random.key(config.seed)
    keys = jax.vmap(
        lambda bird: jax.random.split(jax.random.fold_in(seed_key, bird), config.renditions)
    )(jnp.arange(config.birds))

    @jax.jit
    def chunk(learner: Learner, keys: jax.Array):
        return jax.vmap(partial(renditions, model, condition))(birds, learner, keys)

    records = []
    for first in range(0, config.renditions, CHUNK):
        learner, record = chunk(learner, keys[:, first : first + CHUNK])
        records.append(jax.tree.map(np.asarray, record))
        if on_progress is not None:
            on_progress(min(first + CHUNK, config.renditions))
    record = jax.tree.map(lambda *parts: np.concatenate(parts, axis=1), *records)
    juvenile = np.asarray(jax.vmap(lambda bird: song_error(bird.juvenile, bird.tutor))(birds))
    return Results(learning_table(config, record, juvenile), birds, learner.weights)


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
