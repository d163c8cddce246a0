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
"""

from __future__ import annotations

import math
from typing import NamedTuple

import jax
import jax.numpy as jnp
from jax import Array

from creditlab.network import Network, Params, simulate
from creditlab.objective import Objective
from creditlab.rules.base import Rule
from creditlab.rules.online import (
    Broadcast,
    Local,
    OnlineRule,
    RewardBaseline,
    reward_surprise,
    updated_baseline,
)
from creditlab.rules.perturbation import BaselineKind, inverse_variance, perturbation_rule
from creditlab.rules.reward import RewardKind
from creditlab.tasks.base import Trials


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
        noise = noise_std * jax.random.normal(k_rec, (batch, n_steps, network.n_rec), dtype)
        out_noise = noise_std * jax.random.normal(k_out, (batch, n_steps, network.n_out), dtype)
        first_output = network.neuron.output(network.init_state(dtype).neurons)

        def run(inputs: Array, xi: Array, xi_out: Array) -> tuple[Array, Array, Params]:
            trajectory, _, _ = simulate(
                network,
                params,
                inputs,
                record_activity=True,
                current_noise=xi,
                readout_noise=xi_out,
            )
            z = trajectory.activity
            previous = jnp.concatenate([first_output[None], z[:-1]])
            eligibility = Params(
                w_in=inputs.astype(dtype).T @ xi, w_rec=previous.T @ xi, w_out=z.T @ xi_out
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
    if learning_rate < 0 or trace_time_constant_ms <= 0 or not 0 < baseline_rate <= 1:
        raise ValueError(
            "node perturbation needs learning_rate ≥ 0, trace_time_constant_ms > 0 and "
            f"baseline_rate in (0, 1]; got {learning_rate}, {trace_time_constant_ms}, "
            f"{baseline_rate}"
        )
    decay = math.exp(-dt_ms / trace_time_constant_ms)

    def init(weights: Array, key: Array) -> OnlineNodePerturbationState:
        start = RewardBaseline(jnp.asarray(initial_baseline, weights.dtype))
        return OnlineNodePerturbationState(jnp.zeros_like(weights), start)

    def step(
        state: OnlineNodePerturbationState, weights: Array, local: Local, broadcast: Broadcast
    ) -> tuple[Array, OnlineNodePerturbationState]:
        eligibility = decay * state.eligibility + jnp.outer(local.post - local.expected, local.pre)
        surprise = reward_surprise(state.baseline, broadcast)
        change = learning_rate * surprise * eligibility
        baseline = updated_baseline(state.baseline, surprise, baseline_rate)
        return change, OnlineNodePerturbationState(eligibility, baseline)

    def elapse(state: OnlineNodePerturbationState, elapsed_ms: Array) -> tuple:
        kept = jnp.exp(-elapsed_ms / trace_time_constant_ms)
        return state._replace(eligibility=kept * state.eligibility)

    return OnlineRule(init, step, apical_feedback="error", elapse=elapse)
