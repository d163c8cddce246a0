"""Compiling a program that runs once, cheaply; compiling another in the background.

XLA:CPU spends most of a small program's compile time in LLVM, generating and optimising
one kernel per fusion. A program that runs a single time (a run's initialisation: random
weights, masks, optimizer and rule state) never repays that. :func:`run_once` compiles it
without backend optimisation and with XLA's classic fusion emitters: for the sine-wave
run's initialisation 0.4 s instead of 1.2 s on the project's 2-core machine.

The result is deterministic (same program, seed and machine, same numbers) but not always
bit-identical to an optimised compile of the same function: measured, Gaussian draws
(``jax.random.normal``) differ in the last bit (1 ulp) for some entries, while key splits
and uniform draws are identical. Programs that run many times (a training step) keep XLA's
defaults; :class:`BackgroundCompile` compiles one on a thread meanwhile.
"""

from __future__ import annotations

import threading
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
    return run_traced_once(jax.jit(function).trace(*args), *args)


def run_traced_once(traced: Any, *args: Any) -> Any:
    """:func:`run_once` of a function already traced (``jax.jit(f).trace(*args)``)."""
    return compile_for_few_calls(traced)(*args)


def compile_for_few_calls(traced: Any) -> Any:
    """The executable :func:`run_traced_once` calls, for a program run once per seed."""
    options = RUN_ONCE_OPTIONS if jax.default_backend() == "cpu" else {}
    return traced.lower().compile(options)


class BackgroundCompile:
    """``lowered.compile()`` on a thread; :meth:`result` waits for the executable.

    XLA compiles without holding Python's lock, so the caller can meanwhile trace, compile
    and run something else: :func:`creditlab.train.build_training` compiles a run's
    training step this way while it draws the initial state (0.1–0.3 s of the sine-wave
    run's 2.4 s of set-up on 2 cores).
    """

    def __init__(self, lowered: Any) -> None:
        self._compiled: Any = None
        self._error: BaseException | None = None

        def compile_it() -> None:
            try:
                self._compiled = lowered.compile()
            except BaseException as error:  # re-raised by result()
                self._error = error

        self._thread = threading.Thread(target=compile_it, daemon=True)
        self._thread.start()

    def result(self) -> Any:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._compiled
