"""Compiling a program that runs once, cheaply.

XLA:CPU spends most of a small program's compile time in LLVM, generating and optimising
one kernel per fusion. A program that runs a single time (a run's initialisation: random
weights, masks, optimizer and rule state) never repays that. :func:`run_once` compiles it
without backend optimisation and with XLA's classic fusion emitters: for the sine-wave
run's initialisation 0.4 s instead of 1.2 s on the project's 2-core machine.

The result is deterministic (same program, seed and machine, same numbers) but not always
bit-identical to an optimised compile of the same function: measured, Gaussian draws
(``jax.random.normal``) differ in the last bit (1 ulp) for some entries, while key splits
and uniform draws are identical. Programs that run many times (a training step) keep XLA's
defaults.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax

RUN_ONCE_OPTIONS: dict[str, Any] = {
    "xla_backend_optimization_level": 0,
    "xla_cpu_use_fusion_emitters": False,
}


def run_once(function: Callable[..., Any], *args: Any) -> Any:
    """``jax.jit(function)(*args)``, compiled for a single call: with the options above
    on the CPU, with the backend's defaults elsewhere."""
    options = RUN_ONCE_OPTIONS if jax.default_backend() == "cpu" else {}
    return jax.jit(function).lower(*args).compile(options)(*args)
