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
c_reg (f̄_j − f_target) · Σ_t e_ji^t / (B·T) (Bellec et al. 2020, Eq. 31).

With symmetric feedback this equals the BPTT gradient with the through-time recurrent
paths stopped (``bptt(truncate_recurrent_gradient=True)``); the tests check it in float64.
State kept during a trial is O(synapses) per trial (a few ``[pre, post]`` arrays),
never O(time × synapses).
"""

from __future__ import annotations

from typing import Any, Literal, NamedTuple

import jax
import jax.numpy as jnp
from jax import Array

from creditlab.network import Network, Params, StepRecord, simulate
from creditlab.objective import Objective
from creditlab.rules.base import Metrics, Rule, trial_metrics
from creditlab.tasks.base import Trials

Feedback = Literal["symmetric", "random"]


class EpropState(NamedTuple):
    """The rule's state across trials: the random feedback matrix B ``[n_rec, n_out]`` or None."""

    feedback: Array | None


class EpropTraces(NamedTuple):
    """What e-prop carries through one trial's scan (shapes per trial).

    Attributes:
        input_trace, recurrent_trace: z̄ of inputs ``[n_in]`` and of recurrent neurons ``[n_rec]``.
        input_eligibility, recurrent_eligibility: the neuron model's per-synapse state.
        input_filtered, recurrent_filtered: ē ``[n_in, n_rec]`` and ``[n_rec, n_rec]``.
        readout_trace: κ-filtered g_out z ``[n_rec]``.
        grads: accumulated updates (``Params``).
        eligibility_sum: Σ_t e for the rate regulariser (``Params`` with w_out unused) or None.
        spike_count: Σ_t z ``[n_rec]``.
    """

    input_trace: Array
    recurrent_trace: Array
    input_eligibility: Any
    recurrent_eligibility: Any
    input_filtered: Array
    recurrent_filtered: Array
    readout_trace: Array
    grads: Params
    eligibility_sum: Params | None
    spike_count: Array


def init_traces(network: Network, dtype: Any, *, with_eligibility_sum: bool) -> EpropTraces:
    """All-zero traces at the start of a trial."""
    n_in, n_rec, n_out = network.n_in, network.n_rec, network.n_out
    zeros = jnp.zeros
    grads = Params(
        zeros((n_in, n_rec), dtype), zeros((n_rec, n_rec), dtype), zeros((n_rec, n_out), dtype)
    )
    return EpropTraces(
        input_trace=zeros((n_in,), dtype),
        recurrent_trace=zeros((n_rec,), dtype),
        input_eligibility=network.neuron.init_eligibility((n_in, n_rec), dtype),
        recurrent_eligibility=network.neuron.init_eligibility((n_rec, n_rec), dtype),
        input_filtered=zeros((n_in, n_rec), dtype),
        recurrent_filtered=zeros((n_rec, n_rec), dtype),
        readout_trace=zeros((n_rec,), dtype),
        grads=grads,
        eligibility_sum=grads if with_eligibility_sum else None,
        spike_count=zeros((n_rec,), dtype),
    )


def eprop_step(
    network: Network,
    objective: Objective,
    feedback: Array,
    traces: EpropTraces,
    record: StepRecord,
    target_and_weight: tuple[Array, Array],
) -> EpropTraces:
    """One step of e-prop inside the network's scan (the equations of the module docstring).

    ``feedback`` is B ``[n_rec, n_out]``; ``target_and_weight`` is (y*^t ``[n_out]``, w_t).
    """
    neuron = network.neuron
    alpha, g = neuron.decay, neuron.input_scale
    kappa, g_out = network.readout_decay, network.readout_input_scale
    target, weight = target_and_weight

    input_trace = alpha * traces.input_trace + g * record.inputs
    recurrent_trace = alpha * traces.recurrent_trace + g * record.recurrent_inputs
    input_eligibility, e_in = neuron.eligibility_step(
        traces.input_eligibility, record.psi, input_trace
    )
    recurrent_eligibility, e_rec = neuron.eligibility_step(
        traces.recurrent_eligibility, record.psi, recurrent_trace
    )
    input_filtered = kappa * traces.input_filtered + e_in
    recurrent_filtered = kappa * traces.recurrent_filtered + e_rec
    readout_trace = kappa * traces.readout_trace + g_out * record.outputs

    error = weight * objective.step_error(record.readout, target)
    learning_signal = g_out * (feedback @ error)
    grads = Params(
        w_in=traces.grads.w_in + input_filtered * learning_signal,
        w_rec=traces.grads.w_rec + recurrent_filtered * learning_signal,
        w_out=traces.grads.w_out + readout_trace[:, None] * error[None, :],
    )
    eligibility_sum = traces.eligibility_sum
    if eligibility_sum is not None:
        eligibility_sum = eligibility_sum._replace(
            w_in=eligibility_sum.w_in + e_in, w_rec=eligibility_sum.w_rec + e_rec
        )
    return EpropTraces(
        input_trace,
        recurrent_trace,
        input_eligibility,
        recurrent_eligibility,
        input_filtered,
        recurrent_filtered,
        readout_trace,
        grads,
        eligibility_sum,
        traces.spike_count + record.outputs,
    )


def eprop(network: Network, objective: Objective, *, feedback: Feedback = "symmetric") -> Rule:
    """The e-prop rule for ``network`` trained on ``objective``."""
    if feedback not in ("symmetric", "random"):
        raise ValueError(f"feedback must be 'symmetric' or 'random', got {feedback!r}")
    regularise = network.neuron.is_spiking and objective.rate_coefficient > 0

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
        dtype = params.w_in.dtype
        matrix = params.w_out if state.feedback is None else state.feedback
        weights = Objective.step_weights(trials.mask).astype(dtype)

        def observer(traces: EpropTraces, record: StepRecord, scanned: Any) -> EpropTraces:
            return eprop_step(network, objective, matrix, traces, record, scanned)

        def run(inputs: Array, targets: Array, step_weights: Array) -> tuple[Array, EpropTraces]:
            trajectory, traces, _ = simulate(
                network,
                params,
                inputs,
                observer=observer,
                observer_state=init_traces(network, dtype, with_eligibility_sum=regularise),
                observer_inputs=(targets.astype(dtype), step_weights),
            )
            return trajectory.readout, traces

        readout, traces = jax.vmap(run)(trials.inputs, trials.targets, weights)
        grads = jax.tree.map(lambda g: jnp.sum(g, axis=0), traces.grads)
        n_samples = trials.inputs.shape[0] * trials.inputs.shape[1]
        rate = jnp.sum(traces.spike_count, axis=0) / n_samples
        if regularise:
            signal = objective.rate_penalty_signal(rate)
            summed = jax.tree.map(lambda e: jnp.sum(e, axis=0) / n_samples, traces.eligibility_sum)
            grads = grads._replace(
                w_in=grads.w_in + summed.w_in * signal, w_rec=grads.w_rec + summed.w_rec * signal
            )
        metrics = trial_metrics(
            objective, readout, trials, rate if network.neuron.is_spiking else None
        )
        return grads, state, metrics

    return Rule(init=init, update=update)
