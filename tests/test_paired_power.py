"""The power of a paired t-test and the pairs it needs (analysis.statistics), against
published tables and a simulation."""

import numpy as np
import pytest
from scipy import stats

from creditlab.analysis.statistics import paired_t_power, pairs_for_power


def test_matches_published_sample_sizes() -> None:
    # G*Power / Cohen (1988): a paired t-test, two-sided α 0.05, 80 % power needs 34
    # pairs for d_z 0.5, 199 for 0.2, and 15 for 0.8.
    assert pairs_for_power(0.5) == 34
    assert pairs_for_power(0.2) == 199
    assert pairs_for_power(0.8) == 15
    assert pairs_for_power(-0.5) == 34  # two-sided: the sign does not matter


def test_the_declared_delayed_match_numbers() -> None:
    # RESULTS §9 fixed the delayed-match run at 30 seeds from these effect sizes.
    assert pairs_for_power(0.53) == 30
    assert pairs_for_power(0.94) == 11
    assert pairs_for_power(0.033015) == 7203  # the number RESULTS §9 quotes


def test_power_agrees_with_a_simulation() -> None:
    rng = np.random.default_rng(0)
    n, effect, trials = 12, 0.7, 20_000
    samples = rng.normal(effect, 1.0, (trials, n))
    rejected = np.mean(stats.ttest_1samp(samples, 0.0, axis=1).pvalue < 0.05)
    assert abs(paired_t_power(effect, n) - rejected) < 0.01
    # no effect: the power is the test's level
    assert paired_t_power(0.0, n) == pytest.approx(0.05, abs=1e-12)


def test_refuses_what_has_no_answer() -> None:
    with pytest.raises(ValueError, match="effect of 0"):
        pairs_for_power(0.0)
    with pytest.raises(ValueError, match="at least 2 pairs"):
        paired_t_power(0.5, 1)
