"""One imaging session of the BCI experiment: the circuit's network stepped in
:func:`creditlab.network.simulate`, with the microscope, the task and the plasticity as
its closed loop (:class:`creditlab.network.ClosedLoop`), once per frame, for a batch of
mice at once.

Each frame:
1. the feedback f that the last frame's error calls for reaches the tufts (``sense``);
2. the network steps; then (``respond``) the microscope reads both ROIs of every neuron;
3. the task (:class:`creditlab.tasks.bci.BCIEnvironment`) decodes the P+ and P−
   somatic ΔF/F0 into an angle, shows it, and rewards or fails the trial;
4. the error e = 1 − angle/90° (during a trial, else 0) is kept for the next frame;
5. the learning rule (a library rule's closed-loop form, :mod:`.learning`) sees each
   synapse's local signals, the reward and the learning signal, and changes W_in
   (BPTT instead changes it once per chunk, by the gradient of :mod:`.surrogate`).

Noise is drawn one chunk of frames at a time (a minute by default), so the random draws
are bulk operations and memory stays small; ``simulate`` runs one chunk. Closed-loop
rules keep weights post × pre (:mod:`creditlab.rules.online`), the network pre × post:
the loop hands the rule ``W_inᵀ`` and adds ``ΔWᵀ``. ``run_sessions`` is jitted and
``vmap``-ed over mice; its frames are returned as arrays ``[mice, frames, ...]``.
"""

from __future__ import annotations

from functools import partial
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
from jax import Array

from creditlab.analysis.imaging import TwoRois, image_pyramidal, resting_rois
from creditlab.experiments.bci import circuit as bci_circuit
from creditlab.experiments.bci.circuit import Circuit, CircuitConfig
from creditlab.experiments.bci.learning import LearningConfig
from creditlab.experiments.bci.surrogate import Window, window_loss
from creditlab.network import (
    ClosedLoop,
    NetworkState,
    Params,
    Perturbation,
    StepRecord,
    chunk_length,
    constrain,
    simulate,
)
from creditlab.rules.online import Broadcast, Local, OnlineRule
from creditlab.tasks.bci import BCIEnvironment
from creditlab.tasks.bci_decoder import Decoder
from creditlab.tasks.bci_protocol import TRIAL, FrameEvents, Protocol, ProtocolState


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


class World(NamedTuple):
    """The closed loop's state: the ROIs' calcium, the screen, the rule's state and the
    last frame's error e."""

    calcium: TwoRois
    screen: ProtocolState
    rule: Any
    error: Array


class Chunk(NamedTuple):
    """What a session carries from one chunk of frames to the next."""

    network: NetworkState
    fluctuation: Array
    world: World
    params: Params


def _one_session(
    circuit: CircuitConfig,
    learning: LearningConfig,
    protocol: Protocol,
    frames: int,
    chunk: int,
    mouse: Circuit,
    control: Control,
    key: Array,
    inhibited: Array,
    learning_state: Any,
) -> tuple[Params, Any, Frames]:
    network = bci_circuit.with_apical_inhibition(circuit, mouse.network, inhibited)
    rule = learning.online_rule(circuit.dt_ms, circuit.max_rate_hz)
    gradient = learning.surrogate_gradient(circuit.dt_ms)  # BPTT: once per chunk
    weights = feedback_weights(learning, control)
    environment, imaging = BCIEnvironment(protocol), circuit.imaging()

    def sense(world: World) -> Array:
        return tuft_input(learning, rule, weights, world.error)

    def respond(world: World, params: Params, step: StepRecord, imaging_noise: tuple):
        neurons = step.neurons
        calcium, soma_dff, dendrite_dff = image_pyramidal(
            imaging, world.calcium, neurons.z, neurons.plateau, neurons.v_apical,
            *imaging_noise, circuit.dt_ms,
        )  # fmt: skip
        screen, perceived = environment.step(
            world.screen, control.decoder, soma_dff[control.plus], soma_dff[control.minus]
        )
        error = perceived.error
        local = Local(
            pre=step.inputs,
            post=neurons.z,
            expected=neurons.p_burst,
            psi=step.psi,
            apical=neurons.instructive,
            rate=neurons.activity,
        )
        signal = learning_signal(learning, weights, error)
        broadcast = Broadcast(perceived.reward, perceived.outcome, signal)
        change, plastic = rule.step(world.rule, params.w_in.T, local, broadcast)
        w_in = constrain(network, params._replace(w_in=params.w_in + change.T)).w_in
        params = params._replace(w_in=w_in.astype(params.w_in.dtype))
        record = Frames(soma_dff, dendrite_dff, perceived.events, error)
        kept = (record, sense(world)) if gradient is not None else record
        return World(calcium, screen, plastic, error), params, kept

    def one_chunk(carry: Chunk, chunk_key: Array) -> tuple[Chunk, Frames]:
        noise = bci_circuit.draw_noise(chunk_key, chunk, circuit)
        inputs, fluctuation = bci_circuit.input_rates(circuit, carry.fluctuation, noise)
        imaging_noise = (noise.imaging_soma, noise.imaging_dendrite)
        trajectory, end, state = simulate(
            network,
            carry.params,
            inputs,
            perturbation=Perturbation(neuron=noise.neurons),
            loop=ClosedLoop(sense, respond, carry.world, imaging_noise),
            initial_state=carry.network,
        )
        after = Chunk(state, fluctuation, end.state, end.params)
        if gradient is None:
            return after, trajectory.loop
        records, drives = trajectory.loop
        events = records.events
        in_trial = ((events.phase == TRIAL) & ~events.reached).astype(drives.dtype)
        window = Window(
            carry.network, carry.world.calcium, inputs, noise.neurons, imaging_noise, drives
        )

        def loss(w_in: Array) -> Array:
            params = carry.params._replace(w_in=w_in)
            decoder, plus, minus = control.decoder, control.plus, control.minus
            return window_loss(circuit, network, params, decoder, plus, minus, window, in_trial)

        change, _ = gradient.update(loss, carry.params.w_in)
        w_in = constrain(network, end.params._replace(w_in=end.params.w_in + change)).w_in
        params = end.params._replace(w_in=w_in.astype(carry.params.w_in.dtype))
        return after._replace(params=params), records

    world = World(
        resting_rois(circuit.n_pyramidal), environment.init(), learning_state, jnp.asarray(0.0)
    )
    start = Chunk(
        network.init_state(mouse.params.w_in.dtype),
        jnp.zeros((circuit.n_inputs,)),
        world,
        mouse.params,
    )
    keys = jax.random.split(key, frames // chunk)
    end, records = jax.lax.scan(one_chunk, start, keys)
    records = jax.tree.map(lambda leaf: leaf.reshape(frames, *leaf.shape[2:]), records)
    return end.params, end.world.rule, records


@partial(jax.jit, static_argnums=(0, 1, 2, 3))
def run_sessions(
    circuit: CircuitConfig,
    learning: LearningConfig,
    protocol: Protocol,
    frames: int,
    mice: Circuit,
    control: Control,
    keys: Array,
    inhibited: Array,
    learning_state: Any,
) -> tuple[Params, Any, Frames]:
    """One session of ``frames`` frames for every mouse (leading axis of ``mice``,
    ``control``, ``keys``, ``inhibited`` and ``learning_state``). Returns the weights
    after it (``w_in [mice, inputs, n]``), the learning state, and the frames
    ``[mice, frames, ...]``."""
    chunk = chunk_length(frames, round(60 * protocol.frame_rate_hz))
    session = partial(_one_session, circuit, learning, protocol, frames, chunk)
    return jax.vmap(session)(mice, control, keys, inhibited, learning_state)


def fresh_learning_state(
    circuit: CircuitConfig, learning: LearningConfig, params: Params, key: Array
) -> Any:
    """The rule's state for every mouse (leading axis of ``params``) before the first
    session; a closed-loop rule's weights are post × pre."""
    rule = learning.online_rule(circuit.dt_ms, circuit.max_rate_hz)
    keys = jax.random.split(key, params.w_in.shape[0])
    return jax.vmap(rule.init)(params.w_in.swapaxes(1, 2), keys)
