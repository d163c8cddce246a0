"""Apical inhibition as a dose-response: the learning gain and the somatic activity of
the same mice against the strength of NDNF-like activation.

The simulated design can run the same mice under every level (each level is one
condition, ``apical_inhibition="all"`` with ``ndnf_activation`` set to the level), so
the comparison is between conditions on matched mice; the paper's own design alternated
inhibited and control days within each mouse, which ``apical_inhibition="alternate"``
reproduces for one level. Per level and mouse: the probe-block learning gain (last
third of days minus first) and the mean somatic transient rate of all neurons in the
training sessions relative to level 0 (the first level must be 0). The trends across
levels are mixed-effects slopes (value ~ level + (1 | mouse)), per unit of activation
(Hz of extra NDNF rate).
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise
from pathlib import Path

import pandas as pd

from creditlab.analysis.statistics import mean_with_interval, mixed_effects_trend
from creditlab.experiments.bci.experiment import BCIConfig, Results, run_experiment
from creditlab.experiments.bci.findings import learning_gain
from creditlab.report import figure, figure_title, plot_band, save_figure, write_markdown_page

LEVELS = (0.0, 2.5, 5.0, 10.0, 20.0)  # extra NDNF rate [Hz]; the default activation is 10


def level_config(config: BCIConfig, level: float) -> BCIConfig:
    """``config`` with the NDNF-like cells activated by ``level`` on every day."""
    circuit = {**config.circuit, "ndnf_activation": level}
    return config.model_copy(update={"circuit": circuit, "apical_inhibition": "all"})


def per_mouse(results: Results) -> pd.DataFrame:
    """Per mouse: the learning gain and the mean somatic rate (training sessions)."""
    training = results.daily[results.daily.block == "training"]
    rates = training[["rate_P+", "rate_P-", "rate_P0"]].mean(axis=1)
    activity = rates.groupby(training.mouse).mean()
    return pd.DataFrame({"gain": learning_gain(results.daily), "activity": activity})


def dose_response(
    config: BCIConfig,
    levels: tuple[float, ...] = LEVELS,
    on_level: Callable[[float], None] | None = None,
) -> tuple[pd.DataFrame, dict[str, object]]:
    """Run ``config`` at every level; returns the per-mouse table (level, mouse, gain,
    activity relative to level 0) and the two trends (``gain``, ``activity``)."""
    if len(levels) < 2 or levels[0] != 0.0 or any(b <= a for a, b in pairwise(levels)):
        raise ValueError(f"levels must start at 0 and increase, got {levels}")
    tables = []
    for level in levels:
        table = per_mouse(run_experiment(level_config(config, level)))
        tables.append(table.assign(level=level).rename_axis("mouse").reset_index())
        if on_level is not None:
            on_level(level)
    table = pd.concat(tables, ignore_index=True)
    baseline = table[table.level == 0.0].set_index("mouse").activity
    table["activity"] = table.activity / table.mouse.map(baseline)
    trends = {
        name: mixed_effects_trend(table, name, "mouse", "level") for name in ("gain", "activity")
    }
    return table, trends


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per level: mean and 95 % interval over mice of the gain and the relative activity."""
    rows = []
    for level, rows_at in table.groupby("level"):
        gain, activity = (mean_with_interval(rows_at[c].to_numpy()) for c in ("gain", "activity"))
        rows.append(
            {
                "level_hz": level,
                "gain": gain.mean,
                "gain_low": gain.low,
                "gain_high": gain.high,
                "activity": activity.mean,
                "activity_low": activity.low,
                "activity_high": activity.high,
            }
        )
    return pd.DataFrame(rows)


def plot_dose_response(table: pd.DataFrame, path: Path) -> None:
    """Learning gain and relative somatic activity against NDNF activation (mean ±
    s.e.m. over mice)."""
    fig = figure(7.0, 2.8)
    gain_axis, activity_axis = fig.subplots(1, 2)
    for axis, column, label in (
        (gain_axis, "gain", "probe accuracy gain (late − early)"),
        (activity_axis, "activity", "somatic rate / rate at 0 Hz"),
    ):
        grouped = table.groupby("level")[column]
        mean, sem = grouped.mean(), grouped.sem().fillna(0.0)
        plot_band(axis, mean.index.to_numpy(), mean.to_numpy(), sem.to_numpy(), "black")
        axis.set(xlabel="NDNF activation [Hz]", ylabel=label)
    activity_axis.axhline(1.0, color="#7f7f7f", lw=0.5, zorder=0)
    mice = table.mouse.nunique()
    figure_title(fig, f"Apical inhibition dose-response (n = {mice} mice; bands ± s.e.m.)")
    save_figure(fig, path)


READING = (
    "Left: the learning gain of each level, the probe blocks' accuracy (fraction of "
    "successful trials, feedback off, plasticity frozen) over the last third of the days "
    "minus over the first third, averaged over the same mice at every level. Right: the "
    "mean somatic transient rate of all neurons in the training sessions, as a fraction of "
    "the same mouse's rate at 0 Hz (grey line: 1). Line: mean over mice; band: ± s.e.m. "
    "over mice. The table gives 95 % intervals instead; the trends are mixed-effects "
    "slopes per Hz of extra NDNF rate with the mouse as a random intercept."
)


def write_dose_response(directory: Path, table: pd.DataFrame, trends: dict) -> Path:
    """``dose_response.parquet``, ``dose_response.md``, ``dose_response.html`` and
    ``dose_response.png``."""
    table.to_parquet(directory / "dose_response.parquet", index=False)
    plot_dose_response(table, directory / "dose_response.png")
    rows = summary(table)
    lines = ["# Apical inhibition: dose-response", ""]
    lines += ["| NDNF activation [Hz] | learning gain [95 % CI] | somatic activity [95 % CI] |"]
    lines += ["|---|---|---|"]
    for row in rows.itertuples(index=False):
        lines.append(
            f"| {row.level_hz:g} | {row.gain:+.3f} [{row.gain_low:+.3f}, {row.gain_high:+.3f}] "
            f"| {row.activity:.3f} [{row.activity_low:.3f}, {row.activity_high:.3f}] |"
        )
    lines.append("")
    for name, trend in trends.items():
        lines.append(
            f"- {name} per Hz: {trend.slope:+.4f} [{trend.low:+.4f}, {trend.high:+.4f}], "
            f"p = {trend.p:.2g} (mixed-effects, mouse as random intercept)"
        )
    lines += ["", "![dose-response](dose_response.png)"]
    path = directory / "dose_response.md"
    path.write_text("\n".join(lines) + "\n")
    write_markdown_page(path, how={"dose_response.png": READING})
    return path
