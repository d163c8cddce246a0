"""A run's output folder: never overwritten, written atomically, readable without pickle.

Layout::

    DIR/config.json          the validated config, its seed, and the software versions
    DIR/metrics.parquet      one row per iteration
    DIR/checkpoint.npz       the whole training state (:mod:`creditlab.io.checkpoint`)
    DIR/status.json          running, complete, interrupted or diverged, and the iteration
    DIR/.lock                held (``flock``) by the process writing the folder

The lock refuses a second run into a folder a running job is writing; the operating
system releases it when that job ends, however it ends.
"""

from __future__ import annotations

import fcntl
import json
import os
import platform
import shlex
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from creditlab.io.output_process import OutputProcess


class OutputExists(FileExistsError):
    """The output folder already holds results; a run never overwrites them."""


class OutputLocked(OutputExists):
    """A running job is writing the output folder."""


LOCK = ".lock"
STATUSES = ("running", "complete", "interrupted", "diverged")


def _lock(folder: Path) -> int:
    """Hold ``folder/.lock`` (released when the returned descriptor closes or the process
    ends); refuses a folder another running job holds."""
    handle = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(handle)
        raise OutputLocked(
            f"{folder} is being written by a running job; wait for it or choose another --out"
        ) from None
    return handle


def check_out(path: Path) -> None:
    """Refuse an ``--out`` that cannot be a folder this run writes, before any work."""
    for parent in (path, *path.parents):
        if parent.exists() and not parent.is_dir():
            raise OutputExists(f"{path}: {parent} is a file, not a folder; choose another --out")
        if parent.exists():
            try:  # a real attempt: root passes os.access, not a read-only mount or /proc
                os.rmdir(tempfile.mkdtemp(prefix=".creditlab-probe-", dir=parent))
            except OSError as error:
                raise OutputExists(
                    f"{path}: {parent} cannot be written ({error.strerror}); choose another --out"
                ) from None
            return


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

    def __init__(
        self,
        path: Path | str,
        output_process: OutputProcess | None = None,
        *,
        resume: bool = False,
    ) -> None:
        """``resume``: the folder may hold results (the caller has checked they are this
        run's own); otherwise a folder holding anything is refused."""
        self.path = Path(path)
        self.output_process = output_process
        self._lock: int | None = None
        check_out(self.path)
        self.path.mkdir(parents=True, exist_ok=True)
        self._lock = _lock(self.path)
        if not resume and any(p.name != LOCK for p in self.path.iterdir()):
            self.release()
            raise OutputExists(
                f"{self.path} already holds results; choose another --out (nothing was overwritten)"
            )

    def release(self) -> None:
        """Let another job write the folder (also done when this process ends)."""
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None

    def __del__(self) -> None:
        self.release()

    def __enter__(self) -> RunDirectory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def mark(self, status: str, iteration: int) -> None:
        """``status.json``: whether the run is running, complete, interrupted or diverged."""
        write_status(self.path, status, iteration)

    def write_config(self, config: Mapping[str, Any]) -> None:
        import jax

        record = {
            "config": dict(config),
            "command": shlex.join([Path(sys.argv[0]).name, *sys.argv[1:]]),
            "started": time.strftime("%FT%T%z"),
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

    def write_checkpoint(self, arrays: Mapping[str, np.ndarray]) -> None:
        """``checkpoint.npz`` (its entries: :func:`creditlab.io.checkpoint.checkpoint_arrays`),
        replaced atomically: a crash leaves the previous one whole."""
        write_arrays(self.path / "checkpoint.npz", arrays)


def write_arrays(path: Path, arrays: Mapping[str, np.ndarray]) -> None:
    """``arrays`` as one ``.npz`` at ``path``, replaced atomically (a crash leaves the
    previous file whole)."""

    def write(partial: Path) -> None:
        with open(partial, "wb") as handle:
            np.savez(handle, **arrays)

    _atomic_write(path, write)


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


def write_status(folder: Path | str, status: str, iteration: int) -> None:
    """``folder/status.json``: ``status`` (one of :data:`STATUSES`) after ``iteration``
    steps of the run (iterations, or days for an experiment), and when."""
    if status not in STATUSES:
        raise ValueError(f"status must be one of {STATUSES}, got {status!r}")
    record = {"status": status, "iteration": iteration, "time": time.strftime("%FT%T%z")}
    path = Path(folder) / "status.json"
    _atomic_write(path, lambda p: p.write_text(json.dumps(record, indent=1)))


def read_status(folder: Path | str) -> dict[str, Any] | None:
    """A run folder's ``status.json`` (None where it has none)."""
    path = Path(folder) / "status.json"
    return json.loads(path.read_text()) if path.is_file() else None


def load_run_config(path: Path | str) -> dict[str, Any]:
    """The ``config`` part of a run's ``config.json``."""
    return json.loads(Path(path).read_text())["config"]


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("creditlab")
    except PackageNotFoundError:
        return "unknown"
