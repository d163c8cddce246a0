"""The spike non-linearity and its pseudo-derivative (Bellec et al. 2020, Methods).

A spike is emitted when the membrane potential reaches the threshold,
``z = H(v - A)`` with ``H`` the Heaviside step. Its derivative is replaced by the
piecewise-linear pseudo-derivative

    ψ = (height / v_th) · max(0, 1 − |v − A| / (width · v_th))      [1/mV]

which is ``height / v_th`` at threshold and vanishes ``width · v_th`` away from it.
Bellec et al. use ``height = 0.3`` and ``width = 1``; NEST calls them ``gamma`` and
``1 / beta``. Backprop through time and e-prop both read ψ from here, so their
surrogate is the same function.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
from jax import Array


def pseudo_derivative(distance: Array, height: float, width: float) -> Array:
    """ψ as a function of the scaled distance to threshold ``(v − A) / v_th`` (unitless).

    Returns ψ · v_th; divide by ``v_th`` for the derivative in 1/mV.
    """
    return height * jnp.maximum(0.0, 1.0 - jnp.abs(distance) / width)


@jax.custom_jvp
def spike(distance: Array, height: float, width: float) -> Array:
    """``H(distance)`` with ``H(0) = 1``; its derivative is :func:`pseudo_derivative`.

    ``distance = (v − A) / v_th``, so d spike / d v = ψ / v_th by the chain rule.
    """
    return (distance >= 0.0).astype(distance.dtype)


@spike.defjvp
def _spike_jvp(primals: tuple, tangents: tuple) -> tuple[Array, Array]:
    distance, height, width = primals
    distance_dot = tangents[0]
    return spike(distance, height, width), pseudo_derivative(distance, height, width) * distance_dot


def fire(
    v: Array, threshold: Array | float, refractory: Array, neuron: Any
) -> tuple[Array, Array, Array]:
    """Spikes, ψ = ∂z/∂v [1/mV] and the refractory countdown after one membrane update.

    ``neuron`` supplies ``v_th``, ``surrogate_height``, ``surrogate_width`` and
    ``refractory_steps`` (n_ref). The countdown is decremented first; a neuron with steps
    left neither spikes nor has a pseudo-derivative, and a spike restarts it at n_ref. So
    after a spike at step s the neuron can spike again at s + n_ref: the minimum
    interval between spikes is ``t_ref`` (as in NEST's e-prop models).
    """
    distance = (v - threshold) / neuron.v_th
    refractory = jnp.maximum(refractory - 1.0, 0.0)
    can_spike = (refractory <= 0).astype(v.dtype)
    z = spike(distance, neuron.surrogate_height, neuron.surrogate_width) * can_spike
    psi = (
        pseudo_derivative(distance, neuron.surrogate_height, neuron.surrogate_width)
        * can_spike
        / neuron.v_th
    )
    countdown = jnp.where(z > 0, float(neuron.refractory_steps), refractory)
    return z, psi, countdown
