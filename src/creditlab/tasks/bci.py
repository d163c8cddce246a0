"""The brain-computer-interface task of Francioni et al. 2026 as a closed-loop
environment: the decoder (:mod:`.bci_decoder`) and the trial protocol
(:mod:`.bci_protocol`), one step per imaging frame.

Each frame, the environment reads the somatic ΔF/F0 of the two control populations P+
and P−, turns it into a grating angle (7 bins, 0° to 90°), shows it, and rewards or
fails the trial. It returns what the animal can perceive:

    e^t = 1 − angle^t / 90°   during a trial (else 0)   the binned angle's distance
                                                        to the target, never the
                                                        decoder's unbinned value
    R^t = 1 at the reward (1 s after reaching the target), o^t = 1 at a reward or a
    failure (else 0)

``init() -> state`` and ``step(state, decoder, plus, minus) -> (state, Perceived)`` are
pure and jit-able, so the environment runs inside the same scan as the circuit and the
rule; mice are a ``jax.vmap`` (the decoder is each mouse's own).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import jax.numpy as jnp
from jax import Array

from creditlab.tasks.bci_decoder import Decoder, decode_angle
from creditlab.tasks.bci_protocol import (
    TARGET_DEGREES,
    TRIAL,
    FrameEvents,
    Protocol,
    ProtocolState,
)


class Perceived(NamedTuple):
    """One frame's outcome: the protocol's events, the error e, reward R and outcome o."""

    events: FrameEvents
    error: Array
    reward: Array
    outcome: Array


@dataclass(frozen=True)
class BCIEnvironment:
    """The decoder and the protocol's timing (module docstring)."""

    protocol: Protocol = field(default_factory=Protocol)

    def init(self) -> ProtocolState:
        return self.protocol.init()

    def step(
        self, state: ProtocolState, decoder: Decoder, plus: Array, minus: Array
    ) -> tuple[ProtocolState, Perceived]:
        """One frame from P+ and P− ΔF/F0 (``[n_plus]``, ``[n_minus]``)."""
        angle = decode_angle(decoder, plus, minus)
        state, events = self.protocol.step(state, angle)
        in_trial = (events.phase == TRIAL) & ~events.reached
        error = jnp.where(in_trial, 1.0 - angle / TARGET_DEGREES, 0.0)
        reward = events.rewarded.astype(error.dtype)
        outcome = (events.rewarded | events.failed).astype(error.dtype)
        return state, Perceived(events, error, reward, outcome)
