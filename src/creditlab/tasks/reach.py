"""Closed-loop reaching with a late reward (``reach``).

The readout y is the position of a one-dimensional cursor, and the network senses it:
y^{t−1} feeds back into every neuron through fixed weights F (``Network.readout_feedback``,
drawn with ``feedback_gain`` [mV]), so what the network does changes what it receives.
A trial shows a cue for ``cue_ms`` = 100 ms, one of two groups of ``group_size`` Poisson
inputs at ``input_rate_hz`` (left or right target, y* = −1 or +1), then nothing but
background noise while the cursor moves. Only the final ``hold_ms`` = 100 ms of a
500 ms trial count: the loss is the squared distance to the target there, and a trial
succeeds when its root-mean-square distance there is below 0.5. Reward-based rules get
that outcome at the end of the trial, or ``reward_delay_ms`` later; nothing along the
way. Conditions (``Trials.condition``): 0 left, 1 right.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import jax
import jax.numpy as jnp
from jax import Array

from creditlab.tasks.base import Trials, poisson_spikes, steps


@dataclass(frozen=True)
class Reach:
    """Timing, rates and the closed loop's feedback gain."""

    name: str = "reach"
    kind: Literal["regression"] = "regression"
    dt: float = 1.0
    cue_ms: float = 500.0
    duration_ms: float = 500.0
    hold_ms: float = 100.0
    group_size: int = 10
    input_rate_hz: float = 40.0
    noise_rate_hz: float = 10.0
    feedback_gain: float = 0.5
    conditions: int = 2

    @property
    def n_in(self) -> int:
        return 3 * self.group_size

    @property
    def n_out(self) -> int:
        return 1

    @property
    def n_steps(self) -> int:
        return steps(self.duration_ms, self.dt)

    def sample(self, key: Array, batch: int) -> Trials:
        k_side, k_spikes = jax.random.split(key)
        side = jax.random.bernoulli(k_side, 0.5, (batch,)).astype(jnp.int32)
        t = jnp.arange(self.n_steps)
        cue = t < steps(self.cue_ms, self.dt)
        groups = jnp.stack([jnp.outer(side == 0, cue), jnp.outer(side == 1, cue)], axis=-1)
        rates = jnp.concatenate(
            [
                jnp.where(groups, self.input_rate_hz, 0.0),
                jnp.full((batch, self.n_steps, 1), self.noise_rate_hz),
            ],
            axis=-1,
        )
        inputs = poisson_spikes(k_spikes, jnp.repeat(rates, self.group_size, axis=-1), self.dt)
        target = (2.0 * side - 1.0)[:, None, None]
        targets = jnp.broadcast_to(target, (batch, self.n_steps, 1)).astype(jnp.float32)
        hold = t >= self.n_steps - steps(self.hold_ms, self.dt)
        mask = jnp.broadcast_to(hold, (batch, self.n_steps)).astype(jnp.float32)
        return Trials(inputs, targets, mask, side)
