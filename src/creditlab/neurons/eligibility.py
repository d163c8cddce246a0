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

When a whole trial's per-step weights w^t of the traces are known in advance (offline
e-prop, MDGL), the same sums are taken backwards in time per neuron instead:
Σ_t w_j^t e_ji^t = Σ_t z̄_i^t q_j^t = Σ_t g pre_i^t q̃_j^t, with z̄ the α-filter of
g · pre, q the neuron's credit and q̃ its α-filter run backwards (the credit of the
presynaptic drive itself) — no per-synapse state at all. :func:`membrane_only_credit`,
:func:`adaptive_threshold_credit` and :func:`credit_with_reset` return q̃, the last two
from the same backward scan that forms q.

These traces drop the soft reset's derivative (Bellec et al. 2020; NEST). Liu et al.
2021's released code keeps it; :func:`credit_with_reset` gives that trace's q̃.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
from jax import Array

from creditlab.filters import leaky_filter


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


def membrane_only_credit(psi: Array, weights: Array, alpha: float) -> Array:
    """q̃ ``[T, post]`` for e^t = ψ^t z̄^t (rate units and LIF): the α-filter of
    q^t = ψ^t w^t run backwards, q̃^t = q^t + α q̃^{t+1} (``psi``, ``weights [T, post]``)."""
    credit = psi * weights
    return leaky_filter(alpha, credit, jnp.zeros_like(credit[0]), reverse=True)


def adaptive_threshold_credit(
    psi: Array, weights: Array, beta: Array, rho: float, alpha: float
) -> Array:
    """q̃ ``[T, post]`` with Σ_t w^t e^t = Σ_t g p^t q̃^t for ALIF (``psi``, ``weights
    [T, post]``).

    From e^t = ψ^t (z̄^t − β ε^t) and ε^{t+1} = c^t ε^t + ψ^t z̄^t (c^t = ρ − β ψ^t, ε^0 = 0):

        q^s = ψ^s (w^s − β A^s),   A^s = ψ^{s+1} w^{s+1} + c^{s+1} A^{s+1},   A^{T−1} = 0
        q̃^s = q^s + α q̃^{s+1}

    one backward scan over time per neuron, carrying A and q̃.
    """
    decay = rho - beta * psi
    ahead = jnp.concatenate([psi[1:] * weights[1:], jnp.zeros_like(psi[:1])])
    decay_ahead = jnp.concatenate([decay[1:], jnp.zeros_like(psi[:1])])

    def back(later: tuple[Array, Array], now: tuple) -> tuple[tuple[Array, Array], Array]:
        pending, filtered = later
        drive, factor, psi_t, weight_t = now
        pending = drive + factor * pending
        filtered = psi_t * (weight_t - beta * pending) + alpha * filtered
        return (pending, filtered), filtered

    zero = jnp.zeros_like(psi[0])
    _, filtered = jax.lax.scan(back, (zero, zero), (ahead, decay_ahead, psi, weights), reverse=True)
    return filtered


def credit_with_reset(
    psi: Array, weights: Array, *, alpha: float, v_th: float, beta: Array | float, rho: float
) -> Array:
    """q̃ ``[T, post]`` with Σ_t w^t e^t = Σ_t g p^t q̃^t for the eligibility trace that keeps
    the soft reset's derivative (Liu et al. 2021's code; LIF is β = 0). Per synapse, with
    p^t its presynaptic activity, g the input scale and z̄ the α-filter of g p:

        ε_v^t = α ε_v^{t−1} + g p^t − v_th e^{t−1}        (the reset −v_th z^{t−1})
        ε_a^t = ρ ε_a^{t−1} + e^{t−1}
        e^t   = ψ^t (ε_v^t − β ε_a^t)

    Without the −v_th e^{t−1} term this is :func:`adaptive_threshold`'s trace. Its adjoint
    runs backwards per neuron with two numbers, λ_v and λ_a (0 after the last step):

        q^t = ψ^t (w^t − v_th λ_v^{t+1} + λ_a^{t+1}),
        λ_v^t = α λ_v^{t+1} + q^t,   λ_a^t = ρ λ_a^{t+1} − β q^t

    and Σ_t w^t e^t = Σ_t g p^t λ_v^t = Σ_t z̄^t q^t: λ_v is q's α-filter run backwards,
    q̃, which is returned. Units: ψ [1/mV], v_th [mV]; ``psi``, ``weights [T, post]``.
    """

    def back(later: tuple[Array, Array], now: tuple[Array, Array]) -> tuple:
        voltage, adaptation = later
        psi_t, weight_t = now
        q = psi_t * (weight_t - v_th * voltage + adaptation)
        voltage = q + alpha * voltage
        return (voltage, rho * adaptation - beta * q), voltage

    zero = jnp.zeros_like(psi[0])
    _, filtered = jax.lax.scan(back, (zero, zero), (psi, weights), reverse=True)
    return filtered
