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
import numpy as np
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
    TopDown,
    chunk_length,
    constrain,
    simulate,
)
from creditlab.rules.learned_feedback import LearnedFeedbackState
from creditlab.rules.online import Broadcast, Local
from creditlab.tasks.bci import BCIEnvironment
from creditlab.tasks.bci_decoder import Decoder
from creditlab.tasks.bci_protocol import TRIAL, FrameEvents, Protocol, ProtocolState


class Control(NamedTuple):
    """One mouse's BCI: indices of P+ and P− ``[n_control]`` into the neurons, the
    calibrated decoder, and the fixed feedback weights each origin but ``learned``
    assumes, ``[n]`` each: the roles (+1, −1, 0: the decoder's own weights, symmetric
    feedback), a random B ~ N(0, 1), and the roles shuffled among P+ and P− so that
    roles · B = 0 (:func:`balanced_shuffle`)."""

    plus: Array
    minus: Array
    decoder: Decoder
    roles: Array
    random_feedback: Array
    shuffled_feedback: Array


class LearningState(NamedTuple):
    """What learns across sessions: the rule's state and the learned feedback's."""

    rule: Any
    feedback: LearnedFeedbackState


class Frames(NamedTuple):
    """What a session leaves, per frame: both ROIs' ΔF/F0 ``[frames, n]`` (float32), the
    protocol's events, and the error e ``[frames]``."""

    soma_dff: Array
    dendrite_dff: Array
    events: FrameEvents
    error: Array


def balanced_shuffle(plus: np.ndarray, minus: np.ndarray, n: int, rng: np.random.Generator):
    """B ``[n]`` for ``shuffled`` feedback: ±1 on the control neurons, 0 elsewhere, with
    half of P+ and half of P− at +1, so that roles · B = 0. With an odd number k per
    population, one neuron of each population is left over; both get the same random
    sign (so B holds k ± 1 of each sign, and roles · B is still 0)."""
    weights, k = np.zeros(n), len(plus)
    signs = rng.permutation(np.repeat([1.0, -1.0], k // 2))
    leftover = rng.choice([1.0, -1.0])
    for population in (plus, minus):
        order = rng.permutation(population)
        weights[order[: 2 * (k // 2)]] = rng.permutation(signs)
        weights[order[2 * (k // 2) :]] = leftover
    return weights


def feedback_weights(learning: LearningConfig, control: Control, learned: LearnedFeedbackState):
    """B ``[n]`` of the rule's feedback origin (zeros for a rule without a learning signal)."""
    origin = learning.origin
    if origin == "symmetric":
        return control.roles
    if origin == "random":
        return control.random_feedback
    if origin == "shuffled":
        return control.shuffled_feedback
    if origin == "learned":
        return learned.weights
    return jnp.zeros_like(control.roles)


def learning_signal(learning: LearningConfig, weights: Array, error: Array) -> Array:
    """L = g B e ``[n]``: what the feedback pathway delivers to each neuron."""
    return learning.feedback_gain * weights * error


def delivered(learning: LearningConfig, weights: Array, error: Array) -> Array:
    """What the pathway sends to its site ``[n]`` under the rule: L = g B e, the unsigned
    g e, or 0."""
    if learning.delivers == "signal":
        return learning_signal(learning, weights, error)
    if learning.delivers == "error":
        return learning.feedback_gain * error * jnp.ones_like(weights)
    return jnp.zeros_like(weights)


def top_down(learning: LearningConfig, sent: Array) -> TopDown:
    """``sent`` at the feedback site: the apical tufts, or the somata."""
    return TopDown(soma=sent) if learning.feedback_site == "soma" else TopDown(apical=sent)


class World(NamedTuple):
    """The closed loop's state: the ROIs' calcium, the screen, what learns, and the
    last frame's error e."""

    calcium: TwoRois
    screen: ProtocolState
    learning: LearningState
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
    learner = learning.feedback_learner(circuit.dt_ms)
    environment, imaging = BCIEnvironment(protocol), circuit.imaging()

    def sent(world: World) -> Array:
        weights = feedback_weights(learning, control, world.learning.feedback)
        return delivered(learning, weights, world.error)

    def sense(world: World) -> TopDown:
        return top_down(learning, sent(world))

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
        weights = feedback_weights(learning, control, world.learning.feedback)
        signal = learning_signal(learning, weights, error)
        broadcast = Broadcast(perceived.reward, perceived.outcome, signal)
        change, plastic = rule.step(world.learning.rule, params.w_in.T, local, broadcast)
        w_in = constrain(network, params._replace(w_in=params.w_in + change.T)).w_in
        params = params._replace(w_in=w_in.astype(params.w_in.dtype))
        feedback = world.learning.feedback
        if learning.origin == "learned":  # each neuron's own noise, and the reward
            feedback = learner.step(feedback, neurons.z - neurons.p_burst, broadcast)
        record = Frames(soma_dff, dendrite_dff, perceived.events, error)
        sent_now = delivered(learning, weights, world.error)  # what `sense` sent this frame
        kept = (record, sent_now) if gradient is not None else record
        state = World(calcium, screen, LearningState(plastic, feedback), error)
        return state, params, kept

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
            carry.network,
            carry.world.calcium,
            inputs,
            noise.neurons,
            imaging_noise,
            top_down(learning, drives),
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
    return end.params, end.world.learning, records


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
) -> LearningState:
    """What learns, for every mouse (leading axis of ``params``), before the first
    session: a closed-loop rule's weights are post × pre; learned feedback starts at 0."""
    rule = learning.online_rule(circuit.dt_ms, circuit.max_rate_hz)
    mice, n = params.w_in.shape[0], params.w_in.shape[2]
    keys = jax.random.split(key, mice)
    learner = learning.feedback_learner(circuit.dt_ms)
    feedback = jax.vmap(lambda _: learner.init(n, params.w_in.dtype))(jnp.arange(mice))
    return LearningState(jax.vmap(rule.init)(params.w_in.swapaxes(1, 2), keys), feedback)
