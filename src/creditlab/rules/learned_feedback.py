"""Feedback weights learned from the reward and each neuron's own noise (Lansdell,
Prakash & Kording 2020, ICLR, "Learning to solve the credit assignment problem"; the
estimator is node perturbation's, Williams 1992; Fiete & Seung 2006).

A feedback pathway sends each neuron i a learning signal L_i = Σ_k B_ik e_k. Which B
is useful depends on what the neuron does to the task — on the BCI, the decoder's
weight on it — which no neuron knows. Each neuron can learn its own B_i from two things
only: the scalar reward the circuit broadcasts, and its private perturbation ξ_i = z_i −
⟨z_i⟩ (its own noise: the part of its output its inputs do not explain, so shared
inputs do not confound it), in a trace correlated with the reward-prediction error:

    E_i ← γ E_i + ξ_i                  γ = exp(−dt/τ_e)
    δ = o (R − R̄),   B_i ← B_i + η_B δ E_i,   R̄ ← R̄ + α δ

In expectation ΔB_i ∝ ∂E[R]/∂z_i (a node-perturbation estimate of the neuron's effect
on the reward), so B aligns with what the neuron does to the task — if the reward
carries that information, and only as fast as a perturbation estimate over all neurons
can (Werfel et al. 2005). No weight or label of the task enters it. For one error
dimension (the BCI's e) B is ``[n]``; it starts at 0.

``init(n, dtype) -> state``, ``step(state, own_noise, broadcast) -> state``, and
``weights(state)`` = B; the state ages like a closed-loop rule's (``elapse``).
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import jax.numpy as jnp
from jax import Array

from creditlab.rules.online import (
    Broadcast,
    RewardBaseline,
    check_reward_trace,
    reward_gated_trace,
)


class LearnedFeedbackState(NamedTuple):
    """B ``[n]``, the noise trace E ``[n]`` and the reward baseline R̄."""

    weights: Array
    trace: Array
    baseline: RewardBaseline


class LearnedFeedback(NamedTuple):
    """The rule of the module docstring (its constants)."""

    learning_rate: float
    decay: float
    baseline_rate: float
    trace_time_constant_ms: float

    def init(self, n: int, dtype: Any = jnp.float32) -> LearnedFeedbackState:
        zeros = jnp.zeros((n,), dtype)
        return LearnedFeedbackState(zeros, zeros, RewardBaseline(jnp.zeros((), dtype)))

    def step(
        self, state: LearnedFeedbackState, own_noise: Array, broadcast: Broadcast
    ) -> LearnedFeedbackState:
        """One step from ξ ``[n]`` (z − ⟨z⟩) and the broadcast reward and outcome."""
        change, trace, baseline = reward_gated_trace(
            state.trace,
            state.baseline,
            own_noise,
            broadcast,
            decay=self.decay,
            learning_rate=self.learning_rate,
            baseline_rate=self.baseline_rate,
        )
        return LearnedFeedbackState(state.weights + change, trace, baseline)

    def weights(self, state: LearnedFeedbackState) -> Array:
        return state.weights

    def elapse(self, state: LearnedFeedbackState, elapsed_ms: Array) -> LearnedFeedbackState:
        kept = jnp.exp(-elapsed_ms / self.trace_time_constant_ms)
        return state._replace(trace=kept * state.trace)


def learned_feedback(
    *,
    dt_ms: float,
    learning_rate: float = 0.1,
    trace_time_constant_ms: float = 2000.0,
    baseline_rate: float = 0.1,
) -> LearnedFeedback:
    """η_B = ``learning_rate``, τ_e = ``trace_time_constant_ms``, α = ``baseline_rate``."""
    check_reward_trace("learned feedback", learning_rate, trace_time_constant_ms, baseline_rate)
    decay = math.exp(-dt_ms / trace_time_constant_ms)
    return LearnedFeedback(learning_rate, decay, baseline_rate, trace_time_constant_ms)
