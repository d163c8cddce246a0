"""The song task of the songbird experiment as a closed-loop environment (Fiete, Fee &
Seung 2007; Fee & Goldberg 2011): Area X's output reaches the song through the motor
pathway, and the bird's own judgement of the song returns a delayed, binary reward
(:mod:`.song_reward`). HVC's timing code (:mod:`.song_hvc`) and LMAN's variability are
the task's inputs.

Motor readout, per time bin t and LMAN channel c (MSNs split evenly over channels: the
Area X → DLM → LMAN loop is topographic):

    x_c(t) = g (mean_{i ∈ c} m_i(t) / κ − w₀)     Area X's bias on the song
    y_c(t) = y⁰_c(t) + x_c(t) + σ ξ_c(t)          the song as sung

κ normalises the spine drive m (HVC neurons bursting per bin when HVC is on the spines;
1 otherwise) and w₀ removes the initial weight's bias (0 when LMAN is on the spines,
whose input is zero-mean). On the ``loop`` route the bias reaches the song through
LMAN, so an LMAN lesion removes it with the variability; on the ``direct`` route it acts
on RA and survives the lesion.
"""

from __future__ import annotations

from typing import Literal

import jax.numpy as jnp
from jax import Array

Route = Literal["loop", "direct"]


def channel_mean(values: Array, channel: Array, channels: int) -> Array:
    """Mean over the MSNs of each channel: ``[..., msns]`` → ``[..., channels]``."""
    one_hot = (channel[:, None] == jnp.arange(channels)).astype(values.dtype)
    return values @ one_hot / one_hot.sum(0)


def motor_readout(
    drive: Array,
    channel: Array,
    channels: int,
    *,
    gain: float,
    scale: float,
    offset: float,
    route: Route,
    lman_intact: bool,
) -> Array:
    """Area X's bias on the song x ``[bins, channels]`` from the MSNs' spine drive m
    ``[bins, msns]``: g (mean_{i∈c} m_i / κ − w₀) with κ = ``scale``, w₀ = ``offset``."""
    bias = gain * (channel_mean(drive / scale, channel, channels) - offset)
    if route == "loop":
        bias = bias * float(lman_intact)
    return bias


def song_error(song: Array, tutor: Array) -> Array:
    """E = mean over bins and features of (y − y*)² (song units²)."""
    return jnp.mean((song - tutor) ** 2, axis=(-2, -1))
