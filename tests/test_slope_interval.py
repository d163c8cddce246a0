"""The bootstrap slope shared by the scaling analyses (analysis.statistics)."""

import numpy as np

from creditlab.analysis.statistics import slope_with_interval


def test_the_slope_and_its_interval_resample_within_each_group() -> None:
    x = np.repeat([1.0, 2.0, 3.0, 4.0], 8)
    exact = slope_with_interval(x, 0.5 * x + 1.0, x)
    np.testing.assert_allclose(exact, (0.5, 0.5, 0.5))  # no scatter: a point interval
    rng = np.random.default_rng(1)
    noisy = 0.5 * x + rng.normal(0, 0.3, x.size)
    slope, low, high = slope_with_interval(x, noisy, x)
    assert low < 0.5 < high and low < slope < high and high - low < 0.3
    # must fail: without a relation the interval holds 0, and not 0.5
    flat = rng.normal(0, 0.3, x.size)
    _, low, high = slope_with_interval(x, flat, x)
    assert low < 0.0 < high and not low < 0.5 < high
