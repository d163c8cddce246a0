"""Song learning with spiny MSNs whose inputs are placed on spines or shafts by data
(issue 22; :mod:`.wiring`): one condition is a placement (the fractions of HVC and of
LMAN synapses on spine heads), the spine physics, a rule and its lesions. A lesion
removes inputs (LMAN: its rates are 0) or the reward's reach (dopamine: the outcome
flag is 0); swapped placement is the fractions (0, 1). Nothing else changes between
conditions, so their differences are the compartments'.

Per rendition the bird sings (:func:`.wiring.sing_wired`), judges its error
(:func:`creditlab.tasks.song_reward.judge`) and the rule steps through the rendition's
bins on each synapse's own signals (:func:`.learning.learn_through_rendition`):
presynaptic activity, the calcium at each synapse's site (``Local.synaptic``), the
MSN's output, and (for rules handed the noise, node perturbation: an oracle here) its
output with ξ = 0. The clean song, whose error is the learning curve, is the song with
ξ = 0. Weights stay in [0, w_max] and 0 where there is no synapse.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
from jax import Array
from pydantic import Field, field_validator, model_validator

from creditlab.config import Strict, dataclass_overrides
from creditlab.experiments.song.experiment import (
    Lesion,
    learning_table,
    scan_in_chunks,
    song_rule_defaults,
)
from creditlab.experiments.song.learning import Record, learn_through_rendition
from creditlab.experiments.song.model import SongModelConfig, song_error
from creditlab.experiments.song.wiring import WiredBird, Wiring, make_wired_bird, sing_wired
from creditlab.neurons.spiny_dendrite import SpinePhysics, SpinyDendrites
from creditlab.rules.bptt import SurrogateGradient
from creditlab.rules.online import Local, OnlineRule
from creditlab.rules.registry import closed_loop_rule
from creditlab.tasks.song_reward import Critic, judge, reward_time_ms

PHYSICS_SETS: dict[str, dict[str, float]] = {
    # Compartmentalisation from weak to strong, spanning the literature's range
    # (docs/songbird_physics_sources.md). R_neck: Acker et al. 2016's lowest fit (23 MΩ),
    # their means (179–204 MΩ), Harnett et al. 2012's ~500 MΩ. κ and ρ have no published
    # MSN value: κ spans much to little spread; ρ spans "large spines let calcium into
    # the shaft" (Noguchi et al. 2005) to an order of magnitude and more.
    "weak": {"neck_resistance_mohm": 23.0, "sister_branch_coupling": 0.5,
             "shaft_calcium_ratio": 0.5},
    "mid": {"neck_resistance_mohm": 200.0, "sister_branch_coupling": 0.3,
            "shaft_calcium_ratio": 0.1},
    "strong": {"neck_resistance_mohm": 500.0, "sister_branch_coupling": 0.1,
               "shaft_calcium_ratio": 0.03},
}  # fmt: skip
LOCAL_RULE_DEFAULTS = {"learning_rate": 1.0, "signal_mean_rate": 0.05, "initial_baseline": 0.5}


class PlacementConfig(Strict):
    """One condition of the placement experiment (module docstring)."""

    rule: str = Field("local-three-factor", description="a rule with a closed-loop form")
    rule_options: dict[str, float | int | bool] = Field(default_factory=dict)
    birds: int = Field(8, ge=1, le=10_000)
    renditions: int = Field(2000, ge=1, le=10_000_000)
    lesion: Lesion = "none"
    seed: int = Field(1, ge=0)
    model: dict[str, float | int] = Field(default_factory=dict)
    wiring: dict[str, float | int] = Field(default_factory=dict)
    physics: dict[str, float | int] = Field(default_factory=dict)

    @field_validator("model")
    @classmethod
    def _model(cls, values: dict) -> dict:
        return dataclass_overrides(SongModelConfig, values)

    @field_validator("wiring")
    @classmethod
    def _wiring(cls, values: dict) -> dict:
        return dataclass_overrides(Wiring, values)

    @field_validator("physics")
    @classmethod
    def _physics(cls, values: dict) -> dict:
        return dataclass_overrides(SpinePhysics, values)

    @model_validator(mode="after")
    def _rule(self) -> PlacementConfig:
        self.online_rule()
        return self

    def parts(self) -> tuple[SongModelConfig, Wiring, SpinyDendrites]:
        return (
            SongModelConfig(**self.model),
            Wiring(**self.wiring),
            SpinyDendrites(SpinePhysics(**self.physics)),
        )

    def online_rule(self) -> OnlineRule | SurrogateGradient:
        model = SongModelConfig(**self.model)
        defaults = song_rule_defaults(model) | {"local-three-factor": LOCAL_RULE_DEFAULTS}
        return closed_loop_rule(
            self.rule, dt_ms=model.bin_ms, defaults=defaults, options=self.rule_options,
            experiment="song",
        )  # fmt: skip

    @property
    def label(self) -> str:
        wiring = Wiring(**self.wiring)
        lesion = {"none": "", "lman": ", LMAN lesion", "dopamine": ", dopamine lesion"}
        return (
            f"{self.rule}: HVC {wiring.hvc_spine_fraction:.1f} / LMAN "
            f"{wiring.lman_spine_fraction:.1f} on spines{lesion[self.lesion]}"
        )


class WiredLearner(NamedTuple):
    weights: Array
    critic: Critic
    rule: Any


def wired_rendition(
    config: PlacementConfig,
    rule: OnlineRule | SurrogateGradient,
    bird: WiredBird,
    learner: WiredLearner,
    key: Array,
) -> tuple[WiredLearner, Record]:
    """One rendition of one bird (module docstring)."""
    model, wiring, dendrites = config.parts()
    lman_intact, dopamine = config.lesion != "lman", config.lesion != "dopamine"
    k_noise, k_delay, k_judge = jax.random.split(key, 3)
    noise = jax.random.normal(k_noise, bird.juvenile.shape, bird.juvenile.dtype)

    def sing_with(weights: Array, variability: Array = noise):
        return sing_wired(
            model, wiring, dendrites, bird, weights, variability, route="loop",
            lman_intact=lman_intact,
        )  # fmt: skip

    sung = sing_with(learner.weights)
    error = song_error(sung.song, bird.tutor)
    reward, delta, critic = judge(
        k_judge, error, learner.critic, model.evaluation_noise,
        model.reward_baseline_renditions, dopamine,
    )  # fmt: skip
    quiet = sing_with(learner.weights, jnp.zeros_like(noise))  # ξ = 0: the clean song
    clean = song_error(bird.juvenile + quiet.bias, bird.tutor)
    connected = bird.placement.connected
    if isinstance(rule, SurrogateGradient):  # an upper bound: it knows the tutor song

        def song_loss(weights: Array) -> Array:
            return song_error(sing_with(weights).song, bird.tutor)

        change, state = rule.update(song_loss, learner.weights)[0], learner.rule
    else:
        signal = (bird.tutor - sung.song)[:, bird.channel]
        pre = sung.activity[:, bird.placement.source]
        bins = Local(pre, sung.soma, quiet.soma, jnp.ones_like(sung.soma), signal, sung.soma,
                     sung.calcium)  # fmt: skip
        reward_ms = reward_time_ms(
            k_delay, model.motif_ms, model.reward_delay_ms, model.reward_jitter_ms
        )
        wait_ms = reward_ms - model.motif_ms - model.bin_ms
        change, state = learn_through_rendition(
            rule, learner.rule, learner.weights, bins, reward, dopamine, wait_ms
        )
    weights = jnp.clip(learner.weights + change, 0.0, model.max_weight) * connected
    return WiredLearner(weights, critic, state), Record(error, clean, reward, delta)


class PlacementResults(NamedTuple):
    learning: pd.DataFrame
    birds: WiredBird
    weights: Array  # [birds, msns, columns]


def make_wired_birds(config: PlacementConfig) -> WiredBird:
    """Bird k is drawn from the generator seeded (seed, k): the same HVC code, songs,
    connections, branches and initial weights at every placement (common numbers)."""
    model, wiring, dendrites = config.parts()
    birds = [
        make_wired_bird(np.random.default_rng([config.seed, bird]), model, wiring, dendrites)
        for bird in range(config.birds)
    ]
    return jax.tree.map(lambda *leaves: jnp.stack(leaves), *birds)


def run_placement(
    config: PlacementConfig, on_progress: Callable[[int], None] | None = None
) -> PlacementResults:
    """Every bird's renditions under ``config``."""
    return run_placements([config], on_progress)[0]


def run_placements(
    configs: list[PlacementConfig], on_progress: Callable[[int], None] | None = None
) -> list[PlacementResults]:
    """Several placements of the same birds in one batch (faster than one by one: the
    arrays of a step are larger). The configs may differ only in their spine fractions;
    each gets the numbers it gets alone, to float rounding."""
    first = configs[0]
    ignore = {"hvc_spine_fraction", "lman_spine_fraction"}

    def rest(config: PlacementConfig) -> dict:
        dump = config.model_dump()
        dump["wiring"] = {k: v for k, v in dump["wiring"].items() if k not in ignore}
        return dump

    if any(rest(config) != rest(first) for config in configs):
        raise ValueError("configs run together may differ only in their spine fractions")
    rule = first.online_rule()
    per_cell = [make_wired_birds(config) for config in configs]
    birds = jax.tree.map(lambda *leaves: jnp.concatenate(leaves), *per_cell)
    seed_key = jax.random.key(first.seed)
    rule_keys = jax.random.split(jax.random.fold_in(seed_key, 2**31 - 1), first.birds)

    def start(bird: WiredBird, key: Array) -> WiredLearner:
        error = song_error(bird.juvenile, bird.tutor)
        state = () if isinstance(rule, SurrogateGradient) else rule.init(bird.initial_weights, key)
        return WiredLearner(bird.initial_weights, Critic(error, jnp.asarray(0.5, error.dtype)),
                            state)  # fmt: skip

    cells = len(configs)
    learner = jax.vmap(start)(birds, jnp.concatenate([rule_keys] * cells))
    keys = jax.vmap(
        lambda bird: jax.random.split(jax.random.fold_in(seed_key, bird), first.renditions)
    )(jnp.tile(jnp.arange(first.birds), cells))

    def scan_bird(bird: WiredBird, learner: WiredLearner, keys: Array):
        return jax.lax.scan(partial(wired_rendition, first, rule, bird), learner, keys)

    chunk = jax.jit(jax.vmap(scan_bird))
    learner, record = scan_in_chunks(partial(chunk, birds), learner, keys, on_progress)
    juvenile = np.asarray(jax.vmap(lambda b: song_error(b.juvenile, b.tutor))(birds))
    results = []
    for index, (config, cell_birds) in enumerate(zip(configs, per_cell, strict=True)):
        part = slice(index * first.birds, (index + 1) * first.birds)
        cell_record = jax.tree.map(lambda leaf, part=part: leaf[part], record)
        learning = learning_table(config, cell_record, juvenile[part])
        results.append(PlacementResults(learning, cell_birds, learner.weights[part]))
    return results
