"""The in-silico BCI experiment end to end on a small configuration: the circuit's
apical inhibition, the calibration, determinism, the command line and its files."""

import json
import re

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
import pytest
from conftest import whole_page

from creditlab.analysis.events import detect_events, event_rate_per_minute
from creditlab.experiments.bci.calibration import calibrate_to_chance, choose_control
from creditlab.experiments.bci.chance import chance_accuracy
from creditlab.experiments.bci.circuit import CircuitConfig, make_circuit
from creditlab.experiments.bci.experiment import BCIConfig, run_experiment, set_up
from creditlab.experiments.bci.learning import LearningConfig
from creditlab.experiments.bci.session import fresh_learning_state, run_sessions
from creditlab.io.nwb import read_session, validate_session
from creditlab.tasks.bci_protocol import Protocol

SMALL = dict(mice=2, days=2, session_minutes=1.0, baseline_minutes=2.0)


def record(inhibited: float, feedback_roles: np.ndarray | None = None, minutes: float = 4.0):
    """A few minutes of 3 mice without learning, with NDNF activation or not."""
    circuit, mice = CircuitConfig(), 3
    circuits = jax.tree.map(
        lambda *a: jnp.stack(a),
        *[make_circuit(np.random.default_rng([0, m]), circuit) for m in range(mice)],
    )
    setup = set_up(BCIConfig(mice=mice, baseline_minutes=2.0))
    frames = round(minutes * 60 * 15)
    still = LearningConfig(rule="none")
    _, _, recorded = run_sessions(
        circuit,
        still,
        Protocol(),
        frames,
        circuits,
        setup.control,
        jax.random.split(jax.random.key(1), mice),
        jnp.full(mice, inhibited),
        fresh_learning_state(circuit, still, circuits.params, jax.random.key(2)),
    )
    return np.asarray(recorded.soma_dff), np.asarray(recorded.dendrite_dff)


def rates(dff: np.ndarray) -> float:
    return float(np.mean([event_rate_per_minute(detect_events(m)).mean() for m in dff]))


def test_apical_inhibition_silences_dendrites_and_lowers_somatic_activity_somewhat() -> None:
    soma, dendrite = record(0.0)
    soma_inhibited, dendrite_inhibited = record(1.0)
    somatic_ratio = rates(soma_inhibited) / rates(soma)
    assert 0.5 < somatic_ratio < 0.97
    # what the dendrites do beyond the soma: dendritic minus somatic transients
    assert rates(dendrite_inhibited) - rates(soma_inhibited) < rates(dendrite) - rates(soma)


def test_calibration_hits_the_chance_level_and_control_rates_match() -> None:
    rng = np.random.default_rng(0)

    def smooth_noise(frames: int, n: int) -> jnp.ndarray:
        x = np.zeros((frames, n))
        noise = rng.normal(size=(frames, n))
        for t in range(1, frames):
            x[t] = 0.9 * x[t - 1] + noise[t]
        return jnp.asarray(x)

    protocol = Protocol()
    plus, minus = smooth_noise(30_000, 5), smooth_noise(30_000, 5)
    decoder = calibrate_to_chance(plus, minus, protocol, chance=0.3)
    assert 0.15 <= float(chance_accuracy(decoder, plus, minus, protocol)) <= 0.3
    held_plus, held_minus = smooth_noise(30_000, 5), smooth_noise(30_000, 5)
    assert 0.1 <= float(chance_accuracy(decoder, held_plus, held_minus, protocol)) <= 0.5

    rates_per_neuron = rng.uniform(1, 30, 120)
    chosen_plus, chosen_minus = choose_control(rates_per_neuron, 5, rng)
    assert len(set(chosen_plus) | set(chosen_minus)) == 10
    assert np.all(np.abs(rates_per_neuron[chosen_plus] - rates_per_neuron[chosen_minus]) < 2.0)
    assert np.all(rates_per_neuron[chosen_plus] >= np.median(rates_per_neuron))


def test_same_config_and_seed_give_identical_tables() -> None:
    first = run_experiment(BCIConfig(**SMALL, seed=3))
    second = run_experiment(BCIConfig(**SMALL, seed=3))
    other = run_experiment(BCIConfig(**SMALL, seed=4))
    pd.testing.assert_frame_equal(first.daily, second.daily)
    pd.testing.assert_frame_equal(first.events, second.events)
    assert not first.events.soma.equals(other.events.soma)
    assert set(first.daily.columns) >= {
        "mouse",
        "day",
        "accuracy",
        "rewards_per_min",
        "chance_accuracy",
        "rate_P+",
        "rate_P-",
        "rate_P0",
    }
    populations = first.neurons[first.neurons.day == 1].groupby("mouse").population.value_counts()
    assert (populations.xs("P+", level="population") == 5).all()


def test_bad_config_names_the_field() -> None:
    with pytest.raises(ValueError, match="rule"):
        BCIConfig(rule="backprop")
    with pytest.raises(ValueError, match="n_pyramidal"):
        BCIConfig(circuit={"n_pyramidal": 50})
    with pytest.raises(ValueError, match="unknown field"):
        BCIConfig(learning={"learning_rat": 1e-6})


def test_command_writes_nwb_tables_figures_and_report(tmp_path) -> None:
    from typer.testing import CliRunner

    from creditlab.cli import app

    out = tmp_path / "run"
    arguments = [
        "bci",
        "--out",
        str(out),
        "--mice",
        "2",
        "--days",
        "2",
        "--session-minutes",
        "1",
        "--apical-inhibition",
        "alternate",
    ]
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 0, result.output
    for name in (
        "config.json",
        "trials.parquet",
        "daily.parquet",
        "neurons.parquet",
        "events.parquet",
        "findings.parquet",
        "performance.png",
        "activity.png",
        "dendrites.png",
        "report.html",
    ):
        assert (out / name).exists(), name
    files = sorted((out / "nwb").glob("*.nwb"))
    assert [f.name for f in files] == [
        "mouse1_day01.nwb",
        "mouse1_day01_probe.nwb",
        "mouse1_day02.nwb",
        "mouse1_day02_probe.nwb",
        "mouse2_day01.nwb",
        "mouse2_day01_probe.nwb",
        "mouse2_day02.nwb",
        "mouse2_day02_probe.nwb",
    ]
    assert validate_session(files[0]) == []
    session = read_session(files[0])
    assert session.soma.shape == (900, 120) and session.angle is not None
    daily = pd.read_parquet(out / "daily.parquet")
    training, probe = daily[daily.block == "training"], daily[daily.block == "probe"]
    # counterbalanced: the first mouse on even days, the second on odd days
    assert training.inhibited.tolist() == [False, True, True, False]
    assert training.day.tolist() == [1, 1, 2, 2]
    assert len(probe) == 4 and not probe.inhibited.any()  # no NDNF activation in probes
    assert set(daily.feedback_cosine.round(12)) != {1.0}  # learned by default, not the oracle
    assert (
        json.loads((out / "config.json").read_text())["config"]["apical_inhibition"] == "alternate"
    )
    trials = pd.read_parquet(out / "trials.parquet")
    assert {"mouse", "day", "block", "trial", "success", "time_to_target_s"} <= set(trials.columns)
    written = (out / "daily.parquet").stat().st_mtime_ns
    again = CliRunner().invoke(app, arguments)  # the same run again: read back, not redone
    assert again.exit_code == 0, again.output
    assert "already complete" in " ".join(again.output.split())
    assert (out / "daily.parquet").stat().st_mtime_ns == written
    other = CliRunner().invoke(app, [*arguments, "--seed", "5"])
    assert other.exit_code == 2 and "holds a different condition" in " ".join(other.output.split())


def test_compare_writes_signatures_and_ray_gives_the_same(tmp_path) -> None:
    from typer.testing import CliRunner

    from creditlab.cli import app

    size = ["--rules", "dendritic,none", "--mice", "2", "--days", "2", "--session-minutes", "1"]
    size += ["--feedback", "symmetric", "--controls", "off"]
    here, on_ray = tmp_path / "here", tmp_path / "ray"
    result = CliRunner().invoke(app, ["bci-compare", "--out", str(here), *size])
    assert result.exit_code == 0, result.output
    table = pd.read_parquet(here / "signatures.parquet")
    assert len(table) == 2 * 7
    assert set(table.finding) >= {
        "learns",
        "sparsification",
        "residual-sign",
        "residual-outcome",
        "residual-predicts-change",
        "inhibition-impairs",
    }
    signatures = (here / "signatures.md").read_text()
    upper = "dendritic, symmetric feedback, upper bound (knows the decoder)"
    assert f"| finding | {upper} | none |" in signatures
    page = whole_page(here / "signatures.html")  # every condition's report, linked
    reports = {"dendritic", "dendritic-inhibited", "none", "none-inhibited"}
    assert {f"{name}/report.html" for name in reports} <= set(re.findall(r'href="([^"]+)"', page))
    assert "<th>seed</th><td>0</td>" in page
    assert "4: dendritic, dendritic + inhibition, none, none + inhibition" in page
    assert (here / "none-inhibited" / "config.json").exists()

    result = CliRunner().invoke(
        app, ["bci-compare", "--out", str(on_ray), "--address", "local", *size]
    )
    assert result.exit_code == 0, result.output
    pd.testing.assert_frame_equal(pd.read_parquet(on_ray / "signatures.parquet"), table)
    pd.testing.assert_frame_equal(
        pd.read_parquet(on_ray / "dendritic" / "events.parquet"),
        pd.read_parquet(here / "dendritic" / "events.parquet"),
    )


def test_a_stopped_comparison_resumes_its_unfinished_conditions(tmp_path) -> None:
    """Stopped after its first condition, the same grid run again reads that condition
    back, runs the others, and writes the signatures an uninterrupted run writes; a
    different grid in that folder, or a second job while one runs, is refused."""
    from creditlab.experiments.bci.comparison import comparison_configs, run_comparison
    from creditlab.io.run_directory import OutputExists, OutputLocked, RunDirectory, read_status

    configs = comparison_configs(
        ("dendritic",), controls=(), feedback="symmetric", **SMALL, probe_minutes=1.0
    )
    whole = run_comparison(tmp_path / "whole", configs)
    started: list = []

    def stop_at_second(key):
        started.append(key)
        if len(started) == 2:
            raise KeyboardInterrupt

    out = tmp_path / "stopped"
    with pytest.raises(KeyboardInterrupt):
        run_comparison(out, configs, on_start=stop_at_second)
    assert read_status(out / "dendritic")["status"] == "complete"
    assert read_status(out / "dendritic-inhibited")["status"] == "running"
    held = RunDirectory(out, resume=True)
    with pytest.raises(OutputLocked):
        run_comparison(out, configs)
    held.release()
    started.clear()
    path = run_comparison(out, configs, on_start=lambda key: started.append(key))
    assert started == [("dendritic", "all")]  # the finished one was read back
    pd.testing.assert_frame_equal(
        pd.read_parquet(path.with_suffix(".parquet")),
        pd.read_parquet(whole.with_suffix(".parquet")),
    )
    other = comparison_configs(("dendritic",), controls=(), **SMALL, probe_minutes=1.0)
    with pytest.raises(OutputExists, match="holds a different comparison"):
        run_comparison(out, other)


def test_one_mouse_says_not_testable_and_a_session_shorter_than_a_trial_is_refused() -> None:
    """With one mouse the across-mice tests have no p: their verdict says "not
    testable" with the reason, not "no"; a session that cannot hold one trial is
    refused before anything runs."""
    from pydantic import ValidationError

    from creditlab.experiments.bci.findings import findings, verdict_word

    results = run_experiment(BCIConfig(**(SMALL | {"mice": 1, "days": 3}), probe_minutes=1.0))
    found = findings(*results)
    untestable = [f for f in found if not np.isfinite(f.p)]
    assert untestable, found
    for f in found:
        word = verdict_word(f.reproduced, f.p)
        assert (word == "not testable") == (not np.isfinite(f.p))
        assert f.detail.startswith("not testable: ") == (not np.isfinite(f.p)), f
    for minutes in ({"session_minutes": 0.05}, {"probe_minutes": 0.3}):
        with pytest.raises(ValidationError, match="shorter than one trial"):
            BCIConfig(**minutes)


def test_a_condition_on_ray_asks_for_its_cores_or_a_share_of_a_gpu(monkeypatch) -> None:
    """bci-compare --address: on a local Ray with one declared (fake) GPU, two conditions
    asking for half a GPU each are scheduled and run; a CPU condition asks for one core
    and its worker computes on one XLA thread, on the CPU."""
    import ray

    from creditlab.cluster import TaskResources
    from creditlab.experiments.bci.cluster import simulate_on_ray

    asked: list[dict] = []
    remote = ray.remote
    monkeypatch.setattr(ray, "remote", lambda **options: asked.append(options) or remote(**options))
    ray.init(num_cpus=2, num_gpus=1, include_dashboard=False, log_to_driver=False)
    try:
        config = BCIConfig(**(SMALL | {"mice": 1, "days": 1}), probe_minutes=0.0)
        jobs = {"a": (config, None), "b": (config.model_copy(update={"seed": 1}), None)}
        found = dict(simulate_on_ray(jobs, "local", resources=TaskResources(gpus=0.5)))
        assert set(found) == {"a", "b"} and all(len(r.daily) == 1 for r in found.values())
        assert asked[-1]["num_gpus"] == 0.5
        on_cpu = dict(simulate_on_ray({"c": (config, None)}, "local"))
        assert len(on_cpu["c"].daily) == 1
        environment = asked[-1]["runtime_env"]["env_vars"]
        assert asked[-1]["num_cpus"] == 1 and asked[-1]["num_gpus"] == 0
        assert environment["JAX_PLATFORMS"] == "cpu"
        assert "xla_cpu_multi_thread_eigen=false" in environment["XLA_FLAGS"]
    finally:
        ray.shutdown()
