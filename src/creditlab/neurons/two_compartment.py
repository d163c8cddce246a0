"""Two-compartment pyramidal neuron: soma (with the basal dendrites) and apical tuft, as
needed for layer-5 pyramidal neurons in the BCI experiment (Francioni et al. 2026; the
compartments as in Larkum 2013 and Payeur et al. 2021).

Feed-forward input reaches the soma and feedback input reaches the apical tuft, where
inhibition from layer-1 (NDNF-like) interneurons acts. Per step of dt [ms]:

    v_a^t = α_a v_a^{t−1} + g_a (I_a^t − J^t) + β z^{t−1} − θ_a p^{t−1}   apical potential [mV]
    p^t   = H(v_a^t − θ_a)                                               apical event (plateau)
    v_s^t = α_s v_s^{t−1} + g_s I_s^t + κ p^t − θ_s z^{t−1}                somatic potential [mV]
    z^t   = H(v_s^t − θ_s)                                               somatic spike

Here α = exp(−dt/τ) and g = 1 − α, so a constant input I settles at v = I. The other
terms:
- I_s and I_a are the somatic and apical input currents [mV].
- J is apical inhibition [mV].
- κ is how far an apical event pushes the soma [mV].
- β is how far a somatic spike, back-propagating, pushes the apical tuft [mV].
- Both resets are soft (subtract the threshold).

The two compartments are coupled, but partly independently active. Apical events
without somatic spikes need only enough apical input. Somatic spikes without apical
events need only β < θ_a without apical input. Apical inhibition removes apical events
and, through κ, lowers somatic firing somewhat. H has the pseudo-derivative of
:mod:`creditlab.neurons.surrogate`, so BPTT runs through both compartments.

The defaults are illustrative, not fitted: τ_s = 20 ms, τ_a = 30 ms, θ_s = θ_a = 1 mV,
κ = 0.6 mV, β = 0.4 mV. Shapes ``[n]``; batches and mice are ``jax.vmap``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, NamedTuple

import jax.numpy as jnp
from jax import Array

from creditlab.neurons.surrogate import spike


class TwoCompartmentState(NamedTuple):
    """Somatic and apical potentials [mV], last somatic spikes ``z`` and apical events ``p``."""

    v_soma: Array
    v_apical: Array
    z: Array
    p: Array


@dataclass(frozen=True)
class TwoCompartment:
    """Parameters of a population of two-compartment neurons (module docstring)."""

    dt: float = 1.0
    tau_soma: float = 20.0
    tau_apical: float = 30.0
    threshold_soma: float = 1.0
    threshold_apical: float = 1.0
    apical_to_soma: float = 0.6
    backpropagation: float = 0.4
    surrogate_height: float = 0.3
    surrogate_width: float = 1.0

    is_spiking = True

    def init_state(self, n: int, dtype: Any = jnp.float32) -> TwoCompartmentState:
        zeros = jnp.zeros((n,), dtype)
        return TwoCompartmentState(zeros, zeros, zeros, zeros)

    def output(self, state: TwoCompartmentState) -> Array:
        """What the neuron sends to its synapses: somatic spikes."""
        return state.z

    def step(
        self,
        state: TwoCompartmentState,
        soma_current: Array,
        apical_current: Array,
        apical_inhibition: Array | float = 0.0,
    ) -> TwoCompartmentState:
        """One step of dt from the somatic and apical input currents [mV]."""
        decay_a = math.exp(-self.dt / self.tau_apical)
        decay_s = math.exp(-self.dt / self.tau_soma)
        v_apical = (
            decay_a * state.v_apical
            + (1.0 - decay_a) * (apical_current - apical_inhibition)
            + self.backpropagation * state.z
            - self.threshold_apical * state.p
        )
        p = spike(
            (v_apical - self.threshold_apical) / self.threshold_apical,
            self.surrogate_height,
            self.surrogate_width,
        )
        v_soma = (
            decay_s * state.v_soma
            + (1.0 - decay_s) * soma_current
            + self.apical_to_soma * p
            - self.threshold_soma * state.z
        )
        z = spike(
            (v_soma - self.threshold_soma) / self.threshold_soma,
            self.surrogate_height,
            self.surrogate_width,
        )
        return TwoCompartmentState(v_soma, v_apical, z, p)
