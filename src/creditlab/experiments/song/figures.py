"""Figures of the song experiment: learning curves per condition (mean ± s.e.m. over
birds), tutor vs juvenile vs learned song, and spine/shaft fractions of HVC and LMAN
synapses onto MSNs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from creditlab.report import figure, plot_band, save_figure

BIN = 20  # renditions averaged per point of a learning curve


def plot_learning(learning: pd.DataFrame, path: Path) -> None:
    """Relative song error (to the juvenile song's) against renditions, per condition."""
    fig = figure(5.2, 3.2)
    axis = fig.subplots()
    # the reference first and beneath, so that curves at 1 (a lesion) are drawn over it
    axis.axhline(1.0, color="0.75", linewidth=0.8, zorder=0, label="juvenile (no learning)")
    styles = ["-", "--", ":", "-."]  # conditions that overlap (e.g. two lesions) stay visible
    for index, (condition, rows) in enumerate(learning.groupby("condition", sort=False)):
        binned = rows.assign(block=(rows.rendition - 1) // BIN)
        per_bird = binned.groupby(["block", "bird"]).relative_error.mean().unstack()
        x = (per_bird.index.to_numpy() + 0.5) * BIN
        mean = per_bird.mean(axis=1).to_numpy()
        sem = per_bird.sem(axis=1).fillna(0.0).to_numpy()
        label = f"{condition} (n = {per_bird.shape[1]})"
        plot_band(axis, x, mean, sem, label=label, style=styles[index % len(styles)])
    axis.set(xlabel="rendition", ylabel="song error / juvenile error", ylim=(0, None))
    axis.legend(frameon=False, fontsize=7, title="condition (birds); bands ± s.e.m.",
                title_fontsize=7)  # fmt: skip
    save_figure(fig, path)


def plot_song(
    tutor: np.ndarray, juvenile: np.ndarray, learned: np.ndarray, path: Path, bin_ms: float
) -> None:
    """Each motor feature over the motif: tutor, juvenile and learned (one bird)."""
    features = tutor.shape[1]
    fig = figure(min(7.0, 2.4 * features), 2.5)
    axes = np.atleast_1d(fig.subplots(1, features, sharey=True))
    time = np.arange(tutor.shape[0]) * bin_ms
    for feature, axis in enumerate(axes):
        axis.plot(time, tutor[:, feature], color="black", label="tutor")
        axis.plot(time, juvenile[:, feature], color="0.6", linestyle="--", label="juvenile")
        axis.plot(time, learned[:, feature], color="#d62728", label="learned")
        axis.set(xlabel="time in motif [ms]", title=f"motor feature {feature + 1}")
    axes[0].set_ylabel("song (a.u.)")
    axes[0].legend(frameon=False, fontsize=7)
    save_figure(fig, path)


def plot_compartments(fractions: pd.DataFrame, path: Path, title: str = "") -> None:
    """Stacked fractions of each presynaptic type's synapses onto MSNs by compartment."""
    fig = figure(4.8, 3.0)
    axis = fig.subplots()
    bottom = np.zeros(len(fractions))
    colours = {"spine_head": "#d62728", "spine_neck": "#ff9896", "shaft": "#1f77b4",
               "soma": "#7f7f7f", "other": "#c7c7c7"}  # fmt: skip
    for part, colour in colours.items():
        values = fractions[part].fillna(0.0).to_numpy()
        name = part.replace("_", " ")
        axis.bar(fractions.pre_type, values, bottom=bottom, color=colour, label=name,
                 edgecolor="white", linewidth=0.5)  # fmt: skip
        bottom += values
    axis.set(xlabel="presynaptic cell type", ylabel="fraction of synapses onto MSNs", ylim=(0, 1))
    # beside the bars, never over them
    axis.legend(frameon=False, fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5),
                title="compartment", title_fontsize=7)  # fmt: skip
    if title:
        axis.set_title(title, fontsize=8)
    save_figure(fig, path)
