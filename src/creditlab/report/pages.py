"""Pages and tables of the reports: Markdown and HTML tables, one HTML page style
(``html_page``) for every report, and the HTML twin of every Markdown page a command
writes (``write_markdown_page``)."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from creditlab.report.figures import plot_learning_curves
from creditlab.report.header import header_html


def summary_row(label: str, rows: Sequence[Mapping[str, float]]) -> dict[str, str]:
    """Final numbers of one run: the held-out scores after its last update where it has
    them, and its training batches' averaged over the last 10 % of iterations."""
    tail = rows[-max(1, len(rows) // 10) :]
    row = {"run": label, "iterations": str(len(rows))}
    for key in ("loss", "accuracy"):
        held_out = rows[-1].get(f"validation_{key}", float("nan"))
        if np.isfinite(held_out):
            row[f"held-out {key}"] = f"{held_out:.4g}"
    names = {"loss": "training loss", "accuracy": "training accuracy",
             "firing_rate_hz": "firing rate (Hz)"}  # fmt: skip
    for key, name in names.items():
        if key in tail[0]:
            row[f"{name} (last 10 %)"] = f"{np.mean([r[key] for r in tail]):.4g}"
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
        return f"{value:.3g}" if isinstance(value, float) else str(yes_no(value))

    records = table.to_dict("records")
    return markdown_table([{str(k): cell(v) for k, v in row.items()} for row in records])


def write_comparison_report(
    directory: Path,
    runs: Mapping[str, Sequence[Mapping[str, float]]],
    *,
    title: str,
    description: str,
) -> str:
    """``report.md``, ``report.html`` and ``learning_curves.png`` comparing runs; returns
    the summary table (Markdown)."""
    plot_learning_curves(runs, directory / "learning_curves.png", title=title)
    table = markdown_table([summary_row(label, rows) for label, rows in runs.items()])
    markdown = f"# {title}\n\n{description}\n\n{table}\n\n![learning curves](learning_curves.png)\n"
    (directory / "report.md").write_text(markdown)
    write_markdown_page(
        directory / "report.md",
        how={
            "learning_curves.png": "Left: each run's loss per training batch (faint) and its "
            "running mean (log axis); dots: held-out loss on fresh trials where the run scored "
            "them. Right: accuracy on the training batches, running mean; dotted: 0.5. In the "
            "table, 'held-out' is scored on 64 fresh trials after the last update, and "
            "'last 10 %' averages the training batches of the last tenth of the run: after "
            "a few dozen updates both move by ±0.1 with the seed."
        },
    )
    return table


IMAGE = re.compile(r"^!\[(?P<alt>[^\]]*)\]\((?P<src>[^)\s]+)\)$")


def markdown_html(text: str, how: Mapping[str, str] | None = None) -> str:
    """Markdown (CommonMark with tables; raw HTML is escaped, never passed through) as
    HTML. An image alone on its line is followed by its "how to read this" from ``how``
    (keyed by the image's file name)."""
    from markdown_it import MarkdownIt

    renderer = MarkdownIt("commonmark", {"html": False}).enable("table")
    how = how or {}
    parts: list[str] = []
    chunk: list[str] = []
    for line in [*text.splitlines(), None]:
        found = IMAGE.match(line.strip()) if line is not None else None
        if line is not None and found is None:
            chunk.append(line)
            continue
        parts.append(renderer.render("\n".join(chunk)))
        chunk = []
        if found is not None:
            source, alt = found["src"], found["alt"]
            note = how_to_read(how[source]) if source in how else ""
            parts.append(
                f"<figure><a href='{html.escape(source)}'><img src='{html.escape(source)}' "
                f"alt='{html.escape(alt)}'></a>{note}</figure>"
            )
    return "".join(parts)


def write_markdown_page(
    path: Path,
    *,
    how: Mapping[str, str] | None = None,
    to: Path | None = None,
    title: str | None = None,
) -> Path:
    """The HTML twin of the Markdown page ``path`` (``NAME.md`` → ``NAME.html``, or
    ``to``): its ``# title`` (or ``title``), the run's header
    (:func:`creditlab.report.header.header_html`), its text and tables, and each figure
    with its "how to read this" from ``how`` (keyed by file name; a figure named there
    but not in the text is shown at the end). Returns the page's path."""
    path = Path(path)
    lines = path.read_text().splitlines()
    heading = lines[0][2:].strip() if lines and lines[0].startswith("# ") else path.stem
    title = title or heading
    text = "\n".join(lines[1:] if lines and lines[0].startswith("# ") else lines)
    missing = [name for name in (how or {}) if f"]({name})" not in text]
    text += "".join(f"\n\n![{Path(name).stem}]({name})\n" for name in missing)
    page = Path(to) if to is not None else path.with_suffix(".html")
    page.write_text(html_page(title, markdown_html(text, how), header=header_html(path.parent)))
    return page


STYLE = (
    "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}"
    "table{border-collapse:collapse;margin-bottom:1em}td,th{border:1px solid #ccc;padding:3px 8px}"
    "th{text-align:left;background:#f4f4f4}img{max-width:100%;height:auto}"
    "table.header{font-size:0.85em;margin-bottom:1.5em}"
    ".how,blockquote{font-size:0.9em;color:#333;background:#f7f7f2;padding:0.5em 0.8em;"
    "margin:1em 0;border-left:3px solid #bbb}blockquote p{margin:0}"
    "img.thumb{max-width:320px;border:1px solid #ddd}nav{font-size:0.85em;margin-bottom:1em}"
    "div.figures figure{display:inline-block;margin:0 1em 1em 0;vertical-align:top}"
    "figcaption{font-size:0.85em}figure{margin:1em 0}</style>"
)


def html_page(title: str, body: str, *, header: str = "", index: bool = True) -> str:
    """A whole HTML page in the reports' one style: ``title`` (escaped), a link back to
    the folder's ``index.html`` (unless ``index`` is False: the index itself), the run's
    ``header`` (:func:`creditlab.report.header.header_html`) and ``body``."""
    heading = html.escape(title)
    head = f"<!doctype html><meta charset=utf-8><title>{heading}</title>{STYLE}"
    back = "<nav><a href='index.html'>← all results of this run</a></nav>" if index else ""
    return f"{head}{back}<h1>{heading}</h1>{header}{body}"


def how_to_read(text: str) -> str:
    """A figure's or table's "how to read this" paragraph (``text`` is escaped)."""
    return f"<p class=how><b>How to read this.</b> {html.escape(text)}</p>"


def number(value: float, spec: str = ".3g") -> str:
    """A number as the reports show it (``spec``: a format), or "–" where there is none
    (NaN: not testable, too few values)."""
    return format(value, spec) if np.isfinite(value) else "–"


def yes_no(value: object) -> object:
    """The reports' one vocabulary for truth values: yes or no (anything else as is)."""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    return value


def html_table(table, float_format: str = "{:.3g}", index: bool = False) -> str:
    """A pandas table as HTML, numbers to ``float_format``, truth values as yes/no."""
    shown = table.copy()
    for column in shown.columns:
        if shown[column].dtype in (bool, object):
            shown[column] = shown[column].map(yes_no)
    return shown.to_html(index=index, float_format=float_format.format, border=0)
