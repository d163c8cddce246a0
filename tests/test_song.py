"""The point-MSN songbird model: timing code, reward delay and eligibility, lesions,
and the command line (placement is tested with spiny MSNs: test_song_placement.py)."""

import json

import numpy as np
import pandas as pd
import pytest
from conftest import whole_page

from creditlab.experiments.song.experiment import SongConfig, final_error, one_bird, run_song
from creditlab.rules.node_perturbation import online_node_perturbation
from creditlab.rules.online import Broadcast, Local
from creditlab.tasks.song_hvc import burst_onsets, timing_code
from creditlab.tasks.song_reward import Critic, judge, reward_time_ms

SMALL = dict(birds=4, renditions=1500)


def test_every_hvc_neuron_bursts_once_and_every_bin_is_covered() -> None:
    onsets = burst_onsets(np.random.default_rng(0), 200, 40, burst_bins=2)
    code = timing_code(onsets, 40, burst_bins=2)
    assert code.shape == (40, 200)
    bursts = np.diff(np.vstack([np.zeros(200), code]), axis=0) == 1
    assert (bursts.sum(0) == 1).all()  # one burst onset per neuron per motif
    assert (code.sum(0) == 2).all()  # lasting burst_bins
    assert (code.sum(1) >= 1).all()  # sparse, but no bin without a burst
    assert code.mean() == pytest.approx(2 / 40)
    with pytest.raises(ValueError, match="at least one HVC neuron per time bin"):
        burst_onsets(np.random.default_rng(0), 10, 40)


def test_reward_arrives_after_the_motif_and_eligibility_decays_until_then() -> None:
    import jax

    times = [float(reward_time_ms(jax.random.key(k), 800.0, 300.0, 100.0)) for k in range(400)]
    assert min(times) >= 800.0
    assert np.mean(times) == pytest.approx(1100.0, abs=15.0)
    assert np.std(times) == pytest.approx(100.0, rel=0.15)
    # The library's node perturbation, stepped per 20 ms bin and aged until the reward,
    # weighs bin t by exp(−(t_R − t_end(t))/τ_e): one unit of coincidence per bin.
    import jax.numpy as jnp

    rule = online_node_perturbation(dt_ms=20.0, learning_rate=1.0, trace_time_constant_ms=1000.0)
    state = rule.init(jnp.zeros((40, 40)), jax.random.key(0))
    zero = jnp.zeros(())
    for t in range(40):
        one = jnp.eye(40)[t]
        local = Local(one, one, jnp.zeros(40), one, one, one)
        _, state = rule.step(state, jnp.zeros((40, 40)), local, Broadcast(zero, zero, zero))
    state = rule.elapse(state, jnp.asarray(1100.0 - 800.0 - 20.0))
    quiet = Local(*(jnp.zeros(40),) * 6)
    change, _ = rule.step(
        state, jnp.zeros((40, 40)), quiet, Broadcast(jnp.ones(()), jnp.ones(()), zero)
    )
    decay = np.diag(np.asarray(change))  # δ = R − R̄ = 1
    assert decay[-1] == pytest.approx(np.exp(-300 / 1000), rel=1e-6)  # last bin ends at 800 ms
    assert decay[0] == pytest.approx(np.exp(-(1100 - 20) / 1000), rel=1e-5)
    assert (np.diff(decay) > 0).all()


def test_reward_is_binary_against_the_running_error_and_dopamine_is_its_surprise() -> None:
    import jax
    import jax.numpy as jnp

    critic = Critic(jnp.asarray(1.0), jnp.asarray(0.5))
    key = jax.random.key(0)
    reward, delta, after = judge(key, jnp.asarray(0.5), critic, 0.0, 10.0, True)
    assert float(reward) == 1.0 and float(delta) == 0.5
    assert float(after.error) == pytest.approx(0.95) and float(after.reward) == pytest.approx(0.55)
    reward, delta, _ = judge(key, jnp.asarray(2.0), critic, 0.0, 10.0, True)
    assert float(reward) == 0.0 and float(delta) == -0.5
    _, delta, _ = judge(key, jnp.asarray(0.5), critic, 0.0, 10.0, False)
    assert float(delta) == 0.0  # dopamine lesion


@pytest.fixture(scope="module")
def conditions() -> dict[str, float]:
    """Final relative error per condition, 4 birds × 1500 renditions."""
    variants = {
        "intact": {},
        "lman": {"lesion": "lman"},
        "dopamine": {"lesion": "dopamine"},
        "slow eligibility": {"model": {"eligibility_tau_ms": 20.0}},
    }
    return {
        name: float(final_error(run_song(SongConfig(**SMALL, **v)).learning).mean())
        for name, v in variants.items()
    }


def test_the_intact_model_learns_the_tutor_song(conditions) -> None:
    assert conditions["intact"] < 0.4


@pytest.mark.parametrize("condition", ["lman", "dopamine"])
def test_each_lesion_prevents_learning(conditions, condition) -> None:
    assert conditions[condition] > 0.9


def test_an_eligibility_shorter_than_the_reward_delay_slows_learning(conditions) -> None:
    assert conditions["slow eligibility"] > conditions["intact"] + 0.2


def test_learning_time_is_nearly_flat_in_hvc_and_area_x_size() -> None:
    from creditlab.experiments.song.experiment import learning_time

    times = {}
    for hvc, msn in [(100, 10), (400, 10), (100, 40)]:
        config = SongConfig(**SMALL, model={"hvc_neurons": hvc, "msn_per_channel": msn})
        times[hvc, msn] = learning_time(run_song(config).learning).median()
    base = times[100, 10]
    assert times[400, 10] == pytest.approx(base, rel=0.3)
    assert times[100, 40] == pytest.approx(base, rel=0.3)


def test_same_seed_same_numbers_and_bad_config_names_the_field() -> None:
    from pydantic import ValidationError

    one = run_song(SongConfig(birds=2, renditions=300, seed=3)).learning
    two = run_song(SongConfig(birds=2, renditions=300, seed=3)).learning
    pd.testing.assert_frame_equal(one, two)
    with pytest.raises(ValidationError, match="hvc_neurons"):
        SongConfig(model={"hvc_neurons": 10})
    with pytest.raises(ValidationError, match="unknown field"):
        SongConfig(model={"hvc": 10})
    with pytest.raises(ValidationError, match="lesion"):
        SongConfig(lesion="hvc")


def test_song_command_writes_tables_figures_and_refuses_an_existing_folder(tmp_path) -> None:
    from typer.testing import CliRunner

    from creditlab.cli import app

    out = tmp_path / "song"
    arguments = ["song", "--out", str(out), "--birds", "2", "--renditions", "500"]
    result = CliRunner().invoke(app, [*arguments, "--lesion", "lman"])
    assert result.exit_code == 0, result.output
    for name in ("learning.parquet", "synapses.parquet", "connectome_stats.md", "learning.png",
                 "song.png", "compartments.png", "report.html", "config.json"):  # fmt: skip
        assert (out / name).exists(), name
    learning = pd.read_parquet(out / "learning.parquet")
    assert set(learning.condition) == {"intact", "LMAN lesion"}
    assert len(learning) == 2 * 2 * 500
    conditions = json.loads((out / "config.json").read_text())["config"]["conditions"]
    assert conditions[0]["lesion"] == "lman"
    page = whole_page(out / "report.html")
    assert "<code>creditlab song-placement</code>" in page and "<th>pre_type</th>" in page
    assert "<th>seed</th><td>0</td>" in page
    assert "compartments.png" in whole_page(out / "connectome_stats.html")
    synapses = pd.read_parquet(out / "synapses.parquet")
    assert {"pre_type", "post_type", "compartment", "area_um2"} <= set(synapses.columns)
    same = CliRunner().invoke(app, [*arguments, "--lesion", "lman"])  # read back, not redone
    assert same.exit_code == 0, same.output
    pd.testing.assert_frame_equal(pd.read_parquet(out / "learning.parquet"), learning)
    again = CliRunner().invoke(app, arguments)
    assert again.exit_code != 0 and "already holds results" in " ".join(again.output.split())
    bad = CliRunner().invoke(app, ["song", "--out", str(tmp_path / "x"), "--route", "ring"])
    assert bad.exit_code == 2 and "route" in bad.output


@pytest.mark.parametrize("route", ["loop", "direct"])
def test_lesioning_lman_after_learning_reverts_the_song_only_on_the_loop_route(route) -> None:
    import jax.numpy as jnp

    from creditlab.experiments.song.model import sing, song_error

    config = SongConfig(**SMALL, route=route)
    model, results = config.model_config_(), run_song(config)

    def relative_error(bird: int, lman_intact: bool) -> float:
        mine = one_bird(results.birds, bird)
        silent = jnp.zeros_like(mine.juvenile)
        weights = results.weights[bird]
        song = sing(model, mine, weights, silent, route=route, lman_intact=lman_intact)
        return float(song_error(song.song, mine.tutor) / song_error(mine.juvenile, mine.tutor))

    for bird in range(config.birds):
        learned, lesioned = relative_error(bird, True), relative_error(bird, False)
        assert learned < 0.5
        assert lesioned == pytest.approx(1.0 if route == "loop" else learned)


def test_a_stopped_song_run_resumes_its_unfinished_conditions(tmp_path) -> None:
    """Stopped in its second condition, the same conditions run again read the first
    back (not simulated again) and give the uninterrupted run's tables."""
    from creditlab.experiments.song.outputs import run_song_conditions
    from creditlab.io.run_directory import RunDirectory, read_status

    configs = [SongConfig(birds=2, renditions=300, lesion=v) for v in ("lman", "none")]
    whole = RunDirectory(tmp_path / "whole")
    run_song_conditions(configs, whole.path)

    def stop_in_second(index: int, done: int) -> None:
        if index == 1:
            raise KeyboardInterrupt

    stopped = RunDirectory(tmp_path / "stopped")
    with pytest.raises(KeyboardInterrupt):
        run_song_conditions(configs, stopped.path, stop_in_second)
    assert read_status(stopped.path)["status"] == "running"
    simulated: list[tuple[int, int]] = []
    run_song_conditions(configs, stopped.path, lambda i, done: simulated.append((i, done)))
    assert simulated[0] == (0, 300)  # read back at once, all renditions done
    assert read_status(stopped.path)["status"] == "complete"
    for name in ("learning", "synapses"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(stopped.path / f"{name}.parquet"),
            pd.read_parquet(whole.path / f"{name}.parquet"),
        )
