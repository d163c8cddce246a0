"""The BCI measurements on synthetic data whose answers are known: the somato-dendritic
residual, transient rates normalised to day 1, activity-matched P0 neurons, and the
repeated-measures ANOVA across mice."""

import numpy as np
import pandas as pd
import pytest

from creditlab.analysis.events import Events
from creditlab.analysis.populations import (
    activity_matched,
    normalised_to_day_one,
    population_means,
)
from creditlab.analysis.residual import paired_event_sizes, somato_dendritic_residual
from creditlab.analysis.statistics import (
    mixed_effects_trend,
    repeated_measures_anova,
    sphericity_corrected_anova,
)


def test_residual_recovers_the_fit_and_what_is_left() -> None:
    rng = np.random.default_rng(0)
    frames, n = 5000, 3
    onsets = np.zeros((frames, n), bool)
    sizes = np.zeros((frames, n))
    dendrite = np.zeros((frames, n))
    truth = {}
    for neuron, (a, b) in enumerate([(0.1, 0.5), (0.0, 1.2), (-0.05, 0.8)]):
        at = rng.choice(np.arange(10, frames - 10, 20), size=60, replace=False)
        s = rng.uniform(0.2, 1.0, size=60)
        extra = rng.normal(0, 0.05, size=60)
        onsets[at, neuron], sizes[at, neuron] = True, s
        dendrite[at + 1, neuron] = a + b * s + extra  # dendritic peak one frame later
        truth[neuron] = (a, b, at, extra)
    paired = paired_event_sizes(Events(onsets, sizes, np.ones(n)), dendrite, window=3)
    fit = somato_dendritic_residual(paired, n)
    for neuron, (a, b, at, extra) in truth.items():
        assert fit.intercept[neuron] == pytest.approx(a, abs=0.03)
        assert fit.slope[neuron] == pytest.approx(b, abs=0.05)
        mine = paired.neuron == neuron
        order = np.argsort(at)
        residual = fit.residual[mine][np.argsort(paired.frame[mine])]
        assert np.corrcoef(residual, extra[order])[0, 1] > 0.95


def test_rates_normalised_to_day_one_and_population_means() -> None:
    rates = np.array([[2.0, 4.0, 1.0, 0.0], [1.0, 4.0, 2.0, 3.0]])
    population = np.array(["P+", "P-", "P0", "P0"])
    normalised = normalised_to_day_one(rates)
    np.testing.assert_allclose(normalised[1, :3], [0.5, 1.0, 2.0])
    assert np.isnan(normalised[1, 3])  # silent on day 1
    means = population_means(normalised, population)
    np.testing.assert_allclose(means["P0"], [1.0, 2.0])


def test_activity_matched_p0_takes_the_nearest_free_neuron() -> None:
    day_one = np.array([5.0, 1.0, 4.9, 1.2, 3.0, 0.1])
    population = np.array(["P+", "P-", "P0", "P0", "P0", "P0"])
    assert list(activity_matched(day_one, population)) == [2, 3]


def anova_table(rng, effect: float) -> pd.DataFrame:
    rows = []
    for mouse in range(6):
        offset = rng.normal(0, 0.5)
        for day in range(1, 15):
            value = offset + effect * day + rng.normal(0, 0.3)
            rows.append({"mouse": mouse, "day": day, "accuracy": value})
    return pd.DataFrame(rows)


def test_anova_finds_a_real_effect_and_rarely_a_null_one() -> None:
    rng = np.random.default_rng(0)
    real = repeated_measures_anova(anova_table(rng, 0.1), "accuracy", "mouse", ["day"])
    assert real["day"].p < 1e-6 and real["day"].df_effect == 13
    null_p = [
        repeated_measures_anova(anova_table(rng, 0.0), "accuracy", "mouse", ["day"])["day"].p
        for _ in range(40)
    ]
    assert np.mean(np.array(null_p) < 0.05) < 0.2  # about 5 % expected
    with pytest.raises(ValueError, match="no column"):
        repeated_measures_anova(anova_table(rng, 0.0), "speed", "mouse", ["day"])


def test_the_sphericity_corrected_anova_and_the_mixed_model_find_real_trends_only() -> None:
    rng = np.random.default_rng(1)
    real = sphericity_corrected_anova(anova_table(rng, 0.1), "accuracy", "mouse", "day")
    assert real.p < 1e-3 and 0 < real.epsilon <= 1  # ε < 1 costs degrees of freedom
    null_p = [
        sphericity_corrected_anova(anova_table(rng, 0.0), "accuracy", "mouse", "day").p
        for _ in range(40)
    ]
    assert np.mean(np.array(null_p) < 0.05) < 0.2  # about 5 % expected
    # Sessions missing at random (real recordings): the mixed model still sees the trend.
    missing = anova_table(rng, 0.1).sample(frac=0.7, random_state=2)
    trend = mixed_effects_trend(missing, "accuracy", "mouse", "day")
    assert trend.low < 0.1 < trend.high and trend.p < 1e-6
    flat = mixed_effects_trend(
        anova_table(rng, 0.0).sample(frac=0.7, random_state=3), "accuracy", "mouse", "day"
    )
    assert flat.low < 0.0 < flat.high


def test_the_corrected_anova_of_two_mice_is_undefined_not_a_crash() -> None:
    """Two mice leave Mauchly's sphericity estimate no degrees of freedom (pingouin
    divides by zero): every number is NaN; three mice give a test again."""
    table = anova_table(np.random.default_rng(4), 0.1)
    two = sphericity_corrected_anova(table[table.mouse < 2], "accuracy", "mouse", "day")
    assert all(np.isnan(value) for value in two)
    three = sphericity_corrected_anova(table[table.mouse < 3], "accuracy", "mouse", "day")
    assert 0 <= three.p <= 1
