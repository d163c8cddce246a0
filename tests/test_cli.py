"""The command line: outputs of a run, refusing to overwrite, stopping on divergence."""

import json

import numpy as np
import pandas as pd
import pytest
from conftest import flat
from typer.testing import CliRunner

from creditlab.cli import app
from creditlab.io.run_directory import load_checkpoint

runner = CliRunner()


def test_train_writes_config_metrics_checkpoint_and_plot(tmp_path) -> None:
    config = tmp_path / "small.toml"
    config.write_text('[network]\nn_rec = 20\n[neuron]\nmodel = "alif"\nadaptive_fraction = 0.5\n')
    out = tmp_path / "run"
    args = [
        "train",
        "--task",
        "delayed-match",
        "--rule",
        "eprop",
        "--iterations",
        "3",
        "--batch",
        "2",
    ]
    result = runner.invoke(app, [*args, "--seed", "7", "--config", str(config), "--out", str(out)])
    assert result.exit_code == 0, result.output
    saved = json.loads((out / "config.json").read_text())["config"]
    assert (
        saved["seed"] == 7 and saved["network"]["n_rec"] == 20 and saved["task"] == "delayed-match"
    )
    metrics = pd.read_parquet(out / "metrics.parquet")
    assert list(metrics["iteration"]) == [0, 1, 2]
    assert {"loss", "wall_time_s", "accuracy", "firing_rate_hz"} <= set(metrics.columns)
    # scored on fresh trials after the last update: in the metrics and in the summary,
    # which goes to stdout as whole Markdown rows with where the results are
    held_out = metrics["validation_accuracy"].tolist()
    assert np.isnan(held_out[:2]).all() and 0 <= held_out[2] <= 1
    table = [line for line in result.stdout.splitlines() if line.startswith("|")]
    assert all(line.endswith("|") for line in table)
    assert (
        f"| held-out accuracy (64 fresh trials, after the last update) | {held_out[2]:.4g} |"
        in table
    )
    assert f"results: {out}" in result.stdout and "━" not in result.stdout
    checkpoint = load_checkpoint(out / "checkpoint.npz")
    assert checkpoint["w_rec"].shape == (20, 20) and int(checkpoint["iteration"]) == 3
    assert (out / "learning_curve.png").stat().st_size > 1000

    again = runner.invoke(app, [*args, "--config", str(config), "--out", str(out)])
    assert again.exit_code == 2 and "already holds results" in flat(again.output)
    second = tmp_path / "same-seed"
    runner.invoke(app, [*args, "--seed", "7", "--config", str(config), "--out", str(second)])
    np.testing.assert_array_equal(
        pd.read_parquet(second / "metrics.parquet")["loss"], metrics["loss"]
    )


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["tune", "--rules", ""], "--rules names nothing"),
        (["tune", "--rules", "eprop,eprop"], "--rules lists eprop twice"),
        (["compare", "--tasks", " , ", "--rules", "bptt"], "--tasks names nothing"),
        (["bci-compare", "--controls", ""], "--controls names nothing"),
    ],
)
def test_an_empty_or_repeated_list_is_refused_before_any_work(tmp_path, arguments, expected):
    result = runner.invoke(app, [*arguments, "--out", str(tmp_path / "x")])
    assert result.exit_code == 2, result.output
    assert expected in flat(result.output)
    assert not (tmp_path / "x").exists()


def test_bad_option_fails_before_computing(tmp_path) -> None:
    result = runner.invoke(
        app, ["train", "--task", "sine", "--rule", "eprop", "--out", str(tmp_path / "x")]
    )
    assert result.exit_code == 2
    assert "task: Value error, unknown task 'sine'; tasks: sine-waves" in flat(result.output)
    assert not (tmp_path / "x").exists()


def test_divergence_stops_and_keeps_last_good_checkpoint(tmp_path) -> None:
    config = tmp_path / "unstable.toml"
    config.write_text(
        'optimizer = "sgd"\nlearning_rate = 10.0\n[neuron]\nmodel = "rate"\nactivation = "relu"\n'
        "[network]\nn_rec = 20\n"
    )
    out = tmp_path / "run"
    result = runner.invoke(
        app,
        [
            "train",
            "--task",
            "sine-waves",
            "--rule",
            "bptt",
            "--iterations",
            "50",
            "--config",
            str(config),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 3, result.output
    assert "diverged" in result.output
    metrics = pd.read_parquet(out / "metrics.parquet")
    assert len(metrics) < 50 and np.all(np.isfinite(metrics["loss"]))
    checkpoint = load_checkpoint(out / "checkpoint.npz")
    assert all(np.all(np.isfinite(checkpoint[k])) for k in ("w_in", "w_rec", "w_out"))
    assert int(checkpoint["iteration"]) == len(metrics) - 1


def test_interrupted_run_keeps_metrics_and_checkpoint(tmp_path) -> None:
    import pytest

    from creditlab.config import make_config
    from creditlab.io.run_directory import RunDirectory
    from creditlab.train import train

    def interrupt_at_third(iteration: int, row: dict) -> None:
        if iteration == 2:
            raise KeyboardInterrupt

    config = make_config(task="sine-waves", rule="eprop", iterations=10, network={"n_rec": 10})
    with pytest.raises(KeyboardInterrupt):
        train(config, run_directory=RunDirectory(tmp_path / "run"), on_iteration=interrupt_at_third)
    assert list(pd.read_parquet(tmp_path / "run" / "metrics.parquet")["iteration"]) == [0, 1, 2]
    assert int(load_checkpoint(tmp_path / "run" / "checkpoint.npz")["iteration"]) == 3


def test_train_without_out_writes_a_new_folder_under_runs(tmp_path, monkeypatch) -> None:
    """The issue's command has no --out: each run gets its own folder, never a used one."""
    monkeypatch.chdir(tmp_path)
    args = [
        "train",
        "--task",
        "sine-waves",
        "--rule",
        "eprop",
        "--iterations",
        "2",
        "--n-rec",
        "10",
    ]
    for quiet in ([], ["--quiet"]):
        result = runner.invoke(app, [*quiet, *args])
        assert result.exit_code == 0, result.output
        # a progress bar on stderr with the run's name and its time, none with --quiet
        assert ("eprop on sine-waves" in result.stderr and "took" in result.stderr) != bool(quiet)
    folders = sorted((tmp_path / "runs").iterdir())
    assert len(folders) == 2 and all(f.name.startswith("sine-waves-eprop-seed0-") for f in folders)
    for folder in folders:
        assert {"config.json", "metrics.parquet", "checkpoint.npz", "learning_curve.png"} <= {
            p.name for p in folder.iterdir()
        }
    assert f"results: runs/{folders[-1].name}" in result.stdout
    # sine-waves' input is frozen: the summary says what its "held-out" score is on
    assert "held-out loss (the training pattern (its inputs are frozen)" in result.stdout
