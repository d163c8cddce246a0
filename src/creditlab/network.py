"""The network: its parameters, cell types, masks, and the one ``simulate`` scan.

A recurrent network of ``n_rec`` neurons of one model (:mod:`creditlab.neurons`) driven
by ``n_in`` inputs, read out by ``n_out`` leaky readout units (Bellec et al. 2020):

    I_j^t = Σ_i x_i^t W^in_ij + Σ_i z_i^{t−1} W^rec_ij (+ Σ_k y_k^{t−1} F_kj)
            (+ b_j − Σ_k r_k^{t−1} W^soma_kj)                      current [mV]
    (neuron step)                                                  z^t, ψ^t
    y_k^t = κ y_k^{t−1} + g_out Σ_j z_j^t W^out_jk                 κ = exp(−dt/τ_out)
    ŷ_k^t = y_k^t (+ b_k)                                          the readout (bias: Liu)

Weights are stored pre × post (``x @ w_in``). Optional cell types: each recurrent neuron
is excitatory or inhibitory (``sign`` +1/−1) and its outgoing recurrent weights keep
that sign (Dale's law); ``recurrent_mask`` marks the synapses that exist (no autapses by
default), and ``input_mask``/``output_mask`` do the same for input and readout weights.
All are enforced by :func:`constrain` after every optimizer step, and absent synapses
on gradients by :func:`zero_absent_synapses`. In a closed loop (a task whose output moves what
the network senses, such as a cursor), fixed weights F ``[n_out, n_rec]``
(``readout_feedback``) feed the previous readout back into every neuron.

``simulate`` runs one trial (shapes without a batch axis) as one ``jax.lax.scan``;
batches, seeds and animals are ``jax.vmap`` over it. A learning rule that works online
passes an :class:`Observer`: a pure function called inside the same scan with what
happened at each step (:class:`StepRecord`), a chunk of steps at a time, so no rule
re-implements the neuron.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
from jax import Array

from creditlab.cell_types import Interneurons
from creditlab.neurons.base import Tuft, leak_factor, scale_of_input


class Params(NamedTuple):
    """Trainable weights [mV], pre × post.

    ``w_in [n_in, n_rec]``, ``w_rec [n_rec, n_rec]``, ``w_out [n_rec, n_out]``, and the
    readout's bias ``b_out [n_out]`` where the network has one (else None).
    """

    w_in: Array
    w_rec: Array
    w_out: Array
    b_out: Array | None = None


class Feedback(NamedTuple):
    """Fixed backward weights for feedback alignment, shaped like ``w_rec`` and ``w_out``."""

    w_rec: Array
    w_out: Array


class NetworkState(NamedTuple):
    """The neuron model's state, the readout ``y [n_out]``, and the rates ``[k]`` of each
    driven interneuron population (in the order of ``Network.interneurons``; None for a
    tonic one)."""

    neurons: Any
    readout: Array
    interneurons: tuple = ()


class StepRecord(NamedTuple):
    """What happened at step t of one trial, handed to an online rule's observer.

    Attributes:
        inputs: x^t ``[n_in]``, the presynaptic activity of ``w_in``.
        recurrent_inputs: z^{t−1} ``[n_rec]``, the presynaptic activity of ``w_rec``.
        outputs: z^t (or r^t) ``[n_rec]``, the presynaptic activity of ``w_out``.
        psi: ψ^t = ∂z^t/∂v^t ``[n_rec]`` [1/mV].
        readout: y^t ``[n_out]``.
        neurons: the neuron model's state after step t (in a closed loop; else None).
    """

    inputs: Array
    recurrent_inputs: Array
    outputs: Array
    psi: Array
    readout: Array
    neurons: Any = None


class Trajectory(NamedTuple):
    """Per-step outputs of one trial: ``readout [T, n_out]``, and when asked for,
    ``activity`` z ``[T, n_rec]``, ``psi`` ψ = ∂z/∂v ``[T, n_rec]``, the neuron model's
    whole state ``neurons`` (each field ``[T, ...]``), and what a closed loop emitted
    (``loop``, ``[T, ...]``); else None."""

    readout: Array
    activity: Array | None
    psi: Array | None = None
    neurons: Any = None
    loop: Any = None


class Recording(NamedTuple):
    """What :func:`simulate` returns per step besides the readout: the recurrent outputs
    (``activity``), ψ = ∂z/∂v (``psi``) and the neuron model's state (``neurons``)."""

    activity: bool = False
    psi: bool = False
    neurons: bool = False


class Observer(NamedTuple):
    """An online rule inside the scan: ``update(state, records, inputs) -> state``, called
    after every ``chunk`` steps with those steps' :class:`StepRecord` stacked along a
    leading axis, from ``state``; ``inputs`` is a pytree with leading axis T handed over
    alongside the records of the same steps (for example targets and loss weights).
    ``chunk`` must divide T (see :func:`chunk_length`)."""

    update: Callable[[Any, StepRecord, Any], Any]
    state: Any
    inputs: Any = None
    chunk: int = 1


class Perturbation(NamedTuple):
    """Noise: ``current`` ξ ``[T, n_rec]`` [mV] added to each neuron's input current I^t
    and ``readout`` ξ_out ``[T, n_out]`` to each readout unit's input z^t W^out (node
    perturbation, exploration); ``neuron``, the draws a stochastic neuron model makes at
    each step (its own noise type, each field ``[T, n_rec]``), handed to its ``step``;
    None for none."""

    current: Array | None = None
    readout: Array | None = None
    neuron: Any = None


class TopDown(NamedTuple):
    """What a closed loop's world sends into the network at one step, ``[n_rec]`` each or
    None: input to the apical tufts, and current [mV] added to the somata's."""

    apical: Array | None = None
    soma: Array | None = None


class ClosedLoop(NamedTuple):
    """A world the network acts in, stepped inside :func:`simulate`'s scan (a closed-loop
    task with its plasticity, such as the BCI):

    - ``sense(state) -> TopDown``: what reaches the neurons' apical tufts and somata at
      step t, from what the world knew after step t − 1 (a feedback pathway);
    - ``respond(state, params, record, inputs) -> (state, params, emitted)``: after step
      t, the world reads the step's :class:`StepRecord` (with the neurons' state) and its
      own ``inputs`` of step t, and returns its new state, the weights after any
      plasticity, and what to keep of the step (stacked into ``Trajectory.loop``).

    ``inputs`` is a pytree with leading axis T (or None)."""

    sense: Callable[[Any], TopDown]
    respond: Callable[[Any, Params, StepRecord, Any], tuple[Any, Params, Any]]
    state: Any
    inputs: Any = None


class LoopEnd(NamedTuple):
    """A closed loop's final state and the weights its plasticity left."""

    state: Any
    params: Params


class Backward(NamedTuple):
    """How reverse-mode autodiff goes back through the scan.

    ``truncate_recurrent``: stop gradients through every path of z^{t−1} into step t (the
    recurrent input and the reset) and through the closed loop's y^{t−1}, which is what
    e-prop computes online. ``feedback``: fixed backward weights B (:class:`Feedback`;
    feedback alignment) through which errors go back instead of Wᵀ
    (:func:`aligned_product`); the forward pass is unchanged."""

    truncate_recurrent: bool = False
    feedback: Feedback | None = None


READOUT_ONLY, NO_PERTURBATION, EXACT_GRADIENT = Recording(), Perturbation(), Backward()


@jax.tree_util.register_dataclass
@dataclass(frozen=True)
class InterneuronPopulation:
    """``k`` interneurons of one type (``kind``, :class:`creditlab.cell_types.Interneurons`)
    wired into the network, weights pre × post as magnitudes ≥ 0 (they inhibit):
    ``w_to [k, n_rec]`` onto the compartment ``kind.target`` of each neuron, ``w_from
    [n_rec, k]`` from the neurons' outputs (driven types; else None), ``rate [k]`` [Hz]
    the tonic rate (types not driven; else None). All fixed."""

    kind: Interneurons = field(metadata={"static": True})
    w_to: Array
    w_from: Array | None = None
    rate: Array | None = None

    def __post_init__(self) -> None:
        if self.kind.driven and self.w_from is None:
            raise ValueError(f"{self.kind.name}: a driven population needs w_from")
        if not self.kind.driven and self.rate is None:
            raise ValueError(f"{self.kind.name}: a tonic population needs its rate")

    def rates(self, outputs: Array) -> Array:
        """r ``[k]`` given the network's outputs y ``[n_rec]`` (ignored when tonic)."""
        if self.kind.driven:
            return self.kind.gain * (outputs @ self.w_from.astype(outputs.dtype))
        return self.rate.astype(outputs.dtype)


@jax.tree_util.register_dataclass
@dataclass(frozen=True)
class Network:
    """Structure of a network (not trained). Sizes and the neuron model are static.

    Attributes:
        neuron: the recurrent neuron model (LIF, ALIF, Rate, ...).
        n_in, n_rec, n_out: population sizes.
        tau_out: readout time constant [ms].
        readout_scale: g_out (``None`` means ``1 − κ``).
        recurrent_mask: ``[n_rec, n_rec]`` 1 where a synapse exists (pre × post).
        input_mask: ``[n_in, n_rec]`` likewise for ``w_in``, or ``None`` (all exist).
        output_mask: ``[n_rec, n_out]`` likewise for ``w_out``, or ``None`` (all exist).
        sign: ``[n_rec]`` +1 excitatory / −1 inhibitory, or ``None`` without Dale's law.
        readout_feedback: F ``[n_out, n_rec]`` [mV per readout unit], fixed, closing the
            loop from the readout y^{t−1} to the input currents; ``None`` for none.
        bias: b ``[n_rec]``, a fixed current [mV], or ``None``.
        interneurons: populations of other cell types inhibiting the somata or tufts.
        input_bounds: (low, high) that :func:`constrain` keeps ``w_in`` within, or None.
        input_sign: ``[n_in]`` +1/−1, the fixed sign of each input channel's weights
            (Liu et al. 2021's code), or None for free signs.
        signed_readout: readout weights keep their presynaptic neuron's sign (needs
            ``sign``).
        readout_bias: the readout has a trained bias b (``Params.b_out``).
    """

    neuron: Any = field(metadata={"static": True})
    n_in: int = field(metadata={"static": True})
    n_rec: int = field(metadata={"static": True})
    n_out: int = field(metadata={"static": True})
    tau_out: float = field(default=20.0, metadata={"static": True})
    readout_scale: float | None = field(default=1.0, metadata={"static": True})
    recurrent_mask: Array | None = None
    sign: Array | None = None
    readout_feedback: Array | None = None
    input_mask: Array | None = None
    output_mask: Array | None = None
    bias: Array | None = None
    interneurons: tuple[InterneuronPopulation, ...] = ()
    input_bounds: tuple[float, float] | None = field(default=None, metadata={"static": True})
    input_sign: Array | None = None
    signed_readout: bool = field(default=False, metadata={"static": True})
    readout_bias: bool = field(default=False, metadata={"static": True})

    @property
    def readout_decay(self) -> float:
        """κ = exp(−dt/τ_out)."""
        return leak_factor(self.neuron.dt, self.tau_out)

    @property
    def readout_input_scale(self) -> float:
        return scale_of_input(self.readout_decay, self.readout_scale)

    def init_state(self, dtype: Any) -> NetworkState:
        driven = tuple(
            jnp.zeros(p.w_to.shape[0], dtype) if p.kind.driven else None for p in self.interneurons
        )
        neurons = self.neuron.init_state(self.n_rec, dtype)
        return NetworkState(neurons, jnp.zeros(self.n_out, dtype), driven)

    def inhibition(self, state: NetworkState, target: str, dtype: Any) -> Array | None:
        """Σ_k r_k W_kj ``[n_rec]`` from the populations inhibiting ``target`` ("soma":
        driven rates of the last step; "tuft"), or None when none does."""
        total = None
        for population, driven in zip(self.interneurons, state.interneurons, strict=True):
            if population.kind.target != target:
                continue
            rate = driven if population.kind.driven else population.rate.astype(dtype)
            part = rate @ population.w_to.astype(dtype)
            total = part if total is None else total + part
        return total


def make_network(
    neuron: Any,
    n_in: int,
    n_rec: int,
    n_out: int,
    *,
    tau_out: float = 20.0,
    readout_scale: float | None = 1.0,
    connectivity: float = 1.0,
    excitatory_fraction: float | None = None,
    autapses: bool = False,
    readout_feedback_gain: float | None = None,
    input_connectivity: float = 1.0,
    output_connectivity: float = 1.0,
    sign: Array | None = None,
    readout_cells: Array | None = None,
    recurrent_mask: Array | None = None,
    input_mask: Array | None = None,
    bias: Array | None = None,
    interneurons: tuple[InterneuronPopulation, ...] = (),
    input_bounds: tuple[float, float] | None = None,
    input_excitatory_fraction: float | None = None,
    signed_readout: bool = False,
    readout_bias: bool = False,
    key: Array | None = None,
) -> Network:
    """Build a network, drawing a sparse mask when ``connectivity < 1``.

    ``excitatory_fraction`` (e.g. 0.8) turns on Dale's law: the first
    ``round(fraction · n_rec)`` neurons are excitatory, the rest inhibitory; or give each
    neuron's ``sign`` (+1/−1, ``[n_rec]``) directly (cell types). ``readout_feedback_gain``
    closes the loop: F_kj ~ N(0, gain²) [mV], drawn from ``fold_in(key, 1)`` (so the
    mask's draw does not change). ``input_connectivity`` and ``output_connectivity`` < 1
    draw masks for ``w_in`` and ``w_out`` from ``fold_in(key, 2)`` and ``fold_in(key, 3)``;
    ``readout_cells`` (``[n_rec]`` bool) keeps only those neurons' readout weights.
    ``input_excitatory_fraction`` gives each input channel a fixed sign: that fraction of
    the channels (rounded) excitatory, placed at random from ``fold_in(key, 4)``;
    ``signed_readout`` gives readout weights their neuron's sign; ``readout_bias`` a
    trained readout bias (all three as in Liu et al. 2021's code).
    A circuit drawn elsewhere (e.g. from data) gives its ``recurrent_mask`` and
    ``input_mask`` (pre × post, 0/1) instead of connectivities. ``bias``,
    ``interneurons`` and ``input_bounds`` are stored as given (:class:`Network`).
    """
    if excitatory_fraction is not None and sign is not None:
        raise ValueError("give excitatory_fraction or sign, not both")
    if recurrent_mask is not None and connectivity < 1.0:
        raise ValueError("give connectivity or recurrent_mask, not both")
    if input_mask is not None and input_connectivity < 1.0:
        raise ValueError("give input_connectivity or input_mask, not both")
    if signed_readout and sign is None and excitatory_fraction is None:
        raise ValueError(
            "signed_readout gives readout weights their neuron's sign: needs Dale's law"
        )
    mask = _sparse_mask(key, None, connectivity, (n_rec, n_rec), "connectivity")
    if recurrent_mask is not None:
        mask = jnp.asarray(recurrent_mask, jnp.float32)
    if mask is None:
        mask = jnp.ones((n_rec, n_rec))
    if not autapses:
        mask = mask * (1.0 - jnp.eye(n_rec))
    if sign is not None:
        sign = jnp.asarray(sign, jnp.float32)
    if excitatory_fraction is not None:
        n_exc = round(excitatory_fraction * n_rec)
        sign = jnp.where(jnp.arange(n_rec) < n_exc, 1.0, -1.0)
    feedback = None
    if readout_feedback_gain is not None:
        if key is None:
            raise ValueError("readout_feedback_gain needs a key to draw the feedback weights")
        draw = jax.random.normal(jax.random.fold_in(key, 1), (n_out, n_rec))
        feedback = readout_feedback_gain * draw
    if input_mask is None:
        input_mask = _sparse_mask(key, 2, input_connectivity, (n_in, n_rec), "input_connectivity")
    else:
        input_mask = jnp.asarray(input_mask, jnp.float32)
    output_mask = _sparse_mask(key, 3, output_connectivity, (n_rec, n_out), "output_connectivity")
    input_sign = None
    if input_excitatory_fraction is not None:
        if key is None:
            raise ValueError("input_excitatory_fraction needs a key to place the signs")
        excitatory = round(input_excitatory_fraction * n_in)
        ordered = jnp.where(jnp.arange(n_in) < excitatory, 1.0, -1.0)
        input_sign = jax.random.permutation(jax.random.fold_in(key, 4), ordered)
    if readout_cells is not None:
        cells = jnp.asarray(readout_cells, jnp.float32)[:, None]
        output_mask = cells * (jnp.ones((n_rec, n_out)) if output_mask is None else output_mask)
    return Network(
        neuron=neuron,
        n_in=n_in,
        n_rec=n_rec,
        n_out=n_out,
        tau_out=tau_out,
        readout_scale=readout_scale,
        recurrent_mask=mask,
        sign=sign,
        readout_feedback=feedback,
        input_mask=input_mask,
        output_mask=output_mask,
        bias=None if bias is None else jnp.asarray(bias),
        interneurons=tuple(interneurons),
        input_bounds=input_bounds,
        input_sign=input_sign,
        signed_readout=signed_readout,
        readout_bias=readout_bias,
    )


def _sparse_mask(
    key: Array | None, stream: int | None, probability: float, shape: tuple[int, int], name: str
) -> Array | None:
    """A Bernoulli(``probability``) 0/1 mask drawn from ``fold_in(key, stream)`` (from
    ``key`` itself when ``stream`` is None); None when every synapse exists."""
    if probability >= 1.0:
        return None
    if key is None:
        raise ValueError(f"{name} < 1 needs a key to draw the sparse mask")
    drawn_from = key if stream is None else jax.random.fold_in(key, stream)
    return jax.random.bernoulli(drawn_from, probability, shape).astype(jnp.float32)


def init_params(
    network: Network, *, key: Array, dtype: Any = jnp.float32, gain: float = 1.0
) -> Params:
    """Gaussian weights scaled by 1/√fan-in (Bellec et al. 2020), then constrained.

    With Dale's law, recurrent weights are drawn as magnitudes with the presynaptic sign,
    and inhibitory ones scaled so that each neuron's expected input is balanced.
    """
    k_in, k_rec, k_out = jax.random.split(key, 3)
    w_in = (
        gain
        * jax.random.normal(k_in, (network.n_in, network.n_rec), dtype)
        / math.sqrt(network.n_in)
    )
    w_rec = (
        gain
        * jax.random.normal(k_rec, (network.n_rec, network.n_rec), dtype)
        / math.sqrt(network.n_rec)
    )
    w_out = (
        gain
        * jax.random.normal(k_out, (network.n_rec, network.n_out), dtype)
        / math.sqrt(network.n_rec)
    )
    if network.sign is not None:
        sign = network.sign.astype(dtype)
        n_exc = jnp.sum(sign > 0)
        n_inh = jnp.maximum(jnp.sum(sign < 0), 1)
        balance = jnp.where(sign > 0, 1.0, n_exc / n_inh).astype(dtype)
        w_rec = jnp.abs(w_rec) * (sign * balance)[:, None]
    return signed_and_constrained(network, w_in, w_rec, w_out)


def signed_and_constrained(network: Network, w_in: Array, w_rec: Array, w_out: Array) -> Params:
    """Initial weights with the network's fixed input and readout signs applied to their
    magnitudes (where it has them), a zero readout bias (where it has one), constrained."""
    if network.input_sign is not None:
        w_in = jnp.abs(w_in) * network.input_sign.astype(w_in.dtype)[:, None]
    if network.signed_readout:
        w_out = jnp.abs(w_out) * network.sign.astype(w_out.dtype)[:, None]
    bias = jnp.zeros(network.n_out, w_out.dtype) if network.readout_bias else None
    return constrain(network, Params(w_in, w_rec, w_out, bias))


def constrain(network: Network, params: Params) -> Params:
    """Project weights onto the allowed set: absent synapses are 0, Dale's signs hold
    (and the fixed signs of input and readout weights, where the network has them), input
    weights lie within ``input_bounds``.

    A weight that would change its sign is set to 0 (as in Liu et al. 2021).
    """
    if network.input_bounds is not None:
        params = params._replace(w_in=jnp.clip(params.w_in, *network.input_bounds))
    params = zero_absent_synapses(network, params)
    signs = {"w_rec": network.sign}
    if network.input_sign is not None:
        signs["w_in"] = network.input_sign
    if network.signed_readout:
        signs["w_out"] = network.sign
    for name, sign in signs.items():
        if sign is not None:
            weights = getattr(params, name)
            flipped = weights * sign.astype(weights.dtype)[:, None] < 0
            params = params._replace(**{name: jnp.where(flipped, 0.0, weights)})
    return params


def zero_absent_synapses(network: Network, weights: Params) -> Params:
    """``weights`` (or a gradient) with the entries of absent synapses set to 0: applied
    to every update, so optimizer state never sees them."""
    masks = (network.input_mask, network.recurrent_mask, network.output_mask)
    kept = (
        w if m is None else w * m.astype(w.dtype) for w, m in zip(weights[:3], masks, strict=True)
    )
    return Params(*kept, weights.b_out)


def chunk_length(n_steps: int, longest: int = 32) -> int:
    """The largest divisor of ``n_steps`` that is at most ``longest`` (the observer's chunk)."""
    return max(k for k in range(1, min(longest, n_steps) + 1) if n_steps % k == 0)


@jax.custom_vjp
def aligned_product(pre: Array, weights: Array, feedback: Array) -> Array:
    """``pre @ weights``, whose gradient with respect to ``pre`` is ``g @ feedbackᵀ``
    (feedback alignment, Lillicrap et al. 2016). The weights get their usual gradient
    ``preᵀ g``; ``feedback`` (same shape as ``weights``) gets none."""
    return pre @ weights


def _aligned_forward(pre: Array, weights: Array, feedback: Array) -> tuple[Array, tuple]:
    return pre @ weights, (pre, feedback)


def _aligned_backward(residuals: tuple, g: Array) -> tuple[Array, Array, Array]:
    pre, feedback = residuals
    lead = tuple(range(pre.ndim - 1))
    return g @ feedback.T, jnp.tensordot(pre, g, axes=(lead, lead)), jnp.zeros_like(feedback)


aligned_product.defvjp(_aligned_forward, _aligned_backward)


class _Drive(NamedTuple):
    """What reaches the network from outside at one step: the input current x^t W^in
    (+ ξ^t) [n_rec], the readout noise ξ_out^t, the neuron model's own draws, and the
    top-down input to the tufts (each None when absent)."""

    current: Array
    readout: Array | None
    neuron: Any
    apical: Array | None


def over_trials(per_trial: Callable, *, out_axes: Any = 1) -> Callable:
    """``per_trial`` (one trial's arrays ``[T, ...]`` in and out) mapped over a batch laid
    out time-major: every argument ``[T, B, ...]``, and every output ``[T, B, ...]`` (or at
    ``out_axes``, as for ``jax.vmap``; 0 for per-trial values without a time axis).

    This is the layout to run a batch of trials in. A scan over time steps along axis 0
    and reads and writes contiguous ``[B, n]`` slices; ``jax.vmap`` over a batch-major
    ``[B, T, ...]`` layout instead moves the batch axis in and out around every scan, about
    2.5 times slower for the networks here on a CPU (RESULTS §9, "Speed"). The numbers
    are the same trial by trial.
    """
    return jax.vmap(per_trial, in_axes=1, out_axes=out_axes)


def simulate(
    network: Network,
    params: Params,
    inputs: Array,
    *,
    record: Recording = READOUT_ONLY,
    observer: Observer | None = None,
    perturbation: Perturbation = NO_PERTURBATION,
    backward: Backward = EXACT_GRADIENT,
    apical: Array | None = None,
    loop: ClosedLoop | None = None,
    initial_state: NetworkState | None = None,
) -> tuple[Trajectory, Any, NetworkState]:
    """Run one trial. ``inputs [T, n_in]`` → (trajectory, observer or loop end, final state).

    What a rule needs from the scan comes as small objects, so a new rule adds none of
    its own flags here: what to ``record`` (:class:`Recording`), an ``observer`` with its
    state and inputs (:class:`Observer`), a ``perturbation`` (:class:`Perturbation`) and
    the ``backward`` path (:class:`Backward`). ``apical [T, n_rec]`` is top-down input to
    the tufts of a neuron model that has them. A ``loop`` (:class:`ClosedLoop`) steps a
    world and its plasticity with the network; the weights then live in the scan's carry
    and the second value returned is a :class:`LoopEnd`. Without an observer or a loop
    it is None.
    """
    if observer is not None and loop is not None:
        raise ValueError("simulate takes an observer or a closed loop, not both")
    dtype = params.w_in.dtype
    state = network.init_state(dtype) if initial_state is None else initial_state
    neuron = network.neuron
    kappa, g_out = network.readout_decay, network.readout_input_scale
    inputs = inputs.astype(dtype)
    has_tuft = getattr(neuron, "has_tuft", False)
    if not has_tuft and (
        apical is not None or any(p.kind.target == "tuft" for p in network.interneurons)
    ):
        raise ValueError(f"{type(neuron).__name__} has no apical tuft to take input or inhibition")

    feedback, truncate_recurrent_gradient = backward.feedback, backward.truncate_recurrent
    back_rec, back_out = (None, None) if feedback is None else feedback
    current_noise, readout_noise, neuron_noise = perturbation
    record_activity, record_psi, record_neurons = record

    def product(pre: Array, weights: Array, backward: Array | None) -> Array:
        return pre @ weights if backward is None else aligned_product(pre, weights, backward)

    def advance(
        weights: Params, net_state: NetworkState, drive: _Drive
    ) -> tuple[NetworkState, tuple]:
        """One step: the new state and (z^t, ψ^t, y^t, neuron state)."""
        previous = neuron.output(net_state.neurons)
        recurrent = jax.lax.stop_gradient(previous) if truncate_recurrent_gradient else previous
        current = drive.current + product(recurrent, weights.w_rec, back_rec)
        if network.readout_feedback is not None:
            sensed = net_state.readout
            if truncate_recurrent_gradient:
                sensed = jax.lax.stop_gradient(sensed)
            current = current + sensed @ network.readout_feedback.astype(dtype)
        somatic_inhibition = network.inhibition(net_state, "soma", dtype)
        if somatic_inhibition is not None:
            current = current - somatic_inhibition
        if network.bias is not None:
            current = current + network.bias.astype(dtype)
        extra = {} if drive.neuron is None else {"noise": drive.neuron}
        if has_tuft:
            extra["tuft"] = _tuft(network, net_state, drive.apical, current)
        neurons, psi = neuron.step(
            net_state.neurons, current, detach_reset=truncate_recurrent_gradient, **extra
        )
        z = neuron.output(neurons)
        readout_input = product(z, weights.w_out, back_out)
        if drive.readout is not None:
            readout_input = readout_input + drive.readout
        readout = kappa * net_state.readout + g_out * readout_input
        driven = tuple(p.rates(z) if p.kind.driven else None for p in network.interneurons)
        shown = readout if weights.b_out is None else readout + weights.b_out
        return NetworkState(neurons, readout, driven), (z, psi, shown, neurons)

    def drive(weights: Params, x: Array, noise, out_noise, own_noise, top_down) -> _Drive:
        """One step's drive (``x [n_in]``), or every step's (``x [T, n_in]``)."""
        current = x @ weights.w_in
        current = current if noise is None else current + noise
        return _Drive(current, out_noise, own_noise, top_down)

    def emitted(outputs: Array, psi: Array, readout: Array, neurons: Any) -> tuple:
        return (
            readout,
            outputs if record_activity else None,
            psi if record_psi else None,
            neurons if record_neurons else None,
        )

    step_inputs = (inputs, current_noise, readout_noise, neuron_noise, apical)

    if loop is not None:

        def closed_step(carry: tuple, scanned: tuple) -> tuple[tuple, tuple]:
            net_state, loop_state, weights = carry
            x, noise, out_noise, own_noise, top_down, loop_in = scanned
            sensed = loop.sense(loop_state)
            if sensed.apical is not None and top_down is not None:
                raise ValueError("give the tufts' input as `apical` or by the loop, not both")
            if sensed.apical is not None and not has_tuft:
                raise ValueError(f"{type(neuron).__name__} has no apical tuft to sense into")
            top_down = sensed.apical if top_down is None else top_down
            if sensed.soma is not None:  # added to the input current, like ξ
                noise = sensed.soma if noise is None else noise + sensed.soma
            previous = neuron.output(net_state.neurons)
            net_state, (z, psi, readout, neurons) = advance(
                weights, net_state, drive(weights, x, noise, out_noise, own_noise, top_down)
            )
            step = StepRecord(x, previous, z, psi, readout, neurons)
            loop_state, weights, kept = loop.respond(loop_state, weights, step, loop_in)
            return (net_state, loop_state, weights), (*emitted(z, psi, readout, neurons), kept)

        (final, loop_final, weights), out = jax.lax.scan(
            closed_step, (state, loop.state, params), (*step_inputs, loop.inputs)
        )
        return Trajectory(*out), LoopEnd(loop_final, weights), final

    def open_step(net_state: NetworkState, now: _Drive) -> tuple[NetworkState, tuple]:
        net_state, (z, psi, readout, neurons) = advance(params, net_state, now)
        return net_state, (z, psi, readout, neurons if record_neurons else None)

    if observer is None:
        # With fixed weights the input currents of all steps are one matrix product.
        final, (z, psi, readout, neurons) = jax.lax.scan(
            open_step, state, drive(params, *step_inputs)
        )
        return Trajectory(*emitted(z, psi, readout, neurons)), None, final

    n_steps, observer_chunk = inputs.shape[0], observer.chunk
    if n_steps % observer_chunk:
        raise ValueError(f"observer.chunk={observer_chunk} must divide the {n_steps} steps")

    def by_chunk(tree: Any) -> Any:
        return jax.tree.map(lambda x: x.reshape(-1, observer_chunk, *x.shape[1:]), tree)

    def chunk(carry: tuple, scanned: tuple) -> tuple[tuple, Any]:
        # The scan stacks only what it computes; x and z^{t-1} are assembled per chunk.
        net_state, obs_state = carry
        *chunk_inputs, obs_in = scanned
        first_previous = neuron.output(net_state.neurons)
        net_state, (z, psi, readout, neurons) = jax.lax.scan(
            open_step, net_state, drive(params, *chunk_inputs)
        )
        x_chunk = chunk_inputs[0]
        previous = jnp.concatenate([first_previous[None], z[:-1]])
        records = StepRecord(x_chunk, previous, z, psi, readout)
        obs_state = observer.update(obs_state, records, obs_in)
        return (net_state, obs_state), emitted(z, psi, readout, neurons)

    scanned = (*step_inputs, observer.inputs)
    (final, obs_final), out = jax.lax.scan(chunk, (state, observer.state), by_chunk(scanned))
    trajectory = jax.tree.map(lambda x: x.reshape(n_steps, *x.shape[2:]), out)
    return Trajectory(*trajectory), obs_final, final


def _tuft(network: Network, state: NetworkState, top_down: Array | None, like: Array) -> Any:
    """What reaches the tufts: the top-down input f (0 when none) and the inhibition J
    of the populations that target them (0 when none)."""
    inhibition = network.inhibition(state, "tuft", like.dtype)
    zero = jnp.zeros_like(like)
    return Tuft(
        zero if top_down is None else top_down.astype(like.dtype),
        zero if inhibition is None else inhibition,
    )
