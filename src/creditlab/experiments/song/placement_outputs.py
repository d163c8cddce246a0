"""What the placement grid writes: the synapse table a trained spiny-MSN bird predicts,
its pair-size similarity against the within-cell null, and the report (heat maps, the
prediction per physics set beside the connectome's published placement).

A synapse's area follows its own final weight, a = (a_min + (a_max − a_min) w / w_max)
· exp(s ζ), ζ ~ N(0, 1) per synapse: the contacts of one pair share nothing but their
axon, their MSN and what learning did to them (they start apart, :mod:`.wiring`), so a
pair-size similarity in this table is the model's prediction, not its assumption.
"""

from __future__ import annotations

from pathlib import Path

import jax
import numpy as np
import pandas as pd

from creditlab.analysis.connectome import pair_similarity
from creditlab.experiments.song.model import SongModelConfig
from creditlab.experiments.song.placement import PlacementConfig, run_placement
from creditlab.experiments.song.placement_grid import CONNECTOME_PLACEMENT, cell_config, prediction
from creditlab.experiments.song.synapses import Anatomy
from creditlab.experiments.song.wiring import WiredBird
from creditlab.report import frame_markdown, write_markdown_page

ANATOMY = Anatomy()  # the synapse sizes of the point-MSN model's table


def wired_synapse_table(
    rng: np.random.Generator,
    bird: WiredBird,
    weights: np.ndarray,
    model: SongModelConfig,
    *,
    bird_index: int = 0,
    anatomy: Anatomy = ANATOMY,
) -> pd.DataFrame:
    """Every HVC and LMAN synapse onto the bird's MSNs (connectome layout, area in µm²)."""
    connected = np.asarray(bird.placement.connected) > 0
    msn, column = np.nonzero(connected)
    source = np.asarray(bird.placement.source)[column]
    is_hvc = source < model.hvc_neurons
    spine = np.asarray(bird.placement.spine)[msn, column] > 0
    weight = np.asarray(weights)[msn, column]
    span = anatomy.max_area_um2 - anatomy.min_area_um2
    area = (anatomy.min_area_um2 + span * weight / model.max_weight) * np.exp(
        anatomy.area_spread * rng.standard_normal(len(msn))
    )
    base = bird_index * 1_000_000
    return pd.DataFrame(
        {
            "bird": bird_index,
            "pre_id": base + np.where(is_hvc, 100_000 + source, 200_000 + source),
            "post_id": base + msn,
            "pre_type": np.where(is_hvc, "HVC", "LMAN"),
            "post_type": "MSN",
            "compartment": np.where(spine, "spine_head", "shaft"),
            "area_um2": area,
        }
    )


def prediction_table(grids: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per physics set: the best cell, its error removed and the tied range."""
    rows = []
    for name, grid in grids.items():
        best = prediction(grid)
        rows.append(
            {
                "physics": name,
                "best cell: HVC on spines (fraction)": best["hvc_spine_fraction"],
                "best cell: LMAN on spines (fraction)": best["lman_spine_fraction"],
                "best cell: error removed (of juvenile error)": round(best["error_removed"], 3),
                "cells tied with it": best["tied_cells"],
                "tied: HVC on spines": "{:.1f}–{:.1f}".format(*best["tied_hvc_range"]),
                "tied: LMAN on spines": "{:.1f}–{:.1f}".format(*best["tied_lman_range"]),
            }
        )
    return pd.DataFrame(rows)


def write_placement_report(
    directory: Path, grids: dict[str, pd.DataFrame], header: str, pairs_line: str
) -> str:
    """``placement.md`` and ``report.html`` (with ``placement_grid.png``); returns the
    Markdown."""
    from creditlab.experiments.song.placement_grid import plot_grid

    plot_grid(grids, directory / "placement_grid.png")
    predictions = prediction_table(grids)
    how = (
        "Each cell: the fractions of HVC and of LMAN synapses on MSN spine heads. Error "
        "removed = 1 − the clean song's error over the last 200 renditions relative to "
        "the juvenile's; learning speed = 1 − the mean relative error over all "
        "renditions (negative: the error grew). Means over birds; the star marks the "
        "best cell. Cells tied with it: their 95 % interval reaches its lower end."
    )
    text = "\n".join(
        [
            "# Where should HVC and LMAN synapses sit? The spiny-MSN model's prediction",
            "",
            header,
            "",
            "![placement grid](placement_grid.png)",
            "",
            "## The prediction per physics set",
            "",
            frame_markdown(predictions),
            "",
            "## The connectome's placement (published)",
            "",
            frame_markdown(CONNECTOME_PLACEMENT),
            "",
            "## Pair-size similarity in the trained model's synapse table",
            "",
            pairs_line,
            "",
        ]
    )
    (directory / "placement.md").write_text(text)
    write_markdown_page(
        directory / "placement.md",
        how={"placement_grid.png": how},
        to=directory / "report.html",
        title="Synapse placement in Area X: the spiny-MSN model's prediction",
    )
    return text


def pairs_sentence(table: pd.DataFrame, shuffles: int = 1000) -> str:
    pairs = pair_similarity(table, shuffles=shuffles, rng=np.random.default_rng(0))
    if pairs.pairs == 0:
        return "No HVC axon makes two synapses on one MSN in this table."
    return (
        f"{pairs.pairs:,} HVC→MSN pairs in {pairs.groups:,} same-axon same-MSN groups: "
        f"pooled s.d. of ln area {pairs.within_sd:.3f} against {pairs.shuffled_sd:.3f} with "
        f"areas shuffled within each MSN ({shuffles} shuffles); one-sided p = {pairs.p:.3g}."
    )


def write_placement_outputs(
    directory: Path, bases: dict[str, PlacementConfig], grids: dict[str, pd.DataFrame]
) -> str:
    """Everything after the grids (``bases``: each physics set's config; ``grids``: its
    cells): ``grid.parquet``; the first set's best cell trained again and its synapse
    table (``synapses.parquet``) with the pair-size similarity; the report. Returns the
    Markdown."""
    table = pd.concat([g.assign(physics=n) for n, g in grids.items()], ignore_index=True)
    table.to_parquet(directory / "grid.parquet", index=False)
    first, base = next(iter(bases.items()))
    best = prediction(grids[first])
    config = cell_config(base, best["hvc_spine_fraction"], best["lman_spine_fraction"])
    trained = run_placement(config)
    model = config.parts()[0]
    rng = np.random.default_rng(base.seed)
    birds = [
        jax.tree.map(lambda leaf, i=i: np.asarray(leaf[i]), trained.birds)
        for i in range(base.birds)
    ]
    synapses = pd.concat(
        [
            wired_synapse_table(rng, bird, np.asarray(trained.weights[i]), model, bird_index=i)
            for i, bird in enumerate(birds)
        ],
        ignore_index=True,
    )
    synapses.to_parquet(directory / "synapses.parquet", index=False)
    levels = round(len(grids[first]) ** 0.5)
    header = (
        f"Local three-factor rule, η = {base.rule_options.get('learning_rate', 'default')}; "
        f"{base.birds} birds × {base.renditions} renditions per cell (seed {base.seed}), "
        f"{model.hvc_neurons} HVC neurons, {model.msn_per_channel} MSNs per channel; "
        f"{levels} × {levels} fractions; physics sets {', '.join(grids)}."
    )
    pairs = f"At {first}'s best cell: " + pairs_sentence(synapses)
    return write_placement_report(directory, grids, header, pairs)
