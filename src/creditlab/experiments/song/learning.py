"""Renditions in a ``lax.scan``: sing, judge, and let a library rule change the spine
synapses (:mod:`creditlab.rules`, closed-loop form; :mod:`creditlab.rules.online`).

Per rendition: ξ is drawn, the bird sings (:func:`.model.sing`) and judges its error
(:func:`.reward.judge`). The rule then steps once per time bin (dt = one bin) through
what each spine synapse of MSN i sees: its presynaptic input s_j(t), the MSN's spine
drive m_i(t) = Σ_j W_ij s_j(t) and its shaft depolarisation d_i(t) (the MSN's output
m + d, its fluctuation d), and the learning signal L_i(t) = g B_i (y*_c(i)(t) −
y_c(i)(t)) of rules that use one (with B_i = 1, the MSN's own effect on its channel,
or a fixed random B_i; either way the signal knows the tutor song, so such a run is an
upper bound). The reward arrives t_R after motif onset: the rule's state ages by the
time from the end of the last bin to one bin before t_R (:attr:`OnlineRule.elapse`),
and one more step with no activity delivers R. Renditions are far apart: a rendition
starts with the traces of the last one decayed to nothing. ΔW accumulates over the
rendition and is applied at its end, W ∈ [0, w_max]. ``bptt`` instead descends the
gradient of the rendition's own error, ΔW = −η ∂E/∂W (the song is smooth in W given the
rendition's noise; it knows the tutor song, an upper bound; it ignores the reward, so a
dopamine lesion does not touch it). With ``node-perturbation`` this is

    ΔW_ij = η δ Σ_t exp(−(t_R − t_end(t)) / τ_e) d_i(t) s_j(t)

node perturbation, whose expected update follows −∂E/∂W (Williams 1992; Fiete & Seung
2006). The recorded error is that of the song without variability (y⁰ + x, what the
bird would sing with LMAN silent but its bias kept), so that the learning curve is not
hidden by the noise.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
from jax import Array

from creditlab.experiments.song.model import (
    Bird,
    Rendition,
    Route,
    SongModelConfig,
    sing,
    song_error,
)
from creditlab.rules.bptt import SurrogateGradient
from creditlab.rules.online import Broadcast, Local, OnlineRule
from creditlab.tasks.song_reward import Critic, judge, reward_time_ms


class Condition(NamedTuple):
    """What differs between the experiment's conditions (static: one compile each)."""

    route: Route = "loop"
    lman_intact: bool = True
    dopamine: bool = True


class Learner(NamedTuple):
    weights: Array  # [msns, spine inputs]
    critic: Critic
    rule: Any  # the rule's state


class Record(NamedTuple):
    error: Array  # E of the rendition as sung
    clean_error: Array  # E of y⁰ + x (no variability)
    reward: Array  # R
    dopamine: Array  # δ


def start(
    config: SongModelConfig,
    bird: Bird,
    weights: Array,
    rule: OnlineRule | SurrogateGradient,
    key: Array,
) -> Learner:
    """Ē and R̄ start at the juvenile song's error and at ½."""
    error = song_error(bird.juvenile, bird.tutor)
    critic = Critic(error, jnp.asarray(0.5, error.dtype))
    state = () if isinstance(rule, SurrogateGradient) else rule.init(weights, key)
    return Learner(weights, critic, state)


def rendition(
    config: SongModelConfig,
    condition: Condition,
    rule: OnlineRule | SurrogateGradient,
    bird: Bird,
    feedback: Array,
    learner: Learner,
    key: Array,
) -> tuple[Learner, Record]:
    """One rendition; ``feedback [msns]`` is B, the learning signal's weight per MSN."""
    k_noise, k_delay, k_judge = jax.random.split(key, 3)
    noise = jax.random.normal(k_noise, bird.juvenile.shape, bird.juvenile.dtype)

    def sing_with(weights: Array) -> Rendition:
        return sing(
            config,
            bird,
            weights,
            noise,
            route=condition.route,
            lman_intact=condition.lman_intact,
        )

    sung = sing_with(learner.weights)
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
    clean = song_error(bird.juvenile + sung.bias, bird.tutor)
    if isinstance(rule, SurrogateGradient):  # BPTT: the song error's own gradient
        change, _ = rule.update(
            lambda w: song_error(sing_with(w).song, bird.tutor), learner.weights
        )
        weights = jnp.clip(learner.weights + change, 0.0, config.max_weight)
        return Learner(weights, critic, learner.rule), Record(error, clean, reward, delta)
    drive = sung.spine_input @ learner.weights.T  # [bins, msns]
    signal = feedback * (bird.tutor - sung.song)[:, bird.channel]
    spine, shaft = sung.spine_input, sung.shaft_depolarisation
    bins = Local(spine, drive + shaft, drive, jnp.ones_like(drive), signal, drive)
    wait_ms = reward_ms - config.motif_ms - config.bin_ms
    change, state = learn_through_rendition(
        rule, learner.rule, learner.weights, bins, reward, condition.dopamine, wait_ms
    )
    weights = jnp.clip(learner.weights + change, 0.0, config.max_weight)
    return Learner(weights, critic, state), Record(error, clean, reward, delta)


def learn_through_rendition(
    rule: OnlineRule,
    state: Any,
    weights: Array,
    bins: Local,
    reward: Array,
    dopamine: bool,
    wait_ms: Array,
) -> tuple[Array, Any]:
    """The rule's steps through one rendition: one per time bin of ``bins`` (a
    :class:`Local` with a leading bin axis; its ``apical`` field carries the learning
    signal L), then the state ages by ``wait_ms`` and one more step with no activity
    delivers the reward R (and the dopamine flag as the outcome o). Starts from traces
    decayed to nothing (renditions are far apart). Returns the summed ΔW and the state."""
    zero = jnp.zeros((), weights.dtype)

    def one_bin(carry: tuple, now: Local) -> tuple[tuple, None]:
        state, change = carry
        step, state = rule.step(state, weights, now, Broadcast(zero, zero, now.apical))
        return (state, change + step), None

    fresh = rule.elapse(state, jnp.asarray(jnp.inf, weights.dtype))
    (state, change), _ = jax.lax.scan(one_bin, (fresh, jnp.zeros_like(weights)), bins)
    state = rule.elapse(state, wait_ms)
    quiet = jax.tree.map(lambda leaf: jnp.zeros_like(leaf[0]), bins)
    silent = quiet.post
    delivered = Broadcast(reward, jnp.asarray(float(dopamine), weights.dtype), silent)
    step, state = rule.step(state, weights, quiet._replace(apical=silent), delivered)
    return change + step, state


def renditions(
    config: SongModelConfig,
    condition: Condition,
    rule: OnlineRule | SurrogateGradient,
    bird: Bird,
    feedback: Array,
    learner: Learner,
    keys: Array,
) -> tuple[Learner, Record]:
    """Scan :func:`rendition` over ``keys`` ``[n]``; records ``[n]``."""

    def step(carry: Learner, key: Array) -> tuple[Learner, Record]:
        return rendition(config, condition, rule, bird, feedback, carry, key)

    return jax.lax.scan(step, learner, keys)
