"""Metrics and plots written by a second process: the same files, and nothing lost."""

import os
import signal
import subprocess
import sys

import pandas as pd
import pytest

from creditlab.io.output_process import OutputProcess
from creditlab.io.run_directory import write_metrics_file

ROWS = [
    {"iteration": i, "loss": 1.0 / (i + 1) + 1e-17 * i, "wall_time_s": 0.1 * i, "accuracy": 0.5}
    for i in range(30)
]


def submit_both(process: OutputProcess, folder) -> None:
    """The table at two checkpoints (the child gets the new rows each time), then a plot."""
    rows = ROWS[:10]
    process.write_metrics(str(folder / "metrics.parquet"), rows)
    rows += ROWS[10:]
    process.write_metrics(str(folder / "metrics.parquet"), rows)
    process.submit(
        "learning_curves", path=str(folder / "curve.png"), runs={"eprop": ROWS}, title="test"
    )


def assert_written(folder) -> None:
    write_metrics_file(folder / "in-process.parquet", ROWS)
    pd.testing.assert_frame_equal(
        pd.read_parquet(folder / "metrics.parquet"), pd.read_parquet(folder / "in-process.parquet")
    )
    assert (folder / "curve.png").stat().st_size > 1000


def test_the_child_writes_what_this_process_would(tmp_path) -> None:
    with OutputProcess() as process:
        submit_both(process, tmp_path)
    assert_written(tmp_path)


def test_a_failed_child_leaves_the_jobs_to_this_process(tmp_path) -> None:
    process = OutputProcess()
    process._child.kill()
    process._child.wait()
    submit_both(process, tmp_path)
    process.finish()
    assert_written(tmp_path)


def test_ctrl_c_loses_nothing(tmp_path) -> None:
    """A terminal's Ctrl-C reaches the child too: it either ignores it (once started) or
    dies before starting, and then the jobs are written here."""
    process = OutputProcess()
    submit_both(process, tmp_path)
    os.kill(process._child.pid, signal.SIGINT)
    process.finish()
    assert_written(tmp_path)


def test_unknown_job_is_refused() -> None:
    with OutputProcess() as process, pytest.raises(ValueError, match="unknown output job"):
        process.submit("report", path="x")


def test_console_script_writes_outputs_and_keeps_exit_codes(tmp_path) -> None:
    """``creditlab`` (``python -m creditlab``) leaves with ``os._exit`` after a command:
    the outputs are complete, and the exit code is the command's."""
    command = [sys.executable, "-m", "creditlab", "train"]
    command += ["--task", "sine-waves", "--rule", "eprop", "--iterations", "3", "--n-rec", "10"]
    done = subprocess.run([*command, "--out", str(tmp_path / "run")], capture_output=True)
    assert done.returncode == 0, done.stderr.decode()
    assert len(pd.read_parquet(tmp_path / "run" / "metrics.parquet")) == 3
    assert (tmp_path / "run" / "learning_curve.png").stat().st_size > 1000
    assert (tmp_path / "run" / "checkpoint.npz").exists()
    again = subprocess.run([*command, "--out", str(tmp_path / "run")], capture_output=True)
    assert again.returncode == 2 and b"already holds results" in b" ".join(again.stderr.split())


def test_a_process_started_early_serves_the_first_run_and_is_stopped_if_unused(tmp_path) -> None:
    """The console script starts the first run's output process before its imports; a
    second run gets a new one; one that no run took (``--help``) is stopped at exit."""
    from creditlab.io import output_process

    output_process.start_early()
    early = output_process._started_early
    with output_process.open_output_process() as first:
        assert first is early
        submit_both(first, tmp_path)
    assert_written(tmp_path)
    with output_process.open_output_process() as second:
        assert second is not early
    output_process.start_early()
    unused = output_process._started_early._child
    output_process.stop_unused()
    assert unused.poll() is not None and output_process._started_early is None


def test_help_works_with_the_early_process() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "creditlab", "train", "--help"], capture_output=True, timeout=60
    )
    assert done.returncode == 0 and b"--out" in done.stdout
