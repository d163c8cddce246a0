"""Pattern generation: reproduce a sum of sines from frozen Poisson input (``sine-waves``).

As in NEST's ``eprop_supervised_regression_sine-waves_bsshslm_2020`` example and
Bellec et al. 2020 (Fig. 2): 100 input neurons fire at ``input_rate_hz`` with one spike
pattern that is frozen across iterations; the single readout must follow

    y*(t) = Σ_k a_k sin(φ_k + 2π ⌊T/P_k⌋ t/(T−1)),     P = (1000, 500, 333, 200) ms,

amplitudes ``a_k ~ U(0.5, 2)`` and phases ``φ_k ~ U(0, 2π)``, then shifted to start at 0
and scaled to a maximum |y*| of 1 (as NEST's example does). One trial is 1000 ms (1000
steps of 1 ms); the loss counts at every step. The pattern (input and target) depends
only on ``pattern_seed``; every trial of every batch repeats it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import jax.numpy as jnp
import numpy as np
from jax import Array

from creditlab.tasks.base import Trials, steps


@dataclass(frozen=True)
class SineWaves:
    """Timing and rates of the pattern-generation task."""

    name: str = "sine-waves"
    kind: Literal["regression"] = "regression"
    dt: float = 1.0
    duration_ms: float = 1000.0
    inputs: int = 100
    input_rate_hz: float = 50.0
    periods_ms: tuple[float, ...] = (1000.0, 500.0, 333.0, 200.0)
    pattern_seed: int = 0

    @property
    def n_in(self) -> int:
        return self.inputs

    @property
    def frozen_inputs(self) -> bool:
        """Every trial is the same pattern: held-out trials are the training ones."""
        return True

    @property
    def n_out(self) -> int:
        return 1

    @property
    def n_steps(self) -> int:
        return steps(self.duration_ms, self.dt)

    def pattern(self) -> tuple[np.ndarray, np.ndarray]:
        """The frozen input ``[T, n_in]`` and target ``[T, 1]``.

        Drawn once with numpy's PCG64 from ``pattern_seed``: the pattern is data, fixed
        for the whole run, so it costs no compilation.
        """
        rng = np.random.default_rng(self.pattern_seed)
        n_sines = len(self.periods_ms)
        amplitudes = rng.uniform(0.5, 2.0, n_sines)
        phases = rng.uniform(0.0, 2 * np.pi, n_sines)
        cycles = np.floor(self.duration_ms / np.asarray(self.periods_ms))
        progress = np.linspace(0.0, 1.0, self.n_steps)[:, None]
        waves = amplitudes * np.sin(phases + 2 * np.pi * cycles * progress)
        probability = min(self.input_rate_hz * self.dt * 1e-3, 1.0)
        spikes = rng.random((self.n_steps, self.n_in)) < probability
        target = waves.sum(axis=1, keepdims=True)
        target = (target - target[0]) / max(np.abs(target - target[0]).max(), 1e-6)
        return spikes.astype(np.float32), target.astype(np.float32)

    def sample(self, key: Array, batch: int) -> Trials:
        """``batch`` copies of the frozen pattern (``key`` is unused: the input is frozen)."""
        del key
        inputs, target = self.pattern()
        return Trials(
            inputs=jnp.broadcast_to(inputs, (batch, *inputs.shape)),
            targets=jnp.broadcast_to(target, (batch, *target.shape)),
            mask=jnp.ones((batch, self.n_steps)),
        )
