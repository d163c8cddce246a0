"""An energy cost on activity, added to any closed-loop rule (learning by
sparsification, Francioni et al. 2026, Extended Data Fig. 4).

Each neuron keeps a slow mean of its own rate, r̄_i ← a_r r̄_i + (1 − a_r) r_i
(a_r = exp(−dt/τ_r)), and its feed-forward synapses weaken in proportion to how far it
is above a set point:

    ΔW_ij = ΔW_ij(rule) − η_s max(r̄_i − r_set, 0)/r_scale · x_j

The most active neurons lose most; quiet ones do not change. It is a property of the
circuit shared by every rule (like weight decay in optax, a transformation chained after
the rule), not a rule of its own.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import jax.numpy as jnp
from jax import Array

from creditlab.rules.online import Broadcast, Local, OnlineRule


class EnergyCostState(NamedTuple):
    """The wrapped rule's state and each neuron's slow mean rate r̄ ``[n_post]`` [Hz]."""

    rule: Any
    mean_rate: Array


def with_energy_cost(
    rule: OnlineRule,
    *,
    strength: float,
    set_point_hz: float,
    scale_hz: float,
    time_constant_ms: float,
    dt_ms: float,
) -> OnlineRule:
    """``rule`` plus the cost of the module docstring (η_s = ``strength``)."""
    if strength < 0 or scale_hz <= 0 or time_constant_ms <= 0:
        raise ValueError("the energy cost needs strength ≥ 0, scale_hz > 0, time_constant_ms > 0")
    slow = math.exp(-dt_ms / time_constant_ms)

    def init(weights: Array, key: Array) -> EnergyCostState:
        return EnergyCostState(rule.init(weights, key), jnp.zeros(weights.shape[:1], weights.dtype))

    def step(
        state: EnergyCostState, weights: Array, local: Local, broadcast: Broadcast
    ) -> tuple[Array, EnergyCostState]:
        mean_rate = slow * state.mean_rate + (1.0 - slow) * local.rate
        excess = jnp.maximum(mean_rate - set_point_hz, 0.0) / scale_hz
        energy = strength * jnp.outer(excess, local.pre)
        change, rule_state = rule.step(state.rule, weights, local, broadcast)
        return change - energy, EnergyCostState(rule_state, mean_rate)

    def elapse(state: EnergyCostState, elapsed_ms: Array) -> EnergyCostState:
        return state._replace(rule=rule.elapse(state.rule, elapsed_ms))

    return OnlineRule(init, step, rule.apical_feedback, elapse)
