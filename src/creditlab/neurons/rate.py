"""Leaky rate unit (continuous-time RNN, Euler step).

    v_j^t = α v_j^{t−1} + g I_j^t          α = exp(−dt/τ), g = 1 − α by default
    r_j^t = φ(v_j^t)                        φ = tanh or relu

The output ``r`` is what the unit sends to its synapses. For e-prop, ψ = φ'(v) and the
eligibility trace is e_ji = ψ_j z̄_i (the same form as LIF without a threshold).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

import jax
import jax.numpy as jnp
from jax import Array

from creditlab.neurons.base import LeakyMembrane
from creditlab.neurons.eligibility import (
    EligibilityOperators,
    membrane_only,
    membrane_only_credit,
)

ACTIVATIONS = ("tanh", "relu")


class RateState(NamedTuple):
    """Membrane (pre-activation) ``v`` and rate ``r = φ(v)``."""

    v: Array
    r: Array


@dataclass(frozen=True)
class Rate(LeakyMembrane):
    """A population of leaky rate units.

    Attributes:
        dt: time step [ms].
        tau_m: time constant [ms].
        activation: ``"tanh"`` or ``"relu"``.
        current_scale: g (``None`` means ``1 − α``).
    """

    dt: float = 1.0
    tau_m: float = 10.0
    activation: Literal["tanh", "relu"] = "tanh"
    current_scale: float | None = None

    is_spiking = False
    synaptic_eligibility = False

    def _phi(self, v: Array) -> Array:
        return jnp.tanh(v) if self.activation == "tanh" else jax.nn.relu(v)

    def init_state(self, n: int, dtype: Any) -> RateState:
        zeros = jnp.zeros((n,), dtype)
        return RateState(v=zeros, r=self._phi(zeros))

    def output(self, state: RateState) -> Array:
        return state.r

    def step(
        self, state: RateState, current: Array, *, detach_reset: bool = False
    ) -> tuple[RateState, Array]:
        """One step: returns the new state and ψ = φ'(v^t). Rate units have no reset."""
        v = self.decay * state.v + self.input_scale * current
        r, psi = jax.jvp(self._phi, (v,), (jnp.ones_like(v),))
        return RateState(v=v, r=r), psi

    def eligibility_operators(self, psi: Array) -> EligibilityOperators:
        """e_ji^k = φ'(v_j^k) z̄_i^k over a chunk (``psi [K, post]``)."""
        return membrane_only(psi)

    def eligibility_credit(self, psi: Array, weights: Array) -> Array:
        """q̃, the backward α-filter of ψ^t w^t: Σ_t w^t e^t = Σ_t g pre^t q̃^t (``psi``,
        ``weights [T, post]``)."""
        return membrane_only_credit(psi, weights, self.decay)
