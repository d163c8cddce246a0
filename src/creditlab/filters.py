"""Leaky filters along time: f^k = decay · f^{k−1} + drive^k, forwards or backwards.

The readout's κ-filter, the presynaptic α-traces and e-prop's filtered eligibility are
all this one recursion; :func:`leaky_filter` computes it for a chunk (a matrix product)
or a whole trial (a scan).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array


def decay_powers(
    decay: float, steps: int, *, reverse: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """The constants of :func:`leaky_filter`: ``P [K, K]`` with P[k, m] = decay^(k−m) for
    m ≤ k (else 0), and ``first [K]`` = decay^(k+1); transposed and decay^(K−k) with
    ``reverse``. Computed in numpy (float64) at trace time, so XLA gets them as constants.
    """
    k = np.arange(steps)
    lag = k[:, None] - k[None, :]
    powers = np.where(lag >= 0, decay ** np.maximum(lag, 0).astype(float), 0.0)
    if reverse:
        return powers.T, decay ** (steps - k).astype(float)
    return powers, decay ** (k + 1).astype(float)


LONGEST_MATRIX_FILTER = 64


def leaky_filter(decay: float, drive: Array, initial: Array, *, reverse: bool = False) -> Array:
    """f^k = decay · f^{k−1} + drive^k along axis 0 of ``drive [K, ...]``, from ``initial``.

    With ``reverse`` the filter runs backwards from the end (f^k = decay · f^{k+1} + drive^k).
    Up to ``LONGEST_MATRIX_FILTER`` steps (a chunk) it is one product with the K × K matrix
    of decay powers (no loop); longer drives (a whole trial) are filtered by a scan, whose
    cost grows linearly with K.
    """
    steps = drive.shape[0]
    if steps > LONGEST_MATRIX_FILTER:

        def step(carried: Array, now: Array) -> tuple[Array, Array]:
            value = now + decay * carried
            return value, value

        return jax.lax.scan(
            step, jnp.broadcast_to(initial, drive.shape[1:]), drive, reverse=reverse
        )[1]
    powers, first = decay_powers(decay, steps, reverse=reverse)
    powers, first = jnp.asarray(powers, drive.dtype), jnp.asarray(first, drive.dtype)
    filtered = powers @ drive.reshape(steps, -1) + first[:, None] * initial.reshape(1, -1)
    return filtered.reshape(drive.shape)
