"""Backpropagation through time (``bptt``): the exact gradient of the surrogate network.

    updates = ∇_θ (E + R)

by reverse-mode autodiff through the one ``simulate`` scan, with spikes differentiated by
the pseudo-derivative (Bellec et al. 2020; Neftci, Mostafa & Zenke 2019). Memory grows
with the sequence length (the scan stores every step for the backward pass).

Full BPTT differentiates every path, the spike reset included. With
``truncate_recurrent_gradient=True`` the gradient stops at z^{t−1} wherever it enters step t
(recurrent input and reset); for the models here that is exactly what e-prop computes
online, which the tests check.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
from jax import Array

from creditlab.network import (
    Backward,
    Feedback,
    Network,
    Params,
    Recording,
    over_trials,
    simulate,
)
from creditlab.objective import Objective
from creditlab.rules.base import Metrics, Rule, no_state, trial_metrics
from creditlab.tasks.base import Trials


def objective_and_metrics(
    network: Network,
    objective: Objective,
    params: Params,
    trials: Trials,
    *,
    truncate_recurrent_gradient: bool = False,
    feedback: Feedback | None = None,
) -> tuple[Array, Metrics]:
    """E + R (R only for spiking networks) and the trial metrics, differentiable in params.

    ``feedback``: fixed backward weights for feedback alignment (see ``simulate``).
    """
    spiking = network.neuron.is_spiking

    def run(inputs: Array) -> Any:
        trajectory, _, _ = simulate(
            network,
            params,
            inputs,
            record=Recording(activity=spiking),
            backward=Backward(truncate_recurrent_gradient, feedback),
        )
        return trajectory

    # time-major [T, B, ...] through the scan (see :func:`creditlab.network.over_trials`)
    trajectory = over_trials(run)(jnp.swapaxes(trials.inputs, 0, 1))
    rate = jnp.mean(trajectory.activity, axis=0) if spiking else None
    metrics = trial_metrics(objective, jnp.swapaxes(trajectory.readout, 0, 1), trials, rate)
    total = metrics["loss"] + metrics.get("rate_penalty", 0.0)
    return total, metrics


def bptt(
    network: Network, objective: Objective, *, truncate_recurrent_gradient: bool = False
) -> Rule:
    """The BPTT rule for ``network`` trained on ``objective``."""

    def update(
        params: Params, state: tuple[()], trials: Trials, *, key: Array | None = None
    ) -> tuple[Params, tuple[()], Metrics]:
        grads, metrics = jax.grad(
            lambda p: objective_and_metrics(
                network,
                objective,
                p,
                trials,
                truncate_recurrent_gradient=truncate_recurrent_gradient,
            ),
            has_aux=True,
        )(params)
        return grads, state, metrics

    return Rule(init=no_state, update=update)


class SurrogateGradient(NamedTuple):
    """BPTT in a closed loop (``bptt`` on an experiment): ΔW = −η ∇_W L, with L a
    differentiable surrogate of the experiment's objective over a window of steps (each
    experiment documents its surrogate: relaxed neurons and readout, the target). It
    knows the target, so on an in-silico experiment it is an upper bound."""

    learning_rate: float

    def update(self, loss: Callable[[Array], Array], weights: Array) -> tuple[Array, Array]:
        """ΔW = −η ∇L(W) and L(W), by reverse-mode autodiff through the window."""
        value, gradient = jax.value_and_grad(loss)(weights)
        return -self.learning_rate * gradient, value


def closed_loop_bptt(*, learning_rate: float = 1e-3) -> SurrogateGradient:
    """The closed-loop form of ``bptt`` (:class:`SurrogateGradient`)."""
    if learning_rate < 0:
        raise ValueError(f"learning_rate must be ≥ 0, got {learning_rate}")
    return SurrogateGradient(learning_rate)
