"""Reading and writing results: run folders, checkpoints, tables.

Re-exported lazily, so that importing :mod:`creditlab.io.output_process` (which the
command line does first, before anything heavy) does not import numpy.
"""

from importlib import import_module
from typing import Any

_EXPORTS = {
    "OutputExists": "creditlab.io.run_directory",
    "RunDirectory": "creditlab.io.run_directory",
    "load_checkpoint": "creditlab.io.run_directory",
    "load_run_config": "creditlab.io.run_directory",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'creditlab.io' has no attribute {name!r}")
