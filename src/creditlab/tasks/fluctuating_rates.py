"""Input rates that fluctuate slowly around their mean: background input to a circuit
(the BCI experiment's feed-forward inputs, Francioni et al. 2026).

Per step of dt [ms], for each input j, an Ornstein–Uhlenbeck process sampled exactly
(unit variance, correlation time τ) sets a rectified rate relative to the mean:

    o_j^t = a o_j^{t−1} + √(1 − a²) ξ_j^t,    a = exp(−dt/τ),  ξ ~ N(0, 1)
    x_j^t = max(1 + σ o_j^t, 0)

Units: x in multiples of the mean rate; dt and τ in ms. The standard normals come in
bulk (``[T, n]``) so that a chunk of steps costs one random draw.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
from jax import Array

from creditlab.neurons.base import leak_factor


def fluctuating_rates(
    start: Array, normals: Array, *, dt_ms: float, time_constant_ms: float, relative_std: float
) -> tuple[Array, Array]:
    """x ``[T, n]`` from o^{−1} = ``start [n]`` and ξ = ``normals [T, n]``; also o^{T−1}
    (where the next chunk starts). σ = ``relative_std``, τ = ``time_constant_ms``."""
    kept = leak_factor(dt_ms, time_constant_ms)
    fresh = math.sqrt(1.0 - kept**2)

    def step(fluctuation: Array, xi: Array) -> tuple[Array, Array]:
        fluctuation = kept * fluctuation + fresh * xi
        return fluctuation, jnp.maximum(1.0 + relative_std * fluctuation, 0.0)

    end, rates = jax.lax.scan(step, start, normals)
    return rates, end
