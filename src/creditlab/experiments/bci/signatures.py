"""The experiment's answer: which learning rule reproduces which finding of Francioni et
al. 2026. Every rule runs on the same mice (same seed) without and with apical
inhibition; each finding is tested on the run without it, the same test on the run
with it is shown beside it, and the two runs together test whether apical inhibition
impairs learning.

``signatures.parquet`` holds one row per rule × finding; ``signatures.md`` and
``signatures.html`` show them, with a link to each condition's report.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from creditlab.analysis.statistics import holm
from creditlab.experiments.bci.findings import FINDINGS, inhibition_impairs, verdict_word
from creditlab.experiments.bci.outputs import findings_table, shown_findings
from creditlab.report import frame_markdown, markdown_document, number, write_markdown_page, yes_no


def signature_rows(
    condition: str,
    without: pd.DataFrame,
    with_inhibition: pd.DataFrame,
    daily_without: pd.DataFrame,
    daily_with: pd.DataFrame,
    *,
    control: bool = False,
) -> pd.DataFrame:
    """Rows of one condition (its label; ``control``: a condition that must not show
    the findings) from its two findings tables (``outputs.findings_table``) and its two
    daily tables; the column's seven p's are Holm-corrected together."""
    impaired = findings_table([inhibition_impairs(daily_without, daily_with)])
    inhibited = with_inhibition.set_index("finding")[["value", "reproduced"]].add_suffix(
        "_with_inhibition"
    )
    table = pd.concat([without, impaired], ignore_index=True).join(inhibited, on="finding")
    table["p_corrected"] = holm(table.p.to_numpy())
    table["reproduced"] = table.effect_ok & (table.p_corrected < 0.05)
    table["reproduced_with_inhibition"] = table.reproduced_with_inhibition.fillna(False)
    table.insert(0, "condition", condition)
    table.insert(1, "control", control)
    return table.astype({"reproduced": bool, "reproduced_with_inhibition": bool})


def diagnostic(table: pd.DataFrame) -> pd.Series:
    """Per finding: False when a control condition reproduces it (then it separates no
    rule from a condition that must not show it)."""
    by_control = table[table.control].groupby("finding").reproduced.any()
    return ~by_control.reindex(table.finding.unique(), fill_value=False)


NOT_DIAGNOSTIC = " (not diagnostic: a control shows it)"


READING = (
    "Each column is a condition run on the same simulated mice; each row a finding of "
    "Francioni et al. 2026, tested with the statistic declared for it (Statistics and "
    "Declared statistics, below). 'yes': "
    "the statistic reaches its declared minimum and Holm's p over the condition's tests is "
    "below 0.05; 'no': either fails; 'not testable': too few mice or days with a value. A "
    "finding that a control (no-credit, shuffled, energy cost only, none) also shows is "
    "marked not diagnostic: it does not separate a rule from a condition that must not "
    "show it. P+ and P− are the control neurons the decoder reads with positive and "
    "negative weight, P0 every other recorded neuron."
)


def write_signatures(
    directory: Path,
    table: pd.DataFrame,
    *,
    description: str,
    reports: dict[str, str] | None = None,
) -> Path:
    """``signatures.parquet``, ``signatures.md`` and ``signatures.html`` (a matrix of
    yes/no, then details); ``reports``: each condition's report, by label, as a path
    relative to ``directory``."""
    table = table.assign(diagnostic=table.finding.map(diagnostic(table)))
    table.to_parquet(directory / "signatures.parquet", index=False)
    words = table.assign(verdict=list(map(verdict_word, table.reproduced, table.p_corrected)))
    matrix = words.pivot(index="finding", columns="condition", values="verdict")
    matrix = matrix.reindex([name for name in FINDINGS if name in matrix.index])
    flags = diagnostic(table)
    reproduced = [
        {
            "finding": FINDINGS[name] + ("" if flags[name] else NOT_DIAGNOSTIC),
            **row.to_dict(),
        }
        for name, row in matrix.iterrows()
    ]
    statistics = shown_findings(table)
    statistics.insert(0, "condition", table.condition.to_numpy())
    statistics["with inhibition"] = [
        ""
        if row.finding == "inhibition-impairs"
        else f"{number(row.value_with_inhibition)} ({yes_no(row.reproduced_with_inhibition)})"
        for row in table.itertuples(index=False)
    ]
    declared = table.drop_duplicates("finding")[["description", "statistic"]]
    links = "".join(f"- [{label}]({link})\n" for label, link in (reports or {}).items())
    text = markdown_document(
        "Which rule reproduces which finding (Francioni et al. 2026)",
        f"{description}\n\n> **How to read this.** {READING}",
        [("", reproduced)],
    )
    text += f"\n## Each condition's report\n\n{links}\n" if links else ""
    text += f"## Statistics\n\n{frame_markdown(statistics)}\n\n"
    text += "## Declared statistics\n\n"
    text += frame_markdown(declared.rename(columns={"description": "finding"})) + "\n"
    path = directory / "signatures.md"
    path.write_text(text)
    write_markdown_page(path)
    return path
