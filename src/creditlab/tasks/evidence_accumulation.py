"""Evidence accumulation (``evidence-accumulation``; Bellec et al. 2020 Fig. 3, Liu et al. 2021).

Forty inputs in four groups of ten: left cues, right cues, recall and background noise.
A trial is ``n_cues`` cues, each ``spacing_ms`` of silence followed by ``cue_ms`` of
``input_rate_hz`` firing in the left or the right group, then a delay, then a recall
period of ``recall_ms`` in which the recall group fires. Background neurons fire at
``noise_rate_hz`` throughout. The network must report, during the recall period, the
side that got more cues (2 classes; ``n_cues`` is odd, so there is no tie).

Default timing (NEST's example): 7 × (100 + 50) ms of cues, 1050 ms delay, 150 ms
recall: 2250 ms per trial at dt = 1 ms. Each cue goes to the trial's majority side
with probability ``1 − minority_probability`` (0.7 by default). The loss is scored over
the whole recall period, or over its last ``scored_ms`` only.

``evidence-accumulation-liu`` (:func:`liu_evidence_accumulation`) is the version of
Liu et al. 2021's code: 2000 ms trials (7 × 150 ms of cues, 800 ms delay, 150 ms
recall), scored at the last step only, each cue first and its gap after
(``cue_order="cue-first"``: the recall starts 850 ms after the last cue ends), input
spikes as Poisson counts (``input_counts="poisson"``: more than one a step possible),
and the B trials of a batch B distinct cue patterns drawn without replacement from the
2^n_cues (``cue_patterns="distinct"``: each cue then a fair coin, as with
``minority_probability`` 0.5). The defaults of :class:`EvidenceAccumulation` are the
earlier choices (gap first, Bernoulli spikes, independent cues).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import jax
import jax.numpy as jnp
from jax import Array

from creditlab.tasks.base import Trials, check_choice, check_cue_timing, cue_trials, steps


@dataclass(frozen=True)
class EvidenceAccumulation:
    """Timing and rates of the evidence-accumulation task."""

    name: str = "evidence-accumulation"
    kind: Literal["classification"] = "classification"
    dt: float = 1.0
    n_cues: int = 7
    cue_ms: float = 100.0
    spacing_ms: float = 50.0
    delay_ms: float = 1050.0
    recall_ms: float = 150.0
    group_size: int = 10
    input_rate_hz: float = 40.0
    noise_rate_hz: float = 10.0
    minority_probability: float = 0.3
    scored_ms: float | None = None
    cue_order: Literal["gap-first", "cue-first"] = "gap-first"
    cue_patterns: Literal["independent", "distinct"] = "independent"
    input_counts: Literal["bernoulli", "poisson"] = "bernoulli"

    def __post_init__(self) -> None:
        check_choice("cue_order", self.cue_order, ("gap-first", "cue-first"))
        check_choice("cue_patterns", self.cue_patterns, ("independent", "distinct"))
        check_choice("input_counts", self.input_counts, ("bernoulli", "poisson"))
        check_cue_timing(self)
        if self.n_cues < 1 or self.n_cues % 2 == 0:
            raise ValueError(
                f"n_cues must be odd and ≥ 1 (the label is the side with more cues; an even "
                f"number allows ties), got {self.n_cues}"
            )
        if not 0 <= self.minority_probability <= 1:
            raise ValueError(
                f"minority_probability must be in [0, 1], got {self.minority_probability}"
            )
        if self.cue_patterns == "distinct" and self.minority_probability != 0.5:
            raise ValueError(
                "cue_patterns='distinct' draws every pattern equally often, so each cue is a "
                f"fair coin: set minority_probability to 0.5 (got {self.minority_probability})"
            )

    @property
    def n_in(self) -> int:
        return 4 * self.group_size

    @property
    def largest_batch(self) -> int | None:
        """The most trials a batch may hold: 2^n_cues distinct patterns, or no limit."""
        return 2**self.n_cues if self.cue_patterns == "distinct" else None

    @property
    def n_out(self) -> int:
        return 2

    @property
    def n_steps(self) -> int:
        per_cue = steps(self.cue_ms + self.spacing_ms, self.dt)
        return (
            self.n_cues * per_cue + steps(self.delay_ms, self.dt) + steps(self.recall_ms, self.dt)
        )

    def _one_trial(self, majority: Array, with_majority: Array) -> tuple[Array, Array, Array]:
        """Group on-masks ``[T, 3]``, targets ``[T, 2]`` and loss mask ``[T]`` of one trial."""
        cue_sides = jnp.where(with_majority, majority, 1 - majority)
        label = (2 * jnp.sum(cue_sides) > self.n_cues).astype(jnp.int32)

        t = jnp.arange(self.n_steps)
        per_cue = steps(self.cue_ms + self.spacing_ms, self.dt)
        cue_index = t // per_cue
        within = t % per_cue
        if self.cue_order == "gap-first":
            in_cue = (cue_index < self.n_cues) & (within >= steps(self.spacing_ms, self.dt))
        else:
            in_cue = (cue_index < self.n_cues) & (within < steps(self.cue_ms, self.dt))
        side_now = cue_sides[jnp.minimum(cue_index, self.n_cues - 1)]
        recall = t >= self.n_steps - steps(self.recall_ms, self.dt)
        scored = recall
        if self.scored_ms is not None:
            scored = t >= self.n_steps - steps(min(self.scored_ms, self.recall_ms), self.dt)

        targets = jnp.broadcast_to(jax.nn.one_hot(label, 2), (self.n_steps, 2))
        groups_on = jnp.stack([in_cue & (side_now == 0), in_cue & (side_now == 1), recall], axis=1)
        return groups_on, targets, scored.astype(jnp.float32)

    def sample(self, key: Array, batch: int) -> Trials:
        k_side, k_cues, k_spikes = jax.random.split(key, 3)
        if self.cue_patterns == "distinct":
            with_majority = self._distinct_patterns(k_cues, batch)
            majority = jnp.zeros(batch, jnp.int32)  # the pattern itself gives each side
        else:
            majority = jax.random.bernoulli(k_side, 0.5, (batch,)).astype(jnp.int32)
            with_majority = jax.random.bernoulli(
                k_cues, 1.0 - self.minority_probability, (batch, self.n_cues)
            )
        groups_on, targets, mask = jax.vmap(self._one_trial)(majority, with_majority)
        return cue_trials(k_spikes, groups_on, targets, mask, self)

    def _distinct_patterns(self, key: Array, batch: int) -> Array:
        """``[batch, n_cues]`` bools: the binary digits of ``batch`` distinct numbers drawn
        without replacement from 0 … 2^n_cues − 1 (True: the cue is on side 0)."""
        patterns = 2**self.n_cues
        if batch > patterns:
            raise ValueError(
                f"cue_patterns='distinct' needs a batch of at most 2^n_cues = {patterns} "
                f"trials, got {batch}"
            )
        numbers = jax.random.permutation(key, patterns)[:batch]
        bits = (numbers[:, None] >> jnp.arange(self.n_cues)[None, :]) & 1
        return bits == 0


def liu_evidence_accumulation() -> EvidenceAccumulation:
    """The task of Liu et al. 2021's released code (module docstring)."""
    return EvidenceAccumulation(
        name="evidence-accumulation-liu", delay_ms=800.0, minority_probability=0.5, scored_ms=1.0,
        cue_order="cue-first", cue_patterns="distinct", input_counts="poisson",
    )  # fmt: skip
