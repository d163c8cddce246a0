"""What reward-based rules share: a scalar reward per trial and its running baseline.

    R_b = −E_b                      (``reward="negative-loss"``: E_b the task loss of trial b)
    R_b = 1[trial b correct]        (``reward="success"``, classification tasks)
    R̄  ← R̄ + α (mean_b R_b − R̄)   (running average across updates; R̄ starts at the
                                     first batch's mean)

A rule turns (R_b − R̄) times its eligibility into an update with the sign of a gradient,
so that it goes through the same optax optimizers as BPTT (a descent step subtracts it).
"""

from __future__ import annotations

from typing import Literal, NamedTuple

import jax
import jax.numpy as jnp
from jax import Array

from creditlab.objective import Objective, accuracy
from creditlab.tasks.base import Trials

RewardKind = Literal["negative-loss", "success"]
REWARDS = ("negative-loss", "success")


class Baseline(NamedTuple):
    """The running average R̄ and how many updates it has seen."""

    value: Array
    updates: Array


def initial_baseline(dtype: jnp.dtype = jnp.float32) -> Baseline:
    return Baseline(jnp.zeros((), dtype), jnp.zeros((), jnp.int32))


def trial_rewards(objective: Objective, kind: RewardKind, readout: Array, trials: Trials) -> Array:
    """R_b for each trial ``[B]`` from readouts ``[B, T, n_out]``."""
    if kind not in REWARDS:
        raise ValueError(f"reward must be one of {REWARDS}, got {kind!r}")
    if kind == "success":
        if objective.loss != "cross_entropy":
            raise ValueError("reward='success' needs a classification task (cross_entropy)")
        correct = jax.vmap(lambda y, t, m: accuracy(y[None], t[None], m[None]))
        return correct(readout, trials.targets, trials.mask)
    per_trial = jax.vmap(lambda y, t, m: objective.task_loss(y[None], t[None], m[None]))
    return -per_trial(readout, trials.targets, trials.mask)


def advantage(baseline: Baseline, rewards: Array) -> Array:
    """R_b − R̄ ``[B]``; before the first update R̄ is this batch's mean reward."""
    reference = jnp.where(baseline.updates > 0, baseline.value, jnp.mean(rewards))
    return rewards - reference


def update_baseline(baseline: Baseline, rewards: Array, rate: float) -> Baseline:
    """R̄ ← R̄ + α (mean_b R_b − R̄), starting from the first batch's mean."""
    mean = jnp.mean(rewards).astype(baseline.value.dtype)
    value = jnp.where(baseline.updates > 0, baseline.value + rate * (mean - baseline.value), mean)
    return Baseline(value, baseline.updates + 1)
