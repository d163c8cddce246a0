"""Independent seeds of one configuration as one vmapped computation.

``train_seeds(config, seeds)`` draws every seed's network and initial state with one
``jax.vmap`` of :func:`creditlab.train.training_parts`'s ``initial``, and advances all
seeds together with one compiled, vmapped training step: one compilation and one
dispatch per iteration instead of one per seed.

Random numbers come from threefry keys, whose draws under ``jax.vmap`` equal those of
a loop: a seed's numbers do not depend on which other seeds run beside it (to float
rounding: batched and single matrix products may sum in a different order). They are
not the numbers of ``creditlab train --seed s``, which uses XLA's faster-compiling RBG
generator; RBG draws under ``vmap`` depend on the lane, so it cannot be used here.

A seed whose loss or weights become NaN or infinite stops contributing rows (it is
listed in ``diverged``); the others go on.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from creditlab.compilation import run_once
from creditlab.config import TrainConfig
from creditlab.network import Network
from creditlab.train import TrainState, training_parts


class SeedsResult(NamedTuple):
    """``metrics[i]``: the rows of seed ``seeds[i]`` (as in ``metrics.parquet``).
    ``networks``, ``initial_states`` and ``states`` are stacked along a leading seed axis."""

    seeds: list[int]
    metrics: list[list[dict[str, float]]]
    diverged: list[int]
    networks: Network
    initial_states: TrainState
    states: TrainState


def train_seeds(
    config: TrainConfig,
    seeds: Sequence[int],
    *,
    on_iteration: Callable[[int, list[dict[str, float]]], None] | None = None,
) -> SeedsResult:
    """Train ``config`` once per seed, all seeds in one vmapped step (module docstring)."""
    if not seeds:
        raise ValueError("train_seeds needs at least one seed")
    parts = training_parts(config, key_impl="threefry2x32")
    seed_array = jnp.asarray(list(seeds), jnp.uint32)
    networks, initial_states, keys = run_once(jax.vmap(parts.initial), seed_array)
    states = initial_states
    step = jax.jit(jax.vmap(parts.step)).lower(networks, states, keys[:, 0]).compile()

    metrics: list[list[dict[str, float]]] = [[] for _ in seeds]
    alive = np.ones(len(seeds), bool)
    start = time.perf_counter()
    for iteration in range(config.iterations):
        states, values = step(networks, states, keys[:, iteration])
        values = jax.device_get(values)
        finite = np.asarray(values.pop("finite"), bool)
        elapsed = time.perf_counter() - start
        rows = []
        for i in np.flatnonzero(alive):
            row = {"iteration": iteration, **{k: float(v[i]) for k, v in values.items()}}
            row["wall_time_s"] = elapsed
            if not math.isfinite(row["loss"]):
                alive[i] = False
                continue
            metrics[i].append(row)
            rows.append(row)
            alive[i] = bool(finite[i])
        if on_iteration is not None:
            on_iteration(iteration, rows)
        if not alive.any():
            break
    diverged = [int(seed) for seed, ok in zip(seeds, alive, strict=True) if not ok]
    return SeedsResult(list(seeds), metrics, diverged, networks, initial_states, states)
