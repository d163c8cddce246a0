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

import jax
import jax.numpy as jnp
from jax import Array

from creditlab.experiments.bci import circuit as bci_circuit
from creditlab.experiments.bci.circuit import CircuitConfig, CircuitParams, CircuitState
from creditlab.tasks.bci_decoder import Decoder, relaxed_angle
from creditlab.tasks.bci_protocol import TARGET_DEGREES


def window_loss(
    circuit: CircuitConfig,
    params: CircuitParams,
    decoder: Decoder,
    plus: Array,
    minus: Array,
    start: CircuitState,
    noise: bci_circuit.FrameNoise,
    feedback: Array,
    inhibition: Array,
    in_trial: Array,
) -> Array:
    """L (module docstring) of one window: ``noise`` and ``feedback [T, n]`` per frame,
    ``in_trial [T]`` 1 on trial frames; ``plus``/``minus`` index P+ and P−."""

    def frame(state: CircuitState, now: tuple) -> tuple[CircuitState, Array]:
        draws, tuft, counted = now
        state, activity = bci_circuit.step(
            circuit, params, state, draws, tuft, inhibition, relaxed=True
        )
        angle = relaxed_angle(decoder, activity.soma_dff[plus], activity.soma_dff[minus])
        return state, counted * (1.0 - angle / TARGET_DEGREES)

    _, errors = jax.lax.scan(frame, start, (noise, feedback, in_trial))
    return jnp.sum(errors)
