"""Statistics the BCI analyses report, from maintained libraries where one exists.

- ``repeated_measures_anova(table, value, subject, within)`` (statsmodels' AnovaRM)
  tests whether ``value`` changes with the within-subject factors (for example ``day``,
  or ``day`` and ``population``), each subject (mouse) measured at every level, as in
  Francioni et al. 2026 (Fig. 1g: one-way over days; Fig. 1i: two-way).
- ``sphericity_corrected_anova`` is the one-way test with the Greenhouse–Geisser
  correction (pingouin), since days' variances and covariances are rarely equal.
- ``mixed_effects_trend`` fits value ~ time + (1 | subject) (statsmodels' MixedLM): a
  trend that needs no balanced design, for recordings that miss sessions.
- Means with 95 % intervals, equivalence (TOST), Holm's correction and Spearman's ρ with
  its interval, for the declared findings; the share of a gap between two groups that a
  third closes, with a bootstrap interval.
- The power of a paired t-test and the number of subjects (seeds) it needs, to fix a
  run's number of seeds before the run.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd


class Effect(NamedTuple):
    """One effect's F statistic, its degrees of freedom and p-value."""

    F: float
    df_effect: float
    df_error: float
    p: float


def repeated_measures_anova(
    table: pd.DataFrame, value: str, subject: str, within: list[str]
) -> dict[str, Effect]:
    """Effects by name (``"day"``, ``"population:day"``, ...) of an AnovaRM fit.

    ``table`` has one row per subject and level combination (average repeats first)."""
    from statsmodels.stats.anova import AnovaRM

    missing = [c for c in (value, subject, *within) if c not in table.columns]
    if missing:
        raise ValueError(f"the table has no column {missing}; it has {list(table.columns)}")
    fit = AnovaRM(table, depvar=value, subject=subject, within=within).fit()
    frame = fit.anova_table
    return {
        str(name): Effect(
            float(row["F Value"]), float(row["Num DF"]), float(row["Den DF"]), float(row["Pr > F"])
        )
        for name, row in frame.iterrows()
    }


class CorrectedEffect(NamedTuple):
    """A one-way repeated-measures F with its Greenhouse–Geisser ε and corrected p."""

    F: float
    df_effect: float
    df_error: float
    epsilon: float
    p: float


def sphericity_corrected_anova(
    table: pd.DataFrame, value: str, subject: str, within: str
) -> CorrectedEffect:
    """One-way repeated-measures ANOVA of ``value`` over ``within`` with the
    Greenhouse–Geisser correction (pingouin's ``rm_anova``); ``table`` balanced. With
    fewer than three subjects the correction's sphericity estimate is undefined, and so
    is every number returned (NaN)."""
    import warnings

    import pingouin

    if table[subject].nunique() < 3:
        return CorrectedEffect(*(5 * [float("nan")]))
    with warnings.catch_warnings():  # pingouin's own use of deprecated pandas arguments
        warnings.filterwarnings("ignore", module="pingouin")
        fit = pingouin.rm_anova(table, dv=value, within=within, subject=subject, correction=True)
    row = fit.iloc[0]
    p = row.get("p-GG-corr", row.get("p_GG_corr", row.get("p-unc", row.get("p_unc"))))
    epsilon = row.get("eps", float("nan"))
    return CorrectedEffect(
        float(row["F"]), float(row["ddof1"]), float(row["ddof2"]), float(epsilon), float(p)
    )


class Trend(NamedTuple):
    """A fixed-effect slope per unit of time, its 95 % interval and p."""

    slope: float
    low: float
    high: float
    p: float


def mixed_effects_trend(table: pd.DataFrame, value: str, subject: str, time: str) -> Trend:
    """The slope of ``value`` over ``time`` in value ~ time + (1 | subject), fitted by
    REML (statsmodels' MixedLM); rows may be missing for any subject and time."""
    import warnings

    from statsmodels.regression.mixed_linear_model import MixedLM

    data = table[[value, subject, time]].dropna()
    design = np.column_stack([np.ones(len(data)), data[time].to_numpy(float)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence notes on tiny synthetic samples
        fit = MixedLM(data[value].to_numpy(float), design, groups=data[subject]).fit(reml=True)
    low, high = fit.conf_int()[1]
    return Trend(float(fit.params[1]), float(low), float(high), float(fit.pvalues[1]))


class Estimate(NamedTuple):
    """A mean across subjects with its 95 % confidence interval (t distribution) and the
    one-sample t-test's two-sided p against ``null``."""

    mean: float
    low: float
    high: float
    p: float


def mean_with_interval(values, null: float = 0.0) -> Estimate:
    """The mean of ``values`` (one per subject; NaNs dropped), its 95 % t interval and
    the p of a one-sample t-test against ``null`` (NaN with fewer than two values; a
    constant sample has p 0 unless it equals ``null``)."""
    import numpy as np
    from scipy import stats

    values = np.asarray(values, float)
    values = values[np.isfinite(values)]
    if len(values) < 2:
        mean = float(values[0]) if len(values) else np.nan
        return Estimate(mean, np.nan, np.nan, np.nan)
    mean, sem = float(values.mean()), float(stats.sem(values))
    if sem == 0:
        return Estimate(mean, mean, mean, 0.0 if mean != null else 1.0)
    half = float(stats.t.ppf(0.975, len(values) - 1)) * sem
    p = float(stats.ttest_1samp(values, null).pvalue)
    return Estimate(mean, mean - half, mean + half, p)


def paired_t_power(effect_size: float, n: int, alpha: float = 0.05) -> float:
    """The power of a two-sided paired (one-sample) t-test at level ``alpha`` with ``n``
    pairs, for a true standardised mean difference d_z = mean / SD of the differences
    (Cohen 1988): P(|T| > t_{1−α/2, n−1}) for T non-central t with n − 1 degrees of
    freedom and non-centrality d_z √n."""
    from scipy import stats

    if n < 2:
        raise ValueError(f"a paired t-test needs at least 2 pairs, got {n}")
    critical = float(stats.t.ppf(1 - alpha / 2, n - 1))
    shift = abs(effect_size) * np.sqrt(n)
    return float(stats.nct.sf(critical, n - 1, shift) + stats.nct.cdf(-critical, n - 1, shift))


def pairs_for_power(effect_size: float, power: float = 0.8, alpha: float = 0.05) -> int:
    """The fewest pairs n at which :func:`paired_t_power` reaches ``power`` for the
    standardised effect ``effect_size`` (d_z); found by doubling, then bisection."""
    if effect_size == 0:
        raise ValueError("no number of pairs gives power against an effect of 0")
    high = 2
    while paired_t_power(effect_size, high, alpha) < power:
        high *= 2
    low = max(2, high // 2)
    while low < high:
        middle = (low + high) // 2
        if paired_t_power(effect_size, middle, alpha) >= power:
            high = middle
        else:
            low = middle + 1
    return low


def median_with_interval(values, resamples: int = 2000, seed: int = 0) -> Estimate:
    """The median of ``values`` (one per subject; +inf for a subject that never got
    there, NaN dropped) and its 95 % percentile-bootstrap interval (``resamples``
    resamples from a fixed ``seed``, so the same values give the same interval); p is
    NaN. An interval end is +inf when over 2.5 % of resampled medians are."""
    import numpy as np

    values = np.asarray(values, float)
    values = values[~np.isnan(values)]
    if len(values) < 2:
        return Estimate(float(values[0]) if len(values) else np.nan, np.nan, np.nan, np.nan)
    rng = np.random.default_rng(seed)
    draws = rng.choice(values, size=(resamples, len(values)), replace=True)
    medians = np.sort(np.median(draws, axis=1))
    low = medians[int(np.floor(0.025 * (resamples - 1)))]
    high = medians[int(np.ceil(0.975 * (resamples - 1)))]
    return Estimate(float(np.median(values)), float(low), float(high), np.nan)


def equivalence_p(values, margin: float) -> float:
    """p of the two one-sided t-tests (TOST) that the mean of ``values`` lies within
    (−``margin``, ``margin``): the larger of the two one-sided p's (Schuirmann 1987)."""
    import numpy as np
    from scipy import stats

    values = np.asarray(values, float)
    values = values[np.isfinite(values)]
    if len(values) < 2:
        return np.nan
    above = stats.ttest_1samp(values, -margin, alternative="greater").pvalue
    below = stats.ttest_1samp(values, margin, alternative="less").pvalue
    return float(max(above, below))


def holm(p_values) -> list[float]:
    """Holm's step-down adjusted p-values (Holm 1979), in the given order; NaN stays NaN
    and does not count towards the number of tests."""
    import numpy as np

    p = np.asarray(p_values, float)
    finite = np.flatnonzero(np.isfinite(p))
    order = finite[np.argsort(p[finite], kind="stable")]
    adjusted = np.full(p.shape, np.nan)
    running, m = 0.0, len(order)
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[index]))
        adjusted[index] = running
    return adjusted.tolist()


def spearman_with_interval(x, y) -> Estimate:
    """Spearman's ρ, its 95 % interval by Fisher's z (s.e. 1.03/√(n − 3), Fieller et al.
    1957) and its p."""
    import numpy as np
    from scipy import stats

    n = len(x)
    if n < 4:
        return Estimate(np.nan, np.nan, np.nan, np.nan)
    rho, p = stats.spearmanr(x, y)
    z, half = np.arctanh(np.clip(rho, -0.999999, 0.999999)), 1.96 * 1.03 / np.sqrt(n - 3)
    return Estimate(float(rho), float(np.tanh(z - half)), float(np.tanh(z + half)), float(p))


def slope_with_interval(
    x, y, groups, resamples: int = 2000, seed: int = 0
) -> tuple[float, float, float]:
    """The least-squares slope of ``y`` on ``x`` with its 95 % bootstrap interval, the
    points resampled with replacement within each group (a group per design level, e.g.
    the birds of one network size): (slope, low, high)."""
    x, y, groups = np.asarray(x, float), np.asarray(y, float), np.asarray(groups)
    members = [np.flatnonzero(groups == g) for g in np.unique(groups)]

    def slope(index: np.ndarray) -> float:
        return float(np.polyfit(x[index], y[index], 1)[0])

    rng = np.random.default_rng(seed)
    draws = [
        slope(np.concatenate([m[rng.integers(0, len(m), len(m))] for m in members]))
        for _ in range(resamples)
    ]
    low, high = np.percentile(draws, [2.5, 97.5])
    return slope(np.concatenate(members)), float(low), float(high)


def gap_closure_with_interval(
    worst, middle, best, resamples: int = 10_000, seed: int = 0
) -> Estimate:
    """How much of the gap between two groups a third closes, on the means of their
    losses (one value per seed each): c = (mean(worst) − mean(middle)) / (mean(worst) −
    mean(best)); 0 when ``middle`` is as bad as ``worst``, 1 when as good as ``best``.
    Its 95 % percentile-bootstrap interval resamples each group's values with
    replacement on its own (``resamples`` draws from a fixed ``seed``). A resample whose
    gap is not positive has no c: up to 2.5 % of such count below every c (the low end
    is then conservative); with more the interval's ends are NaN. p is NaN. Used for Liu
    et al. 2021's claim that MDGL closes most of the gap between e-prop and BPTT
    (RESULTS §9)."""
    groups = [np.asarray(g, float) for g in (worst, middle, best)]
    if any(len(g) < 2 for g in groups):
        raise ValueError("each group needs at least two values to resample")

    def closure(w: np.ndarray, m: np.ndarray, b: np.ndarray) -> np.ndarray:
        gap = w - b
        return np.where(gap > 0, (w - m) / np.where(gap > 0, gap, 1.0), np.nan)

    rng = np.random.default_rng(seed)
    means = [g[rng.integers(0, len(g), (resamples, len(g)))].mean(axis=1) for g in groups]
    draws = closure(*means)
    point = float(closure(*(np.array(g.mean()) for g in groups)))
    if np.mean(np.isnan(draws)) > 0.025:
        return Estimate(point, np.nan, np.nan, np.nan)
    ordered = np.sort(np.where(np.isnan(draws), -np.inf, draws))
    low = ordered[int(np.floor(0.025 * (resamples - 1)))]
    high = ordered[int(np.ceil(0.975 * (resamples - 1)))]
    return Estimate(point, float(low), float(high), np.nan)
