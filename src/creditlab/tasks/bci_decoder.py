"""The BCI decoder: P+ and P− activity → a grating angle (Francioni et al. 2026, Fig. 1b).

Each frame, every control neuron's ΔF/F0 is z-scored with the mean and standard
deviation of its own baseline recording, and the control signal is

    d = mean_{i ∈ P+} z_i − mean_{j ∈ P−} z_j.

The angle is a binned linear map of d: 7 bins, 15° apart, from 0° to 90° (the target),

    angle = 15° · clip(⌊6 (d − d_0)/(d_90 − d_0)⌋, 0, 6),

so d ≤ d_0 shows 0°, and d ≥ d_90 shows 90°, the target.

Calibration (our rule; the paper calibrates on a baseline session without stating one):
d_0 and d_90 are the ``low`` and ``high`` quantiles of d over a baseline recording made
without learning, by default the 2.5th and 97.5th percentiles. Before learning, the
target is then shown in about 2.5 % of frames; the chance level of the task follows by
replaying baseline activity through the same decoder and protocol.
"""

from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp
from jax import Array

BINS = 7
STEP_DEGREES = 15.0
TARGET_DEGREES = STEP_DEGREES * (BINS - 1)


class Decoder(NamedTuple):
    """Baseline statistics of the control neurons and the calibrated range of d.

    Attributes:
        mean_plus, std_plus: ``[n_plus]`` baseline ΔF/F0 mean and s.d. of P+.
        mean_minus, std_minus: ``[n_minus]`` the same for P−.
        d_zero: d at and below which the angle is 0°.
        d_target: d at and above which the angle is 90°.
    """

    mean_plus: Array
    std_plus: Array
    mean_minus: Array
    std_minus: Array
    d_zero: Array
    d_target: Array


def control_signal(
    plus: Array,
    minus: Array,
    mean_plus: Array,
    std_plus: Array,
    mean_minus: Array,
    std_minus: Array,
) -> Array:
    """d ``[...]`` from ΔF/F0 of P+ ``[..., n_plus]`` and P− ``[..., n_minus]``."""
    z_plus = (plus - mean_plus) / std_plus
    z_minus = (minus - mean_minus) / std_minus
    return jnp.mean(z_plus, axis=-1) - jnp.mean(z_minus, axis=-1)


def calibrate(plus: Array, minus: Array, *, low: float = 0.025, high: float = 0.975) -> Decoder:
    """The decoder of a baseline recording: ``plus [frames, n_plus]``, ``minus [frames,
    n_minus]`` (ΔF/F0 of P+ and P−)."""
    if not 0.0 <= low < high <= 1.0:
        raise ValueError(f"need 0 ≤ low < high ≤ 1, got low={low}, high={high}")
    stats = (
        jnp.mean(plus, axis=0),
        jnp.maximum(jnp.std(plus, axis=0), 1e-6),
        jnp.mean(minus, axis=0),
        jnp.maximum(jnp.std(minus, axis=0), 1e-6),
    )
    d = control_signal(plus, minus, *stats)
    d_zero, d_target = jnp.quantile(d, low), jnp.quantile(d, high)
    return Decoder(*stats, d_zero, jnp.maximum(d_target, d_zero + 1e-6))


def decode_angle(decoder: Decoder, plus: Array, minus: Array) -> Array:
    """The grating angle [degrees] of each frame: one of 0, 15, …, 90."""
    d = control_signal(plus, minus, *decoder[:4])
    position = (BINS - 1) * (d - decoder.d_zero) / (decoder.d_target - decoder.d_zero)
    return STEP_DEGREES * jnp.clip(jnp.floor(position), 0, BINS - 1)


def relaxed_angle(decoder: Decoder, plus: Array, minus: Array) -> Array:
    """A differentiable surrogate of :func:`decode_angle` [degrees]: the binned angle's
    expectation under a uniform dither of the bin edges, 15° · clip(6 (d − d_0)/(d_90 −
    d_0) − ½, 0, 6), smooth between the clip's two corners."""
    d = control_signal(plus, minus, *decoder[:4])
    position = (BINS - 1) * (d - decoder.d_zero) / (decoder.d_target - decoder.d_zero)
    return STEP_DEGREES * jnp.clip(position - 0.5, 0, BINS - 1)
