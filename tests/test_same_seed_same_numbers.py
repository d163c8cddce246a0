"""A seed gives the same numbers however it runs: alone (``creditlab train``), beside
other seeds (:func:`creditlab.seeds.train_seeds`), or as a trial of ``creditlab compare``
— bitwise, in float64 and in float32. The vmapped layout equals them to rounding."""

from __future__ import annotations

import numpy as np
import pytest

from creditlab.compare.plan import TrialSpec
from creditlab.compare.trial import run_trial, trial_config
from creditlab.config import make_config
from creditlab.seeds import Vmapped, train_seeds
from creditlab.train import train

CASES = [  # a deterministic rule, e-prop's traces, a rule that draws noise, MDGL
    ("evidence-accumulation", "bptt", {}),
    ("sine-waves", "eprop", {}),
    ("evidence-accumulation", "node-perturbation", {}),
    ("evidence-accumulation", "mdgl", {"excitatory_fraction": 0.8}),
]


def config_of(task: str, rule: str, network: dict, precision: str, seed: int = 1):
    return make_config(
        task=task,
        rule=rule,
        iterations=5,
        batch=4,
        network={"n_rec": 16, **network},
        precision=precision,
        seed=seed,
    )


def losses(rows: list[dict]) -> list[float]:
    return [row["loss"] for row in rows]


@pytest.mark.parametrize(
    ("task", "rule", "network", "precision"),
    [(*case, "float64") for case in CASES] + [(*case, "float32") for case in CASES[:2]],
)
def test_train_and_a_seed_set_give_the_same_bits(task, rule, network, precision) -> None:
    config = config_of(task, rule, network, precision)
    alone = train(config)
    beside = train_seeds(config, [0, 1, 7])
    assert losses(beside.metrics[1]) == losses(alone.metrics)
    for name, value in alone.params._asdict().items():
        if value is not None:  # the readout bias where the network has one
            np.testing.assert_array_equal(getattr(beside.states.params, name)[1], value)
    # a case where it must fail: another seed gives other numbers
    assert losses(beside.metrics[0]) != losses(alone.metrics)


def test_a_compare_trial_gives_trains_loss_curve_bitwise() -> None:
    spec = TrialSpec(
        phase="final",
        task="teacher-student",
        rule="node-perturbation",
        learning_rate=0.01,
        seeds=(0, 3),
        iterations=6,
        batch=4,
        n_rec=8,
        alignment_draws=1,
    )
    record = run_trial(spec.model_dump())
    config = trial_config(spec).model_copy(update={"seed": 3})
    assert record["seeds"][1]["loss_curve"] == losses(train(config).metrics)


@pytest.mark.parametrize(
    ("task", "rule", "precision", "rtol"),
    [
        ("sine-waves", "eprop", "float64", 1e-12),
        ("sine-waves", "eprop", "float32", 1e-6),
        # Liu's configuration: the spectral initialisation's host callback, DEEP R
        ("delayed-match-liu", "mdgl", "float64", 1e-12),
    ],
)
def test_the_vmapped_layout_equals_them_to_rounding(task, rule, precision, rtol) -> None:
    config = config_of(task, rule, {}, precision)
    looped = train_seeds(config, [0, 1, 2])
    vmapped = train_seeds(config, [0, 1, 2], batching=Vmapped())
    for a, b in zip(looped.metrics, vmapped.metrics, strict=True):
        np.testing.assert_allclose(losses(b), losses(a), rtol=rtol)
    np.testing.assert_allclose(
        vmapped.states.params.w_rec, looped.states.params.w_rec, rtol=rtol, atol=rtol * 1e-2
    )
