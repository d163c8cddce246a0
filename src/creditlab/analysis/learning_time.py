"""Learning time of gradient descent, node and weight perturbation on a linear
teacher–student problem (Werfel, Xie & Seung 2005, NIPS 16 / Neural Comput. 17).

The student is a single linear layer, y = x W with W ``[N, M]``, learning online (one
example x ~ N(0, I_N) per trial) to match the teacher y* = x W* of
:class:`creditlab.tasks.TeacherStudent`. With e = y − y* and E = ½|e|², the three
updates W ← W − η g are

    gradient descent      g = x eᵀ = ∂E/∂W
    node perturbation     g = (E(y + ξ) − E(y)) x ξᵀ / σ²,     ξ ~ N(0, σ² I_M)
    weight perturbation   g = (E(W + Ψ) − E(W)) Ψ / σ²,        Ψ ~ N(0, σ² I_{N×M})

None is written out here. The gradient is autodiff of E. The perturbation updates are
the library's rules for one trial, g = −c (R − R̄) e
(:func:`creditlab.rules.perturbation.perturbation_update`) with R = −E, R̄ the reward of
the same trial without noise (baseline ``"unperturbed"``, Werfel's setting) and
c = 1/σ², and the output change δy (ξ, x Ψ) and eligibility e (x ξᵀ, Ψ) of
:func:`creditlab.rules.node_perturbation.linear_node_perturbation` and
:func:`creditlab.rules.weight_perturbation.linear_weight_perturbation`. They run on the
layer directly, not through a :class:`creditlab.network.Network`, so that hundreds of
learning rates × seeds run as one vmapped scan.

The learning time is the number of trials until the relative error ‖W − W*‖²/‖W*‖²
(from W = 0) first falls below ``target``. With each method's learning rate tuned,
Werfel et al. find learning times growing as N (gradient descent), N·M (node
perturbation) and N²·M (weight perturbation): node perturbation is about M times slower
than gradient descent and weight perturbation N times slower again.
"""

from __future__ import annotations

import math
from typing import Literal, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array

from creditlab.rules.node_perturbation import linear_node_perturbation
from creditlab.rules.perturbation import inverse_variance, perturbation_update
from creditlab.rules.weight_perturbation import linear_weight_perturbation
from creditlab.tasks.teacher_student import TeacherStudent

Method = Literal["gradient", "node-perturbation", "weight-perturbation"]
METHODS: tuple[Method, ...] = ("gradient", "node-perturbation", "weight-perturbation")


def perturbed_dimension(method: Method, n_inputs: int, n_outputs: int) -> int:
    """How many numbers each method perturbs per trial: 1 for the gradient (no noise), M, N·M."""
    return {"gradient": 1, "node-perturbation": n_outputs}.get(method, n_inputs * n_outputs)


def squared_error(error: Array) -> Array:
    """E = ½|e|² (scalar) of the output error e = y − y* ``[M]``."""
    return 0.5 * jnp.sum(error**2)


PERTURBATIONS = {
    "node-perturbation": linear_node_perturbation,
    "weight-perturbation": linear_weight_perturbation,
}


def update_direction(
    method: Method, w: Array, teacher: Array, x: Array, key: Array, noise_std: float
) -> Array:
    """g ``[N, M]`` for one example x ``[N]`` (module docstring); ``key`` draws the noise
    of σ = ``noise_std`` (unused by the gradient)."""

    def loss(weights: Array) -> Array:
        return squared_error(x @ (weights - teacher))

    if method == "gradient":
        return jax.grad(loss)(w)
    error = x @ (w - teacher)
    change, eligibility = PERTURBATIONS[method](x, w, noise_std, key=key)
    gain = squared_error(error) - squared_error(error + change)  # R − R̄, R = −E
    return perturbation_update(eligibility[None], gain[None], inverse_variance(noise_std))


def trials_to_learn(
    method: Method,
    task: TeacherStudent,
    learning_rate: Array,
    key: Array,
    *,
    max_trials: int,
    target: float = 1e-2,
    noise_std: float = 1e-3,
) -> Array:
    """Trials until ‖W − W*‖²/‖W*‖² ≤ ``target``, or ``max_trials + 1`` if never (scalar)."""
    teacher = task.teacher()
    scale = jnp.sum(teacher**2)

    def trial(carry: tuple, t: Array) -> tuple[tuple, None]:
        w, reached = carry
        k_x, k_noise = jax.random.split(jax.random.fold_in(key, t))
        x = jax.random.normal(k_x, (task.inputs,), w.dtype)
        w = w - learning_rate * update_direction(method, w, teacher, x, k_noise, noise_std)
        error = jnp.sum((w - teacher) ** 2) / scale
        done = (reached > max_trials) & (error <= target)
        return (w, jnp.where(done, t + 1, reached)), None

    start = (jnp.zeros_like(teacher), jnp.asarray(max_trials + 1))
    (_, reached), _ = jax.lax.scan(trial, start, jnp.arange(max_trials))
    return reached


class LearningTime(NamedTuple):
    """The tuned learning time of one method at one (N, M).

    Attributes:
        trials: median over seeds of the trials to learn at the best learning rate.
        learning_rate: that learning rate.
        per_rate: median trials for each learning rate tried ``[L]`` (max+1: not learned).
        learning_rates: the rates tried ``[L]``.
        at_edge: the best rate is the smallest or largest tried (widen the grid).
    """

    trials: float
    learning_rate: float
    per_rate: np.ndarray
    learning_rates: np.ndarray
    at_edge: bool


def learning_rate_grid(
    method: Method, n_inputs: int, n_outputs: int, points: int = 13
) -> np.ndarray:
    """Rates spaced by √2 around 1/(N (d + 2)), d the perturbed dimension (gradient: 1/N)."""
    d = perturbed_dimension(method, n_inputs, n_outputs)
    centre = 1.0 / (n_inputs * (d + 2 if method != "gradient" else 1))
    return centre * 2.0 ** ((np.arange(points) - points // 2) / 2)


def tuned_learning_time(
    method: Method,
    n_inputs: int,
    n_outputs: int,
    *,
    seeds: int = 8,
    target: float = 1e-2,
    noise_std: float = 1e-3,
    key: Array | None = None,
) -> LearningTime:
    """Median trials to learn at the best of :func:`learning_rate_grid`'s rates."""
    task = TeacherStudent(inputs=n_inputs, outputs=n_outputs)
    rates = learning_rate_grid(method, n_inputs, n_outputs)
    d = perturbed_dimension(method, n_inputs, n_outputs)
    max_trials = int(8 * n_inputs * (d + 2) * math.log(1 / target)) + 200
    keys = jax.random.split(jax.random.key(0) if key is None else key, seeds)

    def one(rate: Array, k: Array) -> Array:
        return trials_to_learn(
            method, task, rate, k, max_trials=max_trials, target=target, noise_std=noise_std
        )

    grid = jax.jit(jax.vmap(jax.vmap(one, (None, 0)), (0, None)))
    trials = np.asarray(grid(jnp.asarray(rates, jnp.float32), keys), dtype=float)
    trials[trials > max_trials] = np.inf
    medians = np.median(trials, axis=1)
    best = int(np.argmin(medians))
    return LearningTime(
        float(medians[best]), float(rates[best]), medians, rates, best in (0, len(rates) - 1)
    )
