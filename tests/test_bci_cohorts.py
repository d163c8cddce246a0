"""Agreement across cohorts (experiments/bci/cohorts.py) on hand-made comparison runs."""

import json

import pandas as pd
import pytest
from conftest import whole_page
from typer.testing import CliRunner

from creditlab.cli import app
from creditlab.experiments.bci.cohorts import agreement, combine

SIZE = {"mice": 6, "days": 14, "session_minutes": 30.0, "probe_minutes": 3.0}


def fake_run(folder, seed: int, verdicts: dict, size=SIZE):
    """A finished bci-compare folder: signatures.parquet and one condition's config."""
    (folder / "dendritic").mkdir(parents=True)
    config = {"config": {**size, "seed": seed, "rule": "dendritic"}}
    (folder / "dendritic" / "config.json").write_text(json.dumps(config))
    rows = [
        {"condition": c, "finding": f, "reproduced": r, "value": 0.1 * seed, "low": -1.0,
         "high": 1.0 + seed, "control": c == "none"}
        for (c, f), r in verdicts.items()
    ]  # fmt: skip
    pd.DataFrame(rows).to_parquet(folder / "signatures.parquet")
    return folder


VERDICTS = {("dendritic", "learns"): True, ("none", "learns"): False}


def test_cohorts_count_how_many_reproduce_each_finding(tmp_path) -> None:
    runs = [
        fake_run(tmp_path / "a", 0, VERDICTS),
        fake_run(tmp_path / "b", 1, VERDICTS),
        fake_run(tmp_path / "c", 2, {**VERDICTS, ("dendritic", "learns"): False}),
    ]
    summary = agreement(combine(runs)).set_index(["condition", "finding"])
    assert summary.loc[("dendritic", "learns")].reproduced_in == 2
    assert summary.loc[("none", "learns")].reproduced_in == 0
    assert summary.loc[("dendritic", "learns")].cohorts == 3
    assert summary.loc[("dendritic", "learns")].high == 3.0
    result = CliRunner().invoke(app, ["bci-cohorts", *map(str, runs), "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    written = (tmp_path / "o" / "cohorts.md").read_text()
    assert "2/3" in written and "not diagnostic" not in written
    assert "<td>2/3</td>" in whole_page(tmp_path / "o" / "cohorts.html")
    shown = {**VERDICTS, ("none", "learns"): True}  # a control reproduces it once
    flagged = [fake_run(tmp_path / "d", 0, VERDICTS), fake_run(tmp_path / "e", 1, shown)]
    assert (
        CliRunner()
        .invoke(app, ["bci-cohorts", *map(str, flagged), "--out", str(tmp_path / "f")])
        .exit_code
        == 0
    )
    assert "not diagnostic" in (tmp_path / "f" / "cohorts.md").read_text()


def test_cohorts_must_be_the_same_comparison_on_other_mice(tmp_path) -> None:
    first = fake_run(tmp_path / "a", 0, VERDICTS)
    with pytest.raises(ValueError, match="same seed"):
        combine([first, fake_run(tmp_path / "b", 0, VERDICTS)])
    with pytest.raises(ValueError, match="other conditions"):
        combine([first, fake_run(tmp_path / "c", 1, {("dendritic", "learns"): True})])
    with pytest.raises(ValueError, match="size"):
        combine([first, fake_run(tmp_path / "d", 1, VERDICTS, {**SIZE, "days": 7})])
    with pytest.raises(ValueError, match="at least two"):
        combine([first])
    with pytest.raises(ValueError, match=r"no such folder: .*nowhere"):
        combine([tmp_path / "nowhere"])
    bad = CliRunner().invoke(app, ["bci-cohorts", str(first), str(tmp_path), "--out", "x"])
    assert bad.exit_code == 2 and "signatures.parquet" in bad.output
