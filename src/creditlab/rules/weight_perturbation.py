"""Weight perturbation (``weight-perturbation``; Jabri & Flower 1992; Werfel, Xie & Seung
2005).

Every trial b runs with its own Gaussian perturbation of all weights, ψ_b ~ N(0, σ²)
(absent synapses stay absent), and the update (the sign of a gradient) is

    Δ = −(1/B) Σ_b (R_b − R̄) ψ_b / σ²

with R the trial's reward and R̄ the running average or the noiseless trial's reward
(:mod:`creditlab.rules.reward`, :mod:`creditlab.rules.node_perturbation`). Unbiased as
σ → 0; its variance grows with the number of weights, which is why Werfel et al. find
it about N (inputs per unit) times slower than node perturbation.

Metrics are those of the perturbed trials.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
from jax import Array

from creditlab.network import Network, Params, mask_gradient, simulate
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


class WeightPerturbationState(NamedTuple):
    baseline: Baseline


def weight_perturbation(
    network: Network,
    objective: Objective,
    *,
    noise_std: float = 0.01,
    reward: RewardKind = "negative-loss",
    baseline: BaselineKind = "running",
    baseline_rate: float = 0.1,
) -> Rule:
    """The weight-perturbation rule: each weight perturbed by N(0, ``noise_std``²)."""
    if baseline not in BASELINES:
        raise ValueError(f"baseline must be one of {BASELINES}, got {baseline!r}")
    if noise_std <= 0:
        raise ValueError(f"noise_std must be positive, got {noise_std}")
    spiking = network.neuron.is_spiking

    def init(params: Params, *, key: Array | None = None) -> WeightPerturbationState:
        return WeightPerturbationState(initial_baseline(params.w_in.dtype))

    def update(
        params: Params, state: WeightPerturbationState, trials: Trials, *, key: Array | None = None
    ) -> tuple[Params, WeightPerturbationState, Metrics]:
        if key is None:
            raise ValueError("weight perturbation needs a key for its noise")
        batch = trials.inputs.shape[0]
        leaves, tree = jax.tree.flatten(params)
        keys = jax.random.split(key, len(leaves))
        noise = jax.tree.unflatten(
            tree,
            [
                noise_std * jax.random.normal(k, (batch, *w.shape), w.dtype)
                for k, w in zip(keys, leaves, strict=True)
            ],
        )
        noise = jax.vmap(lambda psi: mask_gradient(network, psi))(noise)

        def run(inputs: Array, psi: Params) -> tuple[Array, Array | None]:
            perturbed = jax.tree.map(jnp.add, params, psi)
            trajectory, _, _ = simulate(network, perturbed, inputs, record_activity=spiking)
            return trajectory.readout, trajectory.activity

        readout, activity = jax.vmap(run)(trials.inputs, noise)
        rewards = trial_rewards(objective, reward, readout, trials)

        def noiseless_rewards() -> Array:
            clean = jax.vmap(lambda x: simulate(network, params, x)[0].readout)(trials.inputs)
            return trial_rewards(objective, reward, clean, trials)

        gain = perturbation_advantage(baseline, state.baseline, rewards, noiseless_rewards)
        scale = -gain.astype(params.w_in.dtype) / (batch * noise_std**2)
        updates = jax.tree.map(lambda psi: jnp.tensordot(scale, psi, axes=1), noise)
        rate = jnp.mean(activity, axis=1) if spiking else None
        metrics = trial_metrics(objective, readout, trials, rate)
        metrics["reward"] = jnp.mean(rewards)
        new_state = WeightPerturbationState(update_baseline(state.baseline, rewards, baseline_rate))
        return updates, new_state, metrics

    return Rule(init=init, update=update)
