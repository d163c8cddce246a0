"""The in-silico BCI experiment as a pure function of its config: mice, days, sessions.

1. Each mouse gets its own random circuit (one ``jax.vmap`` over mice throughout).
2. Two baseline recordings are made without learning or feedback, ``baseline_minutes``
   each. The first chooses P+ and P− and calibrates the decoder
   (:mod:`creditlab.experiments.bci.calibration`). The second, held out, is replayed
   through the same decoder and protocol to give the chance level.
3. Every day, each mouse first does a probe block (``probe_minutes``, the same
   decoder and trials, with the feedback off, plasticity frozen and no NDNF
   activation): what the weights have learned, never what feedback does to activity
   at the moment. Then it does one closed-loop training session under the learning
   rule, with NDNF-like apical inhibition on all days, on none, or on alternate days:
   counterbalanced (``alternate``: days 2, 4, ... in even mice, 1, 3, ... in odd
   ones) or, as before counterbalancing, days 2, 4, ... in every mouse
   (``alternate-uniform``). Both are reduced to tables
   (:mod:`creditlab.experiments.bci.measurements`; ``daily`` and ``trials`` mark the
   ``block``, the other tables hold the training sessions), and the daily table gets
   the cosine between each mouse's feedback weights B and the decoder's weights, and
   B's norm ‖B‖ (the symmetric B's is √(2k) for k neurons in each of P+ and P−), at
   the end of the day. ``on_session(session, block)`` receives each session in the NWB
   layout, for example to write it to disk.

Identical config and seed give identical numbers on the same machine.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Literal, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
from pydantic import Field, field_validator, model_validator

from creditlab.analysis.events import detect_events, event_rate_per_minute
from creditlab.config import Strict, dataclass_overrides
from creditlab.experiments.bci.calibration import calibrate_to_chance, choose_control
from creditlab.experiments.bci.chance import chance_accuracy
from creditlab.experiments.bci.circuit import Circuit, CircuitConfig, make_circuit
from creditlab.experiments.bci.learning import (
    FeedbackOrigin,
    FeedbackSite,
    LearningConfig,
    feedback_origin,
)
from creditlab.experiments.bci.measurements import block_tables, experiment_tables
from creditlab.experiments.bci.session import (
    Control,
    Frames,
    balanced_shuffle,
    feedback_weights,
    fresh_learning_state,
    run_sessions,
)
from creditlab.io.nwb import ImagingSession
from creditlab.rules.registry import get_rule
from creditlab.tasks.bci_decoder import Decoder
from creditlab.tasks.bci_protocol import Protocol
from creditlab.tuning import check_evaluation_seed
from creditlab.tuning_table import existing_table, read_tuned, tuned_values

Inhibition = Literal["none", "all", "alternate", "alternate-uniform"]
TUNED_TABLE = Path(__file__).with_name("tuned.csv")  # written by creditlab tune, committed
PROTOCOL = Protocol()  # the paper's trial timing, at 15 Hz


class BCIConfig(Strict):
    """One condition of the BCI experiment. ``circuit`` and ``learning`` override fields
    of :class:`CircuitConfig` and :class:`LearningConfig` (the feedback gain, the energy
    cost, learned feedback's constants); ``rule_options`` override the rule's own BCI
    defaults (its closed-loop form's keyword arguments, e.g. ``learning_rate``);
    ``feedback``, ``feedback_site`` and ``credit`` are :class:`LearningConfig`'s."""

    rule: str = Field("dendritic", description="a rule of creditlab.rules with a closed-loop form")
    mice: int = Field(6, ge=1, le=1000)
    days: int = Field(14, ge=1, le=365)
    session_minutes: float = Field(30.0, gt=0, le=600)
    apical_inhibition: Inhibition = "none"
    seed: int = Field(0, ge=0)
    control_neurons: int = Field(5, ge=1, le=20, description="neurons in each of P+ and P−")
    baseline_minutes: float = Field(10.0, gt=0, le=600)
    chance: float = Field(0.25, gt=0, lt=1, description="target success rate at baseline")
    circuit: dict[str, float | int] = Field(default_factory=dict)
    learning: dict[str, float] = Field(default_factory=dict)
    rule_options: dict[str, float | int | bool] = Field(default_factory=dict)
    feedback: FeedbackOrigin | None = Field(
        None, description="where B comes from; default learned (its own random for DFA)"
    )
    feedback_site: FeedbackSite = "tuft"
    credit: bool = Field(True, description="False: the rule's own change is dropped (a control)")
    probe_minutes: float = Field(3.0, ge=0, le=60, description="daily probe block; 0: none")
    tuned: bool = Field(
        True, description="read the rule's shipped tuning (tuned.csv); False: untuned defaults"
    )
    tuning_table: str | None = Field(
        None,
        description="a tuned.csv written by creditlab tune, read instead of the shipped one "
        "(e.g. the tuning of this cohort's own calibration mice)",
    )

    @model_validator(mode="after")
    def _sessions_hold_a_trial(self) -> BCIConfig:
        """A session or probe block shorter than one failed trial would measure nothing."""
        trial_s = PROTOCOL.time_limit_s + PROTOCOL.black_after_failure_s
        for name in ("session_minutes", "probe_minutes"):
            minutes = getattr(self, name)
            if (minutes > 0 or name == "session_minutes") and minutes * 60 < trial_s:
                raise ValueError(
                    f"{name} = {minutes:g} min is shorter than one trial ({trial_s:g} s: the "
                    f"{PROTOCOL.time_limit_s:g}-s limit and {PROTOCOL.black_after_failure_s:g} s"
                    " after a failure)"
                )
        return self

    @model_validator(mode="after")
    def _rule_and_options(self) -> BCIConfig:
        if self.tuning_table is not None:
            if not self.tuned:
                raise ValueError("tuning_table is given but tuned is False")
            read_tuned(existing_table(self.tuning_table))  # raises naming file and line
        check_evaluation_seed(self.seed, self.tuning() is not None)
        self.learning_config()  # raises naming the rule or option that is wrong
        return self

    @field_validator("circuit")
    @classmethod
    def _circuit_fields(cls, values: dict) -> dict:
        return dataclass_overrides(CircuitConfig, values)

    @field_validator("learning")
    @classmethod
    def _learning_fields(cls, values: dict) -> dict:
        excluded = ("rule", "options", "feedback", "feedback_site", "credit")
        return dataclass_overrides(LearningConfig, values, exclude=excluded)

    def circuit_config(self) -> CircuitConfig:
        return CircuitConfig(**self.circuit)

    def tuning_source(self) -> Path:
        """The tuning table this condition reads: ``tuning_table``, else the shipped one."""
        return TUNED_TABLE if self.tuning_table is None else Path(self.tuning_table)

    def tuning(self) -> dict[str, float] | None:
        """The tuning this condition reads (:meth:`tuning_source`, written by ``creditlab
        tune``): None when ``tuned`` is off or the rule with this origin was not tuned."""
        if not self.tuned or self.rule == "none":
            return None
        entry = get_rule(self.rule)  # a rule that is another on the BCI reads that one's
        rule = entry.closed_loop_same_as or self.rule
        origin = feedback_origin(entry, self.feedback)
        return tuned_values(self.tuning_source(), rule, origin)

    def learning_config(self) -> LearningConfig:
        """The learning condition: the shipped tuning, overridden by ``rule_options`` and
        ``learning`` where they name the same hyperparameter."""
        tuning = self.tuning() or {}
        gain = {"feedback_gain": tuning.pop("feedback_gain")} if "feedback_gain" in tuning else {}
        options = tuple(sorted({**tuning, **self.rule_options}.items()))
        return LearningConfig(
            rule=self.rule,
            options=options,
            feedback=self.feedback,
            feedback_site=self.feedback_site,
            credit=self.credit,
            **{**gain, **self.learning},
        )

    def inhibited(self, day: int, mouse: int) -> bool:
        """Whether the NDNF-like cells are activated on ``day`` (1 = first) for ``mouse``.
        Alternation is counterbalanced: even mice on even days, odd mice on odd days, so
        that the first session (where a fast rule does most of its learning) is
        inhibited in half the mice and the within-mouse comparison is not decided by
        the order of the days."""
        if self.apical_inhibition == "alternate-uniform":  # days 2, 4, ... in every mouse
            return day % 2 == 0
        return self.apical_inhibition == "all" or (
            self.apical_inhibition == "alternate" and (day + mouse) % 2 == 0
        )


class Mice(NamedTuple):
    """The mice after calibration: circuits and BCIs (leading axis: mouse), population
    labels ``[mice, n]`` and the chance level of each ``[mice]``."""

    circuit: Circuit
    control: Control
    population: np.ndarray
    chance: np.ndarray


class Results(NamedTuple):
    """Everything the experiment measured, as tables (see ``measurements``)."""

    daily: pd.DataFrame
    trials: pd.DataFrame
    neurons: pd.DataFrame
    events: pd.DataFrame


def _frames(minutes: float, protocol: Protocol) -> int:
    return max(1, round(minutes * 60 * protocol.frame_rate_hz))


def _stack(items: list) -> object:
    return jax.tree.map(lambda *leaves: jnp.stack(leaves), *items)


def set_up(config: BCIConfig, protocol: Protocol = PROTOCOL) -> Mice:
    """Circuits, baseline recordings, control populations, decoders, chance levels.

    They depend on neither the rule nor the training days nor apical inhibition (the
    baselines are recorded without them), so conditions that differ only there share
    one set-up: ``bci-compare`` computes it once (the last two are kept)."""
    shared = config.model_copy(
        update={
            "rule": "none",
            "apical_inhibition": "none",
            "days": 1,
            "learning": {},
            "rule_options": {},
            "feedback": None,
            "feedback_site": "tuft",
            "credit": True,
            "probe_minutes": 0.0,
            "tuned": False,
            "tuning_table": None,
        }
    )
    return _set_up(shared.model_dump_json(), protocol)


@functools.lru_cache(maxsize=2)
def _set_up(config_json: str, protocol: Protocol) -> Mice:
    config = BCIConfig.model_validate_json(config_json)
    circuit = config.circuit_config()
    baseline_key = jax.random.key(config.seed)
    circuits = _stack(
        [
            make_circuit(np.random.default_rng([config.seed, mouse]), circuit)
            for mouse in range(config.mice)
        ]
    )
    n, k = circuit.n_pyramidal, config.control_neurons
    placeholder = Control(
        jnp.zeros((config.mice, k), jnp.int32),
        jnp.ones((config.mice, k), jnp.int32),
        Decoder(
            *(jnp.ones((config.mice, k)),) * 4, jnp.zeros(config.mice), jnp.full(config.mice, 1e9)
        ),
        jnp.zeros((config.mice, n)),
        jnp.zeros((config.mice, n)),
        jnp.zeros((config.mice, n)),
    )
    frames = _frames(config.baseline_minutes, protocol)
    still = LearningConfig(rule="none")
    recordings = []
    for recording_key in jax.random.split(baseline_key, 2):
        _, _, recording = run_sessions(
            circuit,
            still,
            protocol,
            frames,
            circuits,
            placeholder,
            jax.random.split(recording_key, config.mice),
            jnp.zeros(config.mice),
            fresh_learning_state(circuit, still, circuits.params, recording_key),
        )
        recordings.append(np.asarray(recording.soma_dff))
    calibration, held_out = recordings

    controls, labels, chances = [], [], []
    for mouse in range(config.mice):
        rates = event_rate_per_minute(detect_events(calibration[mouse]), protocol.frame_rate_hz)
        rng = np.random.default_rng([config.seed, mouse, 1])
        plus, minus = choose_control(rates, k, rng)
        decoder = calibrate_to_chance(
            calibration[mouse][:, plus],
            calibration[mouse][:, minus],
            protocol,
            chance=config.chance,
        )
        roles = np.zeros(n)
        roles[plus], roles[minus] = 1.0, -1.0
        population = np.full(n, "P0")
        population[plus], population[minus] = "P+", "P-"
        held = held_out[mouse]
        chances.append(float(chance_accuracy(decoder, held[:, plus], held[:, minus], protocol)))
        random_feedback = np.random.default_rng([config.seed, mouse, 2]).standard_normal(n)
        shuffled = balanced_shuffle(plus, minus, n, np.random.default_rng([config.seed, mouse, 3]))
        controls.append(
            Control(
                jnp.asarray(plus),
                jnp.asarray(minus),
                decoder,
                jnp.asarray(roles),
                jnp.asarray(random_feedback),
                jnp.asarray(shuffled),
            )
        )
        labels.append(population)
    return Mice(circuits, _stack(controls), np.stack(labels), np.asarray(chances))


def imaging_session(
    frames: Frames, mouse: int, day: int, population: np.ndarray, protocol: Protocol
) -> ImagingSession:
    """One mouse's session ``frames`` (already sliced to that mouse, numpy) in the NWB layout."""
    events, rate = frames.events, protocol.frame_rate_hz
    trial = np.asarray(events.trial)
    finished = np.flatnonzero(np.asarray(events.reached) | np.asarray(events.failed))
    trial_ids = trial[finished]
    starts = np.searchsorted(trial, trial_ids, side="left")
    stops = np.searchsorted(trial, trial_ids, side="right")
    success = np.asarray(events.reached)[finished]
    rewarded = np.flatnonzero(np.asarray(events.rewarded))
    reward_by_trial = np.full(trial[-1] + 1, np.nan)
    reward_by_trial[trial[rewarded]] = rewarded / rate
    reward_time = reward_by_trial[trial_ids]
    shown = np.asarray(events.shown, float)
    return ImagingSession(
        mouse=f"mouse{mouse + 1}",
        day=day,
        frame_rate_hz=rate,
        soma=np.asarray(frames.soma_dff),
        dendrite=np.asarray(frames.dendrite_dff),
        population=population,
        trial_start=starts / rate,
        trial_stop=stops / rate,
        success=success,
        reward_time=reward_time,
        time_to_target=np.asarray(events.time_to_target_s, float)[finished],
        angle=np.where(shown < 0, np.nan, shown),
    )


def feedback_cosine(weights: np.ndarray, roles: np.ndarray) -> np.ndarray:
    """cos(B, decoder's weights) per mouse ``[mice]`` (0 where B is 0)."""
    norms = np.linalg.norm(weights, axis=1) * np.linalg.norm(roles, axis=1)
    dots = np.sum(weights * roles, axis=1)
    return np.divide(dots, norms, out=np.zeros_like(dots), where=norms > 0)


def run_experiment(
    config: BCIConfig,
    *,
    on_session: Callable[[ImagingSession, str], None] | None = None,
    on_day: Callable[[int], None] | None = None,
    protocol: Protocol = PROTOCOL,
) -> Results:
    """Run every day of every mouse (module docstring) and return the tables."""
    circuit, learning = config.circuit_config(), config.learning_config()
    mice = set_up(config, protocol)
    frames = _frames(config.session_minutes, protocol)
    probe_frames = _frames(config.probe_minutes, protocol) if config.probe_minutes > 0 else 0
    days_key = jax.random.fold_in(jax.random.key(config.seed), 1)
    probe_key = jax.random.fold_in(jax.random.key(config.seed), 3)
    frozen = LearningConfig(rule="none")
    frozen_state = fresh_learning_state(circuit, frozen, mice.circuit.params, probe_key)
    roles = np.asarray(mice.control.roles)

    def start_day(day: int, circuits: Circuit, state) -> tuple:
        """Dispatch one day's probe and training; JAX computes them while Python goes on."""
        probe = None
        if probe_frames:
            keys = jax.random.split(jax.random.fold_in(probe_key, day), config.mice)
            probe = run_sessions(
                circuit, frozen, protocol, probe_frames, circuits, mice.control, keys,
                jnp.zeros(config.mice), frozen_state,
            )[2]  # fmt: skip
        inhibited = jnp.array([float(config.inhibited(day, m)) for m in range(config.mice)])
        keys = jax.random.split(jax.random.fold_in(days_key, day), config.mice)
        params, state, recorded = run_sessions(
            circuit, learning, protocol, frames, circuits, mice.control, keys, inhibited, state
        )
        feedback_of = functools.partial(feedback_weights, learning)
        weights = jax.vmap(feedback_of)(mice.control, state.feedback)
        return circuits._replace(params=params), state, (probe, recorded), weights

    tables: list = []
    rule_key = jax.random.fold_in(jax.random.key(config.seed), 2)
    start = fresh_learning_state(circuit, learning, mice.circuit.params, rule_key)
    running = start_day(1, mice.circuit, start)
    for day in range(1, config.days + 1):
        circuits, state, blocks, weights = running
        if day < config.days:  # the next day runs while this one is analysed
            running = start_day(day + 1, circuits, state)
        cosine = feedback_cosine(np.asarray(weights), roles)
        norm = np.linalg.norm(np.asarray(weights), axis=1)
        for block, recorded in zip(("probe", "training"), blocks, strict=True):
            if recorded is None:
                continue
            recorded = jax.tree.map(np.asarray, recorded)
            for mouse in range(config.mice):
                mine = jax.tree.map(lambda leaf, m=mouse: leaf[m], recorded)
                session = imaging_session(mine, mouse, day, mice.population[mouse], protocol)
                if on_session is not None:
                    on_session(session, block)
                context = {
                    "chance_accuracy": mice.chance[mouse],
                    "inhibited": config.inhibited(day, mouse) and block == "training",
                    "feedback_cosine": cosine[mouse],
                    "feedback_norm": norm[mouse],
                }
                tables.append(block_tables(session, block, context, protocol.time_limit_s))
        if on_day is not None:
            on_day(day)
    return Results(*experiment_tables(tables))
