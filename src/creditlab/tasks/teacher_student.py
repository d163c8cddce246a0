"""A linear teacher–student task (``teacher-student``; Werfel, Xie & Seung 2005).

Inputs x ~ N(0, I_N) for one step; the target is a fixed random linear teacher,
y* = x W*, with W*_ij ~ N(0, 1/N) drawn from ``teacher_seed`` (so every run with the
same task sees the same teacher). N = ``inputs`` and M = ``outputs`` set the
dimensions Werfel et al. relate learning times to; the loss is the squared error.
:mod:`creditlab.analysis.learning_time` uses this task for their scaling law.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import jax
import jax.numpy as jnp
from jax import Array

from creditlab.tasks.base import Trials


@dataclass(frozen=True)
class TeacherStudent:
    """N inputs, M outputs, one step of ``dt`` ms per trial."""

    name: str = "teacher-student"
    kind: Literal["regression"] = "regression"
    dt: float = 1.0
    inputs: int = 20
    outputs: int = 5
    teacher_seed: int = 0

    @property
    def n_in(self) -> int:
        return self.inputs

    @property
    def n_out(self) -> int:
        return self.outputs

    @property
    def n_steps(self) -> int:
        return 1

    def teacher(self, dtype: jnp.dtype = jnp.float32) -> Array:
        """W* ``[N, M]``, entries N(0, 1/N) (drawn in float32 whatever ``dtype``)."""
        key = jax.random.key(self.teacher_seed)
        draw = jax.random.normal(key, (self.inputs, self.outputs), jnp.float32)
        return (draw / math.sqrt(self.inputs)).astype(dtype)

    def sample(self, key: Array, batch: int) -> Trials:
        x = jax.random.normal(key, (batch, 1, self.inputs), jnp.float32)
        targets = x @ self.teacher()
        return Trials(x, targets, jnp.ones((batch, 1)))
