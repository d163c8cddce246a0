"""One imaging session of the BCI experiment as a single scan: circuit → microscope →
decoder → screen → reward → plasticity, once per frame, for a batch of mice at once.

Each frame:
1. the feedback f that the last frame's error calls for reaches the tufts;
2. the circuit steps, and the microscope reads both ROIs of every neuron;
3. the task (:class:`creditlab.tasks.bci.BCIEnvironment`) decodes the P+ and P−
   somatic ΔF/F0 into an angle, shows it, and rewards or fails the trial;
4. the error e = 1 − angle/90° (during a trial, else 0) is kept for the next frame;
5. the learning rule (a library rule's closed-loop form, :mod:`.learning`) sees each
   synapse's local signals, the reward and the learning signal, and changes W_in
   (BPTT instead changes it once per chunk, by the gradient of :mod:`.surrogate`).

Noise is drawn one chunk of frames at a time (a minute by default), so the random draws
are bulk operations and memory stays small. ``run_sessions`` is jitted and ``vmap``-ed
over mice; its frames are returned as arrays ``[mice, frames, ...]``.
"""

from __future__ import annotations

from functools import partial
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
from jax import Array

from creditlab.experiments.bci import circuit as bci_circuit
from creditlab.experiments.bci.circuit import CircuitConfig, CircuitParams
from creditlab.experiments.bci.learning import LearningConfig
from creditlab.experiments.bci.surrogate import window_loss
from creditlab.network import chunk_length
from creditlab.rules.online import Broadcast, Local, OnlineRule
from creditlab.tasks.bci import BCIEnvironment
from creditlab.tasks.bci_decoder import Decoder
from creditlab.tasks.bci_protocol import TRIAL, FrameEvents, Protocol


class Control(NamedTuple):
    """One mouse's BCI: indices of P+ and P− ``[n_control]`` into the neurons, the
    calibrated decoder, each neuron's role ``[n]`` (+1, −1, 0: the decoder's own
    weights, symmetric feedback) and a fixed random feedback weight ``[n]``."""

    plus: Array
    minus: Array
    decoder: Decoder
    roles: Array
    random_feedback: Array


class Frames(NamedTuple):
    """What a session leaves, per frame: both ROIs' ΔF/F0 ``[frames, n]`` (float32), the
    protocol's events, and the error e ``[frames]``."""

    soma_dff: Array
    dendrite_dff: Array
    events: FrameEvents
    error: Array


def feedback_weights(learning: LearningConfig, control: Control) -> Array:
    """B ``[n]``: the decoder's own weights or the mouse's random ones, as the rule assumes."""
    return control.roles if learning.entry.feedback == "symmetric" else control.random_feedback


def learning_signal(learning: LearningConfig, weights: Array, error: Array) -> Array:
    """L = g B e ``[n]``: what the feedback pathway delivers to each neuron."""
    return learning.feedback_gain * weights * error


def tuft_input(learning: LearningConfig, rule: OnlineRule, weights: Array, error: Array) -> Array:
    """What reaches the tufts ``[n]`` under ``rule``: L = g B e, the unsigned g e, or 0."""
    if rule.apical_feedback == "signal":
        return learning_signal(learning, weights, error)
    if rule.apical_feedback == "error":
        return learning.feedback_gain * error * jnp.ones_like(weights)
    return jnp.zeros_like(weights)


def _one_session(
    circuit: CircuitConfig,
    learning: LearningConfig,
    protocol: Protocol,
    frames: int,
    chunk: int,
    params: CircuitParams,
    control: Control,
    key: Array,
    inhibited: Array,
    learning_state: Any,
) -> tuple[Array, Any, Frames]:
    inhibition = bci_circuit.apical_inhibition(circuit, params, inhibited)
    rule = learning.online_rule(circuit.dt_ms, circuit.max_rate_hz)
    gradient = learning.surrogate_gradient(circuit.dt_ms)  # BPTT: once per chunk
    weights = feedback_weights(learning, control)
    environment = BCIEnvironment(protocol)

    def frame(carry, noise):
        state, screen, w_in, plastic, error = carry
        mouse = params._replace(w_in=w_in)
        drive = tuft_input(learning, rule, weights, error)
        state, activity = bci_circuit.step(circuit, mouse, state, noise, drive, inhibition)
        screen, perceived = environment.step(
            screen,
            control.decoder,
            activity.soma_dff[control.plus],
            activity.soma_dff[control.minus],
        )
        error = perceived.error
        local = Local(
            pre=activity.inputs,
            post=activity.z,
            expected=activity.p_burst,
            psi=activity.psi,
            apical=activity.instructive,
            rate=activity.activity,
        )
        signal = learning_signal(learning, weights, error)
        broadcast = Broadcast(perceived.reward, perceived.outcome, signal)
        change, plastic = rule.step(plastic, w_in, local, broadcast)
        w_in = jnp.clip(w_in + change, 0.0, circuit.max_input_weight) * params.mask_in
        record = Frames(activity.soma_dff, activity.dendrite_dff, perceived.events, error)
        kept = (record, drive) if gradient is not None else record
        return (state, screen, w_in.astype(params.w_in.dtype), plastic, error), kept

    def one_chunk(carry, chunk_key):
        noise = bci_circuit.draw_noise(chunk_key, chunk, circuit)
        if gradient is None:
            return jax.lax.scan(frame, carry, noise)
        end, (records, drives) = jax.lax.scan(frame, carry, noise)
        events = records.events
        in_trial = ((events.phase == TRIAL) & ~events.reached).astype(drives.dtype)

        def loss(w_in: Array) -> Array:
            return window_loss(
                circuit,
                params._replace(w_in=w_in),
                control.decoder,
                control.plus,
                control.minus,
                carry[0],
                noise,
                drives,
                inhibition,
                in_trial,
            )

        change, _ = gradient.update(loss, carry[2])
        w_in = jnp.clip(end[2] + change, 0.0, circuit.max_input_weight) * params.mask_in
        return (*end[:2], w_in.astype(params.w_in.dtype), *end[3:]), records

    start = (
        bci_circuit.initial_state(circuit),
        environment.init(),
        params.w_in,
        learning_state,
        jnp.asarray(0.0),
    )
    keys = jax.random.split(key, frames // chunk)
    (_, _, w_in, plastic, _), records = jax.lax.scan(one_chunk, start, keys)
    records = jax.tree.map(lambda leaf: leaf.reshape(frames, *leaf.shape[2:]), records)
    return w_in, plastic, records


@partial(jax.jit, static_argnums=(0, 1, 2, 3))
def run_sessions(
    circuit: CircuitConfig,
    learning: LearningConfig,
    protocol: Protocol,
    frames: int,
    params: CircuitParams,
    control: Control,
    keys: Array,
    inhibited: Array,
    learning_state: Any,
) -> tuple[Array, Any, Frames]:
    """One session of ``frames`` frames for every mouse (leading axis of ``params``,
    ``control``, ``keys``, ``inhibited`` and ``learning_state``). Returns the new W_in
    ``[mice, n, inputs]``, the learning state, and the frames ``[mice, frames, ...]``."""
    chunk = chunk_length(frames, round(60 * protocol.frame_rate_hz))
    session = partial(_one_session, circuit, learning, protocol, frames, chunk)
    return jax.vmap(session)(params, control, keys, inhibited, learning_state)


def fresh_learning_state(
    circuit: CircuitConfig, learning: LearningConfig, w_in: Array, key: Array
) -> Any:
    """The rule's state for every mouse (leading axis of ``w_in``) before the first session."""
    rule = learning.online_rule(circuit.dt_ms, circuit.max_rate_hz)
    keys = jax.random.split(key, w_in.shape[0])
    return jax.vmap(rule.init)(w_in, keys)
