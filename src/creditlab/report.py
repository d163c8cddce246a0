"""Figures and reports, shared by every command: the figure factory, learning curves
(PNG), Markdown and HTML tables, and one HTML page style (``html_page``) for the
comparison report and each experiment's report."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np


def figure(width: float, height: float, layout: str | None = "constrained"):
    """A matplotlib figure drawn with Agg, without importing pyplot (which is slow).

    ``layout=None`` leaves the margins to the caller: the constrained layout costs about
    0.15 s a figure, which a short run waits for at its end."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    drawn = Figure(figsize=(width, height), layout=layout)
    FigureCanvasAgg(drawn)
    return drawn


def smooth(values: Sequence[float], window: int) -> np.ndarray:
    """Running mean over ``window`` iterations (shorter at the start)."""
    values = np.asarray(values, float)
    cumulative = np.cumsum(np.insert(values, 0, 0.0))
    counts = np.minimum(np.arange(1, len(values) + 1), window)
    return (cumulative[1:] - cumulative[np.arange(1, len(values) + 1) - counts]) / counts


def plot_learning_curves(
    runs: Mapping[str, Sequence[Mapping[str, float]]], path: Path, *, title: str
) -> None:
    """Loss (and accuracy where present) against iteration, one line per run."""
    has_accuracy = any("accuracy" in rows[0] for rows in runs.values() if rows)
    width = 9 if has_accuracy else 5
    fig = figure(width, 3.4, layout=None)
    fig.subplots_adjust(left=0.75 / width, right=1 - 0.15 / width, bottom=0.16, top=0.9, wspace=0.3)
    axes = np.atleast_1d(fig.subplots(1, 2 if has_accuracy else 1))
    for label, rows in runs.items():
        iterations = [row["iteration"] for row in rows]
        window = max(1, len(rows) // 20)
        line = axes[0].plot(iterations, [row["loss"] for row in rows], alpha=0.25)[0]
        axes[0].plot(
            iterations,
            smooth([row["loss"] for row in rows], window),
            color=line.get_color(),
            label=label,
        )
        if has_accuracy:
            axes[1].plot(iterations, smooth([row["accuracy"] for row in rows], window), label=label)
    axes[0].set(xlabel="iteration", ylabel="loss", yscale="log", title=title)
    axes[0].minorticks_off()  # decades are enough, and minor ticks cost 0.08 s a figure
    axes[0].legend(frameon=False)
    if has_accuracy:
        axes[1].set(xlabel="iteration", ylabel="accuracy (running mean)", ylim=(0, 1.02))
        axes[1].axhline(0.5, color="grey", lw=0.8, ls=":")
    fig.savefig(path, dpi=130)


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


def plot_band(axis, x, mean, sem, colour=None, label=None, style="-"):
    """A mean line with a shaded ± s.e.m. band; returns the line."""
    (line,) = axis.plot(x, mean, style, color=colour, label=label)
    axis.fill_between(x, mean - sem, mean + sem, color=line.get_color(), alpha=0.2, linewidth=0)
    return line


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
