"""One bird: HVC, LMAN, Area X and the motor pathway, and one rendition of its song,
composed of the library's MSNs (:mod:`creditlab.neurons.medium_spiny`) and the song
task's inputs, motor pathway and reward (:mod:`creditlab.tasks.song`).

Per time bin t of the motif (``[bins]``) and LMAN channel c (``[channels]``; channel c
drives motor feature c, e.g. pitch or amplitude of one RA pool):

    HVC        h_j(t) ∈ {0, 1}                          sparse timing code (tasks.song_hvc)
    LMAN       σ ξ_c(t),  ξ ~ N(0, 1)                   exploratory variability
    Area X     m_i(t) = Σ_j W_ij s_j(t)                 MSN i, spine input s
    bias       x_c(t) = g (mean_{i ∈ c} m_i(t) / κ − w₀) pallidum → thalamus → LMAN
    song       y_c(t) = y⁰_c(t) + x_c(t) + σ ξ_c(t)

κ = HVC neurons bursting per bin (so the bias does not depend on the HVC size) and w₀
the initial weight (so the initial bias is 0). MSNs are split evenly over channels (the
Area X → DLM → LMAN loop is topographic).

**Anatomy, assumed.** HVC synapses sit on spines (s = h, plastic) and the LMAN
efference copy on shafts: the shaft depolarisation of MSN i is its channel's
perturbation, d_i(t) = ξ_{c(i)}(t). The MSNs are point units, so "spine" and "shaft" are
labels for "plastic" and "carries the perturbation" here; the spiny-MSN model
(:mod:`.wiring`, ``creditlab song-placement``) places inputs as data and tests where
they should sit.

**Routes** (``route``). ``loop`` (Fee & Goldberg 2011): the bias reaches the song
through LMAN, so an LMAN lesion removes both the variability and the learned bias.
``direct``: the bias acts on RA directly (as a change of HVC → RA would), and an LMAN
lesion removes only the variability. Both share everything else.

What changes W is a library rule (:mod:`.learning`), W kept in [0, w_max].
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import jax.numpy as jnp
import numpy as np
from jax import Array

from creditlab.neurons.medium_spiny import MediumSpiny
from creditlab.tasks.song import Route, motor_readout, song_error
from creditlab.tasks.song_hvc import burst_onsets, timing_code

__all__ = ["Bird", "Rendition", "Route", "SongModelConfig", "make_bird", "sing", "song_error"]


@dataclass(frozen=True)
class SongModelConfig:
    """Sizes, timing and learning constants (units in the names; song units arbitrary)."""

    hvc_neurons: int = 200
    msn_per_channel: int = 20
    channels: int = 4  # LMAN channels = motor features = perturbation dimension per bin
    bins: int = 40
    bin_ms: float = 20.0  # an 800 ms motif
    burst_bins: int = 1  # HVC bursts last ~10–20 ms
    noise_std: float = 0.2  # σ, LMAN variability in song units
    bias_gain: float = 1.0  # g
    initial_weight: float = 0.5  # w₀
    max_weight: float = 1.0  # w_max
    song_difference: float = 0.25  # std of tutor − juvenile song
    eligibility_tau_ms: float = 1000.0  # τ_e
    reward_delay_ms: float = 300.0  # mean delay after the motif ends
    reward_jitter_ms: float = 100.0  # s.d. of that delay (imprecise timing)
    evaluation_noise: float = 0.1  # relative s.d. of the bird's estimate of its error
    reward_baseline_renditions: float = 20.0  # τ of R̄ and of the error threshold Ē
    learning_rate: float = 0.02  # η

    def __post_init__(self) -> None:
        for name in ("hvc_neurons", "msn_per_channel", "channels", "bins", "burst_bins"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be ≥ 1, got {getattr(self, name)}")
        if self.hvc_neurons < self.bins:
            raise ValueError(f"hvc_neurons ({self.hvc_neurons}) must be ≥ bins ({self.bins})")
        if not 0 <= self.initial_weight <= self.max_weight:
            raise ValueError("need 0 ≤ initial_weight ≤ max_weight")
        for name in ("noise_std", "eligibility_tau_ms", "bin_ms", "reward_baseline_renditions"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)}")

    @property
    def msns(self) -> int:
        return self.channels * self.msn_per_channel

    @property
    def motif_ms(self) -> float:
        return self.bins * self.bin_ms


class Bird(NamedTuple):
    """One bird's fixed circuit and songs (a leading bird axis when stacked)."""

    hvc: Array  # [bins, hvc_neurons] timing code
    hvc_onsets: Array  # [hvc_neurons] burst onset bin
    channel: Array  # [msns] LMAN channel of each MSN
    juvenile: Array  # [bins, channels] y⁰
    tutor: Array  # [bins, channels] y*


def _smooth_curves(rng: np.random.Generator, bins: int, channels: int, width: float) -> np.ndarray:
    """Random curves ``[bins, channels]`` of unit s.d., smooth over ``width`` bins."""
    lags = np.arange(-3 * int(width) - 1, 3 * int(width) + 2)
    kernel = np.exp(-0.5 * (lags / width) ** 2)
    noise = rng.standard_normal((bins + len(lags) - 1, channels))
    curves = np.stack([np.convolve(noise[:, c], kernel, "valid") for c in range(channels)], 1)
    return (curves - curves.mean(0)) / curves.std(0)


def draw_songs(
    rng: np.random.Generator, config: SongModelConfig, reach: float
) -> tuple[np.ndarray, np.ndarray]:
    """(juvenile, tutor) ``[bins, channels]``: smooth random curves, the tutor's
    difference from the juvenile clipped to ±``reach`` (what Area X's bias can move)."""
    juvenile = 0.5 * _smooth_curves(rng, config.bins, config.channels, 3.0)
    difference = config.song_difference * _smooth_curves(rng, config.bins, config.channels, 3.0)
    return juvenile, juvenile + np.clip(difference, -reach, reach)


def make_bird(rng: np.random.Generator, config: SongModelConfig) -> Bird:
    """Draw one bird: HVC burst times, Area X wiring, its juvenile song and its tutor's."""
    onsets = burst_onsets(rng, config.hvc_neurons, config.bins, config.burst_bins)
    reach = (
        0.8
        * config.bias_gain
        * min(config.initial_weight, config.max_weight - config.initial_weight)
    )
    juvenile, tutor = draw_songs(rng, config, reach)
    real = jnp.result_type(float)  # float32, or float64 where x64 is enabled
    return Bird(
        hvc=jnp.asarray(timing_code(onsets, config.bins, config.burst_bins), real),
        hvc_onsets=jnp.asarray(onsets),
        channel=jnp.asarray(np.repeat(np.arange(config.channels), config.msn_per_channel)),
        juvenile=jnp.asarray(juvenile, real),
        tutor=jnp.asarray(tutor, real),
    )


def initial_weights(config: SongModelConfig) -> Array:
    """W ``[msns, hvc_neurons]``, every spine synapse at w₀."""
    shape = (config.msns, config.hvc_neurons)
    return jnp.full(shape, config.initial_weight, jnp.result_type(float))


class Rendition(NamedTuple):
    song: Array  # [bins, channels] y, as sung
    bias: Array  # [bins, channels] x, Area X's learned bias as it reaches the song
    spine_input: Array  # [bins, spine inputs] s
    shaft_depolarisation: Array  # [bins, msns] d


def sing(
    config: SongModelConfig,
    bird: Bird,
    weights: Array,
    noise: Array,
    *,
    route: Route,
    lman_intact: bool,
) -> Rendition:
    """One rendition with LMAN variability ``noise`` ξ ``[bins, channels]`` (module
    docstring): the MSNs (:class:`creditlab.neurons.MediumSpiny`) respond to their spine
    and shaft inputs, and the task's motor pathway (:func:`creditlab.tasks.song.
    motor_readout`) turns their drive into the song. An LMAN lesion
    (``lman_intact=False``) silences ξ and, on the loop route, the bias."""
    xi = noise * float(lman_intact)
    spine, shaft = bird.hvc, xi[:, bird.channel]
    scale = config.hvc_neurons * config.burst_bins / config.bins  # κ
    offset = config.initial_weight
    msns = MediumSpiny().respond(weights, spine, shaft)
    bias = motor_readout(
        msns.drive,
        bird.channel,
        config.channels,
        gain=config.bias_gain,
        scale=scale,
        offset=offset,
        route=route,
        lman_intact=lman_intact,
    )
    song = bird.juvenile + bias + config.noise_std * xi
    return Rendition(song, bias, spine, shaft)
