"""Weight perturbation (``weight-perturbation``; Jabri & Flower 1992; Werfel, Xie & Seung
2005).

Every trial b runs with its own Gaussian perturbation of all weights, ψ_b ~ N(0, σ²)
(absent synapses stay absent); the perturbation is the eligibility, so the update is
−(1/B) Σ_b (R_b − R̄) ψ_b / σ² (:mod:`creditlab.rules.perturbation`). Unbiased as σ → 0;
its variance grows with the number of weights, which is why Werfel et al. find it about
N (inputs per unit) times slower than node perturbation.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import Array

from creditlab.network import Network, Params, simulate, zero_absent_synapses
from creditlab.objective import Objective
from creditlab.rules.base import Rule
from creditlab.rules.perturbation import BaselineKind, inverse_variance, perturbation_rule
from creditlab.rules.reward import RewardKind
from creditlab.tasks.base import Trials


def weight_perturbation(
    network: Network,
    objective: Objective,
    *,
    noise_std: float = 0.01,
    reward: RewardKind = "negative-loss",
    baseline: BaselineKind = "running",
    baseline_rate: float = 0.1,
    conditions: int = 1,
) -> Rule:
    """The weight-perturbation rule: each weight perturbed by N(0, ``noise_std``²)."""
    spiking = network.neuron.is_spiking

    def perturbed_run(params: Params, trials: Trials, key: Array) -> tuple:
        batch = trials.inputs.shape[0]
        leaves, tree = jax.tree.flatten(params)
        keys = jax.random.split(key, len(leaves))
        draws = [
            noise_std * jax.random.normal(k, (batch, *w.shape), w.dtype)
            for k, w in zip(keys, leaves, strict=True)
        ]
        noise = jax.vmap(lambda psi: zero_absent_synapses(network, psi))(
            jax.tree.unflatten(tree, draws)
        )

        def run(inputs: Array, psi: Params) -> tuple[Array, Array | None]:
            perturbed = jax.tree.map(jnp.add, params, psi)
            trajectory, _, _ = simulate(network, perturbed, inputs, record_activity=spiking)
            return trajectory.readout, trajectory.activity

        readout, activity = jax.vmap(run)(trials.inputs, noise)
        return readout, activity, noise

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
