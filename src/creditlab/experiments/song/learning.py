"""Renditions in a ``lax.scan``: sing, judge, and update the spine synapses.

Per rendition: ξ is drawn, the bird sings (:func:`.model.sing`), judges its error
(:func:`.reward.judge`), and every spine synapse moves by

    ΔW_ij = η δ Σ_t exp(−(t_R − t_end(t)) / τ_e) d_i(t) s_j(t),    W ∈ [0, w_max]

which, with d the perturbation and s the HVC timing code, is node perturbation: the
expected update follows −∂E/∂W (Williams 1992; Fiete & Seung 2006). The recorded error
is that of the song without variability (y⁰ + x, what the bird would sing with LMAN
silent but its bias kept), so that the learning curve is not hidden by the noise.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
from jax import Array

from creditlab.experiments.song.model import Bird, Route, SongModelConfig, sing, song_error
from creditlab.experiments.song.reward import Critic, eligibility_decay, judge, reward_time_ms


class Condition(NamedTuple):
    """What differs between the experiment's conditions (static: one compile each)."""

    swap: bool = False
    route: Route = "loop"
    lman_intact: bool = True
    dopamine: bool = True


class Learner(NamedTuple):
    weights: Array  # [msns, spine inputs]
    critic: Critic


class Record(NamedTuple):
    error: Array  # E of the rendition as sung
    clean_error: Array  # E of y⁰ + x (no variability)
    reward: Array  # R
    dopamine: Array  # δ


def start(config: SongModelConfig, bird: Bird, weights: Array) -> Learner:
    """Ē and R̄ start at the juvenile song's error and at ½."""
    error = song_error(bird.juvenile, bird.tutor)
    return Learner(weights, Critic(error, jnp.asarray(0.5, error.dtype)))


def rendition(
    config: SongModelConfig, condition: Condition, bird: Bird, learner: Learner, key: Array
) -> tuple[Learner, Record]:
    k_noise, k_delay, k_judge = jax.random.split(key, 3)
    noise = jax.random.normal(k_noise, bird.juvenile.shape, bird.juvenile.dtype)
    sung = sing(
        config,
        bird,
        learner.weights,
        noise,
        swap=condition.swap,
        route=condition.route,
        lman_intact=condition.lman_intact,
    )
    error = song_error(sung.song, bird.tutor)
    reward, delta, critic = judge(
        k_judge,
        error,
        learner.critic,
        config.evaluation_noise,
        config.reward_baseline_renditions,
        condition.dopamine,
    )
    reward_ms = reward_time_ms(
        k_delay, config.motif_ms, config.reward_delay_ms, config.reward_jitter_ms
    )
    decay = eligibility_decay(config.bins, config.bin_ms, reward_ms, config.eligibility_tau_ms)
    eligibility = jnp.einsum("t,ti,tj->ij", decay, sung.shaft_depolarisation, sung.spine_input)
    weights = jnp.clip(
        learner.weights + config.learning_rate * delta * eligibility, 0.0, config.max_weight
    )
    clean = song_error(bird.juvenile + sung.bias, bird.tutor)
    return Learner(weights, critic), Record(error, clean, reward, delta)


def renditions(
    config: SongModelConfig, condition: Condition, bird: Bird, learner: Learner, keys: Array
) -> tuple[Learner, Record]:
    """Scan :func:`rendition` over ``keys`` ``[n]``; records ``[n]``."""

    def step(carry: Learner, key: Array) -> tuple[Learner, Record]:
        return rendition(config, condition, bird, carry, key)

    return jax.lax.scan(step, learner, keys)
