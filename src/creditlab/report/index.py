"""``index.html`` of an output folder: what was run (:mod:`creditlab.report.header`),
then a link to every page, figure and table in it and in its subfolders, each with a
line saying what it is."""

from __future__ import annotations

import html
from pathlib import Path

from creditlab.report.header import header_html
from creditlab.report.pages import html_page

KINDS = (
    ("pages", (".html",)),
    ("figures", (".png", ".svg", ".pdf")),
    ("tables", (".md", ".parquet", ".csv")),
    ("records", (".json", ".npz")),
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


def write_index(folder: Path, title: str) -> Path:
    """``folder/index.html`` linking every page, figure and table under ``folder``
    (NWB files are counted, not listed); returns its path."""
    folder = Path(folder)
    files = _files(folder)
    sections = []
    for kind, suffixes in KINDS:
        chosen = [f for f in files if f.suffix in suffixes]
        if not chosen:
            continue
        items = []
        for path in chosen:
            relative = html.escape(path.relative_to(folder).as_posix())
            what = WHAT.get(path.name, "")
            if kind == "figures":
                items.append(
                    f"<figure><a href='{relative}'><img src='{relative}' alt='{relative}' "
                    f"class=thumb></a><figcaption><a href='{relative}'>{relative}</a>"
                    "</figcaption></figure>"
                )
            else:
                note = f" — {html.escape(what)}" if what else ""
                items.append(f"<li><a href='{relative}'>{relative}</a>{note}</li>")
        listed = "".join(items)
        block = f"<div class=figures>{listed}</div>" if kind == "figures" else f"<ul>{listed}</ul>"
        sections.append(f"<h2>{kind.capitalize()}</h2>{block}")
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
