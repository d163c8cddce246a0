"""A three-factor rule on what each synapse sees where it sits (``local-three-factor``;
issue 22; the calcium-based reading of reward-modulated plasticity in striatal spines:
Yagishita et al. 2014, Science 345:1616, dopamine gating a spine's recent NMDA activity).

A synapse j → i knows its presynaptic activity x_j and a signal c_ij of the
depolarisation at its own site: with compartments, the NMDA unblock of its spine head or
of its shaft (:class:`creditlab.neurons.spiny_dendrite.SpinyDendrites`, passed as
``Local.synaptic``); in a point neuron, the neuron's output z_i. It keeps the mean of
that signal over the times its input is active, c̄_ij, so that c − c̄ is the part of the
depolarisation its own input does not explain (without it the deterministic part of c
enters the trace: a biased, noisy estimate). Dopamine (the reward-prediction error)
gates the trace:

    c̄_ij ← c̄_ij + α min(x_j, 1) (c_ij − c̄_ij)      (c̄ ← c the first time x_j > 0)
    E_ij ← γ E_ij + x_j (c_ij − c̄_ij),     γ = exp(−dt/τ_e)
    δ = o (R − R̄),   ΔW_ij = η δ E_ij,   R̄ ← R̄ + β δ

Nothing in it knows which input carries the exploration noise or which compartment a
synapse is on: the compartment decides only what c is. E decays while time passes
without activity (``elapse``); c̄ is kept (it is the synapse's slow memory).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import jax.numpy as jnp
from jax import Array

from creditlab.rules.online import (
    Broadcast,
    Local,
    OnlineRule,
    RewardBaseline,
    check_reward_trace,
    reward_gated_trace,
)


class LocalThreeFactorState(NamedTuple):
    """c̄ and E ``[n_post, n_pre]``, whether each synapse's input has been active yet
    (``seen``), and the expected reward R̄."""

    expected_signal: Array
    eligibility: Array
    seen: Array
    baseline: RewardBaseline


def local_three_factor(
    *,
    dt_ms: float,
    learning_rate: float = 0.02,
    signal_mean_rate: float = 0.05,
    trace_time_constant_ms: float = 1000.0,
    baseline_rate: float = 0.05,
    initial_baseline: float = 0.0,
) -> OnlineRule:
    """The rule of the module docstring: η = ``learning_rate``, α = ``signal_mean_rate``
    (per step of active input), τ_e = ``trace_time_constant_ms``, β =
    ``baseline_rate``, R̄ starting at ``initial_baseline``."""
    check_reward_trace("local-three-factor", learning_rate, trace_time_constant_ms, baseline_rate)
    if not 0.0 < signal_mean_rate <= 1.0:
        raise ValueError(f"signal_mean_rate must be in (0, 1], got {signal_mean_rate}")
    gamma = math.exp(-dt_ms / trace_time_constant_ms)

    def init(weights: Array, key: Array) -> LocalThreeFactorState:
        return LocalThreeFactorState(
            jnp.zeros_like(weights),
            jnp.zeros_like(weights),
            jnp.zeros(weights.shape, bool),
            RewardBaseline(jnp.asarray(initial_baseline, weights.dtype)),
        )

    def step(
        state: LocalThreeFactorState, weights: Array, local: Local, broadcast: Broadcast
    ) -> tuple[Array, LocalThreeFactorState]:
        signal = local.post[:, None] if local.synaptic is None else local.synaptic
        pre = local.pre[None, :]
        active = pre > 0
        first = active & ~state.seen
        mean = jnp.where(first, signal, state.expected_signal)
        surprise = signal - mean
        expected = mean + signal_mean_rate * jnp.minimum(pre, 1.0) * surprise
        change, eligibility, baseline = reward_gated_trace(
            state.eligibility,
            state.baseline,
            pre * surprise,
            broadcast,
            decay=gamma,
            learning_rate=learning_rate,
            baseline_rate=baseline_rate,
        )
        return change, LocalThreeFactorState(expected, eligibility, state.seen | active, baseline)

    def elapse(state: LocalThreeFactorState, elapsed_ms: Array) -> LocalThreeFactorState:
        kept = jnp.exp(-elapsed_ms / trace_time_constant_ms)
        return state._replace(eligibility=kept * state.eligibility)

    return OnlineRule(init, step, apical_feedback="error", elapse=elapse)
