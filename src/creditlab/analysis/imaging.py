"""A simulated two-photon recording: spikes (or dendritic events) → calcium → GCaMP7f
fluorescence → ΔF/F0 sampled at the frame rate, with the indicator's noise.

Per ROI, at the simulation step dt [ms]:

    a^t  = a^{t−1} e^{−dt/τ_ca} + δ s^t          free calcium above rest [µM], s = events
    b^t  = b^{t−1} + (dt/τ_on) (c_0 + a^t − b^{t−1})  calcium seen by the indicator [µM]
    H(c) = cⁿ / (cⁿ + K_dⁿ)                       fraction of indicator bound (Hill)
    ΔF/F0 = (R − 1) (H(b) − H(c_0)) / (1 + (R − 1) H(c_0))

with R = F_max/F_min. Each imaging frame averages ΔF/F0 over its 1/f_frame s, then
Gaussian noise of s.d. σ is added.

jGCaMP7f constants:
- K_d = 0.174 µM, n = 2.3 and R = 30.2: the NAOMi parameter set (Song et al. 2021),
  from Dana et al. 2019.
- σ = 0.72 × the GCaMP6s noise (ΔF/F0 per AP 0.133, SNR 4.4), about 0.022. The 0.72
  is relative to GCaMP6s (Zhang et al. 2023).
- Resting calcium c_0 = 0.05 µM.

Kinetics, chosen to match jGCaMP7f's half-rise of about 25 ms and half-decay of about
0.2–0.27 s for one action potential (Dana et al. 2019):
- τ_on = 40 ms;
- τ_ca = 0.32 s.

δ = 0.0094 µM per event. That is NAOMi's 7.6 µM of calcium per action potential,
buffered at rest by the endogenous buffer (κ_S = 110) and by 200 µM of indicator
(κ_B ≈ 690). It makes one action potential's peak ΔF/F0 about 0.2, close to jGCaMP7f's
1.71 × GCaMP6s's 0.133 = 0.23 (Dana et al. 2019; Zhang et al. 2023).

The paper images at 15 Hz (Francioni et al. 2026). ``amplitude`` scales δ per ROI: a
distal dendrite's event can be larger or smaller than the trunk's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import jax
import jax.numpy as jnp
from jax import Array


@dataclass(frozen=True)
class Indicator:
    """A calcium indicator's constants (defaults: jGCaMP7f; module docstring)."""

    dissociation_um: float = 0.174
    hill: float = 2.3
    dynamic_range: float = 30.2
    rest_um: float = 0.05
    calcium_per_event_um: float = 0.0094
    calcium_decay_ms: float = 320.0
    binding_ms: float = 40.0
    noise_std: float = 0.72 * 0.133 / 4.4

    def bound(self, calcium: Array) -> Array:
        """H(c), the fraction of indicator bound at calcium ``c`` [µM]."""
        c = jnp.maximum(calcium, 0.0) ** self.hill
        return c / (c + self.dissociation_um**self.hill)

    def dff(self, seen_calcium: Array) -> Array:
        """ΔF/F0 at the calcium the indicator sees."""
        rest = self.bound(jnp.asarray(self.rest_um))
        gain = self.dynamic_range - 1.0
        return gain * (self.bound(seen_calcium) - rest) / (1.0 + gain * rest)


GCAMP7F = Indicator()


class Calcium(NamedTuple):
    """Free calcium above rest ``a`` and calcium seen by the indicator ``b`` [µM], ``[n]``."""

    free: Array
    seen: Array


def resting_calcium(shape: tuple[int, ...], indicator: Indicator = GCAMP7F) -> Calcium:
    return Calcium(jnp.zeros(shape), jnp.full(shape, indicator.rest_um))


def calcium_step(
    calcium: Calcium,
    events: Array,
    dt_ms: float,
    indicator: Indicator = GCAMP7F,
    amplitude: Array | float = 1.0,
) -> Calcium:
    """One step of dt [ms] of the calcium model (module docstring) given ``events [n]``."""
    decay = math.exp(-dt_ms / indicator.calcium_decay_ms)
    rate = min(dt_ms / indicator.binding_ms, 1.0)
    free = decay * calcium.free + indicator.calcium_per_event_um * amplitude * events
    return Calcium(free, calcium.seen + rate * (indicator.rest_um + free - calcium.seen))


def fluorescence(
    events: Array, dt_ms: float, indicator: Indicator = GCAMP7F, amplitude: Array | float = 1.0
) -> Array:
    """Noise-free ΔF/F0 at every step ``[T, n]`` from events per step ``[T, n]``
    (spike counts, or dendritic event sizes in units of one action potential)."""

    def step(calcium: Calcium, added: Array) -> tuple[Calcium, Array]:
        calcium = calcium_step(calcium, added, dt_ms, indicator, amplitude)
        return calcium, calcium.seen

    start = resting_calcium(events.shape[1:], indicator)
    _, seen = jax.lax.scan(step, start, events.astype(jnp.float32))
    return indicator.dff(seen)


def frame_count(n_steps: int, dt_ms: float, frame_rate_hz: float) -> int:
    """Whole frames in ``n_steps`` steps of ``dt_ms``."""
    return math.floor(n_steps * dt_ms * 1e-3 * frame_rate_hz + 1e-9)


def to_frames(trace: Array, dt_ms: float, frame_rate_hz: float = 15.0) -> Array:
    """Average a per-step trace ``[T, ...]`` over each frame: ``[frames, ...]``."""
    if dt_ms > 1e3 / frame_rate_hz:
        raise ValueError(f"dt = {dt_ms} ms is longer than a frame ({1e3 / frame_rate_hz:.1f} ms)")
    frames = frame_count(trace.shape[0], dt_ms, frame_rate_hz)
    index = jnp.floor(jnp.arange(trace.shape[0]) * dt_ms * 1e-3 * frame_rate_hz + 1e-9)
    index = index.astype(jnp.int32)
    inside = index < frames
    flat = trace.reshape(trace.shape[0], -1)
    sums = jax.ops.segment_sum(
        jnp.where(inside[:, None], flat, 0.0), jnp.where(inside, index, 0), frames
    )
    counts = jax.ops.segment_sum(inside.astype(flat.dtype), jnp.where(inside, index, 0), frames)
    return (sums / counts[:, None]).reshape(frames, *trace.shape[1:])


def record(
    key: Array,
    events: Array,
    dt_ms: float,
    *,
    frame_rate_hz: float = 15.0,
    indicator: Indicator = GCAMP7F,
    amplitude: Array | float = 1.0,
) -> Array:
    """ΔF/F0 ``[frames, n]`` as a two-photon microscope would record it."""
    clean = to_frames(fluorescence(events, dt_ms, indicator, amplitude), dt_ms, frame_rate_hz)
    return clean + indicator.noise_std * jax.random.normal(key, clean.shape, clean.dtype)


@dataclass(frozen=True)
class PyramidalImaging:
    """The two ROIs imaged on each layer-5 pyramidal neuron in the BCI experiment
    (Francioni et al. 2026): the proximal apical trunk (a proxy for the soma) and a
    distal dendrite, at one step per frame.

    - The trunk sees the burst's calcium, n_AP z.
    - The distal dendrite sees the back-propagated burst, attenuated by ρ and scaled by
      the tuft's depolarisation, plus the plateau's own calcium:
      e_d = n_AP z · ρ · max(1 + γ v_a, 0) + A_p p.

    So the dendrite carries what the soma does not: the tuft's potential, and plateaus
    that stay below the soma's threshold.
    """

    burst_size: float = 2.0
    backpropagation_attenuation: float = 0.8
    apical_gain: float = 0.5
    plateau_size: float = 1.5
    indicator: Indicator = GCAMP7F


class TwoRois(NamedTuple):
    """Calcium at the trunk (``soma``) and the distal dendrite (``dendrite``), ``[n]`` each."""

    soma: Calcium
    dendrite: Calcium


def resting_rois(n: int, indicator: Indicator = GCAMP7F) -> TwoRois:
    return TwoRois(resting_calcium((n,), indicator), resting_calcium((n,), indicator))


def image_pyramidal(
    imaging: PyramidalImaging,
    calcium: TwoRois,
    bursts: Array,
    plateau: Array,
    v_apical: Array,
    noise_soma: Array,
    noise_dendrite: Array,
    dt_ms: float,
) -> tuple[TwoRois, Array, Array]:
    """One frame of both ROIs ``[n]`` given bursts z, plateaus p, the apical potential
    v_a and standard-normal imaging noise: new calcium, soma and dendrite ΔF/F0."""
    spikes = imaging.burst_size * bursts
    dendritic = (
        spikes
        * imaging.backpropagation_attenuation
        * jnp.maximum(1.0 + imaging.apical_gain * v_apical, 0.0)
        + imaging.plateau_size * plateau
    )
    indicator = imaging.indicator
    soma = calcium_step(calcium.soma, spikes, dt_ms, indicator)
    dendrite = calcium_step(calcium.dendrite, dendritic, dt_ms, indicator)
    sigma = indicator.noise_std
    soma_dff = indicator.dff(soma.seen) + sigma * noise_soma
    dendrite_dff = indicator.dff(dendrite.seen) + sigma * noise_dendrite
    return TwoRois(soma, dendrite), soma_dff, dendrite_dff


def image_pyramidal_recording(
    imaging: PyramidalImaging,
    calcium: TwoRois,
    bursts: Array,
    plateau: Array,
    v_apical: Array,
    noise_soma: Array,
    noise_dendrite: Array,
    dt_ms: float,
) -> tuple[TwoRois, Array, Array]:
    """:func:`image_pyramidal` over a recording, every argument ``[T, n]`` (one frame per
    step, from ``calcium``): the calcium after it, soma and dendrite ΔF/F0 ``[T, n]``."""

    def frame(rois: TwoRois, now: tuple) -> tuple[TwoRois, tuple[Array, Array]]:
        rois, soma, dendrite = image_pyramidal(imaging, rois, *now, dt_ms)
        return rois, (soma, dendrite)

    recorded = (bursts, plateau, v_apical, noise_soma, noise_dendrite)
    calcium, (soma, dendrite) = jax.lax.scan(frame, calcium, recorded)
    return calcium, soma, dendrite
