"""The paper's findings as tests on the experiment's tables (Francioni et al. 2026), each
with its statistic, p-value or effect size, and whether the data reproduce it.

"Early" and "late" are the first and last third of the days (at least one day each).
Tests across mice need at least two mice; with fewer, p is NaN and nothing counts as
reproduced. The criteria:

- ``learns``: accuracy changes over days (one-way repeated-measures ANOVA, p < 0.05)
  and is higher late than early. Accuracy is that of the daily probe blocks (feedback
  off, plasticity frozen) when the tables have them.
- ``sparsification``: P− falls (late/day-1 transient rate below 1, one-sample t-test
  across mice, p < 0.05), P+ stays above P− (paired t-test, p < 0.05), and P+ is kept
  (its late/day-1 ratio within 0.8–1.25).
- ``residual-predicted``: network activity (mean ΔF/F0 of P+, P−, P0 at the onset)
  predicts the control neurons' residuals (5-fold cross-validated R² > 0 across mice,
  t-test, p < 0.05).
- ``residual-outcome``: the P+ and P− residuals in the 3 s before a trial's outcome
  decode success from failure (5-fold cross-validated linear discriminant, AUC > 0.5
  across mice, t-test, p < 0.05). The 2 s after the outcome are reported too.
- ``residual-sign``: while the error falls, P+ residuals are positive and P− residuals
  negative (paired t-test across mice, p < 0.05).
- ``residual-predicts-change``: a control neuron's early mean residual in trials
  predicts its later change in transient rate (log late/early), Spearman ρ > 0 with
  p < 0.05, neurons pooled over mice.
- ``inhibition-impairs``: the learning gain (late − early accuracy) is smaller with
  apical inhibition than without, for the same mice (paired t-test, p < 0.05); a
  uniform drop in accuracy from the lower somatic activity does not count.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import stats

from creditlab.analysis.statistics import repeated_measures_anova

FINDINGS = {
    "learns": "accuracy rises over days",
    "sparsification": "P− down-regulated while P+ is kept",
    "residual-predicted": "network activity predicts the residual",
    "residual-outcome": "residual encodes trial outcome (before it)",
    "residual-sign": "residual sign opposite in P+ and P− while the error falls",
    "residual-predicts-change": "early residual predicts later activity change",
    "inhibition-impairs": "apical inhibition impairs learning",
}


class Finding(NamedTuple):
    finding: str
    statistic: str
    value: float
    p: float
    reproduced: bool
    detail: str


def early_and_late_days(days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The first and last third of ``days`` (at least one day each)."""
    days = np.sort(np.unique(days))
    third = max(1, len(days) // 3)
    return days[:third], days[-third:]


def _t_test(values: np.ndarray, popmean: float = 0.0) -> tuple[float, float]:
    values = np.asarray(values, float)
    values = values[np.isfinite(values)]
    if len(values) < 2:
        return float(np.mean(values)) if len(values) else np.nan, np.nan
    if np.std(values) == 0:  # t is infinite, or undefined when the mean is popmean
        return float(values[0]), 0.0 if values[0] != popmean else 1.0
    return float(np.mean(values)), float(stats.ttest_1samp(values, popmean).pvalue)


def _significant(p: float) -> bool:
    return bool(np.isfinite(p) and p < 0.05)


def learning_blocks(daily: pd.DataFrame) -> pd.DataFrame:
    """The rows that measure learning: the probe blocks (feedback off, plasticity frozen)
    when the table has them, so that what feedback does to activity at the moment is
    never counted as learning; else every row."""
    if "block" in daily.columns and (daily.block == "probe").any():
        return daily[daily.block == "probe"]
    return daily


def learns(daily: pd.DataFrame) -> Finding:
    daily = learning_blocks(daily)
    early, late = early_and_late_days(daily["day"].to_numpy())
    before = daily[daily.day.isin(early)].accuracy.mean()
    after = daily[daily.day.isin(late)].accuracy.mean()
    p, statistic = np.nan, "late − early accuracy"
    if daily.mouse.nunique() >= 2 and daily.day.nunique() >= 2:
        table = daily[["mouse", "day", "accuracy"]].fillna({"accuracy": 0.0})
        effect = repeated_measures_anova(table, "accuracy", "mouse", ["day"])["day"]
        p = effect.p
        statistic = f"F({effect.df_effect:.0f}, {effect.df_error:.0f}) = {effect.F:.2f}"
    gain = float(after - before)
    detail = f"accuracy {before:.2f} → {after:.2f}; {statistic}"
    reproduced = _significant(p) and gain > 0
    return Finding("learns", "late − early accuracy", gain, p, reproduced, detail)


def rate_ratios(neurons: pd.DataFrame) -> pd.DataFrame:
    """Mean transient rate per mouse, population and day, divided by day 1's
    (columns P+, P-, P0, P0-matched; index mouse, day)."""
    groups = {
        "P+": neurons.population == "P+",
        "P-": neurons.population == "P-",
        "P0": neurons.population == "P0",
        "P0-matched": neurons.matched,
    }
    columns = {}
    for label, rows in groups.items():
        mean = neurons[rows].groupby(["mouse", "day"]).rate_per_min.mean()
        first = mean.groupby(level="mouse").transform(lambda series: series.iloc[0])
        columns[label] = mean / first
    return pd.DataFrame(columns)


def sparsification(neurons: pd.DataFrame) -> Finding:
    ratios = rate_ratios(neurons)
    _, late = early_and_late_days(neurons.day.to_numpy())
    per_mouse = (
        ratios[ratios.index.get_level_values("day").isin(late)].groupby(level="mouse").mean()
    )
    minus, p_minus = _t_test(per_mouse["P-"], 1.0)
    difference, p_difference = _t_test(per_mouse["P+"] - per_mouse["P-"])
    plus = float(per_mouse["P+"].mean())
    kept = 0.8 <= plus <= 1.25
    reproduced = _significant(p_minus) and minus < 1 and _significant(p_difference)
    reproduced = reproduced and difference > 0 and kept
    detail = (
        f"late/day-1 rate: P+ {plus:.2f}, P− {minus:.2f} (vs 1: p = {p_minus:.2g}), "
        f"P0 {per_mouse['P0'].mean():.2f}, matched P0 {per_mouse['P0-matched'].mean():.2f}; "
        f"P+ − P− = {difference:.2f} (p = {p_difference:.2g})"
    )
    return Finding(
        "sparsification", "P+ − P− late/day-1 rate", difference, p_difference, reproduced, detail
    )


def _cross_validated_r2(features: np.ndarray, target: np.ndarray, folds: int = 5) -> float:
    order = np.random.default_rng(0).permutation(len(target))
    predicted = np.empty(len(target))
    design = np.column_stack([np.ones(len(target)), features])
    for fold in np.array_split(order, folds):
        train = np.setdiff1d(order, fold)
        coefficients, *_ = np.linalg.lstsq(design[train], target[train], rcond=None)
        predicted[fold] = design[fold] @ coefficients
    return 1.0 - np.sum((target - predicted) ** 2) / np.sum((target - target.mean()) ** 2)


def _control_events(events: pd.DataFrame) -> pd.DataFrame:
    return events[events.population.isin(["P+", "P-"]) & events.residual.notna()]


def residual_predicted(events: pd.DataFrame) -> Finding:
    network = ["network_P+", "network_P-", "network_P0"]
    scores = []
    for _, mouse in _control_events(events).groupby("mouse"):
        per_neuron = [
            _cross_validated_r2(rows[network].to_numpy(), rows.residual.to_numpy())
            for _, rows in mouse.groupby("neuron")
            if len(rows) >= 20
        ]
        scores.append(np.mean(per_neuron) if per_neuron else np.nan)
    r2, p = _t_test(np.array(scores))
    detail = f"cross-validated R² {r2:.3f} (mean over mice of control neurons' mean)"
    return Finding(
        "residual-predicted", "cross-validated R²", r2, p, _significant(p) and r2 > 0, detail
    )


def _lda_auc(features: np.ndarray, labels: np.ndarray, folds: int = 5) -> float:
    """Cross-validated AUC of a linear discriminant (shrunk covariance)."""
    if min(labels.sum(), (~labels).sum()) < folds:
        return np.nan
    order = np.random.default_rng(0).permutation(len(labels))
    scores = np.empty(len(labels))
    for fold in np.array_split(order, folds):
        train = np.setdiff1d(order, fold)
        x, y = features[train], labels[train]
        covariance = np.cov(x.T) + 1e-6 * np.eye(x.shape[1])
        weights = np.linalg.solve(covariance, x[y].mean(0) - x[~y].mean(0))
        scores[fold] = features[fold] @ weights
    return float(stats.mannwhitneyu(scores[labels], scores[~labels]).statistic) / (
        labels.sum() * (~labels).sum()
    )


def _window_features(events: pd.DataFrame, trials: pd.DataFrame, low: float, high: float):
    inside = events[(events.since_outcome_s >= low) & (events.since_outcome_s < high)]
    means = inside.groupby(["day", "trial", "population"]).residual.mean().unstack("population")
    table = trials.set_index(["day", "trial"])[["success"]].join(means).fillna(0.0)
    columns = [c for c in ("P+", "P-") if c in table]
    return table[columns].to_numpy(), table.success.to_numpy(bool)


def residual_outcome(events: pd.DataFrame, trials: pd.DataFrame) -> Finding:
    control = _control_events(events)
    before, after = [], []
    for mouse, rows in control.groupby("mouse"):
        mine = trials[trials.mouse == mouse]
        before.append(_lda_auc(*_window_features(rows, mine, -3.0, 0.0)))
        after.append(_lda_auc(*_window_features(rows, mine, 0.0, 2.0)))
    auc, p = _t_test(np.array(before), 0.5)
    auc_after, p_after = _t_test(np.array(after), 0.5)
    detail = (
        f"AUC before outcome {auc:.2f} (p = {p:.2g}); after {auc_after:.2f} (p = {p_after:.2g})"
    )
    return Finding(
        "residual-outcome", "AUC success vs failure", auc, p, _significant(p) and auc > 0.5, detail
    )


def residual_sign(events: pd.DataFrame) -> Finding:
    falling = _control_events(events)
    falling = falling[falling.error_falling]
    means = falling.groupby(["mouse", "population"]).residual.mean().unstack("population")
    if not {"P+", "P-"} <= set(means.columns):
        return Finding("residual-sign", "P+ − P− residual", np.nan, np.nan, False, "no events")
    difference, p = _t_test((means["P+"] - means["P-"]).to_numpy())
    plus, minus = float(means["P+"].mean()), float(means["P-"].mean())
    reproduced = _significant(p) and plus > 0 > minus
    detail = f"while the error falls: P+ {plus:+.3f}, P− {minus:+.3f} ΔF/F0 (paired p = {p:.2g})"
    return Finding("residual-sign", "P+ − P− residual", difference, p, reproduced, detail)


def residual_and_change(events: pd.DataFrame, neurons: pd.DataFrame) -> pd.DataFrame:
    """Per control neuron (index mouse, neuron): its mean residual in trials on the early
    days, its population, and the change of its transient rate, log((late + 0.1) /
    (early + 0.1)) [events/min]."""
    early, late = early_and_late_days(neurons.day.to_numpy())
    control = _control_events(events)
    in_trial = control[(control.since_outcome_s < 0) & control.day.isin(early)]
    residual = in_trial.groupby(["mouse", "neuron"]).residual.mean()
    rates = neurons[neurons.population.isin(["P+", "P-"])]
    population = rates.groupby(["mouse", "neuron"]).population.first()
    before = rates[rates.day.isin(early)].groupby(["mouse", "neuron"]).rate_per_min.mean()
    after = rates[rates.day.isin(late)].groupby(["mouse", "neuron"]).rate_per_min.mean()
    change = np.log((after + 0.1) / (before + 0.1))
    table = pd.concat({"residual": residual, "change": change}, axis=1).dropna()
    return table.join(population)


def residual_predicts_change(events: pd.DataFrame, neurons: pd.DataFrame) -> Finding:
    table = residual_and_change(events, neurons)
    if len(table) < 3 or neurons.day.nunique() < 2:
        return Finding(
            "residual-predicts-change", "Spearman ρ", np.nan, np.nan, False, "too few days"
        )
    rho, p = stats.spearmanr(table.residual, table.change)
    detail = f"Spearman ρ = {rho:.2f} over {len(table)} control neurons (p = {p:.2g})"
    return Finding(
        "residual-predicts-change",
        "Spearman ρ",
        float(rho),
        float(p),
        _significant(p) and rho > 0,
        detail,
    )


def learning_gain(daily: pd.DataFrame) -> pd.Series:
    """Per mouse: mean accuracy over the last third of days minus over the first third
    (in the probe blocks when there are any)."""
    daily = learning_blocks(daily)
    early, late = early_and_late_days(daily.day.to_numpy())
    before = daily[daily.day.isin(early)].groupby("mouse").accuracy.mean()
    after = daily[daily.day.isin(late)].groupby("mouse").accuracy.mean()
    return after - before


def inhibition_impairs(control: pd.DataFrame, inhibited: pd.DataFrame) -> Finding:
    """Compare the ``daily`` tables of the same mice without and with apical inhibition.

    The statistic is the difference in learning gain (late − early accuracy, per mouse),
    paired over mice, so that a uniform drop in performance caused by the lower somatic
    activity under inhibition is not mistaken for impaired learning.
    """
    without, with_inhibition = learning_gain(control), learning_gain(inhibited)
    difference, p = _t_test((without - with_inhibition).dropna().to_numpy())
    detail = (
        f"accuracy gain {without.mean():+.2f} without, {with_inhibition.mean():+.2f} with "
        f"apical inhibition (paired p = {p:.2g})"
    )
    return Finding(
        "inhibition-impairs",
        "accuracy gain, without − with",
        difference,
        p,
        _significant(p) and difference > 0,
        detail,
    )


def findings(daily, trials, neurons, events) -> list[Finding]:
    """Every finding that one condition's tables can show (all but ``inhibition-impairs``)."""
    return [
        learns(daily),
        sparsification(neurons),
        residual_predicted(events),
        residual_outcome(events, trials),
        residual_sign(events),
        residual_predicts_change(events, neurons),
    ]
