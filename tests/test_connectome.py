"""Synapse-table statistics on hand-made fixtures (CSV, Parquet with SyConn names, JSON
with the release's numeric codes) whose answers are known, and on model tables."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from creditlab.analysis.connectome import area_percentages, compartment_fractions, pair_similarity
from creditlab.io.connectome import SynapseTableError, read_synapse_table

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.mark.parametrize("name", ["synapses.csv", "synapses.parquet", "synapses.json"])
def test_every_format_reads_to_the_same_table_with_known_statistics(name: str) -> None:
    table = read_synapse_table(FIXTURES / name)
    assert len(table) == 10
    fractions = compartment_fractions(table).set_index("pre_type")
    assert fractions.loc["HVC", "spine"] == pytest.approx(0.75)
    assert fractions.loc["HVC", "shaft"] == pytest.approx(0.25)
    assert fractions.loc["LMAN", "spine"] == pytest.approx(0.25)
    assert fractions.loc["LMAN", "spine_neck"] == pytest.approx(0.25)
    assert fractions.loc["LMAN", "shaft"] == pytest.approx(0.75)
    areas = area_percentages(table)
    assert areas.loc["HVC", "MSN"] == pytest.approx(100 * 1.02 / 2.5)
    assert areas.loc["LMAN", "MSN"] == pytest.approx(40.0)
    assert areas.loc["MSN", "GPi"] == pytest.approx(16.0)
    assert areas.loc["DA", "MSN"] == pytest.approx(3.2)
    assert areas.to_numpy().sum() == pytest.approx(100.0)
    pairs = pair_similarity(table, shuffles=50)
    assert pairs.pairs == 1
    assert pairs.median_log_difference == pytest.approx(np.log(1.1))


def test_bad_tables_are_refused_with_a_clear_message(tmp_path) -> None:
    missing = tmp_path / "missing.csv"
    pd.read_csv(FIXTURES / "synapses.csv").drop(columns="compartment").to_csv(missing)
    with pytest.raises(SynapseTableError, match="no column for 'compartment'"):
        read_synapse_table(missing)
    negative = tmp_path / "negative.csv"
    table = pd.read_csv(FIXTURES / "synapses.csv")
    table.loc[3, "area_um2"] = -1.0
    table.to_csv(negative, index=False)
    with pytest.raises(SynapseTableError, match="row 3"):
        read_synapse_table(negative)
    elbow = tmp_path / "elbow.csv"
    table = pd.read_csv(FIXTURES / "synapses.csv")
    table.loc[2, "compartment"] = "elbow"  # once counted as "other" without a word
    table.to_csv(elbow, index=False)
    with pytest.raises(SynapseTableError, match=r"elbow.csv: row 2: compartment 'elbow'"):
        read_synapse_table(elbow)
    odd = tmp_path / "odd.json"
    odd.write_text(json.dumps({"a": 1, "b": 2}))
    with pytest.raises(SynapseTableError, match="JSON must be"):
        read_synapse_table(odd)
    with pytest.raises(SynapseTableError, match="unknown format"):
        read_synapse_table(FIXTURES / "synapses.csv").to_pickle(tmp_path / "t.pkl")
        read_synapse_table(tmp_path / "t.pkl")


def test_pair_similarity_detects_shared_sizes_only() -> None:
    rng = np.random.default_rng(1)
    pairs = 300
    strength = np.exp(rng.normal(0, 0.6, pairs))  # one value per axon-dendrite pair
    rows = {
        "pre_id": np.repeat(np.arange(pairs), 2),
        "post_id": 1000 + np.repeat(np.arange(pairs), 2),
        "pre_type": "HVC",
        "post_type": "MSN",
        "compartment": "spine_head",
    }
    shared = pd.DataFrame(
        rows | {"area_um2": np.repeat(strength, 2) * np.exp(rng.normal(0, 0.2, 2 * pairs))}
    )
    independent = pd.DataFrame(rows | {"area_um2": np.exp(rng.normal(0, 0.6, 2 * pairs))})
    assert pair_similarity(shared, shuffles=200).p < 0.01
    assert pair_similarity(independent, shuffles=200).p > 0.05


def model_table(swap: bool, trained: bool) -> pd.DataFrame:
    from creditlab.experiments.song.experiment import SongConfig, make_birds, one_bird, run_song
    from creditlab.experiments.song.model import initial_weights
    from creditlab.experiments.song.synapses import synapse_table

    config = SongConfig(birds=1, renditions=1500, swap_compartments=swap)
    model = config.model_config_()
    if trained:
        results = run_song(config)
        birds, weights = results.birds, np.asarray(results.weights[0])
    else:
        birds, weights = make_birds(config), np.asarray(initial_weights(model, swap))
    return synapse_table(np.random.default_rng(0), one_bird(birds, 0), weights, model, swap=swap)


def test_the_model_places_hvc_on_spines_and_lman_on_shafts_and_swapped_the_reverse() -> None:
    normal = compartment_fractions(model_table(swap=False, trained=False)).set_index("pre_type")
    assert normal.loc["HVC", "spine"] == 1.0 and normal.loc["LMAN", "shaft"] == 1.0
    swapped = compartment_fractions(model_table(swap=True, trained=False)).set_index("pre_type")
    assert swapped.loc["HVC", "shaft"] == 1.0 and swapped.loc["LMAN", "spine"] == 1.0


def test_learning_makes_same_axon_same_dendrite_pairs_similar() -> None:
    trained = pair_similarity(model_table(swap=False, trained=True), shuffles=200)
    naive = pair_similarity(model_table(swap=False, trained=False), shuffles=200)
    assert trained.p < 0.01 and trained.median_log_difference < 0.8 * trained.shuffled_median
    assert naive.p > 0.05  # before learning every weight is w₀: nothing shared beyond noise


def test_connectome_stats_command(tmp_path) -> None:
    from typer.testing import CliRunner

    from creditlab.cli import app

    out = tmp_path / "stats"
    result = CliRunner().invoke(
        app, ["connectome-stats", str(FIXTURES / "synapses.json"), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    text = (out / "connectome_stats.md").read_text()
    assert "| HVC | MSN | 4 |" in text and (out / "compartments.png").exists()
    bad = CliRunner().invoke(app, ["connectome-stats", str(tmp_path / "no.csv"), "--out", str(out)])
    assert bad.exit_code == 2 and "no such file" in " ".join(bad.output.split())
