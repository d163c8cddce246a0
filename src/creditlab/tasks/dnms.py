"""Delayed non-match-to-sample (``dnms``; Miconi 2017, eLife 6:e20899, Fig. 1).

Two stimulus channels, A and B, and a constant bias input of ``bias`` = 0.25 (Miconi
clamps three units at ±1 instead, which reach the others through recurrent weights of
standard deviation G/√N ≈ 0.1; a bias of 1 through input weights of standard deviation
1/√3 is strong enough to quench the network's chaotic dynamics and with them its
memory of the first stimulus). A trial of 1000 ms at dt = 1 ms shows a first stimulus
(A or B, input 1 on its channel) for ``stimulus_ms`` = 200 ms, a delay of 200 ms, a
second stimulus for 200 ms, and a delay of 200 ms; the network answers during the
last ``response_ms`` = 200 ms, the only time the loss and reward count. The answer is
the class of the readout averaged over the response window: 0 "non-match" when the
stimuli differ (the rewarded response in the non-match task), 1 "match" when they are
equal. The four
conditions (AA, AB, BA, BB) are numbered 0–3 in ``Trials.condition``, so reward-based
rules can keep one baseline per trial type, as Miconi does.

Inputs are rates (0 or 1), not spikes: the task is meant for rate networks (200 units,
τ = 30 ms), as in the paper.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import jax
import jax.numpy as jnp
from jax import Array

from creditlab.tasks.base import Trials, steps


@dataclass(frozen=True)
class DelayedNonMatch:
    """Timing of delayed non-match-to-sample."""

    name: str = "dnms"
    kind: Literal["classification"] = "classification"
    dt: float = 1.0
    stimulus_ms: float = 200.0
    delay_ms: float = 200.0
    response_ms: float = 200.0
    bias: float = 0.25
    conditions: int = 4

    @property
    def n_in(self) -> int:
        return 3

    @property
    def n_out(self) -> int:
        return 2

    @property
    def n_steps(self) -> int:
        return steps(2 * self.stimulus_ms + 2 * self.delay_ms + self.response_ms, self.dt)

    def trial(self, condition: Array) -> tuple[Array, Array, Array]:
        """Inputs ``[T, 3]``, one-hot targets ``[T, 2]`` and response mask ``[T]``."""
        first, second = condition // 2, condition % 2
        t = jnp.arange(self.n_steps)
        stimulus, delay = steps(self.stimulus_ms, self.dt), steps(self.delay_ms, self.dt)
        in_first = t < stimulus
        in_second = (t >= stimulus + delay) & (t < 2 * stimulus + delay)
        channel = jnp.where(in_first, first, second)
        shown = in_first | in_second
        stimuli = jnp.stack([shown & (channel == 0), shown & (channel == 1)], axis=1)
        stimuli = stimuli.astype(jnp.float32)
        bias = jnp.full((self.n_steps, 1), self.bias, jnp.float32)
        inputs = jnp.concatenate([stimuli, bias], axis=1)
        label = (first == second).astype(jnp.int32)
        targets = jnp.broadcast_to(jax.nn.one_hot(label, 2), (self.n_steps, 2))
        response = t >= self.n_steps - steps(self.response_ms, self.dt)
        return inputs, targets, response.astype(jnp.float32)

    def sample(self, key: Array, batch: int) -> Trials:
        condition = jax.random.randint(key, (batch,), 0, self.conditions)
        inputs, targets, mask = jax.vmap(self.trial)(condition)
        return Trials(inputs, targets, mask, condition)
