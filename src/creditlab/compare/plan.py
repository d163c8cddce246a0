"""What a comparison runs: its validated spec and the trials it is made of.

A comparison of rules R on tasks T has two phases per (task, rule):

1. tuning: C learning rates, log-spaced over two decades centred on the task's default
   (``make_config(task=...).learning_rate``), each trained with one tuning seed
   (``TUNING_SEED``, kept apart from the reported seeds so the choice is not fitted to
   them);
2. final: the K seeds 0 … K−1 at the learning rate whose tuning run ended with the
   lowest loss (mean of its last 10 % of iterations; a failed or diverged run never wins).

With one candidate (C = 1) there is nothing to choose: no tuning runs, and the final
seeds train at the task's default rate.

Every trial is a :class:`TrialSpec`, a plain dict away from JSON, and the unit of work
Ray schedules, of failure and of resumption.
"""

from __future__ import annotations

import hashlib
import json
from typing import Literal

import numpy as np
from pydantic import Field, ValidationError, field_validator, model_validator

from creditlab.config import Strict, make_config

TUNING_SEED = 1000


class CompareSpec(Strict):
    """A comparison, validated before anything runs (field names match the CLI's flags)."""

    plugins: tuple[str, ...] = Field((), description="users' rule files, run before the rules")
    tasks: tuple[str, ...] = Field(min_length=1)
    rules: tuple[str, ...] = Field(min_length=1)
    seeds: int = Field(3, ge=1, le=1000)
    iterations: int = Field(100, ge=1, le=10_000_000)
    lr_candidates: int = Field(3, ge=1, le=50)
    tuning_iterations: int | None = Field(None, ge=1, description="default: iterations")
    batch: int | None = Field(None, ge=1, description="default: each task's")
    n_rec: int | None = Field(None, ge=1, description="default: each task's")
    threshold: float = Field(
        0.5, gt=0, lt=1, description="iterations to reach this fraction of the initial loss"
    )
    alignment_draws: int = Field(8, ge=1, le=10_000)
    seed_batching: Literal["looped", "vmapped", "separate"] = Field(
        "looped",
        description="the K final seeds in one trial, each through train's own program "
        "(looped: train's numbers, bitwise) or as one vmapped program (vmapped: faster on a "
        "GPU, equal to rounding); or one trial per seed (separate)",
    )

    @field_validator("plugins")
    @classmethod
    def _load_plugins(cls, plugins: tuple[str, ...]) -> tuple[str, ...]:
        from creditlab.plugins import load_plugins

        return load_plugins(plugins)

    @field_validator("tasks")
    @classmethod
    def _known_tasks(cls, tasks: tuple[str, ...]) -> tuple[str, ...]:
        from creditlab.tasks import TASKS

        return _known(tasks, tuple(TASKS), "task")

    @field_validator("rules")
    @classmethod
    def _known_rules(cls, rules: tuple[str, ...]) -> tuple[str, ...]:
        from creditlab.rules import RULES

        return _known(rules, tuple(RULES), "rule")

    @model_validator(mode="after")
    def _every_run_is_valid(self) -> CompareSpec:
        """Every task × rule's config, built before anything runs (a rule that cannot
        run on a task fails here, not in a trial an hour in)."""
        from creditlab.compare.trial import trial_config

        for task in self.tasks:
            for rule in self.rules:
                try:
                    trial_config(
                        TrialSpec(
                            phase="check",
                            task=task,
                            rule=rule,
                            learning_rate=learning_rates(task, 1)[0],
                            seeds=(0,),
                            iterations=self.iterations,
                            batch=self.batch,
                            n_rec=self.n_rec,
                        )
                    )
                except ValidationError as error:
                    reasons = "; ".join(item["msg"] for item in error.errors())
                    raise ValueError(f"{rule} on {task}: {reasons}") from None
        return self


def _known(names: tuple[str, ...], allowed: tuple[str, ...], what: str) -> tuple[str, ...]:
    unknown = [name for name in names if name not in allowed]
    if unknown:
        raise ValueError(f"unknown {what} {unknown}; allowed: {', '.join(allowed)}")
    if len(set(names)) != len(names):
        raise ValueError(f"a {what} is listed twice: {list(names)}")
    return names


class TrialSpec(Strict):
    """One unit of work: a (task, rule, learning rate) trained for some seeds."""

    phase: str
    task: str
    rule: str
    learning_rate: float
    seeds: tuple[int, ...]
    iterations: int
    batch: int | None = None
    n_rec: int | None = None
    threshold: float = 0.5
    alignment_draws: int = 8
    plugins: tuple[str, ...] = ()
    batching: Literal["looped", "vmapped"] = "looped"

    @property
    def trial_id(self) -> str:
        """A stable, file-name-safe name (same spec, same id, so a resume finds it)."""
        unstated = set() if self.plugins else {"plugins"}  # ids from before these fields
        unstated |= {"batching"} if self.batching == "looped" else set()
        fields = self.model_dump(exclude=unstated)
        digest = hashlib.sha1(json.dumps(fields, sort_keys=True).encode()).hexdigest()
        return f"{self.phase}-{self.task}-{self.rule}-lr{self.learning_rate:.3g}-{digest[:8]}"


def learning_rates(task: str, candidates: int) -> list[float]:
    """C rates log-spaced over two decades around the task's default (one: the default)."""
    default = make_config(task=task, rule="bptt").learning_rate
    if candidates == 1:
        return [default]
    return [float(default * f) for f in np.logspace(-1, 1, candidates)]


def plan_tuning(spec: CompareSpec) -> list[TrialSpec]:
    """The tuning trials of every (task, rule); none with a single candidate rate."""
    if spec.lr_candidates == 1:
        return []
    return [
        TrialSpec(
            phase="tune",
            task=task,
            rule=rule,
            learning_rate=rate,
            seeds=(TUNING_SEED,),
            iterations=spec.tuning_iterations or spec.iterations,
            batch=spec.batch,
            n_rec=spec.n_rec,
            threshold=spec.threshold,
            alignment_draws=spec.alignment_draws,
            plugins=spec.plugins,
        )
        for task in spec.tasks
        for rule in spec.rules
        for rate in learning_rates(task, spec.lr_candidates)
    ]


def plan_final(spec: CompareSpec, task: str, rule: str, learning_rate: float) -> list[TrialSpec]:
    """The final trials of one (task, rule): all K seeds in one trial unless separate."""
    seeds = tuple(range(spec.seeds))
    separate = spec.seed_batching == "separate"
    groups = [(seed,) for seed in seeds] if separate else [seeds]
    return [
        TrialSpec(
            phase="final",
            task=task,
            rule=rule,
            learning_rate=learning_rate,
            seeds=group,
            iterations=spec.iterations,
            batch=spec.batch,
            n_rec=spec.n_rec,
            threshold=spec.threshold,
            alignment_draws=spec.alignment_draws,
            plugins=spec.plugins,
            batching="looped" if separate else spec.seed_batching,
        )
        for group in groups
    ]
