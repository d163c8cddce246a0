"""Rules in a closed loop: plasticity once per step, inside an experiment's scan.

In a closed-loop experiment (the BCI, the songbird) what the network does moves what it
senses, and a reward arrives when the environment says so; no rule sees a batch of
trials with targets. At every step t a rule sees what is local to one population of
plastic synapses, post × pre (``W x``), and what the circuit broadcasts:

    Local:      pre x^t ``[n_pre]``; post z^t ``[n_post]``; its expectation ⟨z^t⟩ given the
                inputs (so z − ⟨z⟩ is the neuron's own noise); ψ^t = ∂⟨z^t⟩/∂u^t, the
                pseudo-derivative of the output with respect to the summed input u;
                the apical tuft's depolarisation above its spontaneous mean (0 without
                a tuft); the neuron's recent rate [Hz]; and, where the neuron has
                compartments, what each synapse sees where it sits ``[n_post, n_pre]``
                (the NMDA unblock of a spine head or a shaft; None for a point neuron).
    Broadcast:  the reward R^t and an outcome flag o^t ∈ {0, 1} (R is read only where
                o = 1); the learning signal L^t ``[n_post]`` = B e^t that the circuit's
                feedback pathway delivers from the perceived error e^t (0 outside a
                trial).

A rule returns ΔW ``[n_post, n_pre]`` (added to the weights; the experiment then clips
them to its allowed range) and its new state: ``init(weights, key) -> state``,
``step(state, weights, local, broadcast) -> (ΔW, state)``, both pure. Rules compose:
:func:`creditlab.rules.energy_cost.with_energy_cost` adds a circuit-wide homeostatic
term to any of them. A rule
also says what its circuit's feedback pathway sends to the apical tufts while it learns
(``apical_feedback``: the vectorized signal L, the unsigned error broadcast to every
tuft, or nothing), and how its state ages while time passes with no activity
(``elapse``: a trace decays; for a reward that arrives between steps).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, NamedTuple

import jax.numpy as jnp
from jax import Array

ApicalFeedback = Literal["signal", "error", "none"]


class Local(NamedTuple):
    """What one population of plastic synapses sees at one step (module docstring)."""

    pre: Array
    post: Array
    expected: Array
    psi: Array
    apical: Array
    rate: Array
    synaptic: Array | None = None


class Broadcast(NamedTuple):
    """What the circuit broadcasts at one step: ``reward`` and ``outcome`` (scalars) and
    the learning signal ``signal [n_post]``."""

    reward: Array
    outcome: Array
    signal: Array


class OnlineRule(NamedTuple):
    """``init(weights, key) -> state``, ``step(state, weights, local, broadcast) -> (ΔW,
    state)``, what the feedback pathway sends to the tufts under this rule, and
    ``elapse(state, elapsed_ms) -> state``. The key is for a rule that draws its own
    noise (weight perturbation); the others ignore it."""

    init: Callable[[Array, Array], Any]
    step: Callable[[Any, Array, Local, Broadcast], tuple[Array, Any]]
    apical_feedback: ApicalFeedback = "none"
    elapse: Callable[[Any, Array], Any] = lambda state, elapsed_ms: state


def no_plasticity() -> OnlineRule:
    """``none``: ΔW = 0; nothing reaches the tufts."""

    def step(state: tuple, weights: Array, local: Local, broadcast: Broadcast) -> tuple:
        return jnp.zeros_like(weights), state

    return OnlineRule(stateless, step)


class RewardBaseline(NamedTuple):
    """R̄, the expected reward (a scalar), updated at each outcome."""

    value: Array


def reward_surprise(baseline: RewardBaseline, broadcast: Broadcast) -> Array:
    """δ = o (R − R̄): the reward-prediction error at an outcome, 0 elsewhere."""
    return broadcast.outcome * (broadcast.reward - baseline.value)


def updated_baseline(baseline: RewardBaseline, surprise: Array, rate: float) -> RewardBaseline:
    """R̄ ← R̄ + α δ."""
    return RewardBaseline(baseline.value + rate * surprise)


def reward_gated_trace(
    eligibility: Array,
    baseline: RewardBaseline,
    increment: Array,
    broadcast: Broadcast,
    *,
    decay: float,
    learning_rate: float,
    baseline_rate: float,
) -> tuple[Array, Array, RewardBaseline]:
    """The step that reward-based closed-loop rules share: a decaying trace gated by the
    reward-prediction error,

        E ← γ E + increment,   δ = o (R − R̄),   ΔW = η δ E,   R̄ ← R̄ + α δ

    Returns (ΔW, E, R̄); each rule says what its ``increment [n_post, n_pre]`` is."""
    eligibility = decay * eligibility + increment
    surprise = reward_surprise(baseline, broadcast)
    change = learning_rate * surprise * eligibility
    return change, eligibility, updated_baseline(baseline, surprise, baseline_rate)


def check_reward_trace(
    rule: str, learning_rate: float, trace_time_constant_ms: float, baseline_rate: float
) -> None:
    """Raise ``ValueError`` naming ``rule`` unless η ≥ 0, τ_e > 0 and α ∈ (0, 1] (the
    constants of :func:`reward_gated_trace`)."""
    if learning_rate < 0 or trace_time_constant_ms <= 0 or not 0 < baseline_rate <= 1:
        raise ValueError(
            f"{rule} needs learning_rate ≥ 0, trace_time_constant_ms > 0 and "
            f"baseline_rate in (0, 1]; got {learning_rate}, {trace_time_constant_ms}, "
            f"{baseline_rate}"
        )


def stateless(weights: Array, key: Array) -> tuple[()]:
    """``init`` of a closed-loop rule that keeps no state."""
    return ()


def zero_trace(weights: Array, key: Array) -> Array:
    """``init`` of a closed-loop rule whose state is one trace shaped like the weights."""
    return jnp.zeros_like(weights)
