"""e-prop (``eprop``; Bellec et al. 2020, Nat. Commun. 11:3625): online eligibility
traces times a broadcast learning signal.

For a recurrent or input synapse i → j, at every step t of a trial:

    z̄_i^t  = α z̄_i^{t−1} + g pre_i^t               presynaptic trace (pre = x^t or z^{t−1})
    e_ji^t  = neuron-specific eligibility trace      (LIF: ψ_j^t z̄_i^t; ALIF: see neurons.alif)
    ē_ji^t  = κ ē_ji^{t−1} + e_ji^t                  filtered like the readout
    L_j^t   = g_out Σ_k B_jk ∂E/∂y_k^t               learning signal
    ΔW_ji  += L_j^t ē_ji^t

with B = W_outᵀ (``feedback="symmetric"``) or a fixed random matrix (``"random"``,
random e-prop / feedback alignment). The readout weights get their exact gradient,
Σ_t ∂E/∂y_k^t · (κ-filtered g_out z_j^t). The firing-rate regulariser adds
Σ_b c_reg (f_bj − f_target) · Σ_t e_ji^t / (B·T), f_bj the rate in trial b (Bellec et
al. 2020, Eq. 31).

With symmetric feedback this equals the BPTT gradient with the through-time recurrent
paths stopped (``bptt(truncate_recurrent_gradient=True)``); the tests check it in float64.

The recursion runs inside the network's scan, K steps at a time (:func:`eprop_chunk`):
over a chunk every per-synapse quantity above is linear in the presynaptic traces of the
chunk (:mod:`creditlab.neurons.eligibility`), so it is applied with one matrix product
per chunk instead of K element-wise passes over all synapses — the same numbers, much
less memory traffic. State kept during a trial is O(synapses + K · neurons) per trial,
never O(time × synapses). A trial short enough to be one chunk is evaluated backwards per
neuron instead (:mod:`creditlab.rules.eprop_offline`): the same update, cheaper.
"""

from __future__ import annotations

import math
from typing import Any, Literal, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array

from creditlab.filters import leaky_filter
from creditlab.network import Network, Observer, Params, StepRecord, chunk_length, simulate
from creditlab.objective import Objective
from creditlab.rules.base import Metrics, Rule, trial_metrics
from creditlab.rules.online import Broadcast, Local, OnlineRule, zero_trace
from creditlab.tasks.base import Trials

Feedback = Literal["symmetric", "random"]


class EpropState(NamedTuple):
    """The rule's state across trials.

    Attributes:
        feedback: the fixed feedback matrix B ``[n_rec, n_out]``, or None for B = W_out.
        withheld_last_signal: NEST compatibility only (default None): ``[B, n_in]``, 1
            where input synapse i of trial b misses the learning signal of the trial's
            last step. NEST's event-driven e-prop computes an input synapse's update at
            its first spike of the next sequence; a spike in that sequence's step 1
            arrives before the last learning signal, which is then left out.
    """

    feedback: Array | None
    withheld_last_signal: Array | None = None


class EpropTraces(NamedTuple):
    """What e-prop carries through one trial (shapes per trial; pre = inputs then neurons).

    Attributes:
        presynaptic: z̄ ``[n_in + n_rec]``.
        eligibility: the neuron model's per-synapse state ``[pre, n_rec]`` (ALIF) or None.
        filtered: ē ``[pre, n_rec]``.
        grad: accumulated update of ``w_in`` stacked on ``w_rec`` ``[pre, n_rec]``.
        eligibility_sum: Σ_t e ``[pre, n_rec]`` for the rate regulariser, or None.
        readout_trace: κ-filtered g_out z ``[n_rec]``.
        grad_out: accumulated update of ``w_out`` ``[n_rec, n_out]``.
        spike_count: Σ_t z ``[n_rec]``.
    """

    presynaptic: Array
    eligibility: Array | None
    filtered: Array
    grad: Array
    eligibility_sum: Array | None
    readout_trace: Array
    grad_out: Array
    spike_count: Array


def feedback_matrix(params: Params, state: EpropState) -> Array:
    """B ``[n_rec, n_out]``: W_out for symmetric feedback, else the state's fixed matrix."""
    return params.w_out if state.feedback is None else state.feedback


def init_traces(network: Network, dtype: Any, *, stateful: bool, regularise: bool) -> EpropTraces:
    """All-zero traces at the start of a trial."""
    n_pre, n_rec = network.n_in + network.n_rec, network.n_rec
    synapses = jnp.zeros((n_pre, n_rec), dtype)
    return EpropTraces(
        presynaptic=jnp.zeros((n_pre,), dtype),
        eligibility=synapses if stateful else None,
        filtered=synapses,
        grad=synapses,
        eligibility_sum=synapses if regularise else None,
        readout_trace=jnp.zeros((n_rec,), dtype),
        grad_out=jnp.zeros((n_rec, network.n_out), dtype),
        spike_count=jnp.zeros((n_rec,), dtype),
    )


def learning_signal(
    network: Network,
    objective: Objective,
    feedback: Array,
    readout: Array,
    targets: Array,
    weights: Array,
) -> tuple[Array, Array]:
    """∂E/∂y = w ∂ℓ/∂y ``[S, n_out]`` and L = g_out B ∂E/∂y ``[S, n_rec]`` for S steps.

    ``readout``/``targets`` ``[S, n_out]``, ``weights`` (the loss weights) ``[S]``.
    """
    errors = weights[:, None] * jax.vmap(objective.step_error)(readout, targets)
    return errors, network.readout_input_scale * errors @ feedback.T


def eprop_chunk(
    network: Network,
    objective: Objective,
    feedback: Array,
    traces: EpropTraces,
    records: StepRecord,
    targets_and_weights: tuple[Array, Array],
    modulatory: Array | None = None,
) -> EpropTraces:
    """K steps of e-prop inside the network's scan (the module docstring's equations).

    ``feedback`` is B ``[n_rec, n_out]``; ``records`` are K stacked :class:`StepRecord`;
    ``targets_and_weights`` are y* ``[K, n_out]`` and the loss weights ``[K]``. Over the
    chunk, with Lf^k = Σ_{k'≥k} κ^{k'−k} L^{k'}, the per-synapse sums are

        Σ_k L^k ē^k   = (Σ_k κ^{k+1} L^k) ē^in + Σ_k Lf^k e^k
        ē^out         = κ^K ē^in + Σ_k κ^{K−1−k} e^k

    and each Σ_k w^k e^k is a product of z̄ ``[K, pre]`` with the neuron's operators.

    ``modulatory`` (``[n_rec, n_rec]``, G_pj, default None) adds the online MDGL term
    Σ_k M^k ē^{k−1} with M_p^k = Σ_j G_pj ψ_j^k L_j^k (:mod:`creditlab.rules.mdgl`):

        Σ_k M^k ē^{k−1} = (Σ_k κ^k M^k) ē^in + Σ_k (Σ_{k'>k} κ^{k'−1−k} M^{k'}) e^k
    """
    neuron = network.neuron
    kappa, g_out = network.readout_decay, network.readout_input_scale
    targets, weights = targets_and_weights
    steps = records.psi.shape[0]

    presynaptic_activity = jnp.concatenate([records.inputs, records.recurrent_inputs], axis=-1)
    presynaptic = leaky_filter(
        neuron.decay, neuron.input_scale * presynaptic_activity, traces.presynaptic
    )
    operators = neuron.eligibility_operators(records.psi)

    errors, signal = learning_signal(
        network, objective, feedback, records.readout, targets, weights
    )
    future_signal = leaky_filter(kappa, signal, jnp.zeros_like(signal[0]), reverse=True)
    powers = jnp.asarray(kappa ** np.arange(steps, dtype=float), signal.dtype)
    carried = kappa * (powers @ signal)
    if modulatory is not None:
        sent = (records.psi * signal) @ modulatory.T
        later = jnp.concatenate([sent[1:], jnp.zeros_like(sent[:1])])
        future_signal = future_signal + leaky_filter(
            kappa, later, jnp.zeros_like(sent[0]), reverse=True
        )
        carried = carried + powers @ sent
    to_end = jnp.broadcast_to(powers[::-1, None], signal.shape)
    weightings = [future_signal, to_end]
    if traces.eligibility_sum is not None:
        weightings.append(jnp.ones_like(signal))
    weighting = jnp.stack(weightings)
    weighed = operators.weigh(weighting)
    # one row-major product [pre, W·post], then split: XLA would transpose an einsum's output
    stacked = presynaptic.T @ jnp.concatenate(list(weighed), axis=1)
    projected = stacked.reshape(stacked.shape[0], len(weightings), -1).transpose(1, 0, 2)
    if traces.eligibility is not None:
        projected = (
            projected
            + jnp.einsum("wkj,kj->wj", weighting, operators.u)[:, None, :]
            * traces.eligibility[None]
        )
        eligibility = presynaptic.T @ operators.N + operators.v * traces.eligibility
    else:
        eligibility = None

    readout_traces = leaky_filter(kappa, g_out * records.outputs, traces.readout_trace)
    return EpropTraces(
        presynaptic=presynaptic[-1],
        eligibility=eligibility,
        filtered=kappa**steps * traces.filtered + projected[1],
        grad=traces.grad + carried * traces.filtered + projected[0],
        eligibility_sum=None
        if traces.eligibility_sum is None
        else traces.eligibility_sum + projected[2],
        readout_trace=readout_traces[-1],
        grad_out=traces.grad_out + readout_traces.T @ errors,
        spike_count=traces.spike_count + jnp.sum(records.outputs, axis=0),
    )


def eprop(
    network: Network,
    objective: Objective,
    *,
    feedback: Feedback = "symmetric",
    longest_chunk: int | None = None,
    evaluation: Literal["online", "offline"] = "online",
    eligibility_reset: bool = False,
) -> Rule:
    """The e-prop rule for ``network`` trained on ``objective``.

    ``evaluation="offline"`` computes the same update after each trial, backwards in time
    per neuron (:mod:`creditlab.rules.eprop_offline`): much faster on a CPU, with memory
    that grows with the trial length (O(T · neurons) per trial, never O(T · synapses)).
    ``eligibility_reset`` keeps the soft reset's derivative in the eligibility traces, as
    Liu et al. 2021's code does (:func:`creditlab.neurons.eligibility.credit_with_reset`;
    offline only).

    ``longest_chunk`` bounds K, the steps processed per matrix product (the largest
    divisor of the trial length up to it is used). By default (:func:`default_longest_chunk`)
    10 for neurons with per-synapse eligibility state (ALIF), whose operators cost
    O(K² · neurons) per chunk; for the others (rate, LIF: their operator is diagonal in
    time) as many steps as fit in ``CHUNK_MEMORY_BYTES`` of per-step records.
    """
    if feedback not in ("symmetric", "random"):
        raise ValueError(f"feedback must be 'symmetric' or 'random', got {feedback!r}")
    if evaluation not in ("online", "offline"):
        raise ValueError(f"evaluation must be 'online' or 'offline', got {evaluation!r}")
    if eligibility_reset and evaluation == "online":
        raise ValueError(
            "eligibility_reset (the reset's derivative in the traces) is built for "
            "evaluation='offline' only"
        )

    def init(params: Params, *, key: Array | None = None) -> EpropState:
        if feedback == "symmetric":
            return EpropState(feedback=None)
        if key is None:
            raise ValueError("random feedback needs a key")
        shape = (network.n_rec, network.n_out)
        return EpropState(
            jax.random.normal(key, shape, params.w_out.dtype) / jnp.sqrt(network.n_rec)
        )

    def update(
        params: Params, state: EpropState, trials: Trials, *, key: Array | None = None
    ) -> tuple[Params, EpropState, Metrics]:
        if evaluation == "online":
            return eprop_update(network, objective, params, state, trials, longest_chunk)
        if state.withheld_last_signal is not None:
            raise ValueError("NEST's withheld last signal needs evaluation='online'")
        from creditlab.rules.eprop_offline import offline_update  # it builds on this module

        matrix = feedback_matrix(params, state)
        grads, metrics = offline_update(
            network, objective, params, matrix, trials, eligibility_reset=eligibility_reset
        )
        return grads, state, metrics

    return Rule(init=init, update=update)


CHUNK_MEMORY_BYTES = 16 * 2**20
"""What the per-step records of one chunk may occupy, all trials of a batch together."""


def default_longest_chunk(network: Network, batch: int, dtype: Any) -> int:
    """The longest chunk K for ``batch`` trials: 10 steps for neurons with per-synapse
    eligibility state (their operators grow as K²); otherwise the most steps whose records,
    about ``batch · K · (6 · pre + 10 · post)`` numbers (presynaptic activity, its trace
    and their copies; ψ, z, learning signals and their weightings: measured from XLA's
    scratch memory), fit in ``CHUNK_MEMORY_BYTES``, and at least 32.

    Longer chunks make fewer, larger matrix products: on the sine-wave workload (batch 1,
    200 inputs and neurons, 1000 steps, 2 cores) a whole trial per chunk took 7–9 ms an
    iteration against 10–11 ms for K = 25, and a trial that is one chunk is now evaluated
    backwards (:func:`eprop_update`; 6–7 ms). Memory stays bounded whatever the trial's
    length: K never exceeds what the budget allows.
    """
    if network.neuron.synaptic_eligibility:
        return 10
    pre, post = network.n_in + network.n_rec, network.n_rec
    per_step = batch * (6 * pre + 10 * post) * np.dtype(dtype).itemsize
    return max(32, CHUNK_MEMORY_BYTES // per_step)


def eprop_update(
    network: Network,
    objective: Objective,
    params: Params,
    state: EpropState,
    trials: Trials,
    longest_chunk: int | None = None,
    modulatory: Array | None = None,
) -> tuple[Params, EpropState, Metrics]:
    """Online e-prop's update of one batch (the module docstring's equations);
    ``modulatory`` adds online MDGL's term (:func:`eprop_chunk`).

    When the whole trial fits in one chunk, the chunk's records are the trial's, and the
    sums are taken backwards in time per neuron instead
    (:func:`creditlab.rules.eprop_offline.offline_update`): the same update, with one
    matrix product where the chunk needs three (Lf, the ē carried to a next chunk and the
    regulariser's Σe), and memory bounded by the same budget.
    """
    if params.b_out is not None:
        raise ValueError("a readout bias is trained by e-prop with evaluation='offline' only")
    dtype = params.w_in.dtype
    matrix = feedback_matrix(params, state)
    batch, n_steps = trials.inputs.shape[:2]
    longest = longest_chunk or default_longest_chunk(network, batch, dtype)
    chunk = chunk_length(n_steps, longest)
    if chunk == n_steps and modulatory is None and state.withheld_last_signal is None:
        from creditlab.rules.eprop_offline import offline_update  # it builds on this module

        grads, metrics = offline_update(network, objective, params, matrix, trials)
        return grads, state, metrics
    weights = Objective.step_weights(trials.mask).astype(dtype)
    stateful = network.neuron.synaptic_eligibility
    regularise = network.neuron.is_spiking and objective.rate_coefficient > 0
    start = init_traces(network, dtype, stateful=stateful, regularise=regularise)

    def observe(traces: EpropTraces, records: StepRecord, scanned: Any) -> EpropTraces:
        return eprop_chunk(network, objective, matrix, traces, records, scanned, modulatory)

    def run(inputs: Array, scanned: tuple) -> tuple[Array, EpropTraces]:
        trajectory, traces, _ = simulate(
            network,
            params,
            inputs,
            observer=Observer(observe, start, scanned, chunk),
        )
        return trajectory.readout, traces

    scanned = (trials.targets.astype(dtype), weights)
    readout, traces = jax.vmap(run)(trials.inputs, scanned)
    grad = jnp.sum(traces.grad, axis=0)
    rate = traces.spike_count / n_steps
    if regularise:
        signal = objective.rate_penalty_signal(rate)[:, None, :]
        grad = grad + jnp.sum(traces.eligibility_sum * signal, axis=0) / (batch * n_steps)
    if state.withheld_last_signal is not None:
        _, last_signal = learning_signal(
            network,
            objective,
            matrix,
            readout[:, -1],
            trials.targets[:, -1].astype(dtype),
            weights[:, -1],
        )
        withheld = state.withheld_last_signal[:, :, None] * last_signal[:, None, :]
        late = jnp.sum(withheld * traces.filtered[:, : network.n_in], axis=0)
        grad = grad.at[: network.n_in].add(-late)
    grads = Params(
        w_in=grad[: network.n_in], w_rec=grad[network.n_in :], w_out=jnp.sum(traces.grad_out, 0)
    )
    metrics = trial_metrics(objective, readout, trials, rate if network.neuron.is_spiking else None)
    return grads, state, metrics


def online_eprop(
    *, dt_ms: float, learning_rate: float = 1e-4, trace_time_constant_ms: float = 300.0
) -> OnlineRule:
    """e-prop in a closed loop (:mod:`creditlab.rules.online`), for feed-forward synapses
    onto neurons whose soma keeps no potential from step to step (so the eligibility
    trace is ψ_i x_j, filtered like the circuit's output, γ = exp(−dt/τ)):

        ē_ij ← γ ē_ij + ψ_i x_j,     ΔW_ij = η L_i ē_ij

    L_i = Σ_k B_ik e_k is the learning signal the circuit's feedback pathway delivers (a
    teaching signal: L > 0 asks for more activity). Nothing reaches the tufts."""
    if learning_rate < 0 or trace_time_constant_ms <= 0:
        raise ValueError(
            f"e-prop needs learning_rate ≥ 0 and trace_time_constant_ms > 0, got "
            f"{learning_rate}, {trace_time_constant_ms}"
        )
    decay = math.exp(-dt_ms / trace_time_constant_ms)

    def step(trace: Array, weights: Array, local: Local, broadcast: Broadcast) -> tuple:
        trace = decay * trace + jnp.outer(local.psi, local.pre)
        return learning_rate * broadcast.signal[:, None] * trace, trace

    def elapse(trace: Array, elapsed_ms: Array) -> Array:
        return jnp.exp(-elapsed_ms / trace_time_constant_ms) * trace

    return OnlineRule(zero_trace, step, elapse=elapse)
