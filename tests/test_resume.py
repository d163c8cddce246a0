"""A run is never lost: the whole training state is checkpointed, an interrupted or
crashed run resumes to the numbers of an uninterrupted one, SIGTERM is Ctrl-C, a folder
says whether its run is complete, and two runs never write one folder."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import jax
import numpy as np
import pandas as pd
import pytest
from conftest import flat
from typer.testing import CliRunner

from creditlab.cli import app
from creditlab.config import make_config
from creditlab.io.run_directory import (
    OutputExists,
    OutputLocked,
    RunDirectory,
    load_checkpoint,
    read_status,
)
from creditlab.train import build_training, train

ITERATIONS = 12
runner = CliRunner()


def small(rule: str = "eprop", **fields):
    fields = {"iterations": ITERATIONS, "checkpoint_every": 3, "precision": "float64"} | fields
    return make_config(task="sine-waves", rule=rule, network={"n_rec": 12}, **fields)


def without_wall_time(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows).drop(columns="wall_time_s")


def stop_at(iteration: int, error: type[BaseException]):
    def on_iteration(index: int, row: dict) -> None:
        if index == iteration:
            raise error

    return on_iteration


@pytest.mark.parametrize("rule", ["eprop", "node-perturbation"])
@pytest.mark.parametrize("stop", [KeyboardInterrupt, RuntimeError], ids=["interrupt", "crash"])
def test_a_stopped_run_resumes_to_the_uninterrupted_numbers(tmp_path, rule, stop) -> None:
    """Interrupted (Ctrl-C, SIGTERM: state saved at the stop) or crashed (nothing saved
    after the last periodic checkpoint) at a random iteration, the resumed run's metrics
    and final parameters equal an uninterrupted run's, bitwise in float64."""
    config = small(rule)
    whole = train(config)
    at = int(np.random.default_rng().integers(0, ITERATIONS - 1))
    folder = tmp_path / "run"
    with pytest.raises(stop):
        train(config, run_directory=RunDirectory(folder), on_iteration=stop_at(at, stop))
    expected = "interrupted" if stop is KeyboardInterrupt else "running"
    assert read_status(folder)["status"] == expected, at
    resumed = train(config, run_directory=RunDirectory(folder, resume=True), resume=True)
    pd.testing.assert_frame_equal(
        without_wall_time(resumed.metrics), without_wall_time(whole.metrics), obj=f"stop at {at}"
    )
    for name, value in whole.params._asdict().items():
        np.testing.assert_array_equal(getattr(resumed.params, name), value, err_msg=str(at))
    written = pd.read_parquet(folder / "metrics.parquet").drop(columns="wall_time_s")
    pd.testing.assert_frame_equal(written, without_wall_time(whole.metrics), check_dtype=False)
    assert read_status(folder) | {"time": None} == {
        "status": "complete",
        "iteration": ITERATIONS,
        "time": None,
    }


def test_the_checkpoint_holds_the_whole_state_and_refuses_another_config(tmp_path) -> None:
    config = small("node-perturbation")
    folder = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        train(
            config, run_directory=RunDirectory(folder), on_iteration=stop_at(4, KeyboardInterrupt)
        )
    saved = load_checkpoint(folder / "checkpoint.npz")
    assert int(saved["iteration"]) == 5
    assert saved["w_rec"].shape == (12, 12)  # the parameters, readable alone
    fresh = build_training(config).state  # parameters, optimizer state, rule state
    state_entries = [name for name in saved if name.startswith("state/")]
    assert len(state_entries) == len(jax.tree.leaves(fresh)) > len(fresh.params)
    assert list(saved["metrics/iteration"]) == [0, 1, 2, 3, 4]
    record = json.loads((folder / "config.json").read_text())
    record["config"]["network"]["n_rec"] = 13
    (folder / "config.json").write_text(json.dumps(record))
    result = runner.invoke(app, ["train", "--resume", str(folder)])
    assert result.exit_code == 2, result.output
    assert "this config's run needs" in flat(result.output)
    # a checkpoint from before the run's generator was recorded (RBG keys) is refused
    record["config"]["network"]["n_rec"] = 12
    (folder / "config.json").write_text(json.dumps(record))
    assert str(saved["random"]) == "threefry2x32"
    np.savez(folder / "checkpoint.npz", **{k: v for k, v in saved.items() if k != "random"})
    older = runner.invoke(app, ["train", "--resume", str(folder)])
    assert older.exit_code == 2 and "keys came from rbg" in flat(older.output)


def test_resume_refuses_what_it_cannot_continue(tmp_path) -> None:
    result = runner.invoke(app, ["train", "--resume", str(tmp_path / "nothing")])
    assert result.exit_code == 2 and "no run to resume" in flat(result.output)
    folder = tmp_path / "run"
    train(small(iterations=3), run_directory=RunDirectory(folder))
    again = runner.invoke(app, ["train", "--resume", str(folder), "--seed", "3"])
    assert again.exit_code == 2 and "--resume takes no other option" in flat(again.output)
    done = runner.invoke(app, ["train", "--resume", str(folder)])
    assert done.exit_code == 0 and "already complete" in flat(done.output)
    missing = runner.invoke(app, ["train", "--iterations", "3"])
    assert missing.exit_code == 2 and "--task and --rule are required" in flat(missing.output)


def test_a_folder_a_running_job_writes_is_refused(tmp_path) -> None:
    folder = tmp_path / "run"
    holder = RunDirectory(folder)  # as a job that has started and not yet written
    with pytest.raises(OutputLocked):
        RunDirectory(folder)
    (folder / "config.json").write_text("{}")
    with pytest.raises(OutputLocked):
        RunDirectory(folder, resume=True)
    args = ["train", "--task", "sine-waves", "--rule", "eprop", "--iterations", "2"]
    result = runner.invoke(app, [*args, "--out", str(folder)])
    assert result.exit_code == 2 and "being written by a running job" in flat(result.output)
    holder.release()
    with pytest.raises(OutputExists, match="already holds results"):
        RunDirectory(folder)  # free now, but it holds a run


def test_an_out_that_cannot_be_a_folder_is_refused_before_any_work(tmp_path) -> None:
    afile = tmp_path / "a file"
    afile.write_text("x")
    args = ["train", "--task", "sine-waves", "--rule", "eprop", "--iterations", "2"]
    for out, message in ((afile, "is a file"), (afile / "under", "is a file")):
        result = runner.invoke(app, [*args, "--out", str(out)])
        assert result.exit_code == 2, result.output
        assert message in flat(result.output)
    bracketed = tmp_path / "[run]" / "[b]"
    bracketed.mkdir(parents=True)
    (bracketed / "x").write_text("results")
    result = runner.invoke(app, [*args, "--out", str(bracketed)])
    assert result.exit_code == 2 and str(bracketed) in flat(result.output)


def test_sigterm_saves_marks_interrupted_and_the_run_resumes(tmp_path) -> None:
    """A real process stopped with SIGTERM mid-run (as a scheduler stops a job) saves its
    state and says so; resuming gives the uninterrupted run's metrics."""
    folder = tmp_path / "run"
    args = ["--task", "sine-waves", "--rule", "eprop", "--iterations", "400", "--batch", "2"]
    env = os.environ | {"CREDITLAB_CACHE_DIR": "off", "COLUMNS": "200"}
    command = [sys.executable, "-m", "creditlab", "train", *args, "--n-rec", "12"]
    job = subprocess.Popen(
        [*command, "--out", str(folder)], env=env, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 120
    while (read_status(folder) or {}).get("status") != "running" or not (
        folder / "checkpoint.npz"
    ).exists():
        assert job.poll() is None and time.monotonic() < deadline, job.stderr.read()
        time.sleep(0.05)
    job.send_signal(signal.SIGTERM)
    _, stderr = job.communicate(timeout=60)
    assert job.returncode == 130, stderr
    status = read_status(folder)
    assert status["status"] == "interrupted" and 0 < status["iteration"] < 400, status
    assert "--resume" in flat(stderr)
    resumed = subprocess.run(
        [sys.executable, "-m", "creditlab", "train", "--resume", str(folder)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert resumed.returncode == 0, resumed.stderr
    whole = tmp_path / "whole"
    subprocess.run([*command, "--out", str(whole)], env=env, check=True, capture_output=True)
    pd.testing.assert_frame_equal(
        pd.read_parquet(folder / "metrics.parquet").drop(columns="wall_time_s"),
        pd.read_parquet(whole / "metrics.parquet").drop(columns="wall_time_s"),
    )
    np.testing.assert_array_equal(
        load_checkpoint(folder / "checkpoint.npz")["w_rec"],
        load_checkpoint(whole / "checkpoint.npz")["w_rec"],
    )
    assert read_status(folder)["status"] == "complete"


def test_a_size_that_cannot_fit_is_refused_before_anything_is_allocated(tmp_path) -> None:
    """100 000 neurons: ~10¹¹ bytes of state; refused with the estimate, not swapped."""
    from creditlab.memory import DoesNotFit

    config = make_config(task="sine-waves", rule="eprop", network={"n_rec": 100_000})
    with pytest.raises(DoesNotFit, match=r"needs about \d+ GiB \(estimate\)"):
        train(config)
    args = ["train", "--task", "sine-waves", "--rule", "eprop", "--n-rec", "100000"]
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "big")])
    assert result.exit_code == 2 and "GiB is available" in flat(result.output)


def test_a_network_unstable_from_the_start_says_so_and_keeps_no_infinite_checkpoint(
    tmp_path,
) -> None:
    from creditlab.train import Diverged

    config = make_config(
        task="sine-waves",
        rule="bptt",
        iterations=5,
        neuron={"model": "rate", "activation": "relu"},
        network={"n_rec": 20, "init_gain": 100.0},
    )
    folder = tmp_path / "run"
    with pytest.raises(Diverged, match="before any update") as error:
        train(config, run_directory=RunDirectory(folder))
    assert "learning rate is not the cause" in str(error.value)
    assert read_status(folder)["status"] == "diverged"
    if (folder / "checkpoint.npz").exists():
        saved = load_checkpoint(folder / "checkpoint.npz")
        assert all(np.isfinite(a).all() for a in saved.values() if a.dtype.kind == "f")


def test_liu_s_configuration_resumes_with_its_rewiring_bias_and_evaluations(tmp_path) -> None:
    """DEEP R's signs, the readout bias and the held-out evaluations are part of what a
    checkpoint keeps: stopped after iteration 4 and resumed, the run equals an
    uninterrupted one (metrics with their evaluation columns, and the weights)."""
    short = {"n_cues": 3, "cue_ms": 20.0, "spacing_ms": 10.0, "delay_ms": 30.0, "recall_ms": 20.0}
    config = make_config(
        task="evidence-accumulation-liu", rule="mdgl", iterations=8, batch=4, precision="float64",
        checkpoint_every=2, evaluate_every=3, evaluation_batch=8, network={"n_rec": 20},
        task_options=short,
    )  # fmt: skip
    whole = train(config)
    assert whole.params.b_out is not None and config.rewiring != "none"
    folder = tmp_path / "run"
    with pytest.raises(RuntimeError):
        train(config, run_directory=RunDirectory(folder), on_iteration=stop_at(4, RuntimeError))
    resumed = train(config, run_directory=RunDirectory(folder, resume=True), resume=True)
    pd.testing.assert_frame_equal(
        without_wall_time(resumed.metrics), without_wall_time(whole.metrics)
    )
    assert without_wall_time(whole.metrics)["validation_loss"].notna().sum() == 2
    for a, b in zip(jax.tree.leaves(resumed.params), jax.tree.leaves(whole.params), strict=True):
        np.testing.assert_array_equal(a, b)
