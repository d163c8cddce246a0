"""What reward-based rules share: a scalar reward per trial and its running baseline.

    R_b = −E_b                      (``reward="negative-loss"``: E_b the task loss of trial b)
    R_b = 1[trial b correct]        (``reward="success"``: the right class, or for a
                                     regression task a root-mean-square error over the
                                     counted steps below ``SUCCESS_TOLERANCE``)
    R̄_c ← R̄_c + α (mean_{b: c_b = c} R_b − R̄_c)

R̄_c is a running average across updates, one per trial condition c (Miconi 2017 keeps
one per trial type; tasks without conditions have one). Each R̄_c starts at the mean of
the first batch that contains condition c.

A rule turns (R_b − R̄_{c_b}) times its eligibility into an update with the sign of a
gradient, so that it goes through the same optax optimizers as BPTT (a descent step
subtracts it).
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
SUCCESS_TOLERANCE = 0.5


class Baseline(NamedTuple):
    """The running averages R̄ ``[conditions]`` and how many updates each has seen."""

    value: Array
    updates: Array


def initial_baseline(dtype: jnp.dtype = jnp.float32, conditions: int = 1) -> Baseline:
    return Baseline(jnp.zeros((conditions,), dtype), jnp.zeros((conditions,), jnp.int32))


def trial_rewards(objective: Objective, kind: RewardKind, readout: Array, trials: Trials) -> Array:
    """R_b for each trial ``[B]`` from readouts ``[B, T, n_out]``."""
    if kind not in REWARDS:
        raise ValueError(f"reward must be one of {REWARDS}, got {kind!r}")
    if kind == "success" and objective.loss == "cross_entropy":
        correct = jax.vmap(lambda y, t, m: accuracy(y[None], t[None], m[None]))
        return correct(readout, trials.targets, trials.mask)
    if kind == "success":
        weights = trials.mask / jnp.maximum(jnp.sum(trials.mask, axis=1, keepdims=True), 1.0)
        squared = jnp.sum((readout - trials.targets) ** 2, axis=-1)
        rms = jnp.sqrt(jnp.sum(weights * squared, axis=1))
        return (rms < SUCCESS_TOLERANCE).astype(readout.dtype)
    per_trial = jax.vmap(lambda y, t, m: objective.task_loss(y[None], t[None], m[None]))
    return -per_trial(readout, trials.targets, trials.mask)


def trial_conditions(baseline: Baseline, trials: Trials) -> Array:
    """Each trial's condition ``[B]``, checked against the number of baselines."""
    batch = trials.inputs.shape[0]
    if trials.condition is None or baseline.value.shape[0] == 1:
        return jnp.zeros((batch,), jnp.int32)
    return jnp.clip(trials.condition, 0, baseline.value.shape[0] - 1)


def _condition_means(baseline: Baseline, rewards: Array, condition: Array) -> tuple[Array, Array]:
    """Mean reward of each condition in the batch ``[C]`` and whether it occurred ``[C]``."""
    n = baseline.value.shape[0]
    counts = jax.ops.segment_sum(jnp.ones_like(rewards), condition, n)
    sums = jax.ops.segment_sum(rewards, condition, n)
    return sums / jnp.maximum(counts, 1), counts > 0


def advantage(baseline: Baseline, rewards: Array, condition: Array | None = None) -> Array:
    """R_b − R̄_{c_b} ``[B]``; a condition not seen before uses this batch's mean for it."""
    condition = jnp.zeros(rewards.shape, jnp.int32) if condition is None else condition
    batch_mean, _ = _condition_means(baseline, rewards, condition)
    reference = jnp.where(baseline.updates > 0, baseline.value, batch_mean)
    return rewards - reference[condition]


def update_baseline(
    baseline: Baseline, rewards: Array, rate: float, condition: Array | None = None
) -> Baseline:
    """R̄_c ← R̄_c + α (batch mean of condition c − R̄_c) for each condition in the batch."""
    condition = jnp.zeros(rewards.shape, jnp.int32) if condition is None else condition
    batch_mean, seen = _condition_means(baseline, rewards, condition)
    batch_mean = batch_mean.astype(baseline.value.dtype)
    moved = jnp.where(
        baseline.updates > 0, baseline.value + rate * (batch_mean - baseline.value), batch_mean
    )
    return Baseline(jnp.where(seen, moved, baseline.value), baseline.updates + seen)
