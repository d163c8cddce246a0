"""e-prop evaluated after the trial, backwards in time per neuron (``eprop(...,
evaluation="offline")``, and MDGL): the same update as :mod:`creditlab.rules.eprop`.

Online e-prop carries per-synapse traces forward. When the whole trial is known, the
same sums can be taken per neuron: with Lf_j^t = Σ_{t'≥t} κ^{t'−t} L_j^{t'} (the
readout's κ-filter run backwards) and any extra per-step signal M_j^t,

    ΔW_ji = Σ_t (Lf_j^t + M_j^t + s_j) e_ji^t = Σ_t z̄_i^t q_j^t

where s_j = c_reg (f_j − f_target)/(B·T) is the rate regulariser's signal and q is the
neuron's backward credit (:mod:`creditlab.neurons.eligibility`: q = ψ w for LIF and
rate units, one backward scan for ALIF). Over a batch the whole update is then one
matrix product, Σ_{b,t} z̄_b^t ⊗ q_b^t, instead of per-trial synapse-sized traces: far
faster on a CPU, with memory O(B · T · (inputs + neurons)) that grows with the trial
(online e-prop's does not), and never O(B · T · synapses).
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp
from jax import Array

from creditlab.network import Network, Params, simulate
from creditlab.objective import Objective
from creditlab.rules.base import Metrics, trial_metrics
from creditlab.rules.eprop import leaky_filter, learning_signal
from creditlab.tasks.base import Trials

Modulation = Callable[[Array, Array], Array]


def offline_update(
    network: Network,
    objective: Objective,
    params: Params,
    feedback: Array,
    trials: Trials,
    modulation: Modulation | None = None,
) -> tuple[Params, Metrics]:
    """e-prop's update of one batch (module docstring) with feedback B ``[n_rec, n_out]``.

    ``modulation(psi, direct) -> M`` (each ``[T, n_rec]`` for one trial) adds an extra
    per-step signal on the unfiltered trace, computed from ψ and the direct credit Lf.
    """
    neuron = network.neuron
    if not hasattr(neuron, "eligibility_credit"):
        raise ValueError(f"{type(neuron).__name__} has no backward eligibility credit")
    dtype = params.w_in.dtype
    batch, n_steps = trials.inputs.shape[:2]
    weights = Objective.step_weights(trials.mask).astype(dtype)
    regularise = neuron.is_spiking and objective.rate_coefficient > 0
    kappa, g_out = network.readout_decay, network.readout_input_scale

    def one(inputs: Array, targets: Array, step_weights: Array) -> tuple:
        trajectory, _, _ = simulate(network, params, inputs, record_activity=True, record_psi=True)
        z, psi = trajectory.activity, trajectory.psi
        previous = jnp.concatenate([jnp.zeros_like(z[:1]), z[:-1]])
        activity = jnp.concatenate([inputs.astype(dtype), previous], axis=-1)
        presynaptic = leaky_filter(
            neuron.decay, neuron.input_scale * activity, jnp.zeros_like(activity[0])
        )
        errors, signal = learning_signal(
            network, objective, feedback, trajectory.readout, targets, step_weights
        )
        direct = leaky_filter(kappa, signal, jnp.zeros_like(signal[0]), reverse=True)
        total = direct if modulation is None else direct + modulation(psi, direct)
        rate = jnp.mean(z, axis=0)
        if regularise:
            total = total + objective.rate_penalty_signal(rate) / (batch * n_steps)
        credit = neuron.eligibility_credit(psi, total)
        readout_trace = leaky_filter(kappa, g_out * z, jnp.zeros_like(z[0]))
        return presynaptic, credit, readout_trace, errors, trajectory.readout, rate

    presynaptic, credit, readout_trace, errors, readout, rate = jax.vmap(one)(
        trials.inputs, trials.targets.astype(dtype), weights
    )
    grad = jnp.einsum("btp,btj->pj", presynaptic, credit)
    grads = Params(
        w_in=grad[: network.n_in],
        w_rec=grad[network.n_in :],
        w_out=jnp.einsum("btj,btk->jk", readout_trace, errors),
    )
    metrics = trial_metrics(objective, readout, trials, rate if neuron.is_spiking else None)
    return grads, metrics
