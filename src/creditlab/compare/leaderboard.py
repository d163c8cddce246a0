"""The leaderboard of a comparison: one row per (task, rule), mean ± s.e.m. over seeds.

Writes ``leaderboard.parquet`` (numbers), ``leaderboard.md`` and ``leaderboard.html``
(the table, the tuning runs and any failures) and ``learning_curves.png`` (loss against
iteration, mean ± s.e.m., one panel per task) into the comparison's folder.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from creditlab.compare.plan import CompareSpec
from creditlab.compare.trial import TRAINING, tail_mean
from creditlab.report import write_markdown_page

CURVES = (
    "One panel per task. Line: each rule's loss on its training batches at every "
    "iteration, averaged over its seeds; band: ± s.e.m. over those seeds (none with one "
    "seed). The loss is the task's own (cross-entropy for classification, half the squared "
    "error for regression), so its scale differs between panels. The table's numbers are "
    "measured as its first paragraph says, which may differ from this curve's last point."
)

MEASURES = (
    ("final_loss", "final loss"),
    ("final_accuracy", "accuracy"),
    ("iterations_to_threshold", "iterations to threshold"),
    ("cosine_initial", "cos(Δ, ∇) initial"),
    ("cosine_final", "cos(Δ, ∇) final"),
)


def mean_sem(values: list[float | None]) -> tuple[float, float, int]:
    """Mean, standard error (s.d./√n, n−1 dof) and n of the finite values."""
    finite = [v for v in values if v is not None and math.isfinite(v)]
    if not finite:
        return math.nan, math.nan, 0
    sem = float(np.std(finite, ddof=1) / math.sqrt(len(finite))) if len(finite) > 1 else math.nan
    return float(np.mean(finite)), sem, len(finite)


def leaderboard_rows(spec: CompareSpec, records: list[dict]) -> list[dict[str, Any]]:
    rows = []
    for task in spec.tasks:
        for rule in spec.rules:
            mine = [r for r in records if r["spec"]["task"] == task and r["spec"]["rule"] == rule]
            final = [r for r in mine if r["spec"]["phase"] == "final" and r["status"] == "ok"]
            failed = [r for r in mine if r["status"] == "failed"]
            row: dict[str, Any] = {"task": task, "rule": rule}
            if not final:
                row["status"] = "failed" if failed else "untuned"
                row["error"] = failed[0]["error"] if failed else "every tuning run diverged"
                rows.append(row)
                continue
            seeds = [seed for r in final for seed in r["seeds"]]
            row |= {
                "status": "ok",
                "error": None,
                "learning_rate": final[0]["spec"]["learning_rate"],
                "seeds": len(seeds),
                "diverged": sum(seed["diverged"] for seed in seeds),
                "wall_time_s": float(sum(r["train_wall_time_s"] for r in final)),
                "peak_memory_mb": float(max(r["peak_memory_mb"] for r in final)),
            }
            for key, _ in MEASURES:
                mean, sem, n = mean_sem([seed[key] for seed in seeds])
                row |= {f"{key}_mean": mean, f"{key}_sem": sem, f"{key}_n": n}
            rows.append(row)
    return rows


def _measured_on(records: list[dict]) -> str:
    """How the final numbers were measured (held-out evaluations or training batches)."""
    found = {seed.get("final_measured_on", TRAINING) for r in records if r["status"] == "ok"
             for seed in r["seeds"]}  # fmt: skip
    return " or ".join(sorted(found)) or TRAINING


def _cell(row: dict, key: str) -> str:
    mean, sem = row.get(f"{key}_mean", math.nan), row.get(f"{key}_sem", math.nan)
    if not math.isfinite(mean):
        return "–"
    text = f"{mean:.4g}"
    if math.isfinite(sem):
        text += f" ± {sem:.2g}"
    n, seeds = row.get(f"{key}_n", 0), row.get("seeds", 0)
    return text + (f" ({n}/{seeds})" if n != seeds else "")


def markdown(spec: CompareSpec, rows: list[dict], records: list[dict]) -> str:
    header = [
        "task",
        "rule",
        "η",
        *(label for _, label in MEASURES),
        "wall time [s]",
        "peak RSS [MB]",
    ]
    rates = (
        f"at the best of {spec.lr_candidates} learning rates (tuned on a separate seed)"
        if spec.lr_candidates > 1
        else "at each task's default learning rate (no tuning)"
    )
    lines = [
        "# Leaderboard",
        "",
        f"{spec.seeds} seeds × {spec.iterations} iterations per rule, {rates}. Final loss and "
        f"accuracy: the mean over {_measured_on(records)}. Mean ± s.e.m. over "
        f"seeds; (n/K) when only n seeds reached a value. Iterations to threshold: until the "
        f"10-iteration mean loss ≤ {spec.threshold} × the initial loss. cos(Δ, ∇): the rule's "
        "expected update against BPTT's exact gradient on one batch.",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    for row in rows:
        if row["status"] != "ok":
            cells = [row["task"], row["rule"], row["status"], *["–"] * (len(header) - 3)]
        else:
            cells = [
                row["task"],
                row["rule"],
                f"{row['learning_rate']:.3g}",
                *(_cell(row, key) for key, _ in MEASURES),
                f"{row['wall_time_s']:.1f}",
                f"{row['peak_memory_mb']:.0f}",
            ]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "![learning curves](learning_curves.png)"]
    tuning = sorted(
        (r for r in records if r["spec"]["phase"] == "tune"),
        key=lambda r: (r["spec"]["task"], r["spec"]["rule"], r["spec"]["learning_rate"]),
    )
    lines += ["", "## Tuning runs", "", "| task | rule | η | final loss |", "|---|---|---|---|"]
    for r in tuning:
        ok = r["status"] == "ok" and r["seeds"][0]["loss_curve"]
        loss = f"{tail_mean(r['seeds'][0]['loss_curve']):.4g}" if ok else r["status"]
        s = r["spec"]
        lines.append(f"| {s['task']} | {s['rule']} | {s['learning_rate']:.3g} | {loss} |")
    failures = [r for r in records if r["status"] == "failed"]
    if failures:
        lines += ["", "## Failed trials", ""]
        lines += [f"- `{r['trial_id']}`: {r['error']}" for r in failures]
    return "\n".join(lines) + "\n"


def plot_curves(spec: CompareSpec, records: list[dict], path: Path) -> None:
    from creditlab.report import figure, save_figure

    columns = min(2, len(spec.tasks))
    lines = -(-len(spec.tasks) // columns)
    fig = figure(3.5 * columns, 2.9 * lines)
    axes = fig.subplots(lines, columns, squeeze=False).ravel()
    for ax in axes[len(spec.tasks) :]:
        ax.set_visible(False)
    for ax, task in zip(axes, spec.tasks, strict=False):
        for rule in spec.rules:
            curves = [
                seed["loss_curve"]
                for r in records
                if r["status"] == "ok"
                and r["spec"]["phase"] == "final"
                and r["spec"]["task"] == task
                and r["spec"]["rule"] == rule
                for seed in r["seeds"]
                if seed["loss_curve"]
            ]
            if not curves:
                continue
            length = min(len(c) for c in curves)
            stacked = np.array([c[:length] for c in curves])
            mean = stacked.mean(axis=0)
            sem = stacked.std(axis=0, ddof=1) / math.sqrt(len(curves)) if len(curves) > 1 else 0
            x = np.arange(length)
            ax.plot(x, mean, label=rule)
            ax.fill_between(x, mean - sem, mean + sem, alpha=0.25)
        ax.set_title(task, fontsize=9)
        ax.set_xlabel("iteration")
        ax.set_ylabel("training loss (mean ± s.e.m. over seeds)", fontsize=8)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7, frameon=False, title="rule", title_fontsize=7)
    save_figure(fig, path)


def write_leaderboard(spec: CompareSpec, records: list[dict], folder: Path) -> dict[str, Any]:
    import pandas as pd

    rows = leaderboard_rows(spec, records)
    pd.DataFrame(rows).to_parquet(folder / "leaderboard.parquet", index=False)
    (folder / "leaderboard.md").write_text(markdown(spec, rows, records))
    plot_curves(spec, records, folder / "learning_curves.png")
    write_markdown_page(folder / "leaderboard.md", how={"learning_curves.png": CURVES})
    return {"rows": rows, "records": records, "folder": folder}
