"""Werfel, Xie & Seung (2005) learning-time scaling on the linear teacher–student task,
at a small size (N = 8 inputs, M = 4 outputs, 8 students, learning rates tuned):
node perturbation is about M + 2 times slower than gradient descent and weight
perturbation about (N·M + 2)/(M + 2) times slower again (benchmarks/RESULTS.md has
larger N and M)."""

import pytest

from creditlab.analysis.learning_time import tuned_learning_time


def test_learning_times_scale_with_the_perturbed_dimension() -> None:
    n, m = 8, 4
    times = {
        method: tuned_learning_time(method, n, m, seeds=8)
        for method in ("gradient", "node-perturbation", "weight-perturbation")
    }
    assert not any(t.at_edge for t in times.values())
    gd, np_, wp = (t.trials for t in times.values())
    assert np_ / gd == pytest.approx(m + 2, rel=0.3)
    assert wp / np_ == pytest.approx((n * m + 2) / (m + 2), rel=0.3)
