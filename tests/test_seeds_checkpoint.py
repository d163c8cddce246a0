"""Seeds trained together save their state as they go, and a killed run goes on from its
checkpoint to the numbers an uninterrupted one gives (a ``creditlab compare`` trial loses
minutes, not the trial); a checkpoint of another run is refused."""

import time

import numpy as np
import pytest

from creditlab.compare.plan import CompareSpec, learning_rates, plan_final
from creditlab.compare.runner import ComparisonFolder
from creditlab.compare.trial import run_trial, trial_config
from creditlab.config import make_config
from creditlab.io.checkpoint import CheckpointMismatch
from creditlab.seeds import Checkpointing, Looped, Vmapped, train_seeds

SHORT = {"n_cues": 3, "cue_ms": 20.0, "spacing_ms": 10.0, "delay_ms": 30.0, "recall_ms": 20.0}
SEEDS = [5, 6]


class Killed(Exception):
    pass


def config(**fields):
    chosen = {"task": "evidence-accumulation", "rule": "bptt", "iterations": 6, "batch": 4,
              "network": {"n_rec": 12}, "task_options": SHORT, "evaluate_every": 2,
              "evaluation_batch": 8} | fields  # fmt: skip
    return make_config(**chosen)


def killed_after(iteration: int):
    def on_iteration(now: int, rows: list) -> None:
        if now == iteration:
            raise Killed

    return on_iteration


def same_states(a, b) -> None:
    import jax

    for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(b), strict=True):
        if jax.dtypes.issubdtype(x.dtype, jax.dtypes.prng_key):
            x, y = jax.random.key_data(x), jax.random.key_data(y)
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


@pytest.mark.parametrize("batching", [Looped(), Vmapped()], ids=["looped", "vmapped"])
def test_a_killed_run_goes_on_from_its_checkpoint_to_the_same_numbers(tmp_path, batching):
    chosen = config()
    whole = train_seeds(chosen, SEEDS, batching=batching)
    saving = Checkpointing(tmp_path / "seeds.npz", every_s=0.0)
    with pytest.raises(Killed):  # killed during iteration 3: the file holds 3 updates
        train_seeds(chosen, SEEDS, batching=batching, checkpoint=saving,
                    on_iteration=killed_after(3))  # fmt: skip
    first_sitting_s = float(np.load(tmp_path / "seeds.npz")["elapsed_s"])
    resumed_from = []
    resumed = train_seeds(chosen, SEEDS, batching=batching, checkpoint=saving,
                          on_iteration=lambda i, rows: resumed_from.append(i))  # fmt: skip
    assert resumed_from == [3, 4, 5]  # iterations 0–2 came from the file
    assert (resumed.earlier_sittings_s, whole.earlier_sittings_s) == (first_sitting_s, 0.0)
    assert first_sitting_s > 0.0
    drop = ("wall_time_s",)
    for got, expected in zip(resumed.metrics, whole.metrics, strict=True):
        strip = [{k: v for k, v in row.items() if k not in drop} for row in got]
        want = [{k: v for k, v in row.items() if k not in drop} for row in expected]
        scored = [r for r in want if "validation_loss" in r]
        assert [{k: v for k, v in r.items() if not np.isnan(v)} for r in strip] == want
        assert len(scored) == 3
    same_states(resumed.states, whole.states)
    # must fail: the checkpoint is really read (a run without it redoes iterations 0–2)
    assert resumed_from != list(range(6))


def test_a_checkpoint_of_another_run_is_refused(tmp_path) -> None:
    saving = Checkpointing(tmp_path / "seeds.npz", every_s=0.0)
    with pytest.raises(Killed):
        train_seeds(config(), SEEDS, checkpoint=saving, on_iteration=killed_after(1))
    with pytest.raises(CheckpointMismatch, match="another configuration"):
        train_seeds(config(learning_rate=0.5), SEEDS, checkpoint=saving)
    with pytest.raises(CheckpointMismatch, match="seeds"):
        train_seeds(config(), [5, 7], checkpoint=saving)


def test_a_compare_trial_resumes_from_its_checkpoint_and_removes_it_when_done(tmp_path):
    spec = CompareSpec(tasks=("teacher-student",), rules=("bptt",), seeds=2, iterations=8,
                       lr_candidates=1, batch=4, n_rec=8, alignment_draws=1)  # fmt: skip
    (trial,) = plan_final(spec, "teacher-student", "bptt", learning_rates("teacher-student", 1)[0])
    whole = run_trial(trial.model_dump())
    folder = ComparisonFolder(tmp_path / "compare", spec)
    path = folder.checkpoint(trial.trial_id)
    with pytest.raises(Killed):
        train_seeds(trial_config(trial), [0, 1], checkpoint=Checkpointing(path, every_s=0.0),
                    on_iteration=killed_after(4))  # fmt: skip
    assert path.exists()
    first_sitting_s = float(np.load(path)["elapsed_s"])
    start = time.perf_counter()
    record = run_trial(trial.model_dump(), str(path))
    # its training time counts the first sitting's, which this call did not spend
    assert record["train_wall_time_s"] > first_sitting_s
    assert record["train_wall_time_s"] - first_sitting_s <= time.perf_counter() - start
    for got, expected in zip(record["seeds"], whole["seeds"], strict=True):
        assert got["loss_curve"] == expected["loss_curve"]
        assert got["final_loss"] == expected["final_loss"]
        assert got["cosine_final"] == expected["cosine_final"]
    folder.save(record)
    assert (
        not path.exists()
        and folder.finished()[trial.trial_id]["seeds"][0]["final_loss"]
        == (whole["seeds"][0]["final_loss"])
    )
