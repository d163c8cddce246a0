"""``creditlab compare`` end to end on a local Ray instance: a tiny comparison, resuming
it, and a failing trial that is reported while the others finish."""

import json

import pandas as pd
import pytest
from conftest import whole_page

ray = pytest.importorskip("ray")

from creditlab.compare import CompareSpec, compare  # noqa: E402
from creditlab.io.run_directory import OutputExists  # noqa: E402

SPEC = CompareSpec(
    tasks=("teacher-student",),
    rules=("bptt", "node-perturbation"),
    seeds=2,
    iterations=6,
    lr_candidates=2,
    batch=4,
    n_rec=8,
    alignment_draws=4,
)


@pytest.fixture(scope="module", autouse=True)
def local_ray():
    ray.shutdown()  # a Ray an earlier test's command left running
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def events():
    seen: list[tuple[str, str]] = []
    return seen, lambda kind, record: seen.append((kind, record.get("trial_id", "")))


def test_tiny_compare_writes_a_leaderboard_and_resumes(tmp_path) -> None:
    out = tmp_path / "compare"
    seen, on_event = events()
    result = compare(SPEC, out, on_event=on_event)
    # 2 rules × 2 learning rates to tune, then one trial of 2 seeds per rule
    assert sorted(kind for kind, _ in seen) == ["ok"] * 6
    board = pd.read_parquet(out / "leaderboard.parquet")
    assert list(board["rule"]) == ["bptt", "node-perturbation"]
    assert (board["status"] == "ok").all() and (board["seeds"] == 2).all()
    assert board.loc[board.rule == "bptt", "cosine_initial_mean"].item() == 1.0
    assert board["final_loss_mean"].notna().all() and board["final_loss_sem"].notna().all()
    assert (board["peak_memory_mb"] > 0).all() and (board["wall_time_s"] > 0).all()
    table = (out / "leaderboard.md").read_text()
    assert "| teacher-student | node-perturbation |" in table and "±" in table
    assert (out / "learning_curves.png").stat().st_size > 0
    assert len(result["rows"]) == 2
    page = whole_page(out / "leaderboard.html")
    assert "<td>node-perturbation</td>" in page and "<th>command</th>" in page
    assert "rules bptt, node-perturbation" in page and "<th>complete</th>" in page

    # Resuming redoes nothing ...
    seen, on_event = events()
    compare(SPEC, out, on_event=on_event)
    assert [kind for kind, _ in seen] == ["resumed"] * 6
    # ... except a trial whose record is missing (interrupted before it finished).
    final = next(out.glob("trials/final-teacher-student-bptt-*.json"))
    before = json.loads(final.read_text())["seeds"][0]["final_loss"]
    final.unlink()
    seen, on_event = events()
    compare(SPEC, out, on_event=on_event)
    assert sorted(kind for kind, _ in seen) == ["ok"] + ["resumed"] * 5
    assert json.loads(final.read_text())["seeds"][0]["final_loss"] == pytest.approx(before)


def test_a_different_comparison_never_overwrites_the_folder(tmp_path) -> None:
    out = tmp_path / "compare"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(OutputExists):
        compare(SPEC, out)


def test_a_failing_trial_is_reported_and_the_others_finish(tmp_path) -> None:
    def flaky(fields: dict, checkpoint: str | None) -> dict:
        if fields["rule"] == "node-perturbation" and fields["phase"] == "tune":
            raise RuntimeError("this trial breaks on purpose")
        from creditlab.compare.trial import run_trial

        return run_trial(fields, checkpoint)

    out = tmp_path / "compare"
    seen, on_event = events()
    compare(SPEC, out, on_event=on_event, trial_function=flaky)
    kinds = [kind for kind, _ in seen]
    assert kinds.count("failed") == 2 and kinds.count("ok") == 3
    board = pd.read_parquet(out / "leaderboard.parquet").set_index("rule")
    assert board.loc["bptt", "status"] == "ok"
    assert board.loc["node-perturbation", "status"] == "failed"
    assert "this trial breaks on purpose" in board.loc["node-perturbation", "error"]
    assert "this trial breaks on purpose" in (out / "leaderboard.md").read_text()
    # The failed trials run again on resume; the finished ones do not.
    seen, on_event = events()
    compare(SPEC, out, on_event=on_event)
    assert sorted(kind for kind, _ in seen) == ["ok"] * 3 + ["resumed"] * 3


def test_the_command_line_runs_a_comparison_and_names_bad_rules(tmp_path) -> None:
    from typer.testing import CliRunner

    from creditlab.cli import app

    runner = CliRunner()
    out = tmp_path / "cli"
    options = ["compare", "--tasks", "teacher-student", "--seeds", "1", "--iterations", "3"]
    options += ["--lr-candidates", "1", "--n-rec", "8", "--batch", "4", "--out", str(out)]
    result = runner.invoke(app, [*options, "--rules", "bptt"])
    assert result.exit_code == 0, result.output
    assert "| teacher-student | bptt |" in (out / "leaderboard.md").read_text()
    bad = runner.invoke(app, [*options[:-1], str(tmp_path / "bad"), "--rules", "bptt,hebb"])
    assert bad.exit_code == 2 and "unknown rule ['hebb']" in bad.output
    untyped = runner.invoke(app, [*options[:-1], str(tmp_path / "u"), "--rules", "bptt,mdgl"])
    assert untyped.exit_code == 2 and "mdgl on teacher-student" in " ".join(untyped.output.split())
    assert not (tmp_path / "u").exists()


def test_a_single_learning_rate_trains_the_seeds_without_tuning(tmp_path) -> None:
    spec = SPEC.model_copy(update={"rules": ("eprop", "mdgl-single-type"), "lr_candidates": 1})
    seen, on_event = events()
    compare(spec, tmp_path / "compare", on_event=on_event)
    assert sorted(kind for kind, _ in seen) == ["ok", "ok"]
    assert all(name.startswith("final-") for _, name in seen)
    board = pd.read_parquet(tmp_path / "compare" / "leaderboard.parquet")
    assert list(board["rule"]) == ["eprop", "mdgl-single-type"]
    assert (board["status"] == "ok").all()
    assert (board["cosine_initial_mean"].abs() <= 1 + 1e-6).all()
    assert (
        "default learning rate (no tuning)" in (tmp_path / "compare" / "leaderboard.md").read_text()
    )


def test_a_cluster_that_does_not_answer_is_an_error_within_seconds(tmp_path) -> None:
    import socket
    import time

    from typer.testing import CliRunner

    from creditlab.cli import app

    with socket.socket() as free:  # a port where nothing listens
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    commands = [
        ["compare", "--tasks", "teacher-student", "--rules", "bptt", "--iterations", "2"],
        ["bci-compare", "--rules", "dendritic"],
        ["tune", "--rules", "dendritic"],
    ]
    for command in commands:
        out = tmp_path / command[0]
        start = time.monotonic()
        result = CliRunner().invoke(
            app, [*command, "--out", str(out), "--address", f"127.0.0.1:{port}"]
        )
        assert result.exit_code == 2, result.output
        assert "cannot reach the Ray cluster" in " ".join(result.output.split())
        assert time.monotonic() - start < 30 and not out.exists()
    bad = CliRunner().invoke(app, [*commands[0], "--out", str(tmp_path / "b"), "--address", "x"])
    assert bad.exit_code == 2 and "is not local, auto" in " ".join(bad.output.split())


def test_trials_ask_ray_for_gpus_and_their_workers_get_the_settings(tmp_path, monkeypatch) -> None:
    """On a local Ray with two declared (fake) GPUs: trials with half a GPU each get a
    device and allocate GPU memory on demand; CPU trials stay on the CPU on one XLA
    thread; the driver's settings reach every worker."""

    def _report_worker(trial: dict, checkpoint: str | None) -> dict:
        """A trial function that reports what its Ray worker was given (as its error)."""
        import os

        import ray

        names = (
            "XLA_PYTHON_CLIENT_PREALLOCATE",
            "JAX_PLATFORMS",
            "XLA_FLAGS",
            "CREDITLAB_CACHE_DIR",
        )
        seen = {name: os.environ.get(name) for name in names}
        raise RuntimeError(f"gpus={ray.get_gpu_ids()} env={seen}")

    from creditlab.cluster import TaskResources

    monkeypatch.setenv("CREDITLAB_CACHE_DIR", str(tmp_path / "cache"))
    ray.shutdown()  # the module's Ray has no GPUs
    ray.init(num_cpus=2, num_gpus=2, include_dashboard=False, log_to_driver=False)
    try:
        for resources, expected in (
            (TaskResources(gpus=0.5), "'XLA_PYTHON_CLIENT_PREALLOCATE': 'false'"),
            (TaskResources(), "'JAX_PLATFORMS': 'cpu'"),
        ):
            failed: list[dict] = []

            def keep(kind: str, record: dict, failed: list[dict] = failed) -> None:
                if kind == "failed":
                    failed.append(record)

            out = tmp_path / f"gpus{resources.gpus}"
            compare(
                SPEC,
                out,
                on_event=keep,
                trial_function=_report_worker,
                resources=resources,
            )
            errors = [record["error"] for record in failed]
            assert errors and all(expected in error for error in errors), errors
            assert all(str(tmp_path / "cache") in error for error in errors)
            if resources.gpus:
                assert all("gpus=[]" not in error for error in errors)
            else:
                assert all("gpus=[]" in error and "eigen=false" in error for error in errors)
        with pytest.raises(ValueError, match="cpus > 0"):
            TaskResources(cpus=0).options()
    finally:
        ray.shutdown()
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
