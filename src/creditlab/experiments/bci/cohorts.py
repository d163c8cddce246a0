"""Several cohorts of one comparison: does a verdict hold across independent mice?

A cohort is one ``bci-compare`` run (its own evaluation seed: 6 mice by default). Given
the runs, :func:`combine` checks they compare the same conditions on the same findings
at the same size, then gives per condition × finding:
- each cohort's verdict;
- how many cohorts reproduce it;
- the effect's mean over cohorts with the range of the cohorts' 95 % intervals;
and marks a finding that a control reproduces in any cohort "not diagnostic".
``write_cohorts`` writes ``cohorts.md``, ``cohorts.html`` and ``cohorts.parquet``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from creditlab.experiments.bci.findings import FINDINGS
from creditlab.experiments.bci.signatures import NOT_DIAGNOSTIC
from creditlab.report import markdown_document, write_markdown_page

SIZE = ("mice", "days", "session_minutes", "probe_minutes")


def _size(run: Path) -> dict:
    """The shared size of a comparison's conditions (from any condition's config)."""
    config = next(run.glob("*/config.json"), None)
    if config is None:
        raise ValueError(f"{run}: no condition folder with a config.json")
    fields = json.loads(config.read_text())
    fields = fields.get("config", fields)
    return {name: fields.get(name) for name in SIZE} | {"seed": fields.get("seed")}


def combine(runs: list[Path]) -> pd.DataFrame:
    """One row per cohort, condition and finding (``signatures.parquet`` of each run, with
    its ``cohort`` seed); refuses runs that differ in conditions, findings or size, or
    that repeat a seed."""
    missing = [str(run) for run in runs if not run.is_dir()]
    if missing:
        raise ValueError(f"no such folder: {', '.join(missing)}")
    if len(runs) < 2:
        raise ValueError("give at least two comparison runs (cohorts)")
    tables, sizes = [], []
    for run in runs:
        path = run / "signatures.parquet"
        if not path.exists():
            raise ValueError(f"{run}: no signatures.parquet (is it a finished bci-compare run?)")
        size = _size(run)
        tables.append(pd.read_parquet(path).assign(cohort=size.pop("seed")))
        sizes.append(size)
    keys = [set(zip(t.condition, t.finding, strict=True)) for t in tables]
    for run, key, size in zip(runs, keys, sizes, strict=True):
        if key != keys[0]:
            raise ValueError(f"{run}: compares other conditions or findings than {runs[0]}")
        if size != sizes[0]:
            raise ValueError(f"{run}: size {size} differs from {runs[0]}'s {sizes[0]}")
    table = pd.concat(tables, ignore_index=True)
    if table.groupby(["condition", "finding"]).cohort.nunique().min() < len(runs):
        raise ValueError("two runs have the same seed: cohorts must be independent mice")
    return table


def agreement(table: pd.DataFrame) -> pd.DataFrame:
    """Per condition and finding: cohorts reproducing it, of how many, the mean effect
    and the lowest and highest ends of the cohorts' intervals."""
    grouped = table.groupby(["condition", "finding"], sort=False)
    return pd.DataFrame(
        {
            "reproduced_in": grouped.reproduced.sum().astype(int),
            "cohorts": grouped.cohort.nunique(),
            "value": grouped.value.mean(),
            "low": grouped.low.min(),
            "high": grouped.high.max(),
            "control": grouped.control.first(),
        }
    ).reset_index()


def write_cohorts(directory: Path, table: pd.DataFrame) -> Path:
    """``cohorts.parquet`` (every cohort's row), ``cohorts.md`` and ``cohorts.html`` (k of
    n agree)."""
    table.to_parquet(directory / "cohorts.parquet", index=False)
    summary = agreement(table)
    conditions = list(dict.fromkeys(summary.condition))
    shown_by_control = set(summary[summary.control & (summary.reproduced_in > 0)].finding)
    matrix = [
        {
            "finding": FINDINGS[name] + (NOT_DIAGNOSTIC if name in shown_by_control else ""),
            **{
                condition: f"{row.reproduced_in.item()}/{row.cohorts.item()}"
                for condition in conditions
                if len(row := summary[(summary.condition == condition) & (summary.finding == name)])
            },
        }
        for name in FINDINGS
        if name in set(summary.finding)
    ]
    details = [
        {
            "condition": row.condition,
            "finding": FINDINGS[row.finding],
            "cohorts reproducing": f"{row.reproduced_in}/{row.cohorts}",
            "mean effect": f"{row.value:.3g}",
            "cohorts' intervals span": f"[{row.low:.3g}, {row.high:.3g}]",
        }
        for row in summary.itertuples(index=False)
    ]
    seeds = ", ".join(str(s) for s in sorted(table.cohort.unique()))
    text = markdown_document(
        "Agreement across cohorts",
        f"Cohorts (evaluation seeds): {seeds}. A cell is the number of cohorts in which the "
        "condition reproduces the finding (declared test, Holm-corrected within each "
        "cohort's column).",
        [("", matrix), ("Effects", details)],
    )
    path = directory / "cohorts.md"
    path.write_text(text)
    write_markdown_page(path)
    return path
