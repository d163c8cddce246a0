"""Supervised tasks as data: ``sample(key, batch) -> Trials``.

Every task is a frozen dataclass of its timing and rates with a pure ``sample``; the
same key gives the same trials. Inputs are spike trains (0/1 per step of ``dt`` ms)
drawn as Bernoulli(rate · dt) — a Poisson process on the grid — or, where a task asks
for them, Poisson counts per step.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Literal, NamedTuple, Protocol

import jax
import jax.numpy as jnp
from jax import Array

TaskKind = Literal["regression", "classification"]


class Trials(NamedTuple):
    """A batch of trials.

    Attributes:
        inputs: ``[batch, T, n_in]`` input activity per step: spikes (0/1), or spike counts
            where a task draws Poisson counts, or rates for rate tasks.
        targets: ``[batch, T, n_out]`` target readout (regression) or one-hot class.
        mask: ``[batch, T]`` 1 where the loss counts (e.g. the recall period).
        condition: ``[batch]`` int, which of the task's trial types each trial is, or
            None. Reward-based rules keep one running baseline per condition.
    """

    inputs: Array
    targets: Array
    mask: Array
    condition: Array | None = None


class Task(Protocol):
    """A supervised task (see the module docstring)."""

    name: str
    kind: TaskKind
    dt: float

    @property
    def n_in(self) -> int: ...

    @property
    def n_out(self) -> int: ...

    @property
    def n_steps(self) -> int: ...

    def sample(self, key: Array, batch: int) -> Trials: ...


def poisson_spikes(key: Array, rates_hz: Array, dt_ms: float) -> Array:
    """Bernoulli spikes with probability ``rate · dt`` per step; ``rates_hz`` any shape."""
    probability = jnp.clip(rates_hz * dt_ms * 1e-3, 0.0, 1.0)
    return jax.random.bernoulli(key, probability).astype(jnp.float32)


UNRESOLVED_TAIL = 2.0**-40


def poisson_counts(key: Array, rates_hz: Array, dt_ms: float, *, max_rate_hz: float) -> Array:
    """Spike counts per step, Poisson(λ = ``rate · dt``): more than one a step is possible
    (Liu et al. 2021's inputs); ``rates_hz`` any shape, none above ``max_rate_hz``.

    Drawn by inverting the cumulative distribution with one uniform u per count:
    n = Σ_{k<K} [u ≥ F(k; λ)], F(k; λ) = e^{−λ} Σ_{j≤k} λ^j / j!. K is the first count
    whose tail 1 − F(K−1; λ_max) is below 2^−40, far below what a float32 uniform
    resolves, so the draw is Poisson to the uniform's precision. K is a handful of terms
    for the rates of the cue tasks (λ = 0.04: K = 7): a Liu batch (64 × 2000 × 40 counts)
    takes about 0.12 s on two CPU cores this way against 1.9 s for
    ``jax.random.poisson``'s rejection loop (RESULTS §9). Above K = 64
    (λ_max ≳ 30) that sampler is used instead.
    """
    top = max_rate_hz * dt_ms * 1e-3
    terms, tail, term = 0, 1.0, math.exp(-top)
    while tail >= UNRESOLVED_TAIL and terms <= 64:
        tail -= term
        terms += 1
        term *= top / terms
    lam = rates_hz * dt_ms * 1e-3
    if terms > 64:
        return jax.random.poisson(key, lam).astype(jnp.float32)
    uniform = jax.random.uniform(key, lam.shape, lam.dtype)
    term = jnp.exp(-lam)
    cumulative, count = term, jnp.zeros_like(lam)
    for k in range(1, terms + 1):
        count = count + (uniform >= cumulative)
        term = term * lam / k
        cumulative = cumulative + term
    return count.astype(jnp.float32)


def check_choice(name: str, value: object, allowed: tuple[str, ...]) -> None:
    """Raise ``ValueError`` naming the field unless ``value`` is one of ``allowed``."""
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}, got {value!r}")


def check_cue_timing(task: Any) -> None:
    """Raise ``ValueError`` naming the field unless the cue task's step ``dt`` is > 0, its
    durations (``*_ms``, None where optional) and rates (``*_hz``) are ≥ 0, its groups hold
    a channel, and a Bernoulli spike's probability ``rate · dt`` is at most 1."""
    if not task.dt > 0:
        raise ValueError(f"dt must be > 0 ms, got {task.dt}")
    for field in dataclasses.fields(task):
        value = getattr(task, field.name)
        if field.name.endswith(("_ms", "_hz")) and value is not None and not value >= 0:
            raise ValueError(f"{field.name} must be ≥ 0, got {value}")
    if task.group_size < 1:
        raise ValueError(f"group_size must be ≥ 1 channel, got {task.group_size}")
    top = max(task.input_rate_hz, task.noise_rate_hz)
    if task.input_counts == "bernoulli" and top * task.dt * 1e-3 > 1:
        raise ValueError(
            f"input_counts='bernoulli' spikes at most once a step: a rate of {top} Hz at dt "
            f"{task.dt} ms needs input_counts='poisson' or a smaller dt"
        )


def steps(duration_ms: float, dt_ms: float) -> int:
    """Number of ``dt`` steps in ``duration_ms``."""
    return round(duration_ms / dt_ms)


def cue_trials(key: Array, groups_on: Array, targets: Array, mask: Array, task: Any) -> Trials:
    """Trials of the cue tasks, drawing the spikes ``[B, T, 4·group_size]`` in one call.

    ``groups_on [B, T, 3]`` says when the first cue, second cue and recall groups fire at
    ``task.input_rate_hz``; the fourth group is background noise at ``task.noise_rate_hz``.
    Spikes are 0/1 (:func:`poisson_spikes`) or counts where ``task.input_counts`` is
    "poisson" (:func:`poisson_counts`).
    """
    noise = jnp.full((*groups_on.shape[:-1], 1), task.noise_rate_hz)
    group_rates = jnp.concatenate([jnp.where(groups_on, task.input_rate_hz, 0.0), noise], axis=-1)
    rates = jnp.repeat(group_rates, task.group_size, axis=-1)
    if getattr(task, "input_counts", "bernoulli") == "poisson":
        top = max(task.input_rate_hz, task.noise_rate_hz)
        return Trials(poisson_counts(key, rates, task.dt, max_rate_hz=top), targets, mask)
    return Trials(poisson_spikes(key, rates, task.dt), targets, mask)
