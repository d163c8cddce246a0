"""Weight perturbation (``weight-perturbation``; Jabri & Flower 1992; Werfel, Xie & Seung
2005).

Every trial b runs with its own Gaussian perturbation of all weights, ψ_b ~ N(0, σ²)
(absent synapses stay absent); the perturbation is the eligibility, so the update is
−(1/B) Σ_b (R_b − R̄) ψ_b / σ² (:mod:`creditlab.rules.perturbation`). Unbiased as σ → 0;
its variance grows with the number of weights, which is why Werfel et al. find it about
N (inputs per unit) times slower than node perturbation.

:func:`linear_weight_perturbation` is the rule's perturbation of a single linear layer
y = x W (Werfel et al.'s setting, used by :mod:`creditlab.analysis.learning_time`).
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
from jax import Array

from creditlab.network import Network, Params, Recording, simulate, zero_absent_synapses
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
from creditlab.rules.perturbation import (
    BaselineKind,
    inverse_variance,
    perturbation_noise,
    perturbation_rule,
)
from creditlab.rules.reward import RewardKind
from creditlab.tasks.base import Trials


def linear_weight_perturbation(
    x: Array, w: Array, noise_std: float, *, key: Array
) -> tuple[Array, Array]:
    """Weight perturbation of one linear layer y = x W, W ``[N, M]``, one example x ``[N]``.

    A perturbation Ψ ~ N(0, σ²) ``[N, M]`` of every weight changes the output by
    δy = x Ψ; the eligibility is Ψ itself. Returns (δy ``[M]``, Ψ ``[N, M]``); the update
    is then :func:`creditlab.rules.perturbation.perturbation_update` with c = 1/σ².
    """
    psi = perturbation_noise(w.shape, noise_std, w.dtype, key=key)
    return x @ psi, psi


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
            perturbation_noise((batch, *w.shape), noise_std, w.dtype, key=k)
            for k, w in zip(keys, leaves, strict=True)
        ]
        noise = jax.vmap(lambda psi: zero_absent_synapses(network, psi))(
            jax.tree.unflatten(tree, draws)
        )

        def run(inputs: Array, psi: Params) -> tuple[Array, Array | None]:
            perturbed = jax.tree.map(jnp.add, params, psi)
            trajectory, _, _ = simulate(
                network, perturbed, inputs, record=Recording(activity=spiking)
            )
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


class OnlineWeightPerturbationState(NamedTuple):
    """The perturbation Ψ applied now ``[n_post, n_pre]``, the key for the next one, and
    the expected reward R̄."""

    perturbation: Array
    key: Array
    baseline: RewardBaseline


def online_weight_perturbation(
    *,
    learning_rate: float = 1e-6,
    noise_std: float = 0.01,
    baseline_rate: float = 0.1,
) -> OnlineRule:
    """Weight perturbation in a closed loop (:mod:`creditlab.rules.online`): each trial
    runs with its own perturbation Ψ ~ N(0, σ²) of every plastic weight, and at the
    trial's outcome the weights keep what the reward-prediction error says of it:

        δ = o (R − R̄),   ΔW = η δ Ψ/σ² − Ψ + Ψ',   R̄ ← R̄ + α δ

    (Ψ' the next trial's perturbation; the first trial runs unperturbed). The change is
    added before the experiment clips the weights, so a perturbation that the clip
    shortened is not removed exactly. The circuit's feedback reaches every tuft unsigned."""
    scale = inverse_variance(noise_std)
    if learning_rate < 0 or not 0 < baseline_rate <= 1:
        raise ValueError("weight perturbation needs learning_rate ≥ 0, baseline_rate in (0, 1]")

    def init(weights: Array, key: Array) -> OnlineWeightPerturbationState:
        baseline = RewardBaseline(jnp.zeros((), weights.dtype))
        return OnlineWeightPerturbationState(jnp.zeros_like(weights), key, baseline)

    def step(
        state: OnlineWeightPerturbationState, weights: Array, local: Local, broadcast: Broadcast
    ) -> tuple[Array, OnlineWeightPerturbationState]:
        surprise = reward_surprise(state.baseline, broadcast)

        def next_perturbation(key: Array) -> tuple[Array, Array]:
            key, draw = jax.random.split(key)
            return perturbation_noise(weights.shape, noise_std, weights.dtype, key=draw), key

        def keep(key: Array) -> tuple[Array, Array]:
            return state.perturbation, key

        fresh, key = jax.lax.cond(broadcast.outcome > 0, next_perturbation, keep, state.key)
        change = learning_rate * scale * surprise * state.perturbation + fresh - state.perturbation
        baseline = updated_baseline(state.baseline, surprise, baseline_rate)
        return change, OnlineWeightPerturbationState(fresh, key, baseline)

    return OnlineRule(init, step, apical_feedback="error")
