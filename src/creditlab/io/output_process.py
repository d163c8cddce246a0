"""Writing a run's metrics table and learning-curve plot from a second process.

pandas, pyarrow and matplotlib take about 1.2 s to import on the project's 2-core machine,
and a plot 0.2–0.4 s to draw: a sixth of a short run (NEST's sine-wave workload takes
about 8 s in all). An :class:`OutputProcess` starts a second Python that imports them
while this one imports JAX and compiles, then carries out each job it is sent. The files
are the ones the same functions write in-process (:data:`JOBS`): the same bytes of data,
only written elsewhere.

Nothing is lost on a crash:

* the child ignores Ctrl-C (a terminal sends it to both processes) and, when its input
  closes, finishes every job it has received before it exits; :meth:`OutputProcess.finish`
  waits for it;
* each job rewrites its whole file atomically, so if the child cannot start or fails,
  :meth:`~OutputProcess.finish` writes the latest version of every file in this process.

Jobs travel as one JSON line each (paths, metric rows of floats, titles): the child never
unpickles anything.

    python -m creditlab.io.output_process      # the child; reads jobs from stdin
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

_TABLES: dict[str, list[dict[str, float]]] = {}
"""The child's metric rows per table path: each ``metrics`` job brings only the new rows."""


def _append_metrics(path: str, rows: list[dict[str, float]]) -> None:
    from creditlab.io.run_directory import write_metrics_file

    table = _TABLES.setdefault(path, [])
    table.extend(rows)
    write_metrics_file(Path(path), table)


def _plot_learning_curves(path: str, runs: dict[str, list[dict[str, float]]], title: str) -> None:
    from creditlab.report import plot_learning_curves

    plot_learning_curves(runs, Path(path), title=title)


JOBS: dict[str, Callable[..., None]] = {
    "metrics": _append_metrics,
    "learning_curves": _plot_learning_curves,
}


def run_job(job: dict[str, Any]) -> None:
    """Carry out one job ``{"job": name, **arguments}``."""
    arguments = dict(job)
    JOBS[arguments.pop("job")](**arguments)


class OutputProcess:
    """A child process that writes metrics tables and plots; see the module docstring.

    :meth:`write_metrics` and :meth:`submit` return at once: a feeder thread hands jobs to
    the child, so a child still importing never blocks training. Use as a context manager,
    or call :meth:`finish` when the run is over.

    Only the latest job per file is kept for the fallback, and a metrics table sends the
    child only its new rows: a long run with many checkpoints costs neither memory nor
    time that grows with the square of its length.
    """

    def __init__(self) -> None:
        self._fallback: dict[str, Callable[[], None]] = {}  # the latest job per file
        self._rows_sent: dict[str, int] = {}
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._finished = False
        self._errors = tempfile.TemporaryFile()  # noqa: SIM115  (closed by finish())
        try:
            self._child: subprocess.Popen[str] | None = subprocess.Popen(
                [sys.executable, "-m", __name__],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=self._errors,
                text=True,
            )
        except OSError:
            self._child = None
        self._feeder = threading.Thread(target=self._feed, daemon=True)
        self._feeder.start()

    def write_metrics(self, path: str, rows: Sequence[Mapping[str, float]]) -> None:
        """Write ``rows`` (every row so far; earlier ones unchanged) as the table ``path``."""
        from creditlab.io.run_directory import write_metrics_file

        sent, count = self._rows_sent.get(path, 0), len(rows)
        self._rows_sent[path] = count
        self._fallback[path] = lambda: write_metrics_file(Path(path), rows[:count])
        new_rows = [dict(row) for row in rows[sent:count]]
        self._queue.put(json.dumps({"job": "metrics", "path": path, "rows": new_rows}))

    def submit(self, job: str, *, path: str, **arguments: Any) -> None:
        """Queue ``job`` (a key of :data:`JOBS` other than ``metrics``), which writes
        ``path``, with JSON-serialisable ``arguments``."""
        if job not in JOBS or job == "metrics":
            raise ValueError(f"unknown output job {job!r}; known: learning_curves")
        record = {"job": job, "path": path, **arguments}
        self._fallback[path] = lambda: run_job(record)
        self._queue.put(json.dumps(record))

    def _feed(self) -> None:
        while (line := self._queue.get()) is not None:
            if self._child is None:
                continue
            try:
                self._child.stdin.write(line + "\n")
                self._child.stdin.flush()
            except (BrokenPipeError, OSError, ValueError):
                pass  # the child died; finish() notices and writes in-process
        if self._child is not None:
            with contextlib.suppress(BrokenPipeError, OSError):
                self._child.stdin.close()

    def finish(self) -> None:
        """Wait until every submitted job is written; if the child failed, write them here."""
        if self._finished:
            return
        self._close_input()
        if self._child is not None and self._child.wait() == 0:
            self._errors.close()
            return
        from rich.console import Console

        self._errors.seek(0)
        Console(stderr=True).print(
            "[yellow]the output process failed; writing metrics and plots here[/]",
            self._errors.read().decode(errors="replace")[-2000:],
        )
        self._errors.close()
        for write in self._fallback.values():
            write()

    def _close_input(self) -> None:
        """No more jobs: the feeder hands over what is queued and closes the child's input."""
        self._finished = True
        self._queue.put(None)
        self._feeder.join()

    def abandon(self) -> None:
        """Stop the child without waiting for it; for a process that was given no job."""
        self._close_input()
        if self._child is not None:
            self._child.kill()
            self._child.wait()
        self._errors.close()

    def __enter__(self) -> OutputProcess:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.finish()


_started_early: OutputProcess | None = None


def start_early() -> None:
    """Start the output process of the command's first run now.

    Called by the console script (:mod:`creditlab.__main__`) before it imports the
    command line, pydantic and JAX, so that the child's imports (1.5 s of CPU) run
    beside those, on a core that is otherwise idle, rather than beside the compilation.
    """
    global _started_early
    _started_early = OutputProcess()


def open_output_process() -> OutputProcess:
    """The process :func:`start_early` started, the first time; a new one after that."""
    global _started_early
    process, _started_early = _started_early or OutputProcess(), None
    return process


def stop_unused() -> None:
    """Stop a process :func:`start_early` started for a run that never came (``--help``,
    a bad config): it has nothing to write."""
    global _started_early
    if _started_early is not None:
        _started_early.abandon()
        _started_early = None


def main() -> None:
    """The child: import the writers' libraries and draw a throwaway plot (a first figure
    loads fonts and builds text layouts: 0.3 s), then run each job read from stdin."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import io

    import pandas  # noqa: F401  (imported now, used by the jobs)
    import pyarrow.parquet  # noqa: F401

    from creditlab.report import plot_learning_curves

    rows = [{"iteration": i, "loss": 10.0**-i, "accuracy": 0.5} for i in range(3)]
    plot_learning_curves({"warm-up": rows}, io.BytesIO(), title="warm-up")
    for line in sys.stdin:
        run_job(json.loads(line))
    # Every file is written and closed; skip the interpreter's teardown (0.2 s with pandas
    # and matplotlib loaded), which the run waits for.
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
