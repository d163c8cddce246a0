"""The reward: delayed, imprecise and binary (Fiete, Fee & Seung 2007), and dopamine.

After each rendition the bird judges its error with relative noise, Ê = E (1 + ε ζ),
ζ ~ N(0, 1), and is rewarded when that is below its recent average:

    R = 1[Ê < Ē]            Ē ← Ē + (Ê − Ē) / τ_R      (τ_R in renditions)

The reward arrives t_R = motif end + delay, delay ~ N(d, jitter²) (ms, ≥ 0). VTA
dopamine reports the reward-prediction error δ = R − R̄ with R̄ ← R̄ + (R − R̄) / τ_R
(recorded; a learning rule that uses the reward keeps its own R̄ the same way). A
dopamine lesion makes δ = 0 and keeps the reward from every synapse. Part of the song
task's closed loop (:mod:`creditlab.tasks.song`).
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
from jax import Array


class Critic(NamedTuple):
    """The running averages Ē (error threshold) and R̄ (expected reward)."""

    error: Array
    reward: Array


def reward_time_ms(key: Array, motif_ms: float, delay_ms: float, jitter_ms: float) -> Array:
    """t_R [ms from motif onset]: motif end plus a jittered, non-negative delay."""
    return motif_ms + jnp.maximum(delay_ms + jitter_ms * jax.random.normal(key), 0.0)


def judge(
    key: Array, error: Array, critic: Critic, noise: float, tau: float, dopamine: bool
) -> tuple[Array, Array, Critic]:
    """``(R, δ, next critic)`` for one rendition's error E (module docstring)."""
    estimate = error * (1.0 + noise * jax.random.normal(key))
    reward = (estimate < critic.error).astype(error.dtype)
    delta = (reward - critic.reward) * float(dopamine)
    updated = Critic(
        critic.error + (estimate - critic.error) / tau,
        critic.reward + (reward - critic.reward) / tau,
    )
    return reward, delta, updated
