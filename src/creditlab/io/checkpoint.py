"""A training checkpoint: everything a run needs to go on, in one ``.npz`` (no pickle).

Entries of ``checkpoint.npz``:

- ``iteration``: the number of updates the state contains (the next iteration to run);
- ``random``: the generator every key of the run descends from (``threefry2x32``;
  checkpoints from before it was recorded came from another generator and are refused);
- ``w_in``, ``w_rec``, … : each parameter array under its own name, readable alone;
- ``state/NNNN``: leaf ``NNNN`` of the flattened training state (parameters, optimizer
  state, rule state, in :func:`jax.tree.leaves` order); random keys as their raw data;
- ``metrics/COLUMN``: the metrics rows so far, one float array per column.

The data keys need no entry: they are drawn from the run's seed (``config.json``), one
per iteration, so ``iteration`` picks up where the run stopped. Restoring checks the
leaves against the state a fresh run of the same config starts from, so a checkpoint
from another config (another size, another rule) is an error rather than a silent
misread.

Several seeds trained together (:func:`creditlab.seeds.train_seeds`) keep one file: each
seed's entries as above under ``seeds/NNN/``, with ``config`` (the run's config as JSON),
``seeds``, ``alive`` (which seeds have not diverged) and ``elapsed_s`` (the training's
wall time so far); see :func:`seeds_checkpoint_arrays`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

STATE = "state/"
METRICS = "metrics/"
RANDOM = "threefry2x32"  # creditlab.train.run_key's generator


class CheckpointMismatch(ValueError):
    """The checkpoint does not fit the run it is asked to continue."""


class Restored(NamedTuple):
    state: Any  # the training state, with the template's structure
    rows: list[dict[str, float]]  # the metrics rows of iterations 0 … iteration − 1
    iteration: int


def _is_key(leaf: Any) -> bool:
    import jax

    return jax.dtypes.issubdtype(getattr(leaf, "dtype", None), jax.dtypes.prng_key)


def checkpoint_arrays(
    params: Mapping[str, Any],
    state: Any,
    rows: Sequence[Mapping[str, float]],
    iteration: int,
) -> dict[str, np.ndarray]:
    """The entries of a checkpoint of ``state`` after ``iteration`` updates, with the
    metrics ``rows`` of those iterations (the rows beyond ``iteration`` are left out)."""
    import jax

    arrays = {"iteration": np.asarray(iteration), "random": np.asarray(RANDOM)}
    arrays |= {name: np.asarray(value) for name, value in params.items() if value is not None}
    for index, leaf in enumerate(jax.tree.leaves(state)):
        value = jax.random.key_data(leaf) if _is_key(leaf) else leaf
        arrays[f"{STATE}{index:04d}"] = np.asarray(value)
    kept = [row for row in rows if row["iteration"] < iteration]
    for column in dict.fromkeys(name for row in kept for name in row):
        values = [row.get(column, np.nan) for row in kept]  # evaluations: every N-th row
        arrays[METRICS + column] = np.asarray(values, dtype=np.float64)
    return arrays


def restore(arrays: Mapping[str, np.ndarray], template: Any, source: Path | str) -> Restored:
    """The state, metrics rows and iteration saved in ``arrays`` (read from ``source``),
    in the structure of ``template`` (a fresh run's initial state of the same config)."""
    import jax
    import jax.numpy as jnp

    random = str(arrays["random"]) if "random" in arrays else "rbg (before 2026-12-02)"
    if random != RANDOM:
        raise CheckpointMismatch(
            f"{source}: written by a run whose keys came from {random}; this version draws "
            f"them from {RANDOM}, so going on would not give the numbers either version "
            "gives uninterrupted. Start the run again."
        )
    leaves, structure = jax.tree.flatten(template)
    saved = sorted(name for name in arrays if name.startswith(STATE))
    if len(saved) != len(leaves):
        raise CheckpointMismatch(
            f"{source}: holds {len(saved)} state arrays, this config's run has {len(leaves)}"
            " (a checkpoint of another config, or one written before checkpoints held the"
            " whole state)"
        )
    restored = []
    for name, leaf in zip(saved, leaves, strict=True):
        value = arrays[name]
        expected = jax.random.key_data(leaf) if _is_key(leaf) else leaf
        if value.shape != expected.shape or value.dtype != expected.dtype:
            raise CheckpointMismatch(
                f"{source}: {name} is {value.dtype}{list(value.shape)}, this config's run "
                f"needs {expected.dtype}{list(expected.shape)}"
            )
        if _is_key(leaf):
            restored.append(jax.random.wrap_key_data(value, impl=jax.random.key_impl(leaf)))
        else:
            restored.append(jnp.asarray(value))
    iteration = int(arrays["iteration"])
    columns = {name[len(METRICS) :]: arrays[name] for name in arrays if name.startswith(METRICS)}
    count = {len(values) for values in columns.values()} or {0}
    if count != {iteration}:
        raise CheckpointMismatch(
            f"{source}: metrics for {sorted(count)} iterations, state after {iteration}"
        )
    rows = [{name: float(values[i]) for name, values in columns.items()} for i in range(iteration)]
    for row in rows:
        row["iteration"] = int(row["iteration"])
    return Restored(jax.tree.unflatten(structure, restored), rows, iteration)


SEEDS = "seeds/"


class RestoredSeeds(NamedTuple):
    states: list[Any]  # each seed's training state
    rows: list[list[dict[str, float]]]  # each seed's metrics rows so far
    alive: list[bool]
    iteration: int
    elapsed_s: float


def seeds_checkpoint_arrays(
    config_json: str,
    seeds: Sequence[int],
    states: Sequence[Any],
    rows: Sequence[Sequence[Mapping[str, float]]],
    alive: Sequence[bool],
    iteration: int,
    elapsed_s: float,
) -> dict[str, np.ndarray]:
    """The entries of a checkpoint of several seeds after ``iteration`` updates (module
    docstring). A seed that diverged keeps its rows up to its last finite one."""
    arrays = {
        "config": np.asarray(config_json),
        "seeds": np.asarray(seeds, np.int64),
        "alive": np.asarray(alive, bool),
        "iteration": np.asarray(iteration),
        "elapsed_s": np.asarray(elapsed_s, np.float64),
    }
    for index, (state, seed_rows) in enumerate(zip(states, rows, strict=True)):
        entries = checkpoint_arrays({}, state, seed_rows, iteration)
        entries.pop("iteration")  # a diverged seed has fewer rows than iterations
        entries["rows"] = np.asarray(len(seed_rows))
        arrays |= {f"{SEEDS}{index:03d}/{name}": value for name, value in entries.items()}
    return arrays


def restore_seeds(
    arrays: Mapping[str, np.ndarray],
    templates: Sequence[Any],
    source: Path | str,
    *,
    config_json: str,
    seeds: Sequence[int],
) -> RestoredSeeds:
    """The seeds' states and rows saved in ``arrays``, each in the structure of its
    ``templates`` entry (the seed's fresh initial state). A checkpoint of another config
    or other seeds is refused (:class:`CheckpointMismatch`)."""
    if "config" not in arrays or str(arrays["config"]) != config_json:
        raise CheckpointMismatch(
            f"{source}: a checkpoint of another configuration; remove it to start afresh"
        )
    if list(arrays["seeds"]) != list(seeds):
        raise CheckpointMismatch(
            f"{source}: holds seeds {list(arrays['seeds'])}, this run trains {list(seeds)}"
        )
    states, rows = [], []
    for index, template in enumerate(templates):
        prefix = f"{SEEDS}{index:03d}/"
        entries = {k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)}
        entries["iteration"] = entries.pop("rows")
        restored = restore(entries, template, source)
        states.append(restored.state)
        rows.append(restored.rows)
    return RestoredSeeds(
        states,
        rows,
        [bool(a) for a in arrays["alive"]],
        int(arrays["iteration"]),
        float(arrays["elapsed_s"]),
    )
