"""Synapse-table statistics on hand-made fixtures (CSV, Parquet with SyConn names, JSON
with the release's numeric codes) whose answers are known, and on model tables."""

import json
from pathlib import Path

import jax
import numpy as np
import pandas as pd
import pytest
from conftest import whole_page

from creditlab.analysis.connectome import (
    area_percentages,
    compartment_fractions,
    compartment_table,
    pair_similarity,
)
from creditlab.io.connectome import Filters, SynapseTableError, read_synapse_table

FIXTURES = Path(__file__).parent / "fixtures"


FORMATS = {  # fixture: (format detected, cell-type codes it needs)
    "synapses.csv": ("csv", None),
    "synapses.parquet": ("parquet", None),
    "synapses.json": ("json", None),
    "synapses.ndjson": ("ndjson", None),
    "synapses.conn_mat.txt": ("conn-mat", "ctgt_j0251_v2"),
}


def read(name: str, **options):
    return read_synapse_table(FIXTURES / name, **options).table


@pytest.mark.parametrize("name", list(FORMATS))
def test_every_format_reads_to_the_same_table_with_known_statistics(name: str) -> None:
    expected_format, codes = FORMATS[name]
    found = read_synapse_table(FIXTURES / name, cell_type_codes=codes)
    assert found.format == expected_format and found.how.startswith("detected")
    table = found.table
    assert len(table) == 10 and found.rows == 10
    fractions = compartment_fractions(table).set_index("pre_type")
    assert fractions.loc["HVC", "spine"] == pytest.approx(0.75)
    assert fractions.loc["HVC", "shaft"] == pytest.approx(0.25)
    assert fractions.loc["LMAN", "spine"] == pytest.approx(0.25)
    assert fractions.loc["LMAN", "spine_neck"] == pytest.approx(0.25)
    assert fractions.loc["LMAN", "shaft"] == pytest.approx(0.75)
    areas = area_percentages(table)
    assert areas.loc["HVC", "MSN"] == pytest.approx(100 * 1.02 / 2.5, rel=1e-6)
    assert areas.loc["LMAN", "MSN"] == pytest.approx(40.0, rel=1e-6)
    assert areas.loc["MSN", "GPi"] == pytest.approx(16.0, rel=1e-6)  # signed −0.4 in conn_mat
    assert areas.loc["DA", "MSN"] == pytest.approx(3.2, rel=1e-6)
    assert areas.to_numpy().sum() == pytest.approx(100.0)
    pairs = pair_similarity(table, shuffles=50)
    assert pairs.pairs == 1 and pairs.groups == 1
    assert pairs.within_sd == pytest.approx(np.log(1.1) / np.sqrt(2), rel=1e-6)
    rows = compartment_table(table).set_index(["pre_type", "post_type"])
    assert rows.loc[("HVC", "MSN"), "n"] == 4 and rows.loc[("MSN", "GPi"), "frac_soma"] == 1.0


def test_a_conn_mat_file_needs_its_code_table_and_is_never_read_as_a_plain_table(tmp_path):
    with pytest.raises(SynapseTableError, match="--cell-type-codes"):
        read("synapses.conn_mat.txt")
    with pytest.raises(ValueError, match="unknown cell-type code table 'v7'"):
        read("synapses.conn_mat.txt", cell_type_codes="v7")
    # the same numbers under the authors' v6 table are other cells: 4 is STN there
    v6 = read("synapses.conn_mat.txt", cell_type_codes="j0251-v6")
    assert set(v6.pre_type.iloc[:4]) == {"STN"}  # v2's four HVC synapses
    # made comma-separated (the header's "# x" a column name): refused, not decoded
    text = (FIXTURES / "synapses.conn_mat.txt").read_text().replace("\t", ",")
    (tmp_path / "conn.csv").write_text(text)
    with pytest.raises(SynapseTableError, match="read the export as written"):
        read_synapse_table(tmp_path / "conn.csv")


def conn_mat_with(tmp_path, row: int, **values) -> Path:
    """The conn_mat fixture with some fields of one data row replaced."""
    lines = (FIXTURES / "synapses.conn_mat.txt").read_text().splitlines()
    names = lines[0].lstrip("# ").split("\t")
    fields = lines[row + 1].split("\t")
    for name, value in values.items():
        fields[names.index(name)] = str(value)
    lines[row + 1] = "\t".join(fields)
    path = tmp_path / "bad.conn_mat.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ({"comp1": 0, "comp2": 0}, "both partners dendrite or soma"),
        ({"comp1": 1, "comp2": 3}, "both partners axon or bouton"),
        ({"comp1": -1}, "axoness unknown"),
        ({"comp1": 7}, "unknown axoness code"),
        ({"celltype1": 42, "celltype2": 42}, "unknown cell type code"),
        ({"celltype1": 4.5, "celltype2": 4.5}, "fractional cell type code"),
        ({"celltype1": "nan", "celltype2": "nan"}, "missing or non-numeric cell type code"),
        ({"size": 0}, "area ≤ 0"),
        ({"size": "abc"}, "missing or non-numeric area"),  # read again as text to name it
        ({"ssv1": "nan"}, "missing or non-numeric cell id"),
    ],
)
def test_a_bad_conn_mat_row_is_named_or_skipped_and_counted(tmp_path, values, reason) -> None:
    path = conn_mat_with(tmp_path, 3, **values)
    where = r"row 4 \(line 5\), column '\w+', value "
    with pytest.raises(SynapseTableError, match=rf"{where}.*{reason}"):
        read_synapse_table(path, cell_type_codes="ctgt_j0251_v2")
    found = read_synapse_table(path, cell_type_codes="ctgt_j0251_v2", skip_invalid=True)
    assert len(found.table) == 9 and sum(found.skipped.values()) == 1
    assert reason in next(iter(found.skipped))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"post_type": "msn"}, "unknown cell type.*did you mean 'MSN'"),
        ({"post_type": "FOO"}, "value 'FOO': unknown cell type"),
        ({"compartment": "dendrite"}, "value 'dendrite': unknown compartment"),
        ({"compartment": "elbow"}, "value 'elbow': unknown compartment"),
        ({"area_um2": -1.0}, "area ≤ 0"),
        ({"area_um2": "abc"}, "missing or non-numeric area"),
        ({"pre_id": None}, "missing or non-numeric cell id"),
        ({"pre_id": -1}, "placeholder"),
    ],
)
def test_a_bad_csv_row_is_named_with_its_line(tmp_path, change, message) -> None:
    table = pd.read_csv(FIXTURES / "synapses.csv").astype(object)
    for column, value in change.items():
        table.loc[3, column] = value
    table.to_csv(tmp_path / "t.csv", index=False)
    with pytest.raises(SynapseTableError, match=rf"t.csv: row 4 \(line 5\), column .*{message}"):
        read_synapse_table(tmp_path / "t.csv")


def test_web_release_codes_and_bad_json(tmp_path) -> None:
    records = [json.loads(line) for line in (FIXTURES / "synapses.ndjson").read_text().splitlines()]
    records[2]["pre_celltype"] = 5.7  # once read as HVC
    (tmp_path / "frac.json").write_text(json.dumps(records))
    with pytest.raises(SynapseTableError, match=r"value 5\.7: fractional cell type code"):
        read_synapse_table(tmp_path / "frac.json")
    records[2]["pre_celltype"] = {"code": 5}
    (tmp_path / "nested.json").write_text(json.dumps(records))
    with pytest.raises(SynapseTableError, match=r"row 3, column 'pre_celltype'.*nested value"):
        read_synapse_table(tmp_path / "nested.json")
    (tmp_path / "nested.ndjson").write_text("".join(json.dumps(r) + "\n" for r in records))
    with pytest.raises(SynapseTableError, match=r"nested\.ndjson: .*Column\(/pre_celltype\)"):
        read_synapse_table(tmp_path / "nested.ndjson")  # Arrow's message, its rows from 0
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(SynapseTableError, match=r"deep\.json: cannot be read"):
        read_synapse_table(tmp_path / "deep.json")
    numeric = pd.read_csv(FIXTURES / "synapses.csv").assign(pre_type=5, post_type=13)
    numeric.to_csv(tmp_path / "codes.csv", index=False)
    with pytest.raises(SynapseTableError, match="name their table with --cell-type-codes"):
        read_synapse_table(tmp_path / "codes.csv")
    assert set(read("synapses.csv").pre_type) == {"HVC", "LMAN", "MSN", "DA"}
    as_web = read_synapse_table(tmp_path / "codes.csv", cell_type_codes="web-release").table
    assert set(as_web.pre_type) == {"HVC"} and set(as_web.post_type) == {"MSN"}


def test_the_authors_filters_are_applied_and_stated() -> None:
    found = read_synapse_table(FIXTURES / "synapses.ndjson", filters=Filters.authors())
    assert found.filtered == 2 and len(found.table) == 8  # areas 0.10 and 0.08 (strict >)
    assert found.filters == "synapse probability > 0.6; area > 0.1 µm²"
    strict = read_synapse_table(FIXTURES / "synapses.ndjson", filters=Filters(0.75, 0.0))
    assert len(strict.table) == 7  # synprob 0.70, 0.72, 0.74 are not above 0.75
    plain = read_synapse_table(FIXTURES / "synapses.csv", filters=Filters.authors())
    assert "no synapse-probability column" in plain.filters


def test_tables_that_are_not_synapse_tables_are_refused(tmp_path) -> None:
    missing = tmp_path / "missing.csv"
    pd.read_csv(FIXTURES / "synapses.csv").drop(columns="compartment").to_csv(missing)
    with pytest.raises(SynapseTableError, match="no column for 'compartment'"):
        read_synapse_table(missing)
    odd = tmp_path / "odd.json"
    odd.write_text(json.dumps({"a": 1, "b": [1, 2]}, indent=1))
    with pytest.raises(SynapseTableError, match="JSON must be"):
        read_synapse_table(odd)
    pd.read_csv(FIXTURES / "synapses.csv").to_pickle(tmp_path / "t.pkl")  # never unpickled
    with pytest.raises(SynapseTableError, match=r"t\.pkl"):
        read_synapse_table(tmp_path / "t.pkl")
    with pytest.raises(SynapseTableError, match="unknown format 'xlsx'"):
        read_synapse_table(FIXTURES / "synapses.csv", format="xlsx")


def test_pair_similarity_is_the_pooled_within_group_sd_in_linear_time() -> None:
    rng = np.random.default_rng(3)
    k = rng.integers(1, 6, 40)  # synapses per (axon, dendrite) pair of cells
    table = pd.DataFrame(
        {
            "pre_id": np.repeat(np.arange(40), k),
            "post_id": np.repeat(rng.integers(0, 8, 40), k),
            "pre_type": "HVC",
            "post_type": "MSN",
            "compartment": "spine_head",
            "area_um2": np.exp(rng.normal(0, 0.5, k.sum())),
        }
    )
    squared, degrees, pairs = 0.0, 0, 0  # from every pair, listed
    for _, group in table.groupby(["pre_id", "post_id"]):
        x = np.log(group.area_um2.to_numpy())
        if len(x) >= 2:
            i, j = np.triu_indices(len(x), 1)
            squared += np.sum((x[i] - x[j]) ** 2) / len(x)
            degrees, pairs = degrees + len(x) - 1, pairs + len(i)
    found = pair_similarity(table, shuffles=20)
    assert found.pairs == pairs and found.within_sd == pytest.approx(np.sqrt(squared / degrees))
    one_pair = (
        table.iloc[:0]
        .reindex(range(3000))
        .assign(  # 3000 synapses on one pair
            pre_id=1, post_id=2, pre_type="HVC", post_type="MSN", area_um2=rng.random(3000) + 0.1
        )
    )
    alone = pair_similarity(one_pair, shuffles=20)
    assert alone.pairs == 3000 * 2999 // 2
    assert alone.p == 1.0  # the dendrite holds nothing else: no shuffle can differ


def test_the_null_keeps_each_dendrites_sizes() -> None:
    """Dendrites differ in synapse size but pairs share nothing beyond their dendrite:
    shuffling within each dendrite finds nothing (where a type-wide shuffle would); pairs
    that share a size are found."""
    rng = np.random.default_rng(2)
    groups, dendrites = 400, 40
    post = rng.integers(0, dendrites, groups)
    scale = np.exp(rng.normal(0, 0.8, dendrites))  # each dendrite's own size
    rows = {
        "pre_id": np.repeat(np.arange(groups), 2),
        "post_id": np.repeat(post, 2),
        "pre_type": "HVC",
        "post_type": "MSN",
        "compartment": "spine_head",
    }
    noise = np.exp(rng.normal(0, 0.5, 2 * groups))
    by_dendrite = pd.DataFrame(rows | {"area_um2": np.repeat(scale[post], 2) * noise})
    assert pair_similarity(by_dendrite, shuffles=200).p > 0.05
    shared = np.exp(rng.normal(0, 0.5, groups))
    by_pair = by_dendrite.assign(area_um2=np.repeat(scale[post] * shared, 2) * noise**0.3)
    assert pair_similarity(by_pair, shuffles=200).p < 0.01


def test_pair_similarity_detects_shared_sizes_only() -> None:
    rng = np.random.default_rng(1)
    pairs = 300
    strength = np.exp(rng.normal(0, 0.6, pairs))  # one value per axon-dendrite pair
    rows = {
        "pre_id": np.repeat(np.arange(pairs), 2),
        "post_id": 1000 + np.repeat(np.arange(pairs) % 30, 2),  # 10 pairs per dendrite
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


def spiny_table(fractions: tuple[float, float], weights=None) -> pd.DataFrame:
    """The synapse table of one spiny-MSN bird with its initial (or given) weights."""
    from creditlab.experiments.song.placement import PlacementConfig, make_wired_birds
    from creditlab.experiments.song.placement_grid import cell_config
    from creditlab.experiments.song.placement_outputs import wired_synapse_table

    base = PlacementConfig(birds=1, renditions=1, seed=2, model={"hvc_neurons": 100})
    config = cell_config(base, *fractions)
    bird = jax.tree.map(lambda leaf: np.asarray(leaf[0]), make_wired_birds(config))
    weights = bird.initial_weights if weights is None else weights(bird)
    model = config.parts()[0]
    return wired_synapse_table(np.random.default_rng(0), bird, weights, model)


def test_the_spiny_models_table_has_the_placement_it_was_drawn_with() -> None:
    for hvc, lman in [(1.0, 0.0), (0.4, 0.8)]:
        fractions = compartment_fractions(spiny_table((hvc, lman))).set_index("pre_type")
        assert fractions.loc["HVC", "spine"] == pytest.approx(hvc, abs=0.02)
        assert fractions.loc["LMAN", "spine"] == pytest.approx(lman, abs=0.06)


def test_nothing_builds_pair_similarity_into_the_spiny_models_table() -> None:
    # Untrained, the contacts of a pair start apart: no similarity. Must fail: give every
    # contact of a pair the same weight (what the point-MSN model does) and it appears.
    assert pair_similarity(spiny_table((1.0, 0.0)), shuffles=200).p > 0.05

    def shared_per_pair(bird) -> np.ndarray:
        weights = np.asarray(bird.initial_weights).copy()
        source = np.asarray(bird.placement.source)
        for first in range(0, weights.shape[1], 2):  # the pair's two contact columns
            assert source[first] == source[first + 1]
            weights[:, first + 1] = weights[:, first]
        return weights * np.asarray(bird.placement.connected)

    shared = pair_similarity(spiny_table((1.0, 0.0), shared_per_pair), shuffles=200)
    assert shared.p < 0.01


def test_connectome_stats_command(tmp_path) -> None:
    from typer.testing import CliRunner

    from creditlab.cli import app

    out = tmp_path / "stats"
    result = CliRunner().invoke(
        app, ["connectome-stats", str(FIXTURES / "synapses.json"), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    text = (out / "connectome_stats.md").read_text()
    assert "read as json (detected from the content: a JSON object)" in text
    # the authors' filters by default: areas 0.10 and 0.08 µm² are not above 0.1
    assert "filters: no synapse-probability column" in text and "2 rows left out" in text
    assert "| HVC | MSN | 3 |" in text and (out / "compartments.png").exists()
    assert "<td>HVC</td>" in whole_page(out / "connectome_stats.html")
    stats = pd.read_parquet(out / "connectome_stats.parquet").set_index(["pre_type", "post_type"])
    assert stats.loc[("HVC", "MSN"), "n"] == 3
    assert stats.loc[("LMAN", "MSN"), "frac_shaft"] == pytest.approx(0.75)
    skipped = CliRunner().invoke(
        app,
        ["connectome-stats", str(FIXTURES / "synapses.conn_mat.txt"), "--out", str(tmp_path / "c"),
         "--cell-type-codes", "ctgt_j0251_v2", "--min-area-um2", "0"],
    )  # fmt: skip
    assert skipped.exit_code == 0, skipped.output
    assert "read as conn-mat" in skipped.output and "| HVC | MSN | 4 |" in skipped.output
    bad = CliRunner().invoke(app, ["connectome-stats", str(tmp_path / "no.csv"), "--out", str(out)])
    assert bad.exit_code == 2 and "no such file" in " ".join(bad.output.split())
