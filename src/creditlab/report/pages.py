"""Pages and tables of the reports: Markdown and HTML tables, and one HTML page style
(``html_page``) for the comparison report and each experiment's report."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from creditlab.report.figures import plot_learning_curves


def summary_row(label: str, rows: Sequence[Mapping[str, float]]) -> dict[str, str]:
    """Final numbers of one run, averaged over its last 10 % of iterations."""
    tail = rows[-max(1, len(rows) // 10) :]
    row = {"run": label, "iterations": str(len(rows))}
    for key in ("loss", "accuracy", "firing_rate_hz"):
        if key in tail[0]:
            row[key] = f"{np.mean([r[key] for r in tail]):.4g}"
    row["wall time (s)"] = f"{rows[-1]['wall_time_s']:.1f}"
    return row


def markdown_table(rows: Sequence[Mapping[str, str]]) -> str:
    columns = list(rows[0])
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(row.get(c, "") for c in columns) + " |" for row in rows]
    return "\n".join(lines)


def markdown_document(
    title: str, intro: str, tables: Sequence[tuple[str, Sequence[Mapping[str, str]]]]
) -> str:
    """A Markdown page: ``# title``, ``intro``, then each ``(heading, rows)`` as a table
    (the first without a heading)."""
    lines = [f"# {title}", "", intro, ""]
    for index, (heading, rows) in enumerate(tables):
        if index:
            lines += [f"## {heading}", ""]
        lines += [markdown_table(rows), ""]
    return "\n".join(lines)


def frame_markdown(table) -> str:
    """A pandas DataFrame as a markdown table (floats to 3 significant digits)."""

    def cell(value) -> str:
        return f"{value:.3g}" if isinstance(value, float) else str(value)

    records = table.to_dict("records")
    return markdown_table([{str(k): cell(v) for k, v in row.items()} for row in records])


def write_comparison_report(
    directory: Path,
    runs: Mapping[str, Sequence[Mapping[str, float]]],
    *,
    title: str,
    description: str,
) -> Path:
    """``report.md``, ``report.html`` and ``learning_curves.png`` comparing runs."""
    plot_learning_curves(runs, directory / "learning_curves.png", title=title)
    table = markdown_table([summary_row(label, rows) for label, rows in runs.items()])
    markdown = f"# {title}\n\n{description}\n\n{table}\n\n![learning curves](learning_curves.png)\n"
    (directory / "report.md").write_text(markdown)
    lines = [line for line in table.splitlines() if not line.startswith("|---")]
    cells = [line.strip("|").split("|") for line in lines]
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(cell.strip())}</td>" for cell in row) + "</tr>"
        for row in cells
    )
    page = html_page(
        title,
        f"<p>{html.escape(description)}</p><table>{body}</table>"
        "<img src=learning_curves.png alt='learning curves'>",
    )
    (directory / "report.html").write_text(page)
    return directory / "report.md"


STYLE = (
    "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto}"
    "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px}</style>"
)


def html_page(title: str, body: str) -> str:
    """A whole HTML page in the reports' one style: ``title`` (escaped) and ``body``."""
    heading = html.escape(title)
    head = f"<!doctype html><meta charset=utf-8><title>{heading}</title>{STYLE}"
    return f"{head}<h1>{heading}</h1>{body}"


def html_table(table, float_format: str = "{:.3g}", index: bool = False) -> str:
    """A pandas table as HTML, numbers to ``float_format``."""
    return table.to_html(index=index, float_format=float_format.format, border=0)
