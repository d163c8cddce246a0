"""The BCI trial protocol as a pure, frame-by-frame state machine (Francioni et al. 2026,
Fig. 1c), at the imaging frame rate (15 Hz).

    trial   up to 28 s; each frame shows the decoded angle. The first frame at 90° is
            a success: "target reached".
    success the 90° grating shows for 2 s from the frame that reached the target; the
            reward comes 1 s after that frame; then 1 s of black screen.
    failure after 28 s without reaching the target: 3 s of black screen.

The next trial starts after the black screen. The paper gives the 2 s of grating and the
1 s reward delay without saying whether the delay runs inside the 2 s. We take it that it
does, so either outcome is followed by 3 s before the next trial. Durations are rounded
to whole frames: 420, 15, 30, 15 and 45 frames at 15 Hz.

``step(state, angle) -> (state, FrameEvents)`` is pure and jit-able, so a closed loop runs
it inside the same scan as the network, and a batch of mice is a ``jax.vmap``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import jax
import jax.numpy as jnp
from jax import Array

TRIAL, GRATING, BLACK = 0, 1, 2
TARGET_DEGREES = 90.0


class ProtocolState(NamedTuple):
    """Which phase (``TRIAL``, ``GRATING``, ``BLACK``) the task is in, for how many
    frames, in which trial, and how long the current black screen lasts [frames]."""

    phase: Array
    frame: Array
    trial: Array
    black_frames: Array


class FrameEvents(NamedTuple):
    """What happened in one frame (each a scalar; stacked ``[frames]`` by a scan).

    ``shown`` is the angle on the screen [degrees], or −1 for black.
    """

    trial: Array
    phase: Array
    shown: Array
    reached: Array
    rewarded: Array
    failed: Array
    time_to_target_s: Array


@dataclass(frozen=True)
class Protocol:
    """Trial timing in seconds and the frame rate [Hz]."""

    frame_rate_hz: float = 15.0
    time_limit_s: float = 28.0
    reward_delay_s: float = 1.0
    grating_s: float = 2.0
    black_after_success_s: float = 1.0
    black_after_failure_s: float = 3.0

    def __post_init__(self) -> None:
        if min(self.frame_rate_hz, self.time_limit_s, self.grating_s) <= 0:
            raise ValueError("frame rate, time limit and grating time must be positive")
        if not 0 <= self.reward_delay_s < self.grating_s:
            raise ValueError(
                f"the reward ({self.reward_delay_s} s after reaching) must come while the "
                f"grating shows ({self.grating_s} s)"
            )

    def frames(self, seconds: float) -> int:
        return round(seconds * self.frame_rate_hz)

    def init(self) -> ProtocolState:
        zero = jnp.zeros((), jnp.int32)
        return ProtocolState(zero, zero, zero, zero)

    def step(self, state: ProtocolState, angle: Array) -> tuple[ProtocolState, FrameEvents]:
        """Advance one frame in which the decoder reads ``angle`` [degrees]."""
        limit, delay = self.frames(self.time_limit_s), self.frames(self.reward_delay_s)
        grating = self.frames(self.grating_s)
        in_trial, in_grating = state.phase == TRIAL, state.phase == GRATING
        in_black = state.phase == BLACK
        reached = in_trial & (angle >= TARGET_DEGREES)
        failed = in_trial & ~reached & (state.frame + 1 >= limit)
        rewarded = in_grating & (state.frame == delay)
        grating_done = in_grating & (state.frame + 1 >= grating)
        black_done = in_black & (state.frame + 1 >= state.black_frames)

        phase = jnp.select(
            [reached, failed | grating_done, black_done], [GRATING, BLACK, TRIAL], state.phase
        )
        changed = phase != state.phase
        black_frames = jnp.select(
            [failed, grating_done],
            [self.frames(self.black_after_failure_s), self.frames(self.black_after_success_s)],
            state.black_frames,
        )
        new_state = ProtocolState(
            phase=phase.astype(jnp.int32),
            # The frame that reaches the target is the grating's first: count from 1.
            frame=jnp.where(changed, reached.astype(jnp.int32), state.frame + 1).astype(jnp.int32),
            trial=(state.trial + black_done).astype(jnp.int32),
            black_frames=black_frames.astype(jnp.int32),
        )
        shown = jnp.select([in_trial, in_grating], [angle, TARGET_DEGREES], -1.0)
        events = FrameEvents(
            trial=state.trial,
            phase=state.phase,
            shown=jnp.where(reached, TARGET_DEGREES, shown),
            reached=reached,
            rewarded=rewarded,
            failed=failed,
            time_to_target_s=jnp.where(reached, (state.frame + 1) / self.frame_rate_hz, jnp.nan),
        )
        return new_state, events


def run_protocol(protocol: Protocol, angles: Array) -> FrameEvents:
    """Run the protocol over decoded angles ``[frames]``; events stacked ``[frames]``."""
    _, events = jax.lax.scan(protocol.step, protocol.init(), angles)
    return events


def accuracy(events: FrameEvents) -> Array:
    """Fraction of finished trials that were successes (NaN if none finished)."""
    successes, failures = jnp.sum(events.reached), jnp.sum(events.failed)
    return successes / jnp.where(successes + failures > 0, successes + failures, jnp.nan)
