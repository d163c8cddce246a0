"""``index.html`` of an output folder: what was run (:mod:`creditlab.report.header`),
then a link to every page, figure and table in it, each with a line saying what it is,
and one row per subfolder linking everything in it."""

from __future__ import annotations

import html
import re
from pathlib import Path

from creditlab.report.header import header_html
from creditlab.report.pages import html_page

KINDS = (
    ("pages", (".html",)),
    ("figures", (".png", ".svg", ".pdf")),
    ("tables", (".md", ".parquet", ".csv")),
    ("records", (".json", ".npz")),
    ("other", ()),  # anything else (arrays, logs): listed too, so nothing is missed
)
HIDDEN = {"index.html", ".lock"}
WHAT = {  # what a file is, by name, where it is not its own title
    "config.json": "the run's whole configuration and seed, with software versions",
    "status.json": "how far the run got, and when",
    "metrics.parquet": "one row per iteration: loss, accuracy, firing rate, held-out scores",
    "checkpoint.npz": "the whole training state, to resume from",
    "report.html": "the report: findings, figures and how to read them",
    "hyperparameters.json": "the learning rule's hyperparameters this run used (tuned or not)",
    "trials.parquet": "one row per trial: mouse, day, block, success, time to target",
    "daily.parquet": "one row per mouse, day and block: accuracy, rewards, rates per population",
    "neurons.parquet": "one row per neuron and day: population, transient rates",
    "events.parquet": "every somatic transient with its dendritic pair and residual",
    "findings.parquet": "the paper's findings tested on this run, with their statistics",
    "leaderboard.md": "the comparison's summary: each rule's final loss, accuracy, alignment",
    "signatures.md": "which finding each condition reproduces",
    "learning.parquet": "the song error of every bird and rendition",
}


def _files(folder: Path) -> list[Path]:
    found = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        hidden = any(part.startswith(".") for part in relative.parts) or path.name in HIDDEN
        if path.is_file() and not hidden and "nwb" not in relative.parts[:-1]:
            found.append(path)
    return found


def _kind(path: Path) -> str:
    return next((kind for kind, suffixes in KINDS if path.suffix in suffixes), "other")


def _what(path: Path) -> str:
    """What a file is: a page's own title, else the line :data:`WHAT` gives its name."""
    if path.suffix == ".html":
        found = re.search(r"<title>(.*?)</title>", path.read_text(errors="replace")[:4000])
        if found:
            return html.unescape(found[1])
    return WHAT.get(path.name, "")


def _link(path: Path, folder: Path, text: str | None = None) -> str:
    relative = html.escape(path.relative_to(folder).as_posix())
    return f"<a href='{relative}'>{html.escape(text or path.name)}</a>"


def _top_level(files: list[Path], folder: Path) -> list[str]:
    """A section per kind: each file linked with what it is; figures as thumbnails."""
    sections = []
    for kind, _ in KINDS:
        chosen = [f for f in files if _kind(f) == kind]
        if not chosen:
            continue
        if kind == "figures":
            items = "".join(
                f"<figure><a href='{html.escape(f.name)}'><img src='{html.escape(f.name)}' "
                f"alt='{html.escape(f.name)}' class=thumb></a><figcaption>{_link(f, folder)}"
                "</figcaption></figure>"
                for f in chosen
            )
            sections.append(f"<h2>Figures</h2><div class=figures>{items}</div>")
            continue
        items = "".join(
            f"<li>{_link(f, folder)}{f' — {html.escape(w)}' if (w := _what(f)) else ''}</li>"
            for f in chosen
        )
        sections.append(f"<h2>{kind.capitalize()}</h2><ul>{items}</ul>")
    return sections


def _subfolders(files: list[Path], folder: Path) -> str:
    """One row per subfolder (a condition, a rule, the trials): its files by kind."""
    groups: dict[str, list[Path]] = {}
    for path in files:
        groups.setdefault(path.relative_to(folder).parts[0], []).append(path)
    rows = []
    for name, inside in groups.items():
        cells = []
        for kind, _ in KINDS:
            mine = [f for f in inside if _kind(f) == kind]
            cells.append(
                ", ".join(_link(f, folder, f.relative_to(folder / name).as_posix()) for f in mine)
            )
        rows.append(f"<tr><th>{html.escape(name)}/</th><td>{'</td><td>'.join(cells)}</td></tr>")
    heads = "".join(f"<th>{kind}</th>" for kind, _ in KINDS)
    table = f"<table><tr><th>folder</th>{heads}</tr>{''.join(rows)}</table>"
    return f"<h2>In its subfolders</h2>{table}"


def write_index(folder: Path, title: str) -> Path:
    """``folder/index.html`` linking every page, figure and table under ``folder``: the
    folder's own files by kind, each with what it is (thumbnails for figures), then one
    row per subfolder (NWB files are counted, not listed); returns its path."""
    folder = Path(folder)
    files = _files(folder)
    top = [f for f in files if f.parent == folder]
    below = [f for f in files if f.parent != folder]
    sections = _top_level(top, folder)
    if below:
        sections.append(_subfolders(below, folder))
    nwb = sorted(folder.rglob("*.nwb"))
    if nwb:
        sections.append(
            f"<h2>Recordings</h2><p>{len(nwb)} NWB files under "
            f"{html.escape(nwb[0].parent.relative_to(folder).as_posix())}/ "
            "(one per mouse, day and block; open with pynwb).</p>"
        )
    body = header_html(folder) + "".join(sections)
    path = folder / "index.html"
    path.write_text(html_page(title, body, index=False))
    return path
