"""Node perturbation (``node-perturbation``; Williams 1992; Fiete & Seung 2006; Werfel,
Xie & Seung 2005).

Every trial b runs with Gaussian noise added where each unit sums its synaptic input:
ξ_bj^t ~ N(0, σ²) [mV] on each recurrent neuron's input current and ξ_bk^t on each
readout unit's input (:func:`creditlab.network.simulate`). A synapse's eligibility is
its presynaptic activity at that point times the noise of its postsynaptic unit,

    e_ij = Σ_t pre_i^t ξ_j^t     pre = x^t (W_in), z^{t−1} (W_rec), z^t (W_out)

and the update (the sign of a gradient: a descent step subtracts it) is

    Δ = −(1/B) Σ_b (R_b − R̄) e_b / σ²

with R the trial's reward and R̄ a baseline (:mod:`creditlab.rules.reward`): the running
average (``baseline="running"``, the biological default) or the reward of the same
trial without noise (``baseline="unperturbed"``, Werfel et al.'s setting; one extra
noiseless run per trial). With R = −E, E[Δ] → ∇E as σ → 0 for smooth networks; the
variance grows with the number of perturbed units. The eligibility needs
O(synapses) per trial; the noise and activity of a trial, O(T · neurons).

Metrics (``loss`` etc.) are those of the perturbed trials, the behaviour that is rewarded.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
from jax import Array

from creditlab.network import Network, Params, simulate
from creditlab.objective import Objective
from creditlab.rules.base import Metrics, Rule, trial_metrics
from creditlab.rules.reward import (
    BASELINES,
    Baseline,
    BaselineKind,
    RewardKind,
    initial_baseline,
    perturbation_advantage,
    trial_rewards,
    update_baseline,
)
from creditlab.tasks.base import Trials


class NodePerturbationState(NamedTuple):
    baseline: Baseline


def node_perturbation(
    network: Network,
    objective: Objective,
    *,
    noise_std: float = 0.1,
    reward: RewardKind = "negative-loss",
    baseline: BaselineKind = "running",
    baseline_rate: float = 0.1,
) -> Rule:
    """The node-perturbation rule: noise σ = ``noise_std`` on every unit's input."""
    if baseline not in BASELINES:
        raise ValueError(f"baseline must be one of {BASELINES}, got {baseline!r}")
    if noise_std <= 0:
        raise ValueError(f"noise_std must be positive, got {noise_std}")
    spiking = network.neuron.is_spiking

    def init(params: Params, *, key: Array | None = None) -> NodePerturbationState:
        return NodePerturbationState(initial_baseline(params.w_in.dtype))

    def update(
        params: Params, state: NodePerturbationState, trials: Trials, *, key: Array | None = None
    ) -> tuple[Params, NodePerturbationState, Metrics]:
        if key is None:
            raise ValueError("node perturbation needs a key for its noise")
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
        rewards = trial_rewards(objective, reward, readout, trials)

        def noiseless_rewards() -> Array:
            clean = jax.vmap(lambda x: simulate(network, params, x)[0].readout)(trials.inputs)
            return trial_rewards(objective, reward, clean, trials)

        gain = perturbation_advantage(baseline, state.baseline, rewards, noiseless_rewards)
        scale = -gain.astype(dtype) / (batch * noise_std**2)
        updates = jax.tree.map(lambda e: jnp.tensordot(scale, e, axes=1), eligibility)
        rate = jnp.mean(activity, axis=1) if spiking else None
        metrics = trial_metrics(objective, readout, trials, rate)
        metrics["reward"] = jnp.mean(rewards)
        new_state = NodePerturbationState(update_baseline(state.baseline, rewards, baseline_rate))
        return updates, new_state, metrics

    return Rule(init=init, update=update)
