"""The simulated field of view of the BCI experiment: layer-5 pyramidal neurons with a
soma and an apical tuft, PV-like somatic inhibition, layer-1 NDNF-like interneurons that
inhibit the apical tufts, and spontaneous activity (Francioni et al. 2026; the
compartments as in :mod:`creditlab.neurons.two_compartment`).

The circuit is stepped once per imaging frame, dt = 1/15 s, because every quantity the
experiment uses (the decoder, the protocol, the imaging) lives at the frame rate. Units
are rates and dimensionless potentials, so a mouse-day of 27 000 frames is one short
scan. Per frame, for pyramidal neuron i:

    o^t   = a_x o^{t−1} + √(1 − a_x²) ξ_x            input fluctuations (τ_x), [inputs]
    x^t   = max(1 + σ_x o^t, 0)                     feed-forward input rates
    v_a^t = a_a v_a^{t−1} + (1 − a_a)(f_i^t + d_a + σ_a ξ_a) / (1 + J_i/J_½)   apical potential
    p^t   ~ Bernoulli(q_max σ((v_a^t − θ_a − c J_i)/w_a))           apical plateau
    u^t   = W_in x^t + W_rec y^{t−1} − W_ip r_pv^{t−1} + b + κ p^t + σ_s ξ_s  somatic drive
    z^t   ~ Bernoulli(1 − exp(−r_max σ(u^t) dt))                     somatic burst
    y^t   = a_y y^{t−1} + (1 − a_y) z^t / dt                        activity trace [Hz]
    r_pv  = g_pv W_pe y^t                                            PV rates

- f_i is the feedback reaching neuron i's tuft: a learning rule's instructive signal
  (zero without one). d_a is a tonic apical drive that, with the noise, gives
  spontaneous plateaus. The tuft's depolarisation above its spontaneous mean,
  v_a − d_a/(1 + J_i/J_½), is what a rule may read as the instructive signal.
- J_i = Σ_k W_nd[i, k] r_nd,k is the apical inhibition from the NDNF-like cells. It
  divides the feedback (shunting, with J_½) and raises the plateau threshold (by c J).
  Activating the NDNF cells therefore silences the tuft's instructive signal and, since
  fewer plateaus reach the soma through κ, lowers somatic activity somewhat.
- What the microscope sees:
  - at the proximal trunk (the somatic proxy), the burst's calcium, n_AP z;
  - at the distal dendrite, the back-propagated burst, attenuated and scaled by the
    tuft's depolarisation, plus the plateau's own calcium:
        e_d = n_AP z · ρ · max(1 + γ v_a, 0) + A_p p.
  The dendrite therefore carries what the soma does not: the tuft's potential, and
  plateaus that stay below the soma's threshold.

Defaults are illustrative, not fitted: about 14 somatic transients per minute at rest,
120 pyramidal neurons, 40 inputs, 20 PV-like and 10 NDNF-like cells. Shapes: one mouse;
mice are a ``jax.vmap``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array

from creditlab.analysis.imaging import GCAMP7F, Calcium, calcium_step, resting_calcium


@dataclass(frozen=True)
class CircuitConfig:
    """Sizes, time constants and gains of the circuit (module docstring)."""

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
    max_rate_hz: float = 3.0
    input_time_constant_ms: float = 500.0
    input_noise: float = 0.5
    somatic_noise: float = 0.5
    activity_time_constant_ms: float = 300.0
    pv_gain: float = 0.5
    pv_weight: float = 0.3
    apical_time_constant_ms: float = 150.0
    apical_noise: float = 1.0
    apical_drive: float = 1.0
    apical_threshold: float = 1.5
    apical_width: float = 0.25
    plateau_probability: float = 0.2
    apical_to_soma: float = 3.0
    burst_size: float = 2.0
    backpropagation_attenuation: float = 0.8
    apical_gain: float = 0.5
    plateau_size: float = 1.5
    ndnf_rate: float = 1.0
    ndnf_activation: float = 10.0  # extra NDNF rate when activated; see RESULTS §7
    ndnf_weight: float = 0.02
    ndnf_half_shunt: float = 1.0
    ndnf_threshold_shift: float = 0.5

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
    """Input fluctuations ``[inputs]``; apical potential, activity trace, PV rates and the
    two ROIs' calcium, each ``[n]`` (PV ``[pv]``)."""

    fluctuation: Array
    v_apical: Array
    activity: Array
    pv: Array
    soma_calcium: Calcium
    dendrite_calcium: Calcium


class Activity(NamedTuple):
    """One frame of one mouse, each ``[n]`` (``inputs [inputs]``): bursts ``z``, their
    probability ``p_burst``, plateaus, apical potential, its depolarisation above the
    spontaneous mean (``instructive``), activity trace, feed-forward input rates, and
    the two ROIs' noisy ΔF/F0."""

    z: Array
    p_burst: Array
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
    n = config.n_pyramidal
    zeros = jnp.zeros((n,))
    return CircuitState(
        jnp.zeros((config.n_inputs,)),
        zeros,
        zeros,
        jnp.zeros((config.n_pv,)),
        resting_calcium((n,)),
        resting_calcium((n,)),
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
) -> tuple[CircuitState, Activity]:
    """One frame (module docstring): ``feedback [n]`` f reaches the tufts, ``inhibition
    [n]`` is J."""
    dt_s = config.dt_ms * 1e-3
    a_x = config.decay(config.input_time_constant_ms)
    fluctuation = a_x * state.fluctuation + math.sqrt(1.0 - a_x**2) * noise.input
    inputs = jnp.maximum(1.0 + config.input_noise * fluctuation, 0.0)

    a_a = config.decay(config.apical_time_constant_ms)
    shunt = 1.0 / (1.0 + inhibition / config.ndnf_half_shunt)
    apical_input = feedback + config.apical_drive + config.apical_noise * noise.apical
    v_apical = a_a * state.v_apical + (1.0 - a_a) * shunt * apical_input
    threshold = config.apical_threshold + config.ndnf_threshold_shift * inhibition
    plateau_probability = config.plateau_probability * jax.nn.sigmoid(
        (v_apical - threshold) / config.apical_width
    )
    plateau = (noise.plateau < plateau_probability).astype(v_apical.dtype)

    drive = (
        params.w_in @ inputs
        + params.w_rec @ state.activity
        - params.w_ip @ state.pv
        + params.bias
        + config.apical_to_soma * plateau
        + config.somatic_noise * noise.soma
    )
    p_burst = 1.0 - jnp.exp(-config.max_rate_hz * jax.nn.sigmoid(drive) * dt_s)
    z = (noise.burst < p_burst).astype(drive.dtype)
    a_y = config.decay(config.activity_time_constant_ms)
    activity = a_y * state.activity + (1.0 - a_y) * z / dt_s
    pv = config.pv_gain * params.w_pe @ activity

    spikes = config.burst_size * z
    dendritic = (
        spikes
        * config.backpropagation_attenuation
        * jnp.maximum(1.0 + config.apical_gain * v_apical, 0.0)
        + config.plateau_size * plateau
    )
    soma_calcium = calcium_step(state.soma_calcium, spikes, config.dt_ms)
    dendrite_calcium = calcium_step(state.dendrite_calcium, dendritic, config.dt_ms)
    sigma = GCAMP7F.noise_std
    soma_dff = GCAMP7F.dff(soma_calcium.seen) + sigma * noise.imaging_soma
    dendrite_dff = GCAMP7F.dff(dendrite_calcium.seen) + sigma * noise.imaging_dendrite

    new_state = CircuitState(fluctuation, v_apical, activity, pv, soma_calcium, dendrite_calcium)
    return new_state, Activity(
        z,
        p_burst,
        plateau,
        v_apical,
        v_apical - shunt * config.apical_drive,
        activity,
        inputs,
        soma_dff,
        dendrite_dff,
    )
