"""Independent seeds of one configuration, trained together.

``train_seeds(config, seeds, batching=...)`` compiles a run's initialisation and training
step once and advances every seed by one iteration before reading any seed's metrics.
How the seeds share the work is a small object:

* :class:`Looped` (the default) runs each seed through the very program ``creditlab
  train --seed s`` compiles (:attr:`creditlab.train.TrainingParts.step_at`), all seeds
  dispatched together: a seed's numbers are ``train``'s, bitwise, in any precision, and
  do not depend on which other seeds run beside it. One compilation serves every seed;
  the seeds take turns on a device.
* :class:`Vmapped` runs all seeds as one ``jax.vmap``-ped program: one dispatch per
  iteration, the faster layout on a GPU for small networks. Its numbers equal
  :class:`Looped`'s only to rounding: XLA simplifies a batched program differently from
  a single one (for example it rewrites Adam's ``(m / b) / (√v + ε)`` as
  ``m / (b (√v + ε))`` for one layout and not the other), so updates differ in the last
  bit, and spiking networks amplify such differences over iterations (RESULTS §2, §14).

Random numbers come from threefry keys (:func:`creditlab.train.run_key`), whose draws
are the same whichever way a seed runs.

A seed whose loss or weights become NaN or infinite stops contributing rows (it is
listed in ``diverged``); the others go on.

Given a :class:`Checkpointing`, the seeds' states and rows are saved to one file every
few minutes, and a call with the same file goes on from it to the numbers an
uninterrupted run gives (a ``creditlab compare`` trial killed half-way loses minutes, not
the trial).

With several devices (GPUs, or CPU devices from
``--xla_force_host_platform_device_count``) the seeds are spread over them: :class:`Looped`
puts seed ``i`` on device ``i mod D`` (same program, same numbers); :class:`Vmapped` splits
the seeds evenly over as many devices as divide them (:func:`device_shares`) and each
device runs the one-device program on its share, so a seed's numbers are those one device
gives for that share, bitwise. (XLA's own partitioning of one program over the devices,
``jax.sharding``, was tried: its updates differ from one device's in the last bit.)
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, Protocol

import jax
import jax.numpy as jnp
import numpy as np

from creditlab.build import build_objective
from creditlab.compilation import compile_for_few_calls, run_once
from creditlab.config import TrainConfig
from creditlab.evaluation import (
    Evaluation,
    evaluated_after,
    evaluation_key,
    make_evaluation,
    validation_row,
)
from creditlab.io.checkpoint import restore_seeds, seeds_checkpoint_arrays
from creditlab.io.run_directory import load_checkpoint, write_arrays
from creditlab.network import Network
from creditlab.train import TrainingParts, TrainState, training_parts


class SeedsResult(NamedTuple):
    """``metrics[i]``: the rows of seed ``seeds[i]`` (as in ``metrics.parquet``).
    ``networks``, ``initial_states`` and ``states`` are stacked along a leading seed axis.
    ``earlier_sittings_s``: the training time (s) a resumed run's checkpoint held, spent
    before this call; 0 for a run from the start."""

    seeds: list[int]
    metrics: list[list[dict[str, float]]]
    diverged: list[int]
    networks: Network
    initial_states: TrainState
    states: TrainState
    earlier_sittings_s: float = 0.0


class SeedRuns(Protocol):
    """Seeds started by a :class:`Batching`: their networks and initial states (stacked
    along a leading seed axis), and one iteration of all of them at a time."""

    networks: Network
    initial_states: TrainState

    def evaluate(self, evaluation: Evaluation, iteration: int) -> dict[str, np.ndarray]:
        """Each seed's ``validation_*`` scores after ``iteration`` ``[K]``."""
        ...

    def advance(self, iteration: int) -> dict[str, np.ndarray]:
        """Iteration ``iteration`` of every seed; each metric as a ``[K]`` array."""
        ...

    def states(self) -> TrainState:
        """The current states, stacked."""
        ...

    def seed_states(self) -> list[TrainState]:
        """The current state of each seed."""
        ...

    def load(self, states: list[TrainState]) -> None:
        """Go on from ``states`` (one per seed, as :meth:`seed_states` gives them)."""
        ...


class Batching(Protocol):
    def start(self, parts: TrainingParts, seeds: list[int]) -> SeedRuns: ...


@dataclass(frozen=True)
class Looped:
    """Each seed through ``train``'s own compiled program (module docstring)."""

    def start(self, parts: TrainingParts, seeds: list[int]) -> SeedRuns:
        return _LoopedRuns(parts, seeds)


@dataclass(frozen=True)
class Vmapped:
    """All seeds as one ``jax.vmap``-ped program (module docstring)."""

    def start(self, parts: TrainingParts, seeds: list[int]) -> SeedRuns:
        return _VmappedRuns(parts, seeds)


BATCHINGS: dict[str, Batching] = {"looped": Looped(), "vmapped": Vmapped()}


@dataclass(frozen=True)
class Checkpointing:
    """Save every seed's state and rows to ``path`` (one ``.npz``, replaced atomically;
    :func:`creditlab.io.checkpoint.seeds_checkpoint_arrays`) after the first iteration
    that ends ``every_s`` seconds or more after the last save; a run of the same config
    and seeds given an existing ``path`` goes on from it."""

    path: Path
    every_s: float = 300.0


def train_seeds(
    config: TrainConfig,
    seeds: Sequence[int],
    *,
    batching: Batching = Looped(),
    on_iteration: Callable[[int, list[dict[str, float]]], None] | None = None,
    checkpoint: Checkpointing | None = None,
) -> SeedsResult:
    """Train ``config`` once per seed, all seeds together (module docstring); with a
    ``checkpoint``, on from it where it exists, and saved to it as the run goes."""
    if not seeds:
        raise ValueError("train_seeds needs at least one seed")
    seeds = [int(seed) for seed in seeds]
    parts = training_parts(config)
    runs = batching.start(parts, seeds)
    evaluation = None
    if config.evaluate_every > 0:
        objective = build_objective(config, parts.task)
        evaluation = make_evaluation(parts.task, objective, config.evaluation_batch)
    metrics: list[list[dict[str, float]]] = [[] for _ in seeds]
    alive = np.ones(len(seeds), bool)
    first, earlier_s = 0, 0.0
    if checkpoint is not None and Path(checkpoint.path).exists():
        restored = _restore(checkpoint.path, config, seeds, runs)
        metrics, alive = restored.rows, np.asarray(restored.alive, bool)
        first, earlier_s = restored.iteration, restored.elapsed_s
    start = saved = time.perf_counter()
    for iteration in range(first, config.iterations if alive.any() else first):
        values = runs.advance(iteration)
        finite = np.asarray(values.pop("finite"), bool)
        elapsed = earlier_s + time.perf_counter() - start
        rows = []
        if evaluation is not None and evaluated_after(iteration, config.evaluate_every):
            values |= runs.evaluate(evaluation, iteration)
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
        if checkpoint is not None and time.perf_counter() - saved >= checkpoint.every_s:
            arrays = seeds_checkpoint_arrays(config.model_dump_json(), seeds,
                                             runs.seed_states(), metrics, alive.tolist(),
                                             iteration + 1, elapsed)  # fmt: skip
            write_arrays(Path(checkpoint.path), arrays)
            saved = time.perf_counter()
    diverged = [seed for seed, ok in zip(seeds, alive, strict=True) if not ok]
    return SeedsResult(seeds, metrics, diverged, runs.networks, runs.initial_states,
                       runs.states(), earlier_s)  # fmt: skip


def _restore(path: Path, config: TrainConfig, seeds: list[int], runs: SeedRuns) -> Any:
    """Load ``path`` into ``runs`` (module docstring); returns what it held."""
    restored = restore_seeds(
        load_checkpoint(path),
        runs.seed_states(),
        path,
        config_json=config.model_dump_json(),
        seeds=seeds,
    )
    runs.load(restored.states)
    return restored


class _LoopedRuns:
    def __init__(self, parts: TrainingParts, seeds: list[int]) -> None:
        initial = compile_for_few_calls(jax.jit(parts.initial).trace(seeds[0]))
        devices = jax.devices()
        drawn = [jax.device_put(initial(s), devices[i % len(devices)]) for i, s in enumerate(seeds)]
        self._networks, self._states, self._keys = (list(p) for p in zip(*drawn, strict=True))
        self._devices = len(devices)
        self._step = jax.jit(parts.step_at)
        self._evaluate: Callable | None = None
        self.networks = _stack(self._networks)
        self.initial_states = _stack(self._states)

    def advance(self, iteration: int) -> dict[str, np.ndarray]:
        # One seed per device at a time, dispatched together (seed i runs on device
        # i mod D). On one CPU device the seeds run one after another: dispatched all at
        # once, five seeds competing for two cores took 16 % longer (RESULTS §9, "Speed").
        runs = list(zip(self._networks, self._states, self._keys, strict=True))
        stepped, found = [], []
        for first in range(0, len(runs), self._devices):
            batch = [self._step(*run, iteration) for run in runs[first : first + self._devices]]
            found += jax.device_get([metrics for _, metrics in batch])
            stepped += batch
        self._states = [state for state, _ in stepped]
        return {name: np.stack([np.asarray(m[name]) for m in found]) for name in found[0]}

    def evaluate(self, evaluation: Evaluation, iteration: int) -> dict[str, np.ndarray]:
        """Each seed's held-out scores after ``iteration`` (``validation_*`` columns), by
        the program ``train`` runs for one seed."""
        if self._evaluate is None:
            self._evaluate = jax.jit(evaluation)
        found = jax.device_get([
            self._evaluate(network, state.params, evaluation_key(keys[iteration]))
            for network, state, keys in zip(self._networks, self._states, self._keys, strict=True)
        ])  # fmt: skip
        rows = [validation_row(scores) for scores in found]
        return {name: np.asarray([row[name] for row in rows]) for name in rows[0]}

    def states(self) -> TrainState:
        return _stack(self._states)

    def seed_states(self) -> list[TrainState]:
        return list(self._states)

    def load(self, states: list[TrainState]) -> None:
        devices = jax.devices()
        self._states = [jax.device_put(s, devices[i % len(devices)]) for i, s in enumerate(states)]


class _VmappedRuns:
    def __init__(self, parts: TrainingParts, seeds: list[int]) -> None:
        drawn = run_once(jax.vmap(parts.initial), jnp.asarray(seeds, jnp.uint32))
        self.networks, self.initial_states, _ = drawn
        self._step = jax.jit(jax.vmap(parts.step))
        self._evaluate: Callable | None = None
        self._shares = [
            jax.device_put(_take(drawn, part), device) for device, part in device_shares(len(seeds))
        ]
        self._states = [state for _, state, _ in self._shares]

    def advance(self, iteration: int) -> dict[str, np.ndarray]:
        stepped = [  # dispatched to every device before any result is read
            self._step(network, state, share_keys[:, iteration])
            for (network, _, share_keys), state in zip(self._shares, self._states, strict=True)
        ]
        self._states = [state for state, _ in stepped]
        return _join([jax.device_get(found) for _, found in stepped])

    def states(self) -> TrainState:
        return _join(self._states)

    def seed_states(self) -> list[TrainState]:
        joined = self.states()
        count = jax.tree.leaves(joined)[0].shape[0]
        return [_take(joined, i) for i in range(count)]

    def load(self, states: list[TrainState]) -> None:
        stacked = _stack(states)
        self._states = [
            jax.device_put(_take(stacked, part), device)
            for device, part in device_shares(len(states))
        ]

    def evaluate(self, evaluation: Evaluation, iteration: int) -> dict[str, np.ndarray]:
        """Each seed's held-out scores after ``iteration``, all seeds in one vmap."""
        if self._evaluate is None:
            self._evaluate = jax.jit(jax.vmap(
                lambda network, params, keys: evaluation(network, params, evaluation_key(keys))
            ))  # fmt: skip
        found = [
            jax.device_get(self._evaluate(network, state.params, share_keys[:, iteration]))
            for (network, _, share_keys), state in zip(self._shares, self._states, strict=True)
        ]
        joined = _join(found)
        return {f"validation_{name}": np.asarray(value) for name, value in joined.items()}


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


def _stack(trees: list[Any]) -> Any:
    """Pytrees of one seed each, stacked along a new leading seed axis (default device)."""
    default = jax.devices()[0]
    return jax.tree.map(
        lambda *leaves: jnp.stack([jax.device_put(x, default) for x in leaves]), *trees
    )


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
