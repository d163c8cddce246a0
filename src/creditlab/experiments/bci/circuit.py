"""The simulated field of view of the BCI experiment (Francioni et al. 2026): a
composition of library parts, wired per mouse.

- Layer-5 pyramidal neurons: :class:`creditlab.neurons.BurstingPyramidal` (soma, apical
  tuft, plateaus, NDNF shunt), one step per imaging frame, dt = 1/15 s.
- Their summed somatic input, per frame:
      u^t = W_in x^t + W_rec y^{t−1} − W_ip r_pv^{t−1} + b
  with feed-forward input rates x^t = max(1 + σ_x o^t, 0), o^t = a_x o^{t−1} +
  √(1 − a_x²) ξ_x (fluctuations with time constant τ_x), the recurrent activity traces
  y, the PV-like interneurons' rates r_pv = g_pv W_pe y (linear, instantaneous), and a
  bias b.
- Layer-1 NDNF-like interneurons fire at a constant rate (raised when activated) and
  inhibit the tufts: J = W_nd r_nd.
- The microscope: :func:`creditlab.analysis.imaging.image_pyramidal` (trunk and distal
  dendrite ROIs, GCaMP7f).

W_in is plastic (post × pre, masked); the rest is fixed. Defaults are illustrative, not
fitted: about 14 somatic transients per minute at rest, 120 pyramidal neurons, 40
inputs, 20 PV-like and 10 NDNF-like cells. Shapes: one mouse; mice are a ``jax.vmap``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array

from creditlab.analysis.imaging import PyramidalImaging, TwoRois, image_pyramidal, resting_rois
from creditlab.neurons.bursting_pyramidal import (
    BurstingPyramidal,
    PyramidalNoise,
    PyramidalState,
    Tuft,
)

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
    ndnf_activation: float = 10.0  # extra NDNF rate when activated; see RESULTS §7
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

    def decay(self, time_constant_ms: float) -> float:
        return math.exp(-self.dt_ms / time_constant_ms)

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


class CircuitParams(NamedTuple):
    """One mouse's circuit. ``w_in [n, inputs]`` is plastic (masked by ``mask_in``); the
    rest is fixed: ``w_rec [n, n]``, ``bias [n]``, ``w_pe [pv, n]``, ``w_ip [n, pv]``,
    ``w_nd [n, ndnf]``."""

    w_in: Array
    mask_in: Array
    w_rec: Array
    bias: Array
    w_pe: Array
    w_ip: Array
    w_nd: Array


class CircuitState(NamedTuple):
    """Input fluctuations ``[inputs]``, the pyramidal neurons ``[n]``, PV rates ``[pv]``
    and the two ROIs' calcium ``[n]``."""

    fluctuation: Array
    neurons: PyramidalState
    pv: Array
    calcium: TwoRois


class Activity(NamedTuple):
    """One frame of one mouse, each ``[n]`` (``inputs [inputs]``): bursts ``z``, their
    probability ``p_burst``, ψ = ∂p_burst/∂u (``psi``), plateaus, apical potential, its
    depolarisation above the spontaneous mean (``instructive``), activity trace,
    feed-forward input rates, and the two ROIs' noisy ΔF/F0."""

    z: Array
    p_burst: Array
    psi: Array
    plateau: Array
    v_apical: Array
    instructive: Array
    activity: Array
    inputs: Array
    soma_dff: Array
    dendrite_dff: Array


def _sparse(
    rng: np.random.Generator, shape: tuple[int, int], probability: float, mean: float
) -> np.ndarray:
    return (rng.random(shape) < probability) * rng.exponential(mean, shape)


def make_circuit(rng: np.random.Generator, config: CircuitConfig) -> CircuitParams:
    """A random circuit (one mouse): sparse exponential weights, Gaussian biases. Drawn
    with numpy: a circuit is made once, and so costs no compilation."""
    n = config.n_pyramidal
    w_in = _sparse(rng, (n, config.n_inputs), config.input_connectivity, config.input_weight)
    w_rec = _sparse(rng, (n, n), config.recurrent_connectivity, config.recurrent_weight)
    w_rec = w_rec * (1.0 - np.eye(n)) / n
    bias = config.bias_mean + config.bias_std * rng.standard_normal(n)
    w_pe = _sparse(rng, (config.n_pv, n), 0.5, 1.0 / (0.5 * n))
    w_ip = _sparse(rng, (n, config.n_pv), 0.5, config.pv_weight / (0.5 * config.n_pv))
    w_nd = _sparse(rng, (n, config.n_ndnf), 0.5, config.ndnf_weight / 0.5)
    arrays = (np.minimum(w_in, config.max_input_weight), w_in > 0, w_rec, bias, w_pe, w_ip, w_nd)
    return CircuitParams(*(jnp.asarray(a) for a in arrays))


def initial_state(config: CircuitConfig) -> CircuitState:
    return CircuitState(
        jnp.zeros((config.n_inputs,)),
        config.neuron().init_state(config.n_pyramidal),
        jnp.zeros((config.n_pv,)),
        resting_rois(config.n_pyramidal),
    )


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


def apical_inhibition(config: CircuitConfig, params: CircuitParams, activated: Array) -> Array:
    """J ``[n]``: inhibition of each tuft by the NDNF-like cells, at their spontaneous
    rate, or raised by ``ndnf_activation`` where ``activated`` (0 or 1)."""
    rate = config.ndnf_rate + config.ndnf_activation * activated
    return params.w_nd @ jnp.full((config.n_ndnf,), rate)


def step(
    config: CircuitConfig,
    params: CircuitParams,
    state: CircuitState,
    noise: FrameNoise,
    feedback: Array,
    inhibition: Array,
    *,
    relaxed: bool = False,
) -> tuple[CircuitState, Activity]:
    """One frame (module docstring): ``feedback [n]`` f reaches the tufts, ``inhibition
    [n]`` is J; ``relaxed`` steps the neurons' differentiable surrogate (mean field)."""
    a_x = config.decay(config.input_time_constant_ms)
    fluctuation = a_x * state.fluctuation + math.sqrt(1.0 - a_x**2) * noise.input
    inputs = jnp.maximum(1.0 + config.input_noise * fluctuation, 0.0)
    neuron = config.neuron()
    current = (
        params.w_in @ inputs
        + params.w_rec @ neuron.output(state.neurons)
        - params.w_ip @ state.pv
        + params.bias
    )
    own_noise = PyramidalNoise(noise.apical, noise.soma, noise.plateau, noise.burst)
    neurons, psi = neuron.step(
        state.neurons, current, tuft=Tuft(feedback, inhibition), noise=own_noise, relaxed=relaxed
    )
    pv = config.pv_gain * params.w_pe @ neurons.activity
    calcium, soma_dff, dendrite_dff = image_pyramidal(
        config.imaging(),
        state.calcium,
        neurons.z,
        neurons.plateau,
        neurons.v_apical,
        noise.imaging_soma,
        noise.imaging_dendrite,
        config.dt_ms,
    )
    return CircuitState(fluctuation, neurons, pv, calcium), Activity(
        neurons.z,
        neurons.p_burst,
        psi,
        neurons.plateau,
        neurons.v_apical,
        neurons.instructive,
        neurons.activity,
        inputs,
        soma_dff,
        dendrite_dff,
    )
