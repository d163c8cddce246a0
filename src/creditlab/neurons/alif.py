"""Adaptive LIF neuron: LIF with a spike-triggered adaptive threshold (Bellec et al. 2020).

    a_j^t = ρ a_j^{t−1} + z_j^{t−1}                     ρ = exp(−dt/τ_a)
    A_j^t = v_th + β_j a_j^t                            adaptive threshold [mV]
    v_j^t = α v_j^{t−1} + g I_j^t − z_j^{t−1} R_j      R = v_th (or A^{t−1})
    z_j^t = H(v_j^t − A_j^t)   unless refractory

``β = 0`` gives a LIF neuron, so a mixed LIF/ALIF population (Liu et al. 2021) is one ALIF
population with a per-neuron β. BPTT differentiates the reset; e-prop ignores it (see
:mod:`creditlab.neurons.lif`).

e-prop eligibility (Bellec et al. 2020, Eqs. 24–25), with ε^a_ji = ∂a_j/∂W_ji through the
neuron's own dynamics:

    e_ji^t      = ψ_j^t (z̄_i^t − β_j ε^a_ji^t)
    ε^a_ji^{t+1} = ρ ε^a_ji^t + e_ji^t

so ALIF keeps one value per synapse (``[pre, post]`` per trial); applied a chunk of steps
at a time by :func:`creditlab.neurons.eligibility.adaptive_threshold`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
from jax import Array

from creditlab.neurons.base import LeakyMembrane, leak_factor
from creditlab.neurons.eligibility import (
    EligibilityOperators,
    adaptive_threshold,
    adaptive_threshold_credit,
    credit_with_reset,
)
from creditlab.neurons.surrogate import fire


class ALIFState(NamedTuple):
    """Membrane ``v`` [mV], adaptation ``a`` (unitless), spikes ``z``, refractory steps left."""

    v: Array
    a: Array
    z: Array
    refractory: Array


@dataclass(frozen=True)
class ALIF(LeakyMembrane):
    """Parameters of an ALIF population (static, hashable).

    Attributes:
        dt, tau_m, v_th, t_ref, current_scale, surrogate_height, surrogate_width: as in
            :class:`creditlab.neurons.lif.LIF`.
        tau_a: adaptation time constant [ms].
        beta: adaptation strength β [mV per unit of a]; a float or one per neuron.
        reset_by_adaptive_threshold: subtract A^{t−1} instead of v_th on a spike.
    """

    dt: float = 1.0
    tau_m: float = 20.0
    v_th: float = 0.6
    t_ref: float = 0.0
    current_scale: float | None = 1.0
    surrogate_height: float = 0.3
    surrogate_width: float = 1.0
    tau_a: float = 2000.0
    beta: float | tuple[float, ...] = 1.8
    reset_by_adaptive_threshold: bool = False

    is_spiking = True
    synaptic_eligibility = True

    @property
    def adaptation_decay(self) -> float:
        return leak_factor(self.dt, self.tau_a)

    def init_state(self, n: int, dtype: Any) -> ALIFState:
        zeros = jnp.zeros((n,), dtype)
        return ALIFState(v=zeros, a=zeros, z=zeros, refractory=zeros)

    def output(self, state: ALIFState) -> Array:
        return state.z

    def threshold(self, a: Array) -> Array:
        """A = v_th + β a [mV]."""
        return self.v_th + jnp.asarray(self.beta, a.dtype) * a

    def step(
        self, state: ALIFState, current: Array, *, detach_reset: bool = False
    ) -> tuple[ALIFState, Array]:
        """One step: returns the new state and ψ_j^t = ∂z_j^t/∂v_j^t [1/mV]."""
        reset_level = self.threshold(state.a) if self.reset_by_adaptive_threshold else self.v_th
        reset = state.z * reset_level
        reset = jax.lax.stop_gradient(reset) if detach_reset else reset
        v = self.decay * state.v + self.input_scale * current - reset
        a = self.adaptation_decay * state.a + state.z
        z, psi, refractory = fire(v, self.threshold(a), state.refractory, self)
        return ALIFState(v=v, a=a, z=z, refractory=refractory), psi

    def eligibility_operators(self, psi: Array) -> EligibilityOperators:
        """The ALIF eligibility over a chunk (``psi [K, post]``); see
        :func:`creditlab.neurons.eligibility.adaptive_threshold`."""
        beta = jnp.asarray(self.beta, psi.dtype)
        return adaptive_threshold(psi, beta, self.adaptation_decay)

    def eligibility_credit(self, psi: Array, weights: Array, *, reset: bool = False) -> Array:
        """q̃ with Σ_t w^t e^t = Σ_t g pre^t q̃^t over a whole trial (``psi``, ``weights
        [T, post]``); see :func:`creditlab.neurons.eligibility.adaptive_threshold_credit`,
        or with the reset's derivative kept in the trace (``reset``; Liu et al. 2021's
        code) :func:`creditlab.neurons.eligibility.credit_with_reset`."""
        beta = jnp.asarray(self.beta, psi.dtype)
        if not reset:
            return adaptive_threshold_credit(psi, weights, beta, self.adaptation_decay, self.decay)
        if self.reset_by_adaptive_threshold:
            raise ValueError("a trace with the reset kept assumes the reset subtracts v_th")
        return credit_with_reset(
            psi, weights, alpha=self.decay, v_th=self.v_th, beta=beta, rho=self.adaptation_decay
        )
