"""``make figures``: the README's figures and the numbers beside them, from one run each
of the current code.

    python scripts/figures.py [--runs runs/figures]

Runs ``creditlab bci --rule dendritic --no-nwb`` (what ``make demo`` runs) and
``creditlab demo`` into new folders under ``--runs``, copies their figures into ``docs/``
and rewrites the README's block between ``<!-- figures -->`` and ``<!-- /figures -->``:
each figure with the command that made it, the commit, and the numbers read from that
same run's tables.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- figures -->", "<!-- /figures -->"


def run(command: list[str]) -> None:
    print("$", " ".join(command), flush=True)
    subprocess.run([sys.executable, "-m", "creditlab", *command], check=True, cwd=ROOT)


def commit() -> str:
    described = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT,
                               capture_output=True, text=True)  # fmt: skip
    return described.stdout.strip() or "unknown"


def bci_block(folder: Path, command: str, made_at: str) -> str:
    daily = pd.read_parquet(folder / "daily.parquet")
    probe = daily[daily.block == "probe"].groupby("day").accuracy.mean()
    found = pd.read_parquet(folder / "findings.parquet")
    reproduced = found[found.reproduced.astype(bool)].description.tolist()
    mice, days = daily.mouse.nunique(), int(daily.day.max())
    caption = (
        f"`{command}` ({mice} mice × {days} days, seed 0; {made_at}). Probe accuracy "
        f"(feedback off, plasticity frozen) {probe.iloc[0]:.2f} on day 1 and "
        f"{probe.iloc[-1]:.2f} on day {days}, chance {daily.chance_accuracy.mean():.2f}; "
        f"findings reproduced: {len(reproduced)} of {len(found)}"
        + (f" ({'; '.join(reproduced)})" if reproduced else "")
        + ". Bands: ± s.e.m. over mice."
    )
    images = "\n".join(
        f"![{alt}](docs/{name})"
        for alt, name in (
            ("BCI performance over days", "bci_performance.png"),
            ("Transient frequency by population", "bci_activity.png"),
            ("Somato-dendritic residual", "bci_dendrites.png"),
        )
    )
    return f"{images}\n\n*{caption}*"


def demo_block(folder: Path, command: str, made_at: str) -> str:
    rows = []
    for rule in ("bptt", "eprop"):
        metrics = pd.read_parquet(folder / rule / "metrics.parquet")
        held_out = metrics.validation_accuracy.dropna()
        rows.append(f"{rule} {held_out.iloc[-1]:.2f}" if len(held_out) else f"{rule} –")
    caption = (
        f"`{command}` (evidence accumulation, 40 updates of 32 trials, seed 0; {made_at}). "
        f"Held-out accuracy after the last update (64 fresh trials): {', '.join(rows)}. "
        "Forty updates is the start of learning: the numbers move by ±0.1 with the seed."
    )
    return (
        f"![Evidence accumulation, BPTT and e-prop](docs/demo_learning_curves.png)\n\n*{caption}*"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=Path, default=ROOT / "runs" / "figures")
    runs = parser.parse_args().runs / time.strftime("%Y%m%d-%H%M%S")
    made_at = f"creditlab at {commit()}, {time.strftime('%Y-%m-%d')}"
    bci = ["bci", "--rule", "dendritic", "--no-nwb"]
    run(["--quiet", *bci, "--out", str(runs / "bci")])
    run(["--quiet", "demo", "--out", str(runs / "demo")])
    for name in ("performance", "activity", "dendrites"):
        shutil.copy(runs / "bci" / f"{name}.png", ROOT / "docs" / f"bci_{name}.png")
    shutil.copy(runs / "demo" / "learning_curves.png", ROOT / "docs" / "demo_learning_curves.png")
    block = "\n\n".join(
        [
            START,
            bci_block(runs / "bci", "creditlab " + " ".join(bci), made_at),
            demo_block(runs / "demo", "creditlab demo", made_at),
            END,
        ]
    )
    readme = (ROOT / "README.md").read_text()
    if START not in readme or END not in readme:
        raise SystemExit(f"README.md has no {START} … {END} block to rewrite")
    before, rest = readme.split(START, 1)
    after = rest.split(END, 1)[1]
    (ROOT / "README.md").write_text(before + block + after)
    print(f"README.md and docs/ rewritten from {runs}")


if __name__ == "__main__":
    main()
