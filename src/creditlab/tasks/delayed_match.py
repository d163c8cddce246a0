"""Delayed match-to-sample (``delayed-match``; as used by Liu et al. 2021).

Forty inputs in four groups of ten: "A" cue, "B" cue, recall and background noise. A
trial shows a first cue (A or B, ``cue_ms`` at ``input_rate_hz``), a delay of
``delay_ms``, a second cue, a second delay, then a recall period of ``recall_ms`` in
which the recall group fires. The network must report during recall whether the two
cues were the same (class 1, "match") or different (class 0). Default timing:
200 + 500 + 200 + 300 + 150 = 1350 ms at dt = 1 ms; background at ``noise_rate_hz``.
``delayed-match-liu`` is the same task for the network of Liu et al. 2021 (the
configuration of ``evidence-accumulation-liu``), with its inputs as Poisson counts
(``input_counts="poisson"``; Liu's released code has no delayed-match task, so this is
the evidence-accumulation choice carried over).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import jax
import jax.numpy as jnp
from jax import Array

from creditlab.tasks.base import Trials, check_choice, check_cue_timing, cue_trials, steps


@dataclass(frozen=True)
class DelayedMatch:
    """Timing and rates of delayed match-to-sample."""

    name: str = "delayed-match"
    kind: Literal["classification"] = "classification"
    dt: float = 1.0
    cue_ms: float = 200.0
    delay_ms: float = 500.0
    second_delay_ms: float = 300.0
    recall_ms: float = 150.0
    group_size: int = 10
    input_rate_hz: float = 40.0
    noise_rate_hz: float = 10.0
    input_counts: Literal["bernoulli", "poisson"] = "bernoulli"

    def __post_init__(self) -> None:
        check_choice("input_counts", self.input_counts, ("bernoulli", "poisson"))
        check_cue_timing(self)

    @property
    def n_in(self) -> int:
        return 4 * self.group_size

    @property
    def n_out(self) -> int:
        return 2

    @property
    def n_steps(self) -> int:
        durations = (self.cue_ms, self.delay_ms, self.cue_ms, self.second_delay_ms, self.recall_ms)
        return sum(steps(d, self.dt) for d in durations)

    def _one_trial(self, cues: Array) -> tuple[Array, Array, Array]:
        """Group on-masks ``[T, 3]``, targets ``[T, 2]`` and loss mask ``[T]`` of one trial."""
        label = (cues[0] == cues[1]).astype(jnp.int32)

        t = jnp.arange(self.n_steps)
        cue, delay = steps(self.cue_ms, self.dt), steps(self.delay_ms, self.dt)
        first = t < cue
        second = (t >= cue + delay) & (t < 2 * cue + delay)
        shown = jnp.where(first, cues[0], cues[1])
        in_cue = first | second
        recall = t >= self.n_steps - steps(self.recall_ms, self.dt)

        targets = jnp.broadcast_to(jax.nn.one_hot(label, 2), (self.n_steps, 2))
        groups_on = jnp.stack([in_cue & (shown == 0), in_cue & (shown == 1), recall], axis=1)
        return groups_on, targets, recall.astype(jnp.float32)

    def sample(self, key: Array, batch: int) -> Trials:
        k_cues, k_spikes = jax.random.split(key)
        cues = jax.random.bernoulli(k_cues, 0.5, (batch, 2)).astype(jnp.int32)
        groups_on, targets, mask = jax.vmap(self._one_trial)(cues)
        return cue_trials(k_spikes, groups_on, targets, mask, self)
