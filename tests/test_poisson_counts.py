"""Poisson input counts (``tasks.base.poisson_counts``) follow the Poisson distribution."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from creditlab.tasks.base import poisson_counts

DRAWS = 1_000_000


def pmf(lam: float, k: int) -> float:
    return math.exp(-lam) * lam**k / math.factorial(k)


def largest_z(counts: np.ndarray, lam: float) -> float:
    """The largest |observed − expected| frequency of counts 0..5, in binomial SDs."""
    worst = 0.0
    for k in range(6):
        p = pmf(lam, k)
        observed = float(np.mean(counts == k))
        worst = max(worst, abs(observed - p) / math.sqrt(max(p * (1 - p), 1e-12) / DRAWS))
    return worst


@pytest.mark.parametrize("rate_hz", [40.0, 2000.0])
def test_counts_have_poisson_frequencies(rate_hz: float) -> None:
    lam = rate_hz * 1e-3
    rates = jnp.full((DRAWS,), rate_hz)
    counts = np.asarray(poisson_counts(jax.random.key(0), rates, 1.0, max_rate_hz=rate_hz))
    assert largest_z(counts, lam) < 5.0
    # must fail: the same draws against a 15 % higher rate
    assert largest_z(counts, 1.15 * lam) > 5.0


def test_each_count_has_its_own_rate() -> None:
    rates = jnp.tile(jnp.array([0.0, 40.0, 400.0]), DRAWS // 4)
    counts = np.asarray(poisson_counts(jax.random.key(1), rates, 1.0, max_rate_hz=400.0))
    counts = counts.reshape(-1, 3)
    assert np.all(counts[:, 0] == 0)
    assert largest_z(counts[:, 1], 0.04) < 5.0
    assert largest_z(counts[:, 2], 0.4) < 5.0
    assert counts[:, 2].max() >= 4  # P(n ≥ 4) = 8e-4 at λ = 0.4: counts above three occur


def test_large_rates_use_the_rejection_sampler() -> None:
    rates = jnp.full((200_000,), 50_000.0)  # λ = 50 per step: past the inverse's 64 terms
    counts = np.asarray(poisson_counts(jax.random.key(2), rates, 1.0, max_rate_hz=50_000.0))
    assert abs(counts.mean() - 50.0) < 5 * math.sqrt(50.0 / counts.size)
    assert abs(counts.var() / 50.0 - 1.0) < 0.02
