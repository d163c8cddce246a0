"""Held-out evaluation: the network's loss and accuracy on fresh trials, every N
iterations of training (``evaluate_every``), as Liu et al. 2021 measure (64 fresh trials
every 10 iterations; the result is the mean of the last 10 evaluations).

The trials come from a key of their own (:func:`evaluation_key`), so evaluating does
not change the training's draws. The network runs without exploration noise (a rule
that injects noise is evaluated with it off: nothing but the weights is used).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import jax
import jax.numpy as jnp
from jax import Array

from creditlab.network import Network, Params, over_trials, simulate
from creditlab.objective import Objective
from creditlab.rules.base import Metrics, trial_metrics
from creditlab.tasks.base import Task

Evaluation = Callable[[Network, Params, Array], Metrics]


def make_evaluation(task: Task, objective: Objective, batch: int) -> Evaluation:
    """``evaluate(network, params, key) -> {"loss", "accuracy" (classification)}`` on
    ``batch`` fresh trials drawn from ``key`` (pure: jit or vmap it)."""

    def evaluate(network: Network, params: Params, key: Array) -> Metrics:
        trials = task.sample(key, batch)
        run = over_trials(lambda x: simulate(network, params, x)[0].readout)
        readout = jnp.swapaxes(run(jnp.swapaxes(trials.inputs, 0, 1)), 0, 1)
        return trial_metrics(objective, readout, trials, None)

    return evaluate


def validation_row(scores: Metrics) -> dict[str, float]:
    """Scores as metric columns: ``validation_loss``, ``validation_accuracy``."""
    return {f"validation_{name}": float(value) for name, value in scores.items()}


def evaluation_key(data_key: Array) -> Array:
    """The evaluation trials' key after the iteration whose data key is ``data_key``."""
    return jax.random.fold_in(data_key, 3)


def evaluated_after(iteration: int, every: int) -> bool:
    """Whether the weights after update ``iteration`` (counted from 0) are evaluated: every
    ``every``-th, so with N = 10 after updates 10, 20, … (``every`` 0: never)."""
    return every > 0 and (iteration + 1) % every == 0


def last_evaluations(rows: list[dict[str, float]], count: int = 10) -> dict[str, float]:
    """The mean of the last ``count`` evaluations' loss and accuracy (Liu et al. 2021's
    final numbers), from metric rows; empty if none was evaluated."""
    evaluated = [row for row in rows if math.isfinite(row.get("validation_loss", math.nan))]
    evaluated = evaluated[-count:]
    if not evaluated:
        return {}
    names = [name for name in ("validation_loss", "validation_accuracy") if name in evaluated[0]]
    return {name: sum(row[name] for row in evaluated) / len(evaluated) for name in names}
