"""e-prop evaluated after the trial, backwards in time per neuron (``eprop(...,
evaluation="offline")``, online e-prop's one-chunk trials, and MDGL): the same update as
:mod:`creditlab.rules.eprop`.

Online e-prop carries per-synapse traces forward. When the whole trial is known, the
same sums can be taken per neuron: with Lf_j^t = Σ_{t'≥t} κ^{t'−t} L_j^{t'} (the
readout's κ-filter run backwards) and any extra per-step signal M_j^t,

    ΔW_ji = Σ_t (Lf_j^t + M_j^t + s_j) e_ji^t = Σ_t z̄_i^t q_j^t

where s_j = c_reg (f_j − f_target)/(B·T) is the rate regulariser's signal and q is the
neuron's backward credit (:mod:`creditlab.neurons.eligibility`: q = ψ w for LIF and
rate units, one backward scan for ALIF; the neuron returns q̃ below, for ALIF from that
same scan). The traces themselves are never formed: every
filter is moved onto the side that has fewer numbers, by
Σ_t (Σ_{s≤t} a^{t−s} u^s) v^t = Σ_s u^s (Σ_{t≥s} a^{t−s} v^t). So, with z̄ = α-filtered
g_in · pre and L = g_out B ∂E/∂y,

    Lf   = g_out (κ-filter of ∂E/∂y, backwards) Bᵀ           n_out numbers a step, not n_rec
    ΔW   = g_in Σ_t pre^t q̃^t,  q̃ = α-filter of q, backwards   n_rec a step, not n_in + n_rec
    ΔW_out = g_out Σ_t z^t (κ-filter of ∂E/∂y, backwards)
    Δb_out = Σ_t ∂E/∂y^t                                        (a readout bias, if any)

Over a batch each is one matrix product over all (trial, step) pairs: far faster on a
CPU than per-trial synapse-sized traces, with memory O(B · T · (inputs + neurons)) that
grows with the trial (online e-prop's chunks do not), and never O(B · T · synapses).
"""

from __future__ import annotations

from collections.abc import Callable

import jax.numpy as jnp
from jax import Array

from creditlab.filters import leaky_filter
from creditlab.network import Network, Params, Recording, over_trials, simulate
from creditlab.objective import Objective
from creditlab.rules.base import Metrics, trial_metrics
from creditlab.rules.eprop import learning_signal
from creditlab.tasks.base import Trials

Modulation = Callable[[Array, Array], Array]


def offline_update(
    network: Network,
    objective: Objective,
    params: Params,
    feedback: Array,
    trials: Trials,
    modulation: Modulation | None = None,
    *,
    eligibility_reset: bool = False,
) -> tuple[Params, Metrics]:
    """e-prop's update of one batch (module docstring) with feedback B ``[n_rec, n_out]``.

    ``modulation(psi, direct) -> M`` (each ``[T, n_rec]`` for one trial) adds an extra
    per-step signal on the unfiltered trace, computed from ψ and the direct credit Lf.
    ``eligibility_reset`` keeps the soft reset's derivative in the traces (Liu et al.
    2021's code; :func:`creditlab.neurons.eligibility.credit_with_reset`).
    """
    neuron = network.neuron
    if not hasattr(neuron, "eligibility_credit"):
        raise ValueError(f"{type(neuron).__name__} has no backward eligibility credit")
    if eligibility_reset and not hasattr(neuron, "v_th"):
        raise ValueError(f"{type(neuron).__name__} has no soft reset to keep in the traces")
    reset = {"reset": True} if eligibility_reset else {}
    dtype = params.w_in.dtype
    batch, n_steps = trials.inputs.shape[:2]
    weights = Objective.step_weights(trials.mask).astype(dtype)
    regularise = neuron.is_spiking and objective.rate_coefficient > 0
    kappa, g_out = network.readout_decay, network.readout_input_scale

    def one(inputs: Array, targets: Array, step_weights: Array) -> tuple:
        trajectory, _, _ = simulate(
            network, params, inputs, record=Recording(activity=True, psi=True)
        )
        z, psi = trajectory.activity, trajectory.psi
        errors, _ = learning_signal(  # L itself is not needed: Lf is formed from ∂E/∂y below
            network, objective, feedback, trajectory.readout, targets, step_weights
        )
        errors_ahead = leaky_filter(kappa, errors, jnp.zeros_like(errors[0]), reverse=True)
        direct = g_out * errors_ahead @ feedback.T
        total = direct if modulation is None else direct + modulation(psi, direct)
        rate = jnp.mean(z, axis=0)
        if regularise:
            total = total + objective.rate_penalty_signal(rate) / (batch * n_steps)
        credit_ahead = neuron.eligibility_credit(psi, total, **reset)
        return z, credit_ahead, errors_ahead, trajectory.readout, rate, jnp.sum(errors, axis=0)

    time_major = lambda a: jnp.swapaxes(a, 0, 1)  # noqa: E731  (over_trials' layout)
    inputs = time_major(trials.inputs.astype(dtype))
    z, credit_ahead, errors_ahead, readout, rate, error_sums = over_trials(
        one, out_axes=(1, 1, 1, 1, 0, 0)
    )(inputs, time_major(trials.targets.astype(dtype)), time_major(weights))

    def product(pre: Array, post: Array) -> Array:
        """Σ over steps and trials of pre ⊗ post, ``[T, B, m]``, ``[T, B, n]`` → ``[m, n]``
        (one matrix product: (T·B) is a single contracted axis, so nothing is transposed)."""
        return pre.reshape(-1, pre.shape[-1]).T @ post.reshape(-1, post.shape[-1])

    scale = neuron.input_scale
    grads = Params(
        w_in=scale * product(inputs, credit_ahead),
        w_rec=scale * product(z[:-1], credit_ahead[1:]),  # pre^t = z^{t−1}
        w_out=g_out * product(z, errors_ahead),
        b_out=None if params.b_out is None else jnp.sum(error_sums, axis=0),  # ∂E/∂b = Σ ∂E/∂ŷ
    )
    rate = rate if neuron.is_spiking else None
    metrics = trial_metrics(objective, time_major(readout), trials, rate)
    return grads, metrics
