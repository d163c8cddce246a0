"""A run's output folder: never overwritten, written atomically, readable without pickle.

Layout::

    DIR/config.json          the validated config, its seed, and the software versions
    DIR/metrics.parquet      one row per iteration
    DIR/checkpoint.npz       the last good parameters (numpy arrays, no pickle)
"""

from __future__ import annotations

import json
import os
import platform
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from creditlab.io.output_process import OutputProcess


class OutputExists(FileExistsError):
    """The output folder already holds results; a run never overwrites them."""


def _atomic_write(path: Path, write: Any) -> None:
    partial = path.with_name(f".{path.name}.partial")
    write(partial)
    os.replace(partial, path)


def write_metrics_file(path: Path, rows: Sequence[Mapping[str, float]]) -> None:
    """One row per iteration as a parquet table at ``path``, written atomically."""
    import pandas as pd

    frame = pd.DataFrame(list(rows), columns=None if rows else ["iteration", "loss", "wall_time_s"])
    _atomic_write(path, lambda p: frame.to_parquet(p, index=False))


class RunDirectory:
    """An output folder owned by one run. Refuses a folder that already has files in it.

    ``output_process``: an :class:`~creditlab.io.output_process.OutputProcess` that writes
    the metrics table in a second process (the command line's runs); None writes it here.
    """

    def __init__(self, path: Path | str, output_process: OutputProcess | None = None) -> None:
        self.path = Path(path)
        self.output_process = output_process
        if self.path.exists() and any(self.path.iterdir()):
            raise OutputExists(
                f"{self.path} already holds results; choose another --out (nothing was overwritten)"
            )
        self.path.mkdir(parents=True, exist_ok=True)

    def write_config(self, config: Mapping[str, Any]) -> None:
        import jax

        record = {
            "config": dict(config),
            "versions": {
                "creditlab": _version(),
                "jax": jax.__version__,
                "python": platform.python_version(),
                "machine": platform.machine(),
            },
        }
        _atomic_write(
            self.path / "config.json", lambda p: p.write_text(json.dumps(record, indent=2))
        )

    def write_metrics(self, rows: Sequence[Mapping[str, float]]) -> None:
        """``metrics.parquet``: here, or by the run's :class:`OutputProcess` if it has one."""
        path = self.path / "metrics.parquet"
        if self.output_process is None:
            write_metrics_file(path, rows)
        else:
            self.output_process.write_metrics(str(path), rows)

    def write_checkpoint(self, arrays: Mapping[str, Any], iteration: int) -> None:
        data = {name: np.asarray(value) for name, value in arrays.items()}

        def write(partial: Path) -> None:
            with open(partial, "wb") as handle:
                np.savez(handle, iteration=np.asarray(iteration), **data)

        _atomic_write(self.path / "checkpoint.npz", write)


def new_run_folder(parent: Path | str, stem: str) -> Path:
    """``parent/stem-YYYYMMDD-HHMMSS``, the local time now, with ``-2``, ``-3``, … added
    while that name is taken: where a run goes when it is given no folder."""
    import time

    base = Path(parent) / f"{stem}-{time.strftime('%Y%m%d-%H%M%S')}"
    folder, number = base, 1
    while folder.exists():
        number += 1
        folder = base.with_name(f"{base.name}-{number}")
    return folder


def load_checkpoint(path: Path | str) -> dict[str, np.ndarray]:
    """The arrays of a checkpoint (``allow_pickle=False``: a checkpoint is data, not code)."""
    with np.load(path, allow_pickle=False) as archive:
        return {name: archive[name] for name in archive.files}


def load_run_config(path: Path | str) -> dict[str, Any]:
    """The ``config`` part of a run's ``config.json``."""
    return json.loads(Path(path).read_text())["config"]


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("creditlab")
    except PackageNotFoundError:
        return "unknown"
