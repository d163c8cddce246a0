"""Initial weights, chosen by name (``network.initialisation``):

``"scaled-gaussian"`` (:func:`creditlab.network.init_params`; Bellec et al. 2020):
    W ~ N(0, 1)/√fan-in × gain, inhibitory magnitudes × n_E/n_I under Dale's law.

``"balanced-spectral"`` (:func:`balanced_spectral_params`; Liu et al. 2021's released
code, after the LSNN code base of Bellec et al.): for presynaptic signs s ``[n]``, a dense
n × n matrix of magnitudes |N(0, 1)| with each row's sign,

    1. inhibitory rows scaled so that the total excitatory and inhibitory weight are equal,
    2. each column (postsynaptic cell) balanced to sum 0: its excess spread evenly over
       the side that has too little (excitatory entries raised if the sum is negative,
       inhibitory ones lowered otherwise),
    3. the whole matrix divided by its spectral radius (largest |eigenvalue| 1),

then its columns taken for the postsynaptic cells (the first ones, or drawn with
replacement where there are more cells than rows, as for the input weights), times
``gain``, and masked. Recurrent weights: the neurons' Dale signs; readout: the first
n_out columns of such a matrix over the neurons; input: the input channels' signs.
A matrix without such signs (input weights where the network gives the channels none,
readout weights without ``signed_readout``) is drawn as that code draws it without cell
signs (``neuron_sign=False``): |N(0, 1)|/√n_pre with each synapse's sign drawn at random
(:func:`per_synapse_signed`), no balancing, no spectral scaling; DEEP R then keeps those
signs, as there.
"""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array

from creditlab.network import Network, Params, init_params, signed_and_constrained

INITIALISATIONS = ("scaled-gaussian", "balanced-spectral")


def spectral_radius(matrix: Array) -> Array:
    """max |λ| of a square matrix (on the host: XLA has no general eigensolver on GPUs;
    under ``vmap``, as seeds side by side are, one matrix after another)."""

    def host(m: np.ndarray) -> np.ndarray:
        return np.max(np.abs(np.linalg.eigvals(m))).astype(m.dtype)

    shape = jax.ShapeDtypeStruct((), matrix.dtype)
    return jax.pure_callback(host, shape, matrix, vmap_method="sequential")


def balanced_signed_matrix(key: Array, signs: Array, columns: int, dtype: Any) -> Array:
    """``[n, columns]`` weights for presynaptic signs ``signs [n]`` (module docstring)."""
    n = signs.shape[0]
    k_magnitude, k_columns = jax.random.split(key)
    signs = signs.astype(dtype)
    excitatory, inhibitory = (signs > 0)[:, None], (signs < 0)[:, None]
    w = jnp.abs(jax.random.normal(k_magnitude, (n, n), dtype)) * signs[:, None]
    total_e = jnp.sum(jnp.where(excitatory, w, 0.0))
    total_i = -jnp.sum(jnp.where(inhibitory, w, 0.0))
    balanced = jnp.where(inhibitory, w * total_e / jnp.maximum(total_i, 1e-30), w)
    excess = jnp.sum(balanced, axis=0)  # per column: Σ excitatory + Σ inhibitory
    n_e, n_i = jnp.maximum(jnp.sum(excitatory), 1), jnp.maximum(jnp.sum(inhibitory), 1)
    balanced = jnp.where(excitatory & (excess < 0), balanced + jnp.abs(excess) / n_e, balanced)
    balanced = jnp.where(inhibitory & (excess >= 0), balanced - jnp.abs(excess) / n_i, balanced)
    w = jnp.where(jnp.any(inhibitory) & jnp.any(excitatory), balanced, w)
    w = w / spectral_radius(w)
    if columns <= n:
        return w[:, :columns]
    return w[:, jax.random.choice(k_columns, n, (columns,), replace=True)]


def per_synapse_signed(key: Array, n_pre: int, n_post: int, dtype: Any) -> Array:
    """``[n_pre, n_post]`` weights |N(0, 1)|/√n_pre, each synapse's sign +1 or −1 with
    probability 1/2 (Liu et al. 2021's code for a matrix without cell signs)."""
    k_magnitude, k_sign = jax.random.split(key)
    magnitude = jnp.abs(jax.random.normal(k_magnitude, (n_pre, n_post), dtype))
    sign = jnp.where(jax.random.bernoulli(k_sign, 0.5, (n_pre, n_post)), 1.0, -1.0)
    return magnitude * sign.astype(dtype) / math.sqrt(n_pre)


def balanced_spectral_params(
    network: Network, *, key: Array, dtype: Any = jnp.float32, gain: float = 1.0
) -> Params:
    """Liu et al. 2021's initial weights for ``network`` (module docstring); needs Dale's
    law (``network.sign``)."""
    if network.sign is None:
        raise ValueError("initialisation 'balanced-spectral' needs Dale's law (cell types)")
    k_in, k_rec, k_out = jax.random.split(key, 3)
    if network.input_sign is None:
        w_in = per_synapse_signed(k_in, network.n_in, network.n_rec, dtype)
    else:
        w_in = balanced_signed_matrix(k_in, network.input_sign, network.n_rec, dtype)
    w_rec = balanced_signed_matrix(k_rec, network.sign, network.n_rec, dtype)
    if network.signed_readout:
        w_out = balanced_signed_matrix(k_out, network.sign, network.n_out, dtype)
    else:
        w_out = per_synapse_signed(k_out, network.n_rec, network.n_out, dtype)
    return signed_and_constrained(network, gain * w_in, gain * w_rec, gain * w_out)


def initialise(
    name: str, network: Network, *, key: Array, dtype: Any = jnp.float32, gain: float = 1.0
) -> Params:
    """The initial weights of scheme ``name`` (module docstring)."""
    if name == "scaled-gaussian":
        return init_params(network, key=key, dtype=dtype, gain=gain)
    if name == "balanced-spectral":
        return balanced_spectral_params(network, key=key, dtype=dtype, gain=gain)
    raise ValueError(f"initialisation must be one of {INITIALISATIONS}, got {name!r}")
