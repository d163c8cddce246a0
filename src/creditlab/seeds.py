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

With several devices (GPUs, or CPU devices from
``--xla_force_host_platform_device_count``), the seeds are split evenly over as many as
divide them (:func:`device_shares`) and every device runs the one-device program on its
share, all dispatched together: a seed's numbers are those one device gives for that
share, bitwise. (XLA's own partitioning of one program over the devices, ``jax.sharding``,
was tried: its updates differ from one device's in the last bit.)
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

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
    drawn = run_once(jax.vmap(parts.initial), seed_array)  # networks, states, keys
    networks, initial_states, _ = drawn
    step = jax.jit(jax.vmap(parts.step))
    shares = [
        jax.device_put(_take(drawn, part), device) for device, part in device_shares(len(seeds))
    ]
    states = [state for _, state, _ in shares]

    metrics: list[list[dict[str, float]]] = [[] for _ in seeds]
    alive = np.ones(len(seeds), bool)
    start = time.perf_counter()
    for iteration in range(config.iterations):
        stepped = [  # dispatched to every device before any result is read
            step(network, state, share_keys[:, iteration])
            for (network, _, share_keys), state in zip(shares, states, strict=True)
        ]
        states = [state for state, _ in stepped]
        values = _join([jax.device_get(found) for _, found in stepped])
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
    return SeedsResult(list(seeds), metrics, diverged, networks, initial_states, _join(states))


def device_shares(count: int, devices: Sequence | None = None) -> list[tuple[Any, slice]]:
    """``(device, slice of the seed axis)`` splitting ``count`` seeds evenly over the most
    of ``devices`` (default: every device JAX sees) that divide it; one device when none
    but one does."""
    devices = list(jax.devices() if devices is None else devices)
    used = max(d for d in range(1, len(devices) + 1) if count % d == 0)
    size = count // used
    return [(devices[i], slice(i * size, (i + 1) * size)) for i in range(used)]


def _take(tree: Any, share: slice) -> Any:
    return jax.tree.map(lambda leaf: leaf[share], tree)


def _join(trees: list[Any]) -> Any:
    """Pytrees with a leading seed axis, one per device, joined into one (on the host for
    numpy leaves, else on the default device)."""
    if len(trees) == 1:
        return trees[0]
    if all(isinstance(leaf, np.ndarray) for leaf in jax.tree.leaves(trees[0])):
        return jax.tree.map(lambda *leaves: np.concatenate(leaves), *trees)
    default = jax.devices()[0]
    return jax.tree.map(
        lambda *leaves: jnp.concatenate([jax.device_put(x, default) for x in leaves]), *trees
    )
