"""What every neuron model provides, and the leaky membrane they all share.

Every model integrates its synaptic input current with the same leaky membrane

    v_j^t = α v_j^{t−1} + g I_j^t − (reset)          α = exp(−dt / τ_m)

where ``g`` is ``current_scale`` (``None`` means ``1 − α``, the exact Euler weight of
``τ_m dv/dt = −v + I``; NEST's ``regular_spike_arrival`` is ``g = 1``). Units: v in mV
relative to rest, I in mV per step (weights are in mV), dt and τ in ms.

A model's ``step`` returns its new state and ``ψ = ∂(output)/∂v`` at this step, which
online rules (e-prop) need; the output is what the neuron sends to its synapses (spikes
``z`` or a rate ``r``). ``eligibility_operators`` gives its e-prop eligibility trace over
a chunk of steps (:mod:`creditlab.neurons.eligibility`). All shapes are ``[n]`` for one
trial; batches are ``jax.vmap``.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple, Protocol

from jax import Array


class NeuronModel(Protocol):
    """The contract a neuron model fulfils (see the module docstring)."""

    dt: float
    tau_m: float
    current_scale: float | None
    synaptic_eligibility: bool  # its eligibility keeps a per-synapse state (ALIF)

    @property
    def decay(self) -> float: ...

    @property
    def input_scale(self) -> float: ...

    @property
    def is_spiking(self) -> bool: ...

    def init_state(self, n: int, dtype: Any) -> Any: ...

    def step(
        self, state: Any, current: Array, *, detach_reset: bool = False
    ) -> tuple[Any, Array]: ...

    def output(self, state: Any) -> Array: ...

    def eligibility_operators(self, psi: Array) -> Any: ...


class Tuft(NamedTuple):
    """What reaches the apical tufts of a model that has them (``has_tuft = True``),
    ``[n]``: the top-down input f and the apical inhibition J ≥ 0.
    :func:`creditlab.network.simulate` hands it to ``step(..., tuft=)``; a stochastic
    model also gets ``noise=``, its own draws for the step."""

    feedback: Array
    inhibition: Array


def leak_factor(dt: float, tau: float) -> float:
    """α = exp(−dt/τ), the fraction of a leaky variable kept after one step of ``dt`` ms."""
    return math.exp(-dt / tau)


def scale_of_input(decay: float, current_scale: float | None) -> float:
    """g in ``v ← α v + g I``: ``current_scale``, or ``1 − α`` when it is ``None``."""
    return 1.0 - decay if current_scale is None else current_scale


class LeakyMembrane:
    """α, g and the refractory steps, from a model's ``dt``, ``tau_m``, ``current_scale``
    (and ``t_ref`` for spiking models); mixed into every neuron model."""

    dt: float
    tau_m: float
    current_scale: float | None

    @property
    def decay(self) -> float:
        """α = exp(−dt/τ_m)."""
        return leak_factor(self.dt, self.tau_m)

    @property
    def input_scale(self) -> float:
        """g (``current_scale``, or 1 − α)."""
        return scale_of_input(self.decay, self.current_scale)

    @property
    def refractory_steps(self) -> int:
        """round(t_ref / dt)."""
        return round(getattr(self, "t_ref", 0.0) / self.dt)
