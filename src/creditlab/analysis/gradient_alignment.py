"""How good is a rule's update as an estimate of the gradient?

For a network, parameters and one batch of trials, a rule's update Δ_d is drawn D times
(d = 1..D, each with its own key: its noise) and compared with the exact gradient g of
the same objective (BPTT through the surrogate network, :mod:`creditlab.rules.bptt`):

    Δ̄ = (1/D) Σ_d Δ_d                          expected update (estimated)
    cosine         = ⟨Δ̄, g⟩ / (‖Δ̄‖ ‖g‖)
    relative_norm  = ‖Δ̄‖ / ‖g‖
    variance       = (1/D) Σ_d ‖Δ_d − Δ̄‖² / ‖g‖²  (total variance across draws, relative)
    single_cosine  = mean_d cos(Δ_d, g)           (the quality of one update)

over all weights flattened together (absent synapses contribute zeros). A deterministic
rule has variance 0 and single_cosine = cosine.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
from jax import Array

from creditlab.network import Network, Params
from creditlab.objective import Objective
from creditlab.rules.base import Rule
from creditlab.rules.bptt import bptt
from creditlab.tasks.base import Trials


class Alignment(NamedTuple):
    cosine: Array
    relative_norm: Array
    variance: Array
    single_cosine: Array


def _flat(tree: Any) -> Array:
    return jnp.concatenate([jnp.ravel(leaf) for leaf in jax.tree.leaves(tree)])


def _cosine(a: Array, b: Array) -> Array:
    return jnp.dot(a, b) / (jnp.linalg.norm(a) * jnp.linalg.norm(b))


def gradient_alignment(
    rule: Rule,
    network: Network,
    objective: Objective,
    params: Params,
    rule_state: Any,
    trials: Trials,
    *,
    key: Array,
    draws: int = 1,
) -> Alignment:
    """Compare ``draws`` updates of ``rule`` (keys split from ``key``) with BPTT's gradient."""
    exact, _, _ = bptt(network, objective).update(params, (), trials)
    g = _flat(exact)

    def one(k: Array) -> Array:
        update, _, _ = rule.update(params, rule_state, trials, key=k)
        return _flat(update)

    samples = jax.lax.map(one, jax.random.split(key, draws))
    mean = jnp.mean(samples, axis=0)
    norm = jnp.linalg.norm(g)
    return Alignment(
        cosine=_cosine(mean, g),
        relative_norm=jnp.linalg.norm(mean) / norm,
        variance=jnp.mean(jnp.sum((samples - mean) ** 2, axis=1)) / norm**2,
        single_cosine=jnp.mean(jax.vmap(lambda s: _cosine(s, g))(samples)),
    )


def weight_alignment(weights: Array, feedback: Array) -> Array:
    """cos(W, B) of two matrices flattened (feedback alignment: W comes to align with B)."""
    return _cosine(jnp.ravel(weights), jnp.ravel(feedback))
