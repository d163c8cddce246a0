"""Held-out evaluation every N iterations (issue 23 §2's measure, Liu et al. 2021): fresh
trials from a key of their own, the network without exploration noise, the same numbers
alone and beside other seeds; the final numbers are the mean of the last 10."""

import math

import numpy as np
import pytest

from creditlab.build import build_objective
from creditlab.config import make_config
from creditlab.evaluation import evaluation_key, last_evaluations, make_evaluation
from creditlab.seeds import Looped, Vmapped, train_seeds
from creditlab.train import train, training_parts

SHORT = {"n_cues": 3, "cue_ms": 20.0, "spacing_ms": 10.0, "delay_ms": 30.0, "recall_ms": 20.0}


def config(rule: str = "node-perturbation", **fields):
    chosen = {"task": "evidence-accumulation", "rule": rule, "iterations": 6, "batch": 4,
              "seed": 5, "network": {"n_rec": 12}, "task_options": SHORT, "evaluate_every": 2,
              "evaluation_batch": 8} | fields  # fmt: skip
    return make_config(**chosen)


def test_every_nth_iteration_is_scored_on_fresh_trials_without_noise() -> None:
    chosen = config()
    result = train(chosen)
    scored = [row["iteration"] for row in result.metrics if "validation_loss" in row]
    assert scored == [1, 3, 5]
    parts = training_parts(chosen)
    network, _, keys = parts.initial(chosen.seed)
    evaluate = make_evaluation(parts.task, build_objective(chosen, parts.task), 8)
    last = evaluate(network, result.params, evaluation_key(keys[5]))
    assert result.metrics[5]["validation_loss"] == pytest.approx(float(last["loss"]), rel=1e-12)
    assert result.metrics[5]["validation_accuracy"] == pytest.approx(float(last["accuracy"]))
    # must fail: the training batch (other trials, exploration noise on) scores otherwise
    assert result.metrics[5]["loss"] != pytest.approx(result.metrics[5]["validation_loss"])


def test_seeds_side_by_side_score_as_alone() -> None:
    chosen = config(rule="bptt")
    alone = [train(chosen.model_copy(update={"seed": s})).metrics for s in (5, 6)]
    looped = train_seeds(chosen, [5, 6], batching=Looped()).metrics
    vmapped = train_seeds(chosen, [5, 6], batching=Vmapped()).metrics
    for i in range(2):
        expected = [row["validation_loss"] for row in alone[i] if "validation_loss" in row]
        assert [r["validation_loss"] for r in looped[i] if "validation_loss" in r] == expected
        got = [r["validation_loss"] for r in vmapped[i] if "validation_loss" in r]
        np.testing.assert_allclose(got, expected, rtol=1e-5)


def test_the_final_numbers_are_the_mean_of_the_last_ten_evaluations() -> None:
    rows = [{"iteration": i, "loss": 1.0} for i in range(200)]
    for i in range(9, 200, 10):
        rows[i] |= {"validation_loss": float(i), "validation_accuracy": 0.5}
    rows[199]["validation_loss"] = math.nan  # a NaN (a resumed run's gap) is no evaluation
    final = last_evaluations(rows)
    assert final["validation_loss"] == pytest.approx(np.mean(np.arange(99, 199, 10)))
    assert last_evaluations([{"iteration": 0, "loss": 1.0}]) == {}


def test_train_can_score_the_last_weights_on_fresh_trials_without_noise() -> None:
    chosen = config(evaluate_every=0)
    result = train(chosen, evaluate_at_end=True)
    assert [row["iteration"] for row in result.metrics if "validation_loss" in row] == [5]
    parts = training_parts(chosen)
    network, _, keys = parts.initial(chosen.seed)
    evaluate = make_evaluation(parts.task, build_objective(chosen, parts.task), 8)
    last = evaluate(network, result.params, evaluation_key(keys[5]))
    assert result.metrics[5]["validation_loss"] == pytest.approx(float(last["loss"]), rel=1e-12)
    # must fail: without it nothing is scored, and the training numbers are the same
    plain = train(chosen)
    assert not any("validation_loss" in row for row in plain.metrics)
    assert [r["loss"] for r in plain.metrics] == [r["loss"] for r in result.metrics]
