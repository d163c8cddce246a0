"""Figures of the BCI experiment, in the style of Francioni et al. 2026: performance over
days (Fig. 1g), transient frequency per population normalised to day 1 (Fig. 1i), and
the somato-dendritic residual (Fig. 2-style panels). Each takes the experiment's tables
and writes a PNG; mean ± s.e.m. over mice."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from creditlab.experiments.bci.findings import rate_ratios, residual_and_change
from creditlab.report import figure, figure_title, plot_band, save_figure

COLOURS = {"P+": "#d62728", "P-": "#1f77b4", "P0": "#7f7f7f", "P0-matched": "#2ca02c"}


def _mean_sem(table: pd.DataFrame, value: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    grouped = table.groupby("day")[value]
    mean, sem = grouped.mean(), grouped.sem().fillna(0.0)
    return mean.index.to_numpy(), mean.to_numpy(), sem.to_numpy()


def plot_performance(daily: pd.DataFrame, path: Path, *, title: str = "") -> None:
    """Accuracy over days — in the probe blocks (feedback off, plasticity frozen: what
    was learned) and in the training sessions (feedback on) — with the chance level
    (dashed); rewards per minute; and cos(B, decoder's weights) at the end of each day,
    per mouse (thin) and mean (thick). Bands: ± s.e.m. over mice."""
    blocks = daily.block if "block" in daily.columns else pd.Series("training", daily.index)
    fig = figure(7.0, 3.0)
    accuracy_axis, speed_axis, cosine_axis = fig.subplots(1, 3)
    styles = {"probe": ("black", "-", "probe (feedback off, frozen)"),
              "training": ("#7f7f7f", "--", "training (feedback on)")}  # fmt: skip
    for block, (colour, style, label) in styles.items():
        rows = daily[blocks == block]
        if len(rows):
            plot_band(accuracy_axis, *_mean_sem(rows, "accuracy"), colour, label, style)
    accuracy_axis.axhline(daily.chance_accuracy.mean(), color="red", linestyle=":", label="chance")
    accuracy_axis.set(xlabel="day", ylabel="successful trials (fraction)", ylim=(0, 1.02))
    # below the panels, over no data
    fig.legend(*accuracy_axis.get_legend_handles_labels(), loc="outside lower center", ncols=3,
               frameon=False, fontsize=7)  # fmt: skip
    training = daily[blocks == "training"]
    plot_band(speed_axis, *_mean_sem(training, "rewards_per_min"), "black", "rewards/min")
    speed_axis.set(xlabel="day", ylabel="rewards / min (training)")
    if "feedback_cosine" in daily.columns:
        for _, rows in training.groupby("mouse"):
            cosine_axis.plot(rows.day, rows.feedback_cosine, color="#1f77b4", alpha=0.3, lw=0.8)
        plot_band(cosine_axis, *_mean_sem(training, "feedback_cosine"), "#1f77b4", "mean")
    cosine_axis.axhline(0.0, color="#7f7f7f", lw=0.5)
    cosine_axis.set(xlabel="day", ylabel="cos(B, decoder weights)", ylim=(-1.05, 1.05))
    for axis in (accuracy_axis, speed_axis, cosine_axis):
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
    figure_title(fig, title or f"BCI performance (n = {daily.mouse.nunique()} mice)")
    save_figure(fig, path)


def plot_activity(neurons: pd.DataFrame, path: Path, *, title: str = "") -> None:
    """Transient frequency of P+, P−, P0 and activity-matched P0, normalised to day 1."""
    ratios = rate_ratios(neurons).reset_index()
    fig = figure(5.0, 3.0)
    axis = fig.subplots()
    for label, colour in COLOURS.items():
        style = "--" if label == "P0-matched" else "-"
        plot_band(axis, *_mean_sem(ratios, label), colour, label.replace("-", "−", 1), style)
    axis.axhline(1.0, color="black", linewidth=0.5)
    axis.set(xlabel="day", ylabel="transient frequency / its day-1 value")
    axis.xaxis.set_major_locator(MaxNLocator(integer=True))
    # beside the axes: the curves cross the whole plot
    axis.legend(frameon=False, fontsize=7, title="population", title_fontsize=7,
                loc="center left", bbox_to_anchor=(1.0, 0.5))  # fmt: skip
    figure_title(fig, title or "Activity by population")
    save_figure(fig, path)


def plot_dendrites(
    events: pd.DataFrame, neurons: pd.DataFrame, path: Path, *, title: str = ""
) -> None:
    """(a) dendritic vs somatic event size of one P+ neuron, with its fit; (b) mean
    residual of P+ and P− while the error falls, per day; (c) early residual against
    the later change in transient rate, one point per control neuron."""
    fig = figure(7.0, 2.8)
    scatter_axis, sign_axis, change_axis = fig.subplots(1, 3)
    control = events[events.population.isin(["P+", "P-"]) & events.residual.notna()]
    if not control.empty:
        example = control[control.population == control.population.iloc[0]]
        mouse, neuron = example.mouse.iloc[0], example.neuron.iloc[0]
        mine = control[(control.mouse == mouse) & (control.neuron == neuron)]
        scatter_axis.scatter(mine.soma, mine.dendrite, s=3, alpha=0.3, color="black")
        fit = mine.dendrite - mine.residual
        order = np.argsort(mine.soma.to_numpy())
        scatter_axis.plot(mine.soma.to_numpy()[order], fit.to_numpy()[order], color="orange")
        scatter_axis.set(
            xlabel="somatic event size (ΔF/F0)",
            ylabel="dendritic event size (ΔF/F0)",
        )
        scatter_axis.set_title(f"{mouse}, neuron {neuron}:\nevents and fit", fontsize=8)
        falling = control[control.error_falling]
        for label in ("P+", "P-"):
            per_mouse = (
                falling[falling.population == label].groupby(["mouse", "day"]).residual.mean()
            )
            plot_band(
                sign_axis,
                *_mean_sem(per_mouse.reset_index(), "residual"),
                COLOURS[label],
                label.replace("-", "−"),
            )
        sign_axis.axhline(0.0, color="black", linewidth=0.5)
        sign_axis.set(xlabel="day", ylabel="mean residual (ΔF/F0)")
        sign_axis.set_title("while the error falls", fontsize=8)
        sign_axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        sign_axis.legend(frameon=False, fontsize=7)
        table = residual_and_change(events, neurons)
        for label in ("P+", "P-"):
            mine = table[table.population == label]
            change_axis.scatter(mine.residual, mine.change, color=COLOURS[label], s=8,
                                label=label.replace("-", "−"))  # fmt: skip
        change_axis.set(
            xlabel="early residual (ΔF/F0)",
            ylabel="log(late / early transient rate)",
        )
        change_axis.set_title("residual and later change", fontsize=8)
        change_axis.legend(frameon=False, fontsize=7, title="one dot per neuron", title_fontsize=6)
    figure_title(fig, title or "Somato-dendritic residual")
    save_figure(fig, path)
