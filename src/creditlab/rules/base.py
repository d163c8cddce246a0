"""The rule contract: a learning rule is a gradient estimator with explicit state.

Shaped like an optax transformation (DESIGN.md, principle 3)::

    rule = creditlab.rules.eprop(network, objective)
    rule_state = rule.init(params, key=key)
    updates, rule_state, metrics = rule.update(params, rule_state, trials, key=key)

``updates`` has the pytree of ``params`` and the sign of a gradient (a descent step
subtracts it), so it goes straight into any optax optimizer. ``metrics`` is a dict of
scalars: at least ``loss`` (the task loss E), and ``accuracy`` for classification and
``firing_rate_hz`` for spiking networks. Both functions are pure and jit-able.
Rules that learn online also expose the per-step function they run inside the
network's scan (see :mod:`creditlab.rules.eprop`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import jax.numpy as jnp
from jax import Array

from creditlab.objective import Objective, accuracy

Metrics = dict[str, Array]


class Rule(NamedTuple):
    """``init(params, *, key) -> state`` and ``update(params, state, trials, *, key)``."""

    init: Callable[..., Any]
    update: Callable[..., tuple[Any, Any, Metrics]]


def trial_metrics(
    objective: Objective,
    readout: Array,
    trials: Any,
    rates_per_step: Array | None,
) -> Metrics:
    """The metrics every rule reports, from readouts ``[B, T, n_out]`` and spike rates.

    ``accuracy`` is added for a cross-entropy loss; ``firing_rate_hz`` and
    ``rate_penalty`` when each trial's spikes per step ``[B, n_rec]`` are given.
    """
    metrics: Metrics = {"loss": objective.task_loss(readout, trials.targets, trials.mask)}
    if objective.loss == "cross_entropy":
        metrics["accuracy"] = accuracy(readout, trials.targets, trials.mask)
    if rates_per_step is not None:
        metrics["firing_rate_hz"] = jnp.mean(rates_per_step) / (objective.dt * 1e-3)
        metrics["rate_penalty"] = objective.rate_penalty(rates_per_step)
    return metrics


def no_state(params: Any, *, key: Array | None = None) -> tuple[()]:
    """``init`` of a rule that keeps no state."""
    return ()
