"""The simulated field of view of the BCI experiment (Francioni et al. 2026): a network
of the library (:func:`creditlab.network.make_network`), wired per mouse.

- Layer-5 pyramidal neurons: :class:`creditlab.neurons.BurstingPyramidal` (soma, apical
  tuft, plateaus, NDNF shunt), one step per imaging frame, dt = 1/15 s.
- Their summed somatic input, per frame (the network's current, weights pre × post):
      u_j^t = Σ_i x_i^t W^in_ij + Σ_i y_i^{t−1} W^rec_ij − Σ_k r_k^{t−1} W^ip_kj + b_j
  with feed-forward input rates x (:func:`creditlab.tasks.fluctuating_rates`:
  fluctuations with time constant τ_x around the mean), the recurrent activity traces
  y, and PV-like interneurons (:data:`creditlab.cell_types.PV_LIKE`) at r = g_pv Σ_j
  y_j W^pe_jk (linear, instantaneous).
- Layer-1 NDNF-like interneurons (:data:`creditlab.cell_types.NDNF_LIKE`) fire at a
  constant rate (raised when activated) and inhibit the tufts: J_j = Σ_k r_k W^nd_kj.
- The microscope: :func:`creditlab.analysis.imaging.image_pyramidal` (trunk and distal
  dendrite ROIs, GCaMP7f), in the session's closed loop.

W_in is plastic (masked, within [0, w_max]); the rest is fixed. Defaults are
illustrative, not fitted: about 14 somatic transients per minute at rest, 120 pyramidal
neurons, 40 inputs, 20 PV-like and 10 NDNF-like cells. No rule is tuned through them.

The NDNF-like activation (``ndnf_activation``, 10 Hz of extra rate) is not in the
paper: the text available (seeds 001, 003) gives no rate, strength or fraction of
dendritic events removed by the optogenetic activation. So no verdict rests on the
default. ``creditlab bci-dose-response`` reports learning and somatic activity against
it (RESULTS §12), and a finding about inhibition is read from that trend.

Shapes: one mouse; mice are a ``jax.vmap``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array

from creditlab.analysis.imaging import PyramidalImaging
from creditlab.cell_types import NDNF_LIKE, PV_LIKE
from creditlab.network import InterneuronPopulation, Network, Params, make_network
from creditlab.neurons.bursting_pyramidal import BurstingPyramidal, PyramidalNoise
from creditlab.tasks.fluctuating_rates import fluctuating_rates

_NEURON, _IMAGING = BurstingPyramidal(), PyramidalImaging()  # their defaults are the circuit's


@dataclass(frozen=True)
class CircuitConfig:
    """Sizes, time constants and gains of the circuit (module docstring); the neurons'
    and the microscope's fields default to :class:`BurstingPyramidal`'s and
    :class:`PyramidalImaging`'s, which :meth:`neuron` and :meth:`imaging` build."""

    n_pyramidal: int = 120
    n_inputs: int = 40
    n_pv: int = 20
    n_ndnf: int = 10
    frame_rate_hz: float = 15.0
    input_connectivity: float = 0.5
    recurrent_connectivity: float = 0.1
    input_weight: float = 0.05
    recurrent_weight: float = 0.5
    max_input_weight: float = 0.5
    bias_mean: float = -3.5
    bias_std: float = 0.5
    max_rate_hz: float = _NEURON.max_rate_hz
    input_time_constant_ms: float = 500.0
    input_noise: float = 0.5
    somatic_noise: float = _NEURON.somatic_noise
    activity_time_constant_ms: float = _NEURON.activity_time_constant_ms
    pv_gain: float = 0.5
    pv_weight: float = 0.3
    apical_time_constant_ms: float = _NEURON.apical_time_constant_ms
    apical_noise: float = _NEURON.apical_noise
    apical_drive: float = _NEURON.apical_drive
    apical_threshold: float = _NEURON.apical_threshold
    apical_width: float = _NEURON.apical_width
    plateau_probability: float = _NEURON.plateau_probability
    apical_to_soma: float = _NEURON.apical_to_soma
    burst_size: float = _IMAGING.burst_size
    backpropagation_attenuation: float = _IMAGING.backpropagation_attenuation
    apical_gain: float = _IMAGING.apical_gain
    plateau_size: float = _IMAGING.plateau_size
    ndnf_rate: float = 1.0
    ndnf_activation: float = 10.0  # extra NDNF rate when activated [Hz]; not in the paper
    ndnf_weight: float = 0.02
    ndnf_half_shunt: float = _NEURON.half_shunt
    ndnf_threshold_shift: float = _NEURON.threshold_shift

    def __post_init__(self) -> None:
        for name in ("n_pyramidal", "n_inputs", "n_pv", "n_ndnf"):
            if getattr(self, name) < 1:
                raise ValueError(f"circuit.{name} must be at least 1, got {getattr(self, name)}")
        if self.n_pyramidal < 100:
            raise ValueError(
                f"circuit.n_pyramidal = {self.n_pyramidal}: the field of view needs at least 100"
            )

    @property
    def dt_ms(self) -> float:
        return 1e3 / self.frame_rate_hz

    def neuron(self) -> BurstingPyramidal:
        """The pyramidal neuron model these constants describe."""
        return BurstingPyramidal(
            dt=self.dt_ms,
            max_rate_hz=self.max_rate_hz,
            somatic_noise=self.somatic_noise,
            activity_time_constant_ms=self.activity_time_constant_ms,
            apical_time_constant_ms=self.apical_time_constant_ms,
            apical_noise=self.apical_noise,
            apical_drive=self.apical_drive,
            apical_threshold=self.apical_threshold,
            apical_width=self.apical_width,
            plateau_probability=self.plateau_probability,
            apical_to_soma=self.apical_to_soma,
            half_shunt=self.ndnf_half_shunt,
            threshold_shift=self.ndnf_threshold_shift,
        )

    def imaging(self) -> PyramidalImaging:
        """The microscope's view of both ROIs."""
        return PyramidalImaging(
            burst_size=self.burst_size,
            backpropagation_attenuation=self.backpropagation_attenuation,
            apical_gain=self.apical_gain,
            plateau_size=self.plateau_size,
        )


class Circuit(NamedTuple):
    """One mouse's circuit: the network (fixed: masks, recurrent weights, bias, PV-like
    and NDNF-like cells) and its weights; ``params.w_in [inputs, n]`` is the plastic
    part (``params.w_out`` is empty: the decoder reads the neurons, not a readout)."""

    network: Network
    params: Params


def _sparse(
    rng: np.random.Generator, shape: tuple[int, int], probability: float, mean: float
) -> np.ndarray:
    return (rng.random(shape) < probability) * rng.exponential(mean, shape)


def make_circuit(rng: np.random.Generator, config: CircuitConfig) -> Circuit:
    """A random circuit (one mouse): sparse exponential weights, Gaussian biases, drawn
    with numpy (a circuit is made once, and so costs no compilation), built into a
    network by :func:`make_network`."""
    n = config.n_pyramidal
    w_in = _sparse(rng, (n, config.n_inputs), config.input_connectivity, config.input_weight)
    w_rec = _sparse(rng, (n, n), config.recurrent_connectivity, config.recurrent_weight)
    w_rec = w_rec * (1.0 - np.eye(n)) / n
    bias = config.bias_mean + config.bias_std * rng.standard_normal(n)
    w_pe = _sparse(rng, (config.n_pv, n), 0.5, 1.0 / (0.5 * n))
    w_ip = _sparse(rng, (n, config.n_pv), 0.5, config.pv_weight / (0.5 * config.n_pv))
    w_nd = _sparse(rng, (n, config.n_ndnf), 0.5, config.ndnf_weight / 0.5)
    pv_like = PV_LIKE._replace(gain=config.pv_gain)
    network = make_network(
        config.neuron(),
        config.n_inputs,
        n,
        0,
        recurrent_mask=(w_rec > 0).T,
        input_mask=(w_in > 0).T,
        bias=bias,
        interneurons=(
            InterneuronPopulation(pv_like, jnp.asarray(w_ip.T), w_from=jnp.asarray(w_pe.T)),
            InterneuronPopulation(
                NDNF_LIKE, jnp.asarray(w_nd.T), rate=jnp.full(config.n_ndnf, config.ndnf_rate)
            ),
        ),
        input_bounds=(0.0, config.max_input_weight),
    )
    weights = (np.minimum(w_in, config.max_input_weight).T, w_rec.T, np.zeros((n, 0)))
    return Circuit(network, Params(*(jnp.asarray(w) for w in weights)))


def with_apical_inhibition(config: CircuitConfig, network: Network, activated: Array) -> Network:
    """The network with its NDNF-like cells at their spontaneous rate, or raised by
    ``ndnf_activation`` where ``activated`` (0 or 1)."""
    pv, ndnf = network.interneurons
    rate = config.ndnf_rate + config.ndnf_activation * activated
    return replace(network, interneurons=(pv, replace(ndnf, rate=jnp.full_like(ndnf.rate, rate))))


class FrameNoise(NamedTuple):
    """The random draws of one frame of one mouse: standard normals ``input [inputs]``,
    ``apical``, ``soma``, ``imaging_soma``, ``imaging_dendrite`` and uniforms
    ``plateau``, ``burst``, each ``[n]``."""

    input: Array
    apical: Array
    soma: Array
    plateau: Array
    burst: Array
    imaging_soma: Array
    imaging_dendrite: Array

    @property
    def neurons(self) -> PyramidalNoise:
        """The neurons' own draws."""
        return PyramidalNoise(self.apical, self.soma, self.plateau, self.burst)


def draw_noise(key: Array, frames: int, config: CircuitConfig) -> FrameNoise:
    """Noise for ``frames`` frames, ``[frames, ...]`` per field."""
    keys = jax.random.split(key, 7)
    n, shape = config.n_pyramidal, (frames, config.n_pyramidal)
    normal, uniform = jax.random.normal, jax.random.uniform
    return FrameNoise(
        normal(keys[0], (frames, config.n_inputs)),
        normal(keys[1], shape),
        normal(keys[2], shape),
        uniform(keys[3], shape),
        uniform(keys[4], shape),
        normal(keys[5], (frames, n)),
        normal(keys[6], (frames, n)),
    )


def input_rates(config: CircuitConfig, start: Array, noise: FrameNoise) -> tuple[Array, Array]:
    """The feed-forward input rates ``[frames, inputs]`` of a chunk of frames, and the
    fluctuation it ends on (:func:`creditlab.tasks.fluctuating_rates`)."""
    return fluctuating_rates(
        start,
        noise.input,
        dt_ms=config.dt_ms,
        time_constant_ms=config.input_time_constant_ms,
        relative_std=config.input_noise,
    )
