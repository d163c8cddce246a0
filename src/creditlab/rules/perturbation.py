"""The estimator that the reward-based rules share: node and weight perturbation (Werfel,
Xie & Seung 2005) and the three-factor rule.

Such a rule runs each trial b with its own noise and returns, per trial, the readout,
the recurrent activity and an eligibility e_b (same pytree as the parameters). The
update (the sign of a gradient: a descent step subtracts it) is

    Δ = −(c/B) Σ_b (R_b − R̄) e_b

with c = ``eligibility_scale``: 1/σ² for the perturbation rules, whose e_b times the
change in reward the noise caused has expectation σ² times the reward's gradient, and
the trace's decay over the reward's delay for the three-factor rule. R is the trial's
reward and R̄ the baseline: the running average (``"running"``, the
biological default; one per trial condition when ``conditions`` > 1) or the reward of
the same trial without noise (``"unperturbed"``, Werfel et al.'s setting; one extra
noiseless run per trial). Rewards and the running average are those of
:mod:`creditlab.rules.reward`.

Metrics (``loss`` etc.) are those of the perturbed trials, the behaviour that is rewarded.

The pieces that need no network are public so that other code uses them rather than a
copy (:mod:`creditlab.analysis.learning_time` runs them on one linear layer):
:func:`perturbation_noise` draws the noise, :func:`perturbation_update` turns the
reward differences and eligibilities into Δ; each rule's eligibility is in its own file.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, NamedTuple

import jax
import jax.numpy as jnp
from jax import Array

from creditlab.network import Network, Params, simulate
from creditlab.objective import Objective
from creditlab.rules.base import Metrics, Rule, trial_metrics
from creditlab.rules.reward import (
    Baseline,
    RewardKind,
    advantage,
    initial_baseline,
    trial_conditions,
    trial_rewards,
    update_baseline,
)
from creditlab.tasks.base import Trials

BaselineKind = Literal["running", "unperturbed"]
BASELINES = ("running", "unperturbed")

PerturbedRun = Callable[[Params, Trials, Array], tuple[Array, Array | None, Params]]
"""``(params, trials, key) -> (readout [B, T, n_out], activity [B, T, n_rec] or None,
eligibility [B, ...] per weight)``."""


class PerturbationState(NamedTuple):
    baseline: Baseline


def inverse_variance(noise_std: float) -> float:
    """1/σ², the ``eligibility_scale`` of a perturbation rule with noise σ."""
    if noise_std <= 0:
        raise ValueError(f"noise_std must be positive, got {noise_std}")
    return 1.0 / noise_std**2


def perturbation_noise(
    shape: tuple[int, ...], noise_std: float, dtype: Any = jnp.float32, *, key: Array
) -> Array:
    """Gaussian noise ξ ~ N(0, σ²) of ``shape``, σ = ``noise_std`` in the units of what
    it perturbs (mV for a unit's input current, the weight's units for a weight)."""
    return noise_std * jax.random.normal(key, shape, dtype)


def perturbation_update(eligibility: Any, gain: Array, eligibility_scale: float) -> Any:
    """Δ = −(c/B) Σ_b (R_b − R̄) e_b (module docstring), c = ``eligibility_scale``.

    ``gain`` is R_b − R̄ ``[B]`` and ``eligibility`` a pytree of e_b, each leaf
    ``[B, ...]``; Δ has the eligibility's pytree without the trial axis (the sign of a
    gradient: a descent step subtracts it).
    """
    scale = -eligibility_scale * gain / gain.shape[0]
    return jax.tree.map(lambda e: jnp.tensordot(scale, e, axes=1), eligibility)


def perturbation_rule(
    network: Network,
    objective: Objective,
    perturbed_run: PerturbedRun,
    *,
    eligibility_scale: float,
    reward: RewardKind,
    baseline: BaselineKind,
    baseline_rate: float,
    conditions: int = 1,
) -> Rule:
    """The rule of the module docstring around one rule's ``perturbed_run``."""
    if baseline not in BASELINES:
        raise ValueError(f"baseline must be one of {BASELINES}, got {baseline!r}")

    def init(params: Params, *, key: Array | None = None) -> PerturbationState:
        return PerturbationState(initial_baseline(params.w_in.dtype, conditions))

    def update(
        params: Params, state: PerturbationState, trials: Trials, *, key: Array | None = None
    ) -> tuple[Params, PerturbationState, Metrics]:
        if key is None:
            raise ValueError("a reward-based rule needs a key for its noise")
        readout, activity, eligibility = perturbed_run(params, trials, key)
        rewards = trial_rewards(objective, reward, readout, trials)
        condition = trial_conditions(state.baseline, trials)
        if baseline == "unperturbed":
            clean = jax.vmap(lambda x: simulate(network, params, x)[0].readout)(trials.inputs)
            gain = rewards - trial_rewards(objective, reward, clean, trials)
        else:
            gain = advantage(state.baseline, rewards, condition)
        updates = perturbation_update(
            eligibility, gain.astype(params.w_in.dtype), eligibility_scale
        )
        rate = None if activity is None else jnp.mean(activity, axis=1)
        metrics = {**trial_metrics(objective, readout, trials, rate), "reward": jnp.mean(rewards)}
        new_state = PerturbationState(
            update_baseline(state.baseline, rewards, baseline_rate, condition)
        )
        return updates, new_state, metrics

    return Rule(init=init, update=update)
