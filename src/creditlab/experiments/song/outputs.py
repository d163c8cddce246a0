"""Writing the song experiment and connectome statistics into an output folder.

config.json            the validated config(s) and seed, with software versions
learning.parquet       condition, bird, rendition, error, clean_error, relative_error, ...
synapses.parquet       the synapse table the trained (first) condition predicts
connectome_stats.md    compartment fractions, area percentages, pair similarity
connectome_stats.parquet  one row per pre × post type: n and the fraction per compartment
learning.png, song.png, compartments.png, report.html
conditions/N.parquet   condition N's learning table, written as it finishes (a resumed
                       run reads the finished ones back); conditions/weights.npy, the
                       first condition's final weights (numpy, no pickle)
status.json            running or complete
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from creditlab.analysis.connectome import (
    area_percentages,
    compartment_fractions,
    compartment_table,
    pair_similarity,
)
from creditlab.report import (
    frame_markdown,
    header_html,
    how_to_read,
    html_page,
    html_table,
    markdown_html,
    write_markdown_page,
)

ASSUMED = (
    "This model's placement and pair similarity are assumptions, not predictions: its MSNs "
    "are point units with HVC on spines and LMAN on shafts by construction, and the contacts "
    "of one pair share one weight. `creditlab song-placement` tests both with spiny MSNs."
)


def connectome_statistics(table: pd.DataFrame, shuffles: int = 1000) -> dict:
    """The analyses of :mod:`creditlab.analysis.connectome` on one table."""
    return {
        "by_type": compartment_table(table),
        "fractions": compartment_fractions(table),
        "areas": area_percentages(table),
        "pairs": pair_similarity(table, shuffles=shuffles, rng=np.random.default_rng(0)),
    }


COMPARTMENTS = (
    "One bar per presynaptic cell type: of its synapses onto medium spiny neurons (MSNs), "
    "the fraction on each postsynaptic compartment (spine head, spine neck, dendritic "
    "shaft, soma, other), stacked to 1. Counts, not areas; the first table gives the same "
    "fractions as numbers."
)


def write_connectome_stats(
    directory: Path, table: pd.DataFrame, source: str, reading: list[str] = ()
) -> dict:
    """``connectome_stats.md`` and ``.html``, ``connectome_stats.parquet`` and
    ``compartments.png`` for
    ``table``; ``reading``: lines saying how the table was read (format, filters, rows
    left out). Returns the stats."""
    from creditlab.experiments.song.figures import plot_compartments

    stats = connectome_statistics(table)
    pairs = stats["pairs"]
    stats["by_type"].to_parquet(directory / "connectome_stats.parquet", index=False)
    text = "\n".join(
        [
            "# Synapse statistics",
            "",
            f"Source: {source}. {len(table):,} synapses.",
            "",
            *(f"- {line}" for line in reading),
            *([""] if reading else []),
            "## HVC and LMAN synapses onto MSNs, by compartment (fractions)",
            "",
            frame_markdown(stats["fractions"]),
            "",
            "## Synaptic area per presynaptic (rows) and postsynaptic type (% of all area)",
            "",
            frame_markdown(stats["areas"].round(2).reset_index()),
            "",
            "## Size similarity of synapse pairs sharing one HVC axon and one MSN dendrite",
            "",
            f"{pairs.pairs:,} pairs in {pairs.groups:,} same-axon same-dendrite groups; pooled "
            f"s.d. of ln area within groups {pairs.within_sd:.3f} against {pairs.shuffled_sd:.3f}"
            " with areas shuffled within each postsynaptic cell (1000 shuffles); "
            f"p = {pairs.p:.3g} (one-sided: groups more similar than shuffled).",
            "",
            "![compartments](compartments.png)",
            "",
        ]
    )
    (directory / "connectome_stats.md").write_text(text)
    plot_compartments(stats["fractions"], directory / "compartments.png", source)
    write_markdown_page(directory / "connectome_stats.md", how={"compartments.png": COMPARTMENTS})
    return stats


def shown_summary(summary: pd.DataFrame) -> pd.DataFrame:
    """The learning summary as the report shows it: intervals beside their estimates,
    counts of birds rather than bare fractions, units in the column names."""

    def interval(value: float, low: float, high: float, digits: str) -> str:
        if not np.isfinite(value):
            return "not within the run"
        ends = ", ".join("∞" if np.isinf(end) else format(end, digits) for end in (low, high))
        return f"{value:{digits}} [{ends}]" if np.isfinite(low) else f"{value:{digits}}"

    reaching = next(c for c in summary.columns if c.startswith("birds_reaching_"))
    return pd.DataFrame(
        {
            "condition": summary.condition,
            "birds": summary.birds,
            "final error (÷ juvenile's; mean [95 % interval])": [
                interval(r.final_error, r.final_error_low, r.final_error_high, ".2f")
                for r in summary.itertuples()
            ],
            "birds reaching half the juvenile error": [
                f"{round(fraction * birds)} of {birds}"
                for fraction, birds in zip(summary[reaching], summary.birds, strict=True)
            ],
            "learning time (renditions; median [95 % interval])": [
                interval(r.median_learning_time, r.learning_time_low, r.learning_time_high, ".0f")
                for r in summary.itertuples()
            ],
        }
    )


def write_report(directory: Path, title: str, summary: pd.DataFrame, stats: dict) -> None:
    pairs = stats["pairs"]
    page = html_page(
        title,
        "<h2>Learning per condition</h2>"
        + html_table(shown_summary(summary))
        + "<img src=learning.png alt='learning curves'>"
        + how_to_read(
            "The song's error relative to the juvenile song's (1: no learning; 0: the "
            "tutor's song) against renditions, averaged over 20-rendition blocks; lines "
            "are means over birds, bands ± s.e.m. over birds. A lesioned condition that "
            "cannot learn stays on the grey line at 1."
        )
        + "<h2>Tutor, juvenile and learned song (bird 0)</h2><img src=song.png alt='song'>"
        + how_to_read(
            "Each motor feature of the motif over time (a.u.): the tutor's (black), the "
            "juvenile's before learning (grey, dashed) and the learned one (red)."
        )
        + "<h2>Predicted synapse placement</h2><img src=compartments.png alt='compartments'>"
        + how_to_read(
            "For each presynaptic type, the fraction of its synapses onto MSNs in each "
            "compartment (stacked to 1), from the synapse table of the trained birds."
        )
        + html_table(stats["fractions"], "{:.2f}")
        + "<h2>Synaptic area per type (% of all)</h2>"
        + "<p>Rows: presynaptic type; columns: postsynaptic type.</p>"
        + html_table(stats["areas"].rename_axis(columns=None).reset_index(), "{:.2f}")
        + f"<h2>Pair similarity</h2><p>{pairs.pairs} same-axon same-dendrite pairs: pooled "
        f"s.d. of ln area {pairs.within_sd:.3f} vs {pairs.shuffled_sd:.3f} with areas "
        f"shuffled within each MSN (p = {pairs.p:.3g}).</p>{markdown_html(ASSUMED)}",
        header=header_html(directory),
    )
    (directory / "report.html").write_text(page)


def learning_summary(learning: pd.DataFrame) -> pd.DataFrame:
    """Per condition: birds; final relative error (mean with its 95 % t interval over
    birds); the fraction of birds reaching half the juvenile error; the median learning
    time [renditions] with its 95 % bootstrap interval (a bird that never reaches the
    criterion counts as never: an infinite end means "not within the run")."""
    from creditlab.analysis.statistics import mean_with_interval, median_with_interval
    from creditlab.experiments.song.experiment import CRITERION, final_error, learning_time

    rows = []
    for condition, rows_ in learning.groupby("condition", sort=False):
        final, times = final_error(rows_), learning_time(rows_)
        error = mean_with_interval(final.to_numpy())
        time = median_with_interval(times.fillna(np.inf).to_numpy())
        rows.append(
            {
                "condition": condition,
                "birds": len(final),
                "final_error": error.mean,
                "final_error_low": error.low,
                "final_error_high": error.high,
                f"birds_reaching_{CRITERION:g}": float(times.notna().mean()),
                "median_learning_time": time.mean,
                "learning_time_low": time.low,
                "learning_time_high": time.high,
            }
        )
    return pd.DataFrame(rows)


def run_song_conditions(configs: list, directory: Path, on_progress=None) -> pd.DataFrame:
    """Run every config (condition) into ``directory`` (an open run folder): the tables,
    figures and report; the synapse table comes from the first config's birds.
    Conditions an earlier run of the same configs finished there are read back.
    ``on_progress(index, renditions done)``. Returns the learning summary."""
    from creditlab.experiments.song.experiment import one_bird, run_song
    from creditlab.experiments.song.figures import plot_learning, plot_song
    from creditlab.experiments.song.synapses import synapse_table
    from creditlab.io.run_directory import write_status

    finished = directory / "conditions"
    finished.mkdir(exist_ok=True)
    write_status(directory, "running", 0)
    tables, first = [], None
    for index, config in enumerate(configs):
        results = _finished_condition(config, finished, index)
        if results is None:
            results = run_song(config, lambda done, i=index: on_progress and on_progress(i, done))
            if index == 0:
                np.save(finished / "weights.npy", np.asarray(results.weights), allow_pickle=False)
            results.learning.to_parquet(finished / f"{index}.parquet", index=False)
        elif on_progress is not None:
            on_progress(index, config.renditions)
        tables.append(results.learning)
        first = first or (config, results)
        pd.concat(tables).to_parquet(directory / "learning.parquet", index=False)  # as it goes
    learning = pd.concat(tables, ignore_index=True)
    config, results = first
    model = config.model_config_()
    rng = np.random.default_rng([config.seed, 7])
    synapses = pd.concat(
        [
            synapse_table(
                rng,
                one_bird(results.birds, b),
                np.asarray(results.weights[b]),
                model,
                bird_index=b,
            )
            for b in range(config.birds)
        ],
        ignore_index=True,
    )
    synapses.to_parquet(directory / "synapses.parquet", index=False)
    stats = write_connectome_stats(directory, synapses, f"model, {config.label}", [ASSUMED])
    summary = learning_summary(learning)
    plot_learning(learning, directory / "learning.png")
    bird = one_bird(results.birds, 0)
    learned = _learned_song(model, config, bird, results.weights[0])
    plot_song(
        np.asarray(bird.tutor),
        np.asarray(bird.juvenile),
        learned,
        directory / "song.png",
        model.bin_ms,
    )
    write_report(directory, "Song learning by node perturbation in Area X", summary, stats)
    write_status(directory, "complete", len(configs))
    return summary


def _finished_condition(config, folder: Path, index: int):
    """Condition ``index``'s results from an earlier run of the same conditions (its
    learning table; for the first, the final weights too; the birds are drawn again from
    the seed), or None where it did not finish."""
    from creditlab.experiments.song.experiment import Results, make_birds

    table, weights = folder / f"{index}.parquet", folder / "weights.npy"
    if not table.is_file() or (index == 0 and not weights.is_file()):
        return None
    final = np.load(weights, allow_pickle=False) if index == 0 else None
    return Results(pd.read_parquet(table), make_birds(config), final)


def _learned_song(model, config, bird, weights) -> np.ndarray:
    """The song bird ``bird`` sings with its final weights and LMAN silent but intact."""
    import jax.numpy as jnp

    from creditlab.experiments.song.model import sing

    silent = jnp.zeros_like(jnp.asarray(bird.juvenile))
    sung = sing(
        model,
        bird,
        jnp.asarray(weights),
        silent,
        route=config.route,
        lman_intact=config.lesion != "lman",
    )
    return np.asarray(sung.song)
