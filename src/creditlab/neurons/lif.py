"""Leaky integrate-and-fire neuron with soft reset (Bellec et al. 2020, Methods, Eq. 6).

    v_j^t = α v_j^{t−1} + g I_j^t − z_j^{t−1} v_th          α = exp(−dt/τ_m)
    z_j^t = H(v_j^t − v_th)   unless refractory (then 0)

The reset subtracts the threshold (soft reset). BPTT differentiates it (its −v_th ψ term damps
the Jacobian through time); e-prop's eligibility trace ignores it, as in Bellec et al., which
is BPTT with the through-time paths of the spikes stopped (``detach_reset=True``).

After a spike at step s the neuron cannot spike, and its pseudo-derivative is zero, until
step s + round(t_ref / dt) (NEST's convention). The membrane keeps integrating while
refractory. Units: mV, ms.

e-prop eligibility trace (Bellec et al. 2020, Eq. 23): e_ji^t = ψ_j^t z̄_i^t, where z̄ is
the presynaptic activity low-pass filtered with α (kept by the rule, shared by all synapses
of a presynaptic neuron), so a LIF neuron needs no per-synapse state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
from jax import Array

from creditlab.neurons.base import LeakyMembrane
from creditlab.neurons.eligibility import (
    EligibilityOperators,
    credit_with_reset,
    membrane_only,
    membrane_only_credit,
)
from creditlab.neurons.surrogate import fire


class LIFState(NamedTuple):
    """Membrane potential ``v`` [mV], last spikes ``z`` (0/1), refractory steps left."""

    v: Array
    z: Array
    refractory: Array


@dataclass(frozen=True)
class LIF(LeakyMembrane):
    """Parameters of a population of identical LIF neurons (all static, hashable).

    Attributes:
        dt: time step [ms].
        tau_m: membrane time constant [ms].
        v_th: threshold above rest [mV].
        t_ref: refractory period [ms]; 0 disables it.
        current_scale: g in the membrane update (``None`` means ``1 − α``).
        surrogate_height, surrogate_width: the pseudo-derivative's shape (see
            :mod:`creditlab.neurons.surrogate`).
    """

    dt: float = 1.0
    tau_m: float = 20.0
    v_th: float = 0.6
    t_ref: float = 0.0
    current_scale: float | None = 1.0
    surrogate_height: float = 0.3
    surrogate_width: float = 1.0

    is_spiking = True
    synaptic_eligibility = False

    def init_state(self, n: int, dtype: Any) -> LIFState:
        zeros = jnp.zeros((n,), dtype)
        return LIFState(v=zeros, z=zeros, refractory=zeros)

    def output(self, state: LIFState) -> Array:
        return state.z

    def step(
        self, state: LIFState, current: Array, *, detach_reset: bool = False
    ) -> tuple[LIFState, Array]:
        """One step: returns the new state and ψ_j^t = ∂z_j^t/∂v_j^t [1/mV]."""
        spikes = jax.lax.stop_gradient(state.z) if detach_reset else state.z
        reset = spikes * self.v_th
        v = self.decay * state.v + self.input_scale * current - reset
        z, psi, refractory = fire(v, self.v_th, state.refractory, self)
        return LIFState(v=v, z=z, refractory=refractory), psi

    def eligibility_operators(self, psi: Array) -> EligibilityOperators:
        """e_ji^k = ψ_j^k z̄_i^k over a chunk (``psi [K, post]``); no per-synapse state."""
        return membrane_only(psi)

    def eligibility_credit(self, psi: Array, weights: Array, *, reset: bool = False) -> Array:
        """q̃ with Σ_t w^t e^t = Σ_t g pre^t q̃^t (``psi``, ``weights [T, post]``): the
        backward α-filter of ψ^t w^t, or with the reset's derivative kept in the trace
        (``reset``; Liu et al. 2021's code)
        :func:`creditlab.neurons.eligibility.credit_with_reset` at β = 0."""
        if reset:
            return credit_with_reset(
                psi, weights, alpha=self.decay, v_th=self.v_th, beta=0.0, rho=0.0
            )
        return membrane_only_credit(psi, weights, self.decay)
