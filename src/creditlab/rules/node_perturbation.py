"""Node perturbation (``node-perturbation``; Williams 1992; Fiete & Seung 2006; Werfel,
Xie & Seung 2005).

Every trial b runs with Gaussian noise added where each unit sums its synaptic input:
ξ_bj^t ~ N(0, σ²) [mV] on each recurrent neuron's input current and ξ_bk^t on each
readout unit's input (:func:`creditlab.network.simulate`). A synapse's eligibility is
its presynaptic activity at that point times the noise of its postsynaptic unit,

    e_ij = Σ_t pre_i^t ξ_j^t     pre = x^t (W_in), z^{t−1} (W_rec), z^t (W_out)

and the update is −(1/B) Σ_b (R_b − R̄) e_b / σ² (:mod:`creditlab.rules.perturbation`).
With R = −E, E[Δ] → ∇E as σ → 0 for smooth networks; the variance grows with the number
of perturbed units. The eligibility needs O(synapses) per trial; the noise and activity
of a trial, O(T · neurons).

:func:`node_eligibility` is e for one synapse group; :func:`linear_node_perturbation`
is the rule's perturbation of a single linear layer y = x W (Werfel et al.'s setting,
used by :mod:`creditlab.analysis.learning_time`).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import jax
import jax.numpy as jnp
from jax import Array

from creditlab.network import Network, Params, Perturbation, Recording, simulate
from creditlab.objective import Objective
from creditlab.rules.base import Rule
from creditlab.rules.online import (
    Broadcast,
    Local,
    OnlineRule,
    RewardBaseline,
    check_reward_trace,
    reward_gated_trace,
)
from creditlab.rules.perturbation import (
    BaselineKind,
    inverse_variance,
    perturbation_noise,
    perturbation_rule,
)
from creditlab.rules.reward import RewardKind
from creditlab.tasks.base import Trials


def node_eligibility(pre: Array, noise: Array) -> Array:
    """e_ij = Σ_t pre_i^t ξ_j^t ``[n_pre, n_post]`` from the presynaptic activity
    ``[T, n_pre]`` and the noise on each postsynaptic unit's summed input ``[T, n_post]``
    (units: those of pre times those of ξ)."""
    return pre.T @ noise


def linear_node_perturbation(
    x: Array, w: Array, noise_std: float, *, key: Array
) -> tuple[Array, Array]:
    """Node perturbation of one linear layer y = x W, W ``[N, M]``, one example x ``[N]``.

    Noise ξ ~ N(0, σ²) ``[M]`` on each output's summed input changes the output by
    δy = ξ; the eligibility is e = x ξᵀ ``[N, M]`` (:func:`node_eligibility` with one
    step). Returns (δy ``[M]``, e ``[N, M]``); the update is then
    :func:`creditlab.rules.perturbation.perturbation_update` with c = 1/σ².
    """
    xi = perturbation_noise((w.shape[1],), noise_std, w.dtype, key=key)
    return xi, node_eligibility(x[None], xi[None])


def node_perturbation(
    network: Network,
    objective: Objective,
    *,
    noise_std: float = 0.1,
    reward: RewardKind = "negative-loss",
    baseline: BaselineKind = "running",
    baseline_rate: float = 0.1,
    conditions: int = 1,
) -> Rule:
    """The node-perturbation rule: noise σ = ``noise_std`` on every unit's input."""

    def perturbed_run(params: Params, trials: Trials, key: Array) -> tuple:
        dtype = params.w_in.dtype
        batch, n_steps = trials.inputs.shape[:2]
        k_rec, k_out = jax.random.split(key)
        noise = perturbation_noise((batch, n_steps, network.n_rec), noise_std, dtype, key=k_rec)
        out_noise = perturbation_noise((batch, n_steps, network.n_out), noise_std, dtype, key=k_out)
        first_output = network.neuron.output(network.init_state(dtype).neurons)

        def run(inputs: Array, xi: Array, xi_out: Array) -> tuple[Array, Array, Params]:
            trajectory, _, _ = simulate(
                network,
                params,
                inputs,
                record=Recording(activity=True),
                perturbation=Perturbation(current=xi, readout=xi_out),
            )
            z = trajectory.activity
            previous = jnp.concatenate([first_output[None], z[:-1]])
            eligibility = Params(
                w_in=node_eligibility(inputs.astype(dtype), xi),
                w_rec=node_eligibility(previous, xi),
                w_out=node_eligibility(z, xi_out),
            )
            return trajectory.readout, z, eligibility

        readout, activity, eligibility = jax.vmap(run)(trials.inputs, noise, out_noise)
        return readout, activity if network.neuron.is_spiking else None, eligibility

    return perturbation_rule(
        network,
        objective,
        perturbed_run,
        eligibility_scale=inverse_variance(noise_std),
        reward=reward,
        baseline=baseline,
        baseline_rate=baseline_rate,
        conditions=conditions,
    )


class OnlineNodePerturbationState(NamedTuple):
    """The eligibility trace E ``[n_post, n_pre]`` and the expected reward R̄."""

    eligibility: Array
    baseline: RewardBaseline


def online_node_perturbation(
    *,
    dt_ms: float,
    learning_rate: float = 2e-4,
    trace_time_constant_ms: float = 2000.0,
    baseline_rate: float = 0.1,
    initial_baseline: float = 0.0,
) -> OnlineRule:
    """Node perturbation in a closed loop (:mod:`creditlab.rules.online`): each neuron's
    own noise, z − ⟨z⟩ (a stochastic neuron's output minus its expectation given the
    inputs), times its input, in a trace that the reward-prediction error gates:

        E_ij ← γ E_ij + (z_i − ⟨z_i⟩) x_j       γ = exp(−dt/τ_e)
        δ = o (R − R̄),   ΔW_ij = η δ E_ij,   R̄ ← R̄ + α δ

    R̄ starts at ``initial_baseline``; while ``elapsed_ms`` pass without activity, E decays
    by exp(−elapsed/τ_e). The circuit's feedback reaches every tuft unsigned
    (``apical_feedback="error"``)."""
    check_reward_trace("node perturbation", learning_rate, trace_time_constant_ms, baseline_rate)
    decay = math.exp(-dt_ms / trace_time_constant_ms)

    def init(weights: Array, key: Array) -> OnlineNodePerturbationState:
        start = RewardBaseline(jnp.asarray(initial_baseline, weights.dtype))
        return OnlineNodePerturbationState(jnp.zeros_like(weights), start)

    def step(
        state: OnlineNodePerturbationState, weights: Array, local: Local, broadcast: Broadcast
    ) -> tuple[Array, OnlineNodePerturbationState]:
        own_noise = jnp.outer(local.post - local.expected, local.pre)
        change, eligibility, baseline = reward_gated_trace(
            state.eligibility,
            state.baseline,
            own_noise,
            broadcast,
            decay=decay,
            learning_rate=learning_rate,
            baseline_rate=baseline_rate,
        )
        return change, OnlineNodePerturbationState(eligibility, baseline)

    def elapse(state: OnlineNodePerturbationState, elapsed_ms: Array) -> tuple:
        kept = jnp.exp(-elapsed_ms / trace_time_constant_ms)
        return state._replace(eligibility=kept * state.eligibility)

    return OnlineRule(init, step, apical_feedback="error", elapse=elapse)
