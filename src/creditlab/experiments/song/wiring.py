"""One bird whose Area X MSNs have spines and shafts (issue 22): who contacts whom, on
which compartment and branch, composed of the library's spiny MSNs
(:class:`creditlab.neurons.spiny_dendrite.SpinyDendrites`) and the song task's inputs,
motor pathway and reward (:mod:`creditlab.tasks.song`).

Inputs, per time bin t: HVC neuron j's timing code h_j(t) ∈ {0, 1} (:mod:`creditlab.
tasks.song_hvc`) and LMAN axon a's rate ℓ_a(t) = max(0, 1 + σ_L ξ_c(a)(t)), ξ ~ N(0, 1)
per LMAN channel c (the exploratory variability; an LMAN lesion silences ℓ). Each
(MSN, input) pair has ``contacts_per_pair`` possible synapses, each present with the
input type's connection probability (HVC: any MSN; LMAN: the MSNs of its own channel,
the topographic Area X → DLM → LMAN loop). Each present synapse sits on a spine head
with its input type's spine fraction (``hvc_spine_fraction``, ``lman_spine_fraction``)
and on a random branch; its weight starts at w₀ exp(s ζ) ∧ w_max, ζ ~ N(0, 1). So every
MSN has its own HVC inputs and dendrites, and the contacts of one pair start apart.

The song, per bin and channel c (MSNs split evenly over channels):

    x_c(t) = g (mean_{i∈c} v_soma,i(t) − v⁰_c(t)) / v̄⁰      Area X's bias
    y_c(t) = y⁰_c(t) + x_c(t) + σ ξ_c(t)                      as sung

with v⁰ the MSNs' initial output with ξ = 0 (so the bias starts at 0) and v̄⁰ its mean.
The same LMAN variability reaches the song directly (σ ξ) and, through the MSNs'
response to their LMAN synapses, through Area X. Every synapse is plastic under the
same rule: nothing marks an input as "the noise" or a compartment as "the plastic one".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import jax.numpy as jnp
import numpy as np
from jax import Array

from creditlab.experiments.song.model import SongModelConfig, draw_songs
from creditlab.neurons.spiny_dendrite import Placement, SpinyDendrites
from creditlab.tasks.song import Route, channel_mean, motor_readout
from creditlab.tasks.song_hvc import burst_onsets, timing_code


@dataclass(frozen=True)
class Wiring:
    """Connections and placement (units in the names; weights in nS)."""

    hvc_spine_fraction: float = 1.0
    lman_spine_fraction: float = 0.0
    hvc_connection_probability: float = 0.3
    lman_connection_probability: float = 0.5
    lman_axons_per_channel: int = 5
    contacts_per_pair: int = 2
    branches: int = 4  # MSNs have 3–5 primary dendrites (Wilson & Groves 1980)
    lman_rate_std: float = 0.2  # σ_L
    initial_weight_spread: float = 0.25  # s

    def __post_init__(self) -> None:
        for name in (
            "hvc_spine_fraction",
            "lman_spine_fraction",
            "hvc_connection_probability",
            "lman_connection_probability",
        ):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {getattr(self, name)}")
        for name in ("lman_axons_per_channel", "contacts_per_pair", "branches"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be ≥ 1, got {getattr(self, name)}")
        if self.lman_rate_std < 0 or self.initial_weight_spread < 0:
            raise ValueError("lman_rate_std and initial_weight_spread must be ≥ 0")

    def inputs(self, model: SongModelConfig) -> int:
        return model.hvc_neurons + model.channels * self.lman_axons_per_channel


class WiredBird(NamedTuple):
    """One bird's fixed circuit and songs (a leading bird axis when stacked)."""

    hvc: Array  # [bins, hvc_neurons]
    channel: Array  # [msns]
    lman_channel: Array  # [lman axons]
    placement: Placement
    initial_weights: Array  # [msns, columns] nS
    juvenile: Array  # [bins, channels]
    tutor: Array  # [bins, channels]
    baseline: Array  # [bins, channels] v⁰ / v̄⁰
    output_scale: Array  # v̄⁰ [mV]


def draw_wiring(
    rng: np.random.Generator, model: SongModelConfig, wiring: Wiring
) -> tuple[Placement, np.ndarray, np.ndarray]:
    """(placement, initial weights ``[msns, columns]``, LMAN axons' channels). The spine
    draw is one uniform per synapse compared with the spine fraction, so that birds
    drawn with the same rng differ between fractions only in placement."""
    n_hvc, channels, msns = model.hvc_neurons, model.channels, model.msns
    k = wiring.contacts_per_pair
    lman_channel = np.repeat(np.arange(channels), wiring.lman_axons_per_channel)
    source = np.repeat(np.arange(wiring.inputs(model)), k)
    is_hvc = source < n_hvc
    msn_channel = np.repeat(np.arange(channels), model.msn_per_channel)
    input_channel = np.concatenate([np.full(n_hvc, -1), lman_channel])[source]
    allowed = is_hvc[None, :] | (input_channel[None, :] == msn_channel[:, None])
    probability = np.where(
        is_hvc, wiring.hvc_connection_probability, wiring.lman_connection_probability
    )
    connected = allowed & (rng.random((msns, len(source))) < probability[None, :])
    fraction = np.where(is_hvc, wiring.hvc_spine_fraction, wiring.lman_spine_fraction)
    spine = rng.random((msns, len(source))) < fraction[None, :]
    branch = np.eye(wiring.branches)[rng.integers(0, wiring.branches, (msns, len(source)))]
    spread = np.exp(wiring.initial_weight_spread * rng.standard_normal((msns, len(source))))
    weights = np.minimum(model.initial_weight * spread, model.max_weight) * connected
    real = jnp.result_type(float)
    placement = Placement(
        jnp.asarray(source),
        jnp.asarray(connected, real),
        jnp.asarray(spine & connected, real),
        jnp.asarray(branch, real),
    )
    return placement, weights, lman_channel


def activity(bird_hvc: Array, lman_channel: Array, noise: Array, wiring: Wiring) -> Array:
    """Presynaptic activity ``[bins, inputs]``: HVC's code, then LMAN's rates from ξ
    ``[bins, channels]`` (:func:`sing_wired` silences them for an LMAN lesion)."""
    lman = jnp.maximum(1.0 + wiring.lman_rate_std * noise[:, lman_channel], 0.0)
    return jnp.concatenate([bird_hvc, lman], axis=1)


def make_wired_bird(
    rng: np.random.Generator,
    model: SongModelConfig,
    wiring: Wiring,
    dendrites: SpinyDendrites,
) -> WiredBird:
    """Draw one bird (its HVC code, wiring, juvenile and tutor songs) and its MSNs'
    initial output without variability."""
    onsets = burst_onsets(rng, model.hvc_neurons, model.bins, model.burst_bins)
    reach = 0.8 * model.bias_gain * 0.5  # the bias can move by about half its mean drive
    juvenile, tutor = draw_songs(rng, model, reach)
    placement, weights, lman_channel = draw_wiring(rng, model, wiring)
    real = jnp.result_type(float)
    hvc = jnp.asarray(timing_code(onsets, model.bins, model.burst_bins), real)
    channel = jnp.asarray(np.repeat(np.arange(model.channels), model.msn_per_channel))
    weights = jnp.asarray(weights, real)
    quiet = jnp.zeros((model.bins, model.channels), real)
    soma = dendrites.respond(weights, activity(hvc, lman_channel, quiet, wiring), placement).soma
    start = channel_mean(soma, channel, model.channels)
    return WiredBird(
        hvc=hvc,
        channel=channel,
        lman_channel=jnp.asarray(lman_channel),
        placement=placement,
        initial_weights=weights,
        juvenile=jnp.asarray(juvenile, real),
        tutor=jnp.asarray(tutor, real),
        baseline=start / jnp.mean(start),
        output_scale=jnp.mean(start),
    )


class WiredRendition(NamedTuple):
    song: Array  # [bins, channels]
    bias: Array  # [bins, channels]
    activity: Array  # [bins, inputs]
    soma: Array  # [bins, msns]
    calcium: Array  # [bins, msns, columns], each synapse's calcium signal


def sing_wired(
    model: SongModelConfig,
    wiring: Wiring,
    dendrites: SpinyDendrites,
    bird: WiredBird,
    weights: Array,
    noise: Array,
    *,
    route: Route,
    lman_intact: bool,
) -> WiredRendition:
    """One rendition with LMAN variability ξ = ``noise`` ``[bins, channels]`` (module
    docstring); a lesioned LMAN sends nothing to Area X or the song."""
    inputs = activity(bird.hvc, bird.lman_channel, noise, wiring)
    inputs = inputs.at[:, model.hvc_neurons :].multiply(float(lman_intact))
    response = dendrites.respond(weights, inputs, bird.placement)
    bias = motor_readout(
        response.soma,
        bird.channel,
        model.channels,
        gain=model.bias_gain,
        scale=bird.output_scale,
        offset=bird.baseline,
        route=route,
        lman_intact=lman_intact,
    )
    song = bird.juvenile + bias + model.noise_std * noise * float(lman_intact)
    return WiredRendition(song, bias, inputs, response.soma, response.calcium)
