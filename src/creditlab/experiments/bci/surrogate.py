"""BPTT on the BCI: the gradient of a differentiable surrogate of each window of frames.

The true circuit samples bursts and plateaus and the decoder bins the angle, so the
reward has no gradient. The surrogate replays a window of frames (one noise chunk, a
minute at the defaults) from the state the true run started it in, with the same noise
and the same tuft input:

- the neurons relaxed to mean field (:class:`creditlab.neurons.BurstingPyramidal` with
  ``relaxed=True``: bursts and plateaus replaced by their probabilities);
- the angle relaxed to the binned angle's expectation under a dithered bin edge
  (:func:`creditlab.tasks.bci_decoder.relaxed_angle`);
- the objective L(W_in) = Σ_t m_t (1 − a_t/90°): the perceived error summed over the
  window's trial frames m_t (taken from the true run). Reaching the target sooner
  leaves less of it, so descending L raises the reward rate.

BPTT then changes W_in once per window, ΔW_in = −η ∇L (:class:`creditlab.rules.bptt.
SurrogateGradient`), through every frame of the window, the recurrence, the calcium and
the decoder. It uses the decoder and so is an upper bound, not a hypothesis.

Its gradient is checked two ways (``tests/test_bci_bptt.py``): against finite
differences of this relaxed loss, and by cosine against a likelihood-ratio (REINFORCE)
estimate of the gradient of the true, binned, stochastic circuit's expected error.

Default rate: η = 1e-3 makes ‖ΔW_in‖ per one-minute window at the default circuit's
initial weights about the dendritic rule's over a minute (‖∇L‖ ≈ 8.3 against the
dendritic rule's 0.011 per minute, measured once at initialisation on seeds 101 and
102, which no test or reported run uses; not tuned on any result).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, NamedTuple

import jax.numpy as jnp
from jax import Array

from creditlab.analysis.imaging import TwoRois, image_pyramidal_recording
from creditlab.experiments.bci.circuit import CircuitConfig
from creditlab.network import (
    Network,
    NetworkState,
    Params,
    Perturbation,
    Recording,
    TopDown,
    simulate,
)
from creditlab.tasks.bci_decoder import Decoder, relaxed_angle
from creditlab.tasks.bci_protocol import TARGET_DEGREES


class Window(NamedTuple):
    """What the true run leaves of one window for its replay: the network's and the
    ROIs' state at its start, the input rates ``[T, inputs]``, the neurons' and the
    microscope's draws (each ``[T, n]``), and what the feedback pathway sent to the
    tufts or the somata at every frame (``[T, n]``)."""

    start: NetworkState
    calcium: TwoRois
    inputs: Array
    neuron_noise: Any
    imaging_noise: tuple[Array, Array]
    drives: TopDown


def window_loss(
    circuit: CircuitConfig,
    network: Network,
    params: Params,
    decoder: Decoder,
    plus: Array,
    minus: Array,
    window: Window,
    in_trial: Array,
) -> Array:
    """L (module docstring) of one window; ``in_trial [T]`` is 1 on trial frames and
    ``plus``/``minus`` index P+ and P−. The relaxed network is replayed by
    :func:`creditlab.network.simulate`, and the microscope and decoder read what it
    recorded."""
    relaxed = replace(network, neuron=network.neuron.mean_field())
    trajectory, _, _ = simulate(
        relaxed,
        params,
        window.inputs,
        record=Recording(neurons=True),
        perturbation=Perturbation(current=window.drives.soma, neuron=window.neuron_noise),
        apical=window.drives.apical,
        initial_state=window.start,
    )
    neurons = trajectory.neurons
    _, soma_dff, _ = image_pyramidal_recording(
        circuit.imaging(),
        window.calcium,
        neurons.z,
        neurons.plateau,
        neurons.v_apical,
        *window.imaging_noise,
        circuit.dt_ms,
    )
    angle = relaxed_angle(decoder, soma_dff[:, plus], soma_dff[:, minus])
    return jnp.sum(in_trial * (1.0 - angle / TARGET_DEGREES))
