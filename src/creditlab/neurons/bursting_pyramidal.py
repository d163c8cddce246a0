"""A stochastic layer-5 pyramidal neuron with a soma and an apical tuft, stepped once per
imaging frame (the BCI experiment of Francioni et al. 2026; compartments as in Larkum
2013 and :mod:`creditlab.neurons.two_compartment`).

Per step of dt [ms], for neuron i, with u_i the summed somatic input (feed-forward,
recurrent and inhibitory currents and the bias, from the network) and f_i the input
reaching its tuft (a feedback pathway's signal):

    v_a^t = a_a v_a^{t−1} + (1 − a_a)(f_i^t + d_a + σ_a ξ_a) / (1 + J_i/J_½)   apical potential
    p^t   ~ Bernoulli(q_max σ((v_a^t − θ_a − c J_i)/w_a))                      plateau
    s^t   = u_i^t + κ p^t + σ_s ξ_s                                            somatic drive
    z^t   ~ Bernoulli(P^t),  P^t = 1 − exp(−r_max σ(s^t) dt)                   burst
    y^t   = a_y y^{t−1} + (1 − a_y) z^t / dt                                   activity [Hz]

- d_a is a tonic apical drive that, with the noise, gives spontaneous plateaus.
- J_i ≥ 0 is the apical inhibition from layer-1 NDNF-like cells: it divides the tuft's
  input (shunting, half at J_½) and raises the plateau threshold by c J. Silencing the
  tuft so also lowers somatic activity somewhat, through κ.
- ``instructive`` = v_a − d_a/(1 + J/J_½), the tuft's depolarisation above its
  spontaneous mean, is what a dendritic rule may read.

Units are rates [Hz] and dimensionless potentials. The neuron sends its activity trace
y to its recurrent synapses (``output``); ``step`` returns ψ = ∂P/∂u, the derivative of
the burst probability with respect to the summed input (the pseudo-derivative an
online rule multiplies its learning signal by; the burst's own randomness z − P is the
neuron's private noise). The soma keeps no potential from frame to frame (α = 0, g = 1
in the neuron contract of :mod:`creditlab.neurons.base`), so its e-prop eligibility for
an input synapse is ψ_i x_j at each step (no presynaptic trace).

In a network (:func:`creditlab.network.simulate`) u is the network's summed current,
the tuft's input f and inhibition J come as :class:`Tuft`, and the uniform and normal
draws of each step as :class:`PyramidalNoise` (``Perturbation(neuron=...)``), so that a
mouse's noise can be drawn in bulk. ``relaxed=True`` is the model's differentiable
mean-field surrogate (:meth:`BurstingPyramidal.mean_field`). Shapes ``[n]``; mice are a
``jax.vmap``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
from jax import Array

from creditlab.neurons.base import Tuft, leak_factor
from creditlab.neurons.eligibility import (
    EligibilityOperators,
    membrane_only,
    membrane_only_credit,
)

__all__ = ["BurstingPyramidal", "PyramidalNoise", "PyramidalState", "Tuft"]


class PyramidalState(NamedTuple):
    """Apical potential ``v_apical``, activity trace ``activity`` [Hz], and the last
    step's ``z`` (bursts), ``p_burst`` (P), ``plateau`` and ``instructive``, each ``[n]``."""

    v_apical: Array
    activity: Array
    z: Array
    p_burst: Array
    plateau: Array
    instructive: Array


class PyramidalNoise(NamedTuple):
    """One step's draws ``[n]``: standard normals ``apical``, ``soma``; uniforms
    ``plateau``, ``burst``."""

    apical: Array
    soma: Array
    plateau: Array
    burst: Array


@dataclass(frozen=True)
class BurstingPyramidal:
    """Constants of the module docstring (illustrative, not fitted; dt = one frame at
    15 Hz); ``relaxed`` selects the mean-field surrogate."""

    dt: float = 1e3 / 15.0
    max_rate_hz: float = 3.0
    somatic_noise: float = 0.5
    activity_time_constant_ms: float = 300.0
    apical_time_constant_ms: float = 150.0
    apical_noise: float = 1.0
    apical_drive: float = 1.0
    apical_threshold: float = 1.5
    apical_width: float = 0.25
    plateau_probability: float = 0.2
    apical_to_soma: float = 3.0
    half_shunt: float = 1.0
    threshold_shift: float = 0.5
    relaxed: bool = False

    is_spiking = True
    synaptic_eligibility = False
    has_tuft = True
    tau_m = 0.0  # the soma keeps no potential from step to step
    current_scale = 1.0
    decay = 0.0  # α
    input_scale = 1.0  # g

    def mean_field(self) -> BurstingPyramidal:
        """The differentiable surrogate: plateaus and bursts replaced by their
        probabilities, so a step is smooth in u and in the weights behind it."""
        return replace(self, relaxed=True)

    def init_state(self, n: int, dtype: Any = None) -> PyramidalState:
        zeros = jnp.zeros((n,), dtype)
        return PyramidalState(zeros, zeros, zeros, zeros, zeros, zeros)

    def output(self, state: PyramidalState) -> Array:
        """What the neuron sends to its recurrent synapses: its activity trace y [Hz]."""
        return state.activity

    def step(
        self,
        state: PyramidalState,
        current: Array,
        *,
        detach_reset: bool = False,
        tuft: Tuft | None = None,
        noise: PyramidalNoise | None = None,
    ) -> tuple[PyramidalState, Array]:
        """One step from the summed somatic input u ``[n]``: the new state and ψ = ∂P/∂u.

        ``tuft`` None means no input to and no inhibition of the tufts. ``noise`` is
        required (the relaxed surrogate uses its normal draws only). There is no reset
        (``detach_reset`` has nothing to detach)."""
        if noise is None:
            raise ValueError(
                "BurstingPyramidal is stochastic: give each step's PyramidalNoise "
                "(simulate(..., perturbation=Perturbation(neuron=noise)))"
            )
        if tuft is None:
            tuft = Tuft(jnp.zeros_like(current), jnp.zeros_like(current))
        relaxed = self.relaxed
        dt_s = self.dt * 1e-3
        a_a = leak_factor(self.dt, self.apical_time_constant_ms)
        shunt = 1.0 / (1.0 + tuft.inhibition / self.half_shunt)
        apical_input = tuft.feedback + self.apical_drive + self.apical_noise * noise.apical
        v_apical = a_a * state.v_apical + (1.0 - a_a) * shunt * apical_input
        threshold = self.apical_threshold + self.threshold_shift * tuft.inhibition
        plateau_probability = self.plateau_probability * jax.nn.sigmoid(
            (v_apical - threshold) / self.apical_width
        )
        if relaxed:
            plateau = plateau_probability
        else:
            plateau = (noise.plateau < plateau_probability).astype(v_apical.dtype)

        drive = current + self.apical_to_soma * plateau + self.somatic_noise * noise.soma
        gate = jax.nn.sigmoid(drive)
        p_burst = 1.0 - jnp.exp(-self.max_rate_hz * gate * dt_s)
        z = p_burst if relaxed else (noise.burst < p_burst).astype(drive.dtype)
        a_y = leak_factor(self.dt, self.activity_time_constant_ms)
        activity = a_y * state.activity + (1.0 - a_y) * z / dt_s
        psi = (1.0 - p_burst) * self.max_rate_hz * dt_s * gate * (1.0 - gate)
        instructive = v_apical - shunt * self.apical_drive
        return PyramidalState(v_apical, activity, z, p_burst, plateau, instructive), psi

    def eligibility_operators(self, psi: Array) -> EligibilityOperators:
        """e_ij^k = ψ_i^k x_j^k over a chunk (``psi [K, post]``): no per-synapse state."""
        return membrane_only(psi)

    def eligibility_credit(self, psi: Array, weights: Array) -> Array:
        """q̃^t = ψ^t w^t (α = 0, so no filter): Σ_t w^t e^t = Σ_t x^t q̃^t (``psi``,
        ``weights [T, post]``)."""
        return membrane_only_credit(psi, weights, self.decay)
