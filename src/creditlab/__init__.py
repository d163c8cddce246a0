"""creditlab: test hypotheses about how brains solve the credit-assignment problem.

The public API, re-exported lazily (importing ``creditlab`` does not import JAX)::

    from creditlab import make_network, init_params, simulate, LIF, ALIF, Rate
    from creditlab import Objective, bptt, eprop, EvidenceAccumulation, make_config, train
"""

from importlib import import_module
from typing import Any

_EXPORTS = {
    "Network": "creditlab.network",
    "Params": "creditlab.network",
    "make_network": "creditlab.network",
    "init_params": "creditlab.network",
    "simulate": "creditlab.network",
    "ClosedLoop": "creditlab.network",
    "InterneuronPopulation": "creditlab.network",
    "LIF": "creditlab.neurons",
    "ALIF": "creditlab.neurons",
    "Rate": "creditlab.neurons",
    "BurstingPyramidal": "creditlab.neurons",
    "Objective": "creditlab.objective",
    "Rule": "creditlab.rules",
    "RULES": "creditlab.rules",
    "bptt": "creditlab.rules",
    "eprop": "creditlab.rules",
    "TASKS": "creditlab.tasks",
    "Trials": "creditlab.tasks",
    "SineWaves": "creditlab.tasks",
    "EvidenceAccumulation": "creditlab.tasks",
    "DelayedMatch": "creditlab.tasks",
    "TrainConfig": "creditlab.config",
    "make_config": "creditlab.config",
    "load_config": "creditlab.config",
    "train": "creditlab.train",
    "Diverged": "creditlab.train",
    "adam_epsilon_hat": "creditlab.optimizers",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'creditlab' has no attribute {name!r}")
