"""The placement prediction (issue 22 §2): sweep the fractions of HVC and of LMAN
synapses on MSN spine heads and measure how well the spiny-MSN model learns at each.

Declared before any grid was run (and unchanged after):

- per bird, **error removed** = 1 − the clean song's relative error over the last 200
  renditions (the song tuning's criterion), and **learning speed** = 1 − the mean
  relative error over all renditions (the area above the learning curve: it ranks
  faster learning higher and is negative where the error grew);
- per cell, the mean over birds with its 95 % t interval; every cell runs the same birds
  (the same seeds: only the placement differs);
- the model's **prediction** is the cell with the highest mean error removed; cells whose
  interval overlaps the best cell's are reported as tied with it.

The published fractions it is compared with are in :data:`CONNECTOME_PLACEMENT`: where
a paper states a placement only in words, the number is "not found" and the words are
quoted, never read off a plot.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from creditlab.analysis.statistics import mean_with_interval
from creditlab.experiments.song.experiment import final_error
from creditlab.experiments.song.placement import PlacementConfig, run_placements

CONNECTOME_PLACEMENT = pd.DataFrame(
    [
        {
            "synapses": "HVC → MSN",
            "spine_fraction": "not found",
            "stated": "terminate almost exclusively on spines",
            "source": "Kornfeld et al. 2020, bioRxiv 10.1101/2020.02.18.954354, abstract",
        },
        {
            "synapses": "LMAN → MSN",
            "spine_fraction": "not found",
            "stated": "terminate predominantly on dendritic shafts",
            "source": "Kornfeld et al. 2020, bioRxiv 10.1101/2020.02.18.954354, abstract",
        },
    ]
)


def levels(count: int) -> np.ndarray:
    """``count`` evenly spaced fractions from 0 to 1."""
    if count < 2:
        raise ValueError(f"need at least 2 levels, got {count}")
    return np.round(np.linspace(0.0, 1.0, count), 6)


def cell_config(base: PlacementConfig, hvc: float, lman: float) -> PlacementConfig:
    wiring = {**base.wiring, "hvc_spine_fraction": float(hvc), "lman_spine_fraction": float(lman)}
    return base.model_copy(update={"wiring": wiring})


def cell_scores(learning: pd.DataFrame) -> dict[str, float]:
    """The declared statistics of one cell (module docstring)."""
    removed = mean_with_interval(1.0 - final_error(learning).to_numpy())
    speed = mean_with_interval(1.0 - learning.groupby("bird").relative_error.mean().to_numpy())
    return {
        "error_removed": removed.mean,
        "error_removed_low": removed.low,
        "error_removed_high": removed.high,
        "learning_speed": speed.mean,
        "learning_speed_low": speed.low,
        "learning_speed_high": speed.high,
    }


def run_grid(
    base: PlacementConfig,
    count: int,
    cells_folder: Path,
    on_cell: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Every (HVC, LMAN) spine fraction on ``count`` levels each, with ``base``'s birds,
    rule and physics; the cells of one HVC fraction run as one batch
    (:func:`.placement.run_placements`). Each cell is written to
    ``cells_folder/<i>.parquet`` as it finishes and read back instead of rerun (a
    stopped grid resumes)."""
    cells_folder.mkdir(parents=True, exist_ok=True)
    grid = [(h, m) for h in levels(count) for m in levels(count)]
    rows: dict[int, dict] = {}
    for first in range(0, len(grid), count):
        batch = [
            i for i in range(first, first + count) if not (cells_folder / f"{i}.parquet").exists()
        ]
        configs = [cell_config(base, *grid[i]) for i in batch]
        for index, result in zip(batch, run_placements(configs) if configs else [], strict=True):
            hvc, lman = grid[index]
            row = {"hvc_spine_fraction": hvc, "lman_spine_fraction": lman,
                   **cell_scores(result.learning)}  # fmt: skip
            pd.DataFrame([row]).to_parquet(cells_folder / f"{index}.parquet", index=False)
        for index in range(first, first + count):
            rows[index] = pd.read_parquet(cells_folder / f"{index}.parquet").iloc[0].to_dict()
        if on_cell is not None:
            on_cell(first + count, len(grid))
    return pd.DataFrame([rows[i] for i in range(len(grid))])


def prediction(grid: pd.DataFrame) -> dict:
    """The best cell by mean error removed, and the cells tied with it (their interval
    reaches the best cell's lower end)."""
    best = grid.loc[grid.error_removed.idxmax()]
    tied = grid[grid.error_removed_high >= best.error_removed_low]
    return {
        "hvc_spine_fraction": float(best.hvc_spine_fraction),
        "lman_spine_fraction": float(best.lman_spine_fraction),
        "error_removed": float(best.error_removed),
        "tied_cells": len(tied),
        "tied_hvc_range": (float(tied.hvc_spine_fraction.min()),
                           float(tied.hvc_spine_fraction.max())),
        "tied_lman_range": (float(tied.lman_spine_fraction.min()),
                            float(tied.lman_spine_fraction.max())),
    }  # fmt: skip


def plot_grid(grids: dict[str, pd.DataFrame], path: Path) -> None:
    """Heat maps of error removed and learning speed, one column per physics set."""
    from creditlab.report import figure, save_figure

    names = list(grids)
    drawn = figure(min(7.0, 2.0 * len(names) + 2.0), 4.6)
    axes = drawn.subplots(2, len(names), squeeze=False, sharex=True, sharey=True)
    for row, (statistic, label) in enumerate(
        [("error_removed", "error removed"), ("learning_speed", "learning speed")]
    ):
        values = [grids[n].pivot(index="lman_spine_fraction", columns="hvc_spine_fraction",
                                 values=statistic) for n in names]  # fmt: skip
        bound = max(float(np.nanmax(np.abs(v.to_numpy()))) for v in values) or 1.0
        for column, (name, table) in enumerate(zip(names, values, strict=True)):
            axis = axes[row, column]
            image = axis.imshow(table.to_numpy(), origin="lower", cmap="RdBu", vmin=-bound,
                                vmax=bound, extent=(-0.1, 1.1, -0.1, 1.1))  # fmt: skip
            best = prediction(grids[name])
            axis.plot(best["hvc_spine_fraction"], best["lman_spine_fraction"], "k*", ms=9)
            axis.set_xticks([0, 0.5, 1])
            axis.set_yticks([0, 0.5, 1])
            axis.set_title(f"{name}: {label}", fontsize=8)
            if row == 1:
                axis.set_xlabel("HVC synapses on spines (fraction)", fontsize=7)
            if column == 0:
                axis.set_ylabel("LMAN synapses on spines (fraction)", fontsize=7)
        bar = drawn.colorbar(image, ax=axes[row, :], shrink=0.8)
        bar.set_label(f"{label}\n(of juvenile error)", fontsize=8)
    save_figure(drawn, path)
