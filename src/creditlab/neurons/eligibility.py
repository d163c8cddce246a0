"""Eligibility traces over a chunk of K steps, as linear operators (Bellec et al. 2020).

For every model here the eligibility trace of synapse i → j over steps k = 0..K−1 of a
chunk is linear in the presynaptic traces z̄_i^m of that chunk and in the per-synapse
state ε_ji carried into it:

    e_ji^k        = Σ_m M_j[k, m] z̄_i^m + u_j^k ε_ji^in
    ε_ji^out      = Σ_m N_j[m] z̄_i^m + v_j ε_ji^in

with M, u, N, v depending only on the postsynaptic neuron (its ψ over the chunk). So a
rule can apply them to all synapses with one matrix product per chunk instead of K
element-wise passes, exactly. Shapes: ``M [K, K, post]``, ``u, N [K, post]``, ``v [post]``.
Models without per-synapse state (rate, LIF) have ``u = N = v = None``.
"""

from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp
from jax import Array


class EligibilityOperators(NamedTuple):
    """M, u, N, v of the module docstring for one chunk.

    ``diagonal [K, post]`` stands for an M that is diagonal in time (M[k, k] = diagonal[k]),
    which is then not built (``M`` is None).
    """

    M: Array | None
    u: Array | None = None
    N: Array | None = None
    v: Array | None = None
    diagonal: Array | None = None

    def weigh(self, weighting: Array) -> Array:
        """Σ_k w^k M[k, m] for each row of ``weighting [W, K, post]`` → ``[W, K, post]``."""
        if self.M is None:
            return weighting * self.diagonal
        return jnp.sum(weighting[:, :, None, :] * self.M[None], axis=1)


def membrane_only(psi: Array) -> EligibilityOperators:
    """e_ji^k = ψ_j^k z̄_i^k (rate units and LIF): M is diagonal in time. ``psi [K, post]``."""
    return EligibilityOperators(M=None, diagonal=psi)


def transfer_products(coefficients: Array) -> Array:
    """Φ[k, m] = Π_{s=m}^{k−1} c^s for m ≤ k (else 0), from ``coefficients [K, post]``.

    Returns ``[K+1, K+1, post]``; Φ[k, k] = 1. One cumulative product down k of the
    factors c^{k−1} that belong to column m (k − 1 ≥ m), no division, so coefficients
    may be zero or negative.
    """
    steps, post = coefficients.shape
    index = jnp.arange(steps + 1)
    shifted = jnp.concatenate([jnp.ones((1, post), coefficients.dtype), coefficients])
    factors = jnp.where((index[:, None] - 1 >= index[None, :])[..., None], shifted[:, None, :], 1.0)
    running = jnp.cumprod(factors, axis=0)
    return jnp.where((index[:, None] >= index[None, :])[..., None], running, 0.0)


def adaptive_threshold(psi: Array, beta: Array, rho: float) -> EligibilityOperators:
    """ALIF (Bellec et al. 2020, Eqs. 24–25) over a chunk, from ``psi [K, post]``.

    Per step: e^k = ψ^k (z̄^k − β ε^k) and ε^{k+1} = ρ ε^k + e^k = c^k ε^k + ψ^k z̄^k
    with c^k = ρ − β ψ^k. Unrolled with Φ = :func:`transfer_products` (c):

        ε^k = Φ[k, 0] ε^in + Σ_{m<k} Φ[k, m+1] ψ^m z̄^m
        M[k, m] = ψ^k δ_km − β ψ^k Φ[k, m+1] ψ^m [m < k]
        u^k = −β ψ^k Φ[k, 0],   N[m] = Φ[K, m+1] ψ^m,   v = Φ[K, 0]
    """
    steps = psi.shape[0]
    phi = transfer_products(rho - beta * psi)
    strictly_lower = jnp.tril(jnp.ones((steps, steps), psi.dtype), k=-1)[:, :, None]
    later = phi[:steps, 1:]  # Φ[k, m+1] for k, m < K
    M = jnp.eye(steps, dtype=psi.dtype)[:, :, None] * psi[:, None, :] - (
        beta * psi[:, None, :] * later * psi[None, :, :] * strictly_lower
    )
    return EligibilityOperators(
        M=M, u=-beta * psi * phi[:steps, 0], N=phi[steps, 1:] * psi, v=phi[steps, 0]
    )
