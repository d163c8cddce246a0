"""DEEP R rewiring (Bellec et al. 2018, ICLR; in the form of Liu et al. 2021's code).

Every synapse k of the input, recurrent and readout weights has a fixed sign s_k and a
magnitude θ_k; it is a connection while θ_k > 0 and then W_k = s_k θ_k, else W_k = 0.
After each optimizer step (which moves W, so θ = s W; Adam is the same on W and on θ):

    1. a synapse that was no connection before the step stays at 0 (Adam's momentum
       cannot revive it),
    2. θ_k ← θ_k − η l1 + √(2 η T) ν_k, ν_k ~ N(0, 1), on connections (an L1 term and
       the rewiring temperature T; η the learning rate),
    3. a connection whose θ_k ≤ 0 dies (W_k = 0),
    4. if fewer than the budget N = ⌊Σ_m p_m · size_m⌋ connections are left (p_m the
       connectivity of weight matrix m), the missing ones are placed at θ = ``newborn``
       (1e-12) by one of two rules (``placement``):

       ``"per-matrix"`` (Bellec et al.'s code and Liu et al.'s): the missing count is
       split among the matrices by a categorical draw ∝ p_m · size_m, and each matrix
       revives min(its share, its candidates) of its candidates, uniformly; a share
       larger than a matrix's candidates is lost for that step (drawn again the next),
       so the count can fall short of N for a while (the readout, 1.4 % of N, lags most);
       ``"pooled"``: the missing connections are placed uniformly among the candidates
       of all three matrices together, so the count is N whenever there are candidates
       enough.

``candidates="initial"``: the dead synapses that were connections at initialisation
(Liu's code; with T = 0 the connections then stay within the initial mask, and a weight
that would change sign is held at 0 until it is revived). Bellec et al.'s original
draws among all dormant synapses; that needs potential synapses beyond the initial mask
and is not built here. A dormant synapse's Adam moments go on accumulating its gradient
at W = 0, as in both codes. The signs are those of the initial weights (Dale's law, and
the fixed signs of input and readout weights: :class:`creditlab.network.Network`).
"""

from __future__ import annotations

import itertools
from typing import Literal, NamedTuple

import jax
import jax.numpy as jnp
from jax import Array

from creditlab.network import Params

MATRICES = ("w_in", "w_rec", "w_out")


class RewiringState(NamedTuple):
    """The fixed sign of each synapse, ``[pre, post]`` per matrix: +1, −1, or 0 where no
    synapse may ever be (outside the initial connections)."""

    w_in: Array
    w_rec: Array
    w_out: Array


class DeepR(NamedTuple):
    """DEEP R's constants (module docstring). ``connectivity``: p of (w_in, w_rec, w_out)."""

    learning_rate: float
    connectivity: tuple[float, float, float]
    l1: float = 1e-2
    temperature: float = 0.0
    candidates: Literal["initial"] = "initial"
    newborn: float = 1e-12
    placement: Literal["per-matrix", "pooled"] = "per-matrix"

    def init(self, params: Params) -> RewiringState:
        """The signs of the initial connections."""
        if self.candidates != "initial":
            raise ValueError("DEEP R with candidates other than 'initial' is not built")
        return RewiringState(*(jnp.sign(getattr(params, m)) for m in MATRICES))

    def shares(self, state: RewiringState) -> list[float]:
        """p_m · size_m per matrix: its expected connections."""
        return [p * sign.size for p, sign in zip(self.connectivity, state, strict=True)]

    def budget(self, state: RewiringState) -> int:
        """N = ⌊Σ_m p_m · size_m⌋ connections."""
        return int(sum(self.shares(state)))

    def update(self, before: Params, after: Params, state: RewiringState, key: Array) -> Params:
        """The weights after steps 1–4, from the weights ``before`` and ``after`` the
        optimizer step."""
        k_noise, k_split, k_place = jax.random.split(key, 3)
        signs = [getattr(state, m) for m in MATRICES]
        thetas = []
        for index, (name, sign) in enumerate(zip(MATRICES, signs, strict=True)):
            was = sign * getattr(before, name) > 0
            theta = jnp.where(was, sign * getattr(after, name), 0.0)
            connected = theta > 0
            noise = jax.random.normal(jax.random.fold_in(k_noise, index), theta.shape, theta.dtype)
            step = (
                -self.learning_rate * self.l1
                + jnp.sqrt(2 * self.learning_rate * self.temperature) * noise
            )
            theta = jnp.where(connected, theta + step, 0.0)
            thetas.append(jnp.maximum(theta, 0.0))
        alive = sum(jnp.sum(theta > 0) for theta in thetas)
        budget = self.budget(state)
        missing = jnp.maximum(budget - alive, 0)
        candidates = [(theta <= 0) & (sign != 0) for theta, sign in zip(thetas, signs, strict=True)]
        if self.placement == "per-matrix":
            shares = jnp.log(jnp.asarray(self.shares(state)))
            draws = jax.random.categorical(k_split, shares, shape=(budget,))
            counts = [jnp.sum((draws == m) & (jnp.arange(draws.size) < missing)) for m in range(3)]
            born = [
                first_ranked(candidate, count, jax.random.fold_in(k_place, index))
                for index, (candidate, count) in enumerate(zip(candidates, counts, strict=True))
            ]
        elif self.placement == "pooled":
            pooled = jnp.concatenate([candidate.ravel() for candidate in candidates])
            ends = list(itertools.accumulate(c.size for c in candidates[:-1]))
            # its own key (the first version of this rule drew from split(key)[1])
            k_pooled = jax.random.split(key)[1]
            born = jnp.split(first_ranked(pooled, missing, k_pooled), ends)
        else:
            raise ValueError(f"placement must be 'per-matrix' or 'pooled', got {self.placement!r}")
        rewired = {}
        for name, sign, theta, newborn in zip(MATRICES, signs, thetas, born, strict=True):
            theta = jnp.where(newborn.reshape(theta.shape), self.newborn, theta)
            rewired[name] = (sign * theta).astype(getattr(after, name).dtype)
        return after._replace(**rewired)


def first_ranked(candidate: Array, count: Array, key: Array) -> Array:
    """``count`` of the True entries of ``candidate`` (any shape), chosen uniformly (all of
    them where there are fewer): a uniform score per candidate, the ``count`` highest."""
    score = jnp.where(candidate, jax.random.uniform(key, candidate.shape), -1.0).ravel()
    rank = (
        jnp.empty_like(score, dtype=jnp.int32)
        .at[jnp.argsort(-score)]
        .set(jnp.arange(score.size, dtype=jnp.int32))
    )
    return (rank < count).reshape(candidate.shape) & candidate


def connections(params: Params) -> int:
    """How many synapses are connections (W ≠ 0) in the three weight matrices."""
    return int(sum(jnp.sum(getattr(params, m) != 0) for m in MATRICES))
