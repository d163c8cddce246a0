"""Optimizers beyond optax's: Adam in the form of Kingma & Ba (2015), Sec. 2, last paragraph.

    m ← β1 m + (1 − β1) g,      v ← β2 v + (1 − β2) g²
    α_t = η √(1 − β2^t) / (1 − β1^t)
    θ ← θ − α_t m / (√v + ε̂)

This "ε̂" form differs from ``optax.adam`` (ε added to √v̂) only through ε; it is what
NEST's e-prop models use, so matching them needs it.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax


class AdamHatState(NamedTuple):
    count: jax.Array
    first_moment: Any
    second_moment: Any


def adam_epsilon_hat(
    learning_rate: float, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8
) -> optax.GradientTransformation:
    """Adam with ε added to the uncorrected √v (see the module docstring)."""

    def init(params: Any) -> AdamHatState:
        zeros = jax.tree.map(jnp.zeros_like, params)
        return AdamHatState(jnp.zeros([], jnp.int32), zeros, zeros)

    def update(updates: Any, state: AdamHatState, params: Any = None) -> tuple[Any, AdamHatState]:
        count = state.count + 1
        m = jax.tree.map(lambda m, g: b1 * m + (1 - b1) * g, state.first_moment, updates)
        v = jax.tree.map(lambda v, g: b2 * v + (1 - b2) * g * g, state.second_moment, updates)
        t = count.astype(jnp.result_type(float))
        step = learning_rate * jnp.sqrt(1 - b2**t) / (1 - b1**t)
        steps = jax.tree.map(lambda m, v: (-step * m / (jnp.sqrt(v) + eps)).astype(m.dtype), m, v)
        return steps, AdamHatState(count, m, v)

    return optax.GradientTransformation(init, update)
