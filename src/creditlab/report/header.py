"""What was run, at the top of every page and index: the command, the seed and sizes,
the software versions, and when it ran, read from the folder's ``config.json`` (written
by :meth:`creditlab.io.run_directory.RunDirectory.write_config`) and ``status.json``."""

from __future__ import annotations

import html
import json
from datetime import datetime
from pathlib import Path
from typing import Any

# the config fields that say how big a run is, where a config has them
SIZES = (
    "task", "tasks", "rule", "rules", "iterations", "batch", "mice", "days", "session_minutes",
    "probe_minutes", "birds", "renditions", "levels", "seeds",
)  # fmt: skip
NAMES = {"session_minutes": "session (min)", "probe_minutes": "probe block (min)"}


def _read(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _shown(value: Any) -> str | None:
    """A size as the header shows it: a number, a name or a list of names (None for
    anything else)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str | int):
        return str(value)
    if isinstance(value, list) and value and all(isinstance(v, str | int | float) for v in value):
        return ", ".join(_shown(v) or "" for v in value)
    return None


def run_facts(folder: Path) -> list[tuple[str, str]]:
    """``(name, value)`` pairs describing the run in ``folder`` (none where it has no
    config.json)."""
    record = _read(Path(folder) / "config.json")
    record = record if isinstance(record, dict) else {}
    config = record.get("config") if isinstance(record.get("config"), dict) else {}
    conditions = config.get("conditions") if isinstance(config, dict) else None
    if isinstance(conditions, list) and conditions and isinstance(conditions[0], dict):
        config = conditions[0]  # a run of several conditions: sizes and seed are shared
    elif "seed" not in config:  # sets of configs by name (song-placement's physics sets)
        sets = [v for group in config.values() if isinstance(group, dict)
                for v in group.values() if isinstance(v, dict) and "seed" in v]  # fmt: skip
        config = {**sets[0], **config} if sets else config
    facts: list[tuple[str, str]] = []
    if "command" in record:
        facts.append(("command", record["command"]))
    labels = record["config"].get("labels") if isinstance(conditions, list) else None
    if isinstance(labels, list) and len(labels) == len(conditions):
        facts.append(("conditions", f"{len(labels)}: {', '.join(map(str, labels))}"))
    elif isinstance(conditions, list) and len(conditions) > 1:
        differing = sorted(
            {
                k
                for c in conditions
                for k, v in c.items()
                if v != config.get(k) and not isinstance(v, dict | list)
            }
        )
        shown = "; ".join(
            ", ".join(f"{k} {c.get(k)}" for k in differing) or "as the first" for c in conditions
        )
        facts.append(("conditions", f"{len(conditions)}: {shown}"))
    if "seed" in config:
        facts.append(("seed", str(config["seed"])))
    sizes = [
        f"{NAMES.get(name, name.replace('_', ' '))} {_shown(config[name])}"
        for name in SIZES
        if _shown(config.get(name)) is not None
    ]
    if sizes:
        facts.append(("run", ", ".join(sizes)))
    versions = record.get("versions", {})
    if versions:
        facts.append(("versions", ", ".join(f"{k} {v}" for k, v in versions.items())))
    started, status = record.get("started"), _read(Path(folder) / "status.json")
    if started:
        facts.append(("started", started))
    if status.get("time") and status.get("status") != "running":  # a page written mid-run
        facts.append((status.get("status", "status"), status["time"]))
        try:  # a header never stops a run: times it cannot read are left out
            seconds = (
                datetime.fromisoformat(status["time"]) - datetime.fromisoformat(started)
            ).total_seconds()
            facts.append(
                ("wall time", f"{seconds / 60:.1f} min (from start to {status.get('status')})")
            )
        except (TypeError, ValueError):
            pass
    if record:
        facts.append(("config", "config.json (every setting, with the seed)"))
    return facts


def header_html(folder: Path, *, link_prefix: str = "") -> str:
    """The facts of :func:`run_facts` as a small table; ``config.json`` linked (its path
    relative to the page: ``link_prefix``)."""
    rows = []
    for name, value in run_facts(folder):
        shown = html.escape(value)
        if name == "config":
            shown = (
                f"<a href='{link_prefix}config.json'>config.json</a> (every setting, with the seed)"
            )
        elif name == "command":
            shown = f"<code>{shown}</code>"
        rows.append(f"<tr><th>{html.escape(name)}</th><td>{shown}</td></tr>")
    return f"<table class=header>{''.join(rows)}</table>" if rows else ""
