"""Learning-time scaling of gradient descent, node and weight perturbation (Werfel, Xie
& Seung 2005) on the linear teacher–student task.

For each (N inputs, M outputs) and each method, the learning rate is tuned over a grid
of 13 rates √2 apart (:func:`creditlab.analysis.learning_time.learning_rate_grid`) and
the learning time is the median over ``--seeds`` students of the trials needed to bring
‖W − W*‖²/‖W*‖² below 1 %. Werfel et al. predict node perturbation ≈ M times slower than
gradient descent and weight perturbation ≈ N times slower again; for finite sizes the
learning times grow as N (d + 2) with d the perturbed dimension (M, N·M), so the ratios
printed beside the measured ones are (M + 2) and (N·M + 2)/(M + 2).

    python benchmarks/learning_time_scaling.py [--seeds 8] [--out benchmarks/learning_time]

writes ``learning_time.json`` and ``learning_time.png`` in ``--out`` and prints a
Markdown table for ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.ticker import NullFormatter

from creditlab.analysis.learning_time import METHODS, tuned_learning_time

VARY_N = [(8, 4), (16, 4), (32, 4)]
VARY_M = [(16, 1), (16, 4), (16, 16)]


def measure(sizes: list[tuple[int, int]], seeds: int) -> list[dict]:
    rows = []
    for n, m in sizes:
        row: dict = {"N": n, "M": m}
        for method in METHODS:
            start = time.perf_counter()
            result = tuned_learning_time(method, n, m, seeds=seeds)
            row[method] = result.trials
            row[f"{method}_lr"] = result.learning_rate
            row[f"{method}_at_edge"] = result.at_edge
            print(
                f"N={n} M={m} {method}: {result.trials:.0f} trials at η={result.learning_rate:.3g}"
                f"{' (best rate at the grid edge)' if result.at_edge else ''}"
                f" [{time.perf_counter() - start:.1f} s]",
                flush=True,
            )
        row["np_over_gd"] = row["node-perturbation"] / row["gradient"]
        row["wp_over_np"] = row["weight-perturbation"] / row["node-perturbation"]
        row["np_over_gd_predicted"] = m + 2
        row["wp_over_np_predicted"] = (n * m + 2) / (m + 2)
        rows.append(row)
    return rows


def table(rows: list[dict]) -> str:
    lines = [
        "| N | M | GD trials | NP trials | WP trials | NP/GD (M; M+2) | WP/NP (N; (NM+2)/(M+2)) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['N']} | {r['M']} | {r['gradient']:.0f} | {r['node-perturbation']:.0f} | "
            f"{r['weight-perturbation']:.0f} | **{r['np_over_gd']:.2f}** ({r['M']}; "
            f"{r['np_over_gd_predicted']}) | **{r['wp_over_np']:.2f}** ({r['N']}; "
            f"{r['wp_over_np_predicted']:.2f}) |"
        )
    return "\n".join(lines)


def plot(by_n: list[dict], by_m: list[dict], path: Path) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
    for ax, rows, key in ((axes[0], by_n, "N"), (axes[1], by_m, "M")):
        sizes = [r[key] for r in rows]
        for method in METHODS:
            ax.loglog(sizes, [r[method] for r in rows], "o-", label=method)
        ax.set_xlabel(
            f"{key} ({'M' if key == 'N' else 'N'} = {rows[0]['M' if key == 'N' else 'N']})"
        )
        ax.set_xticks(sizes, [str(s) for s in sizes])
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_ylabel("trials to 1 % error (tuned η)")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_title("inputs N: WP/NP grows ∝ N")
    axes[1].set_title("outputs M: NP/GD grows ∝ M")
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=150)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/learning_time"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    by_n = measure(VARY_N, args.seeds)
    by_m = [by_n[1] if size == VARY_N[1] else measure([size], args.seeds)[0] for size in VARY_M]
    (args.out / "learning_time.json").write_text(
        json.dumps({"vary_n": by_n, "vary_m": by_m}, indent=1)
    )
    plot(by_n, by_m, args.out / "learning_time.png")
    print("\nVarying N:\n" + table(by_n) + "\n\nVarying M:\n" + table(by_m))


if __name__ == "__main__":
    main()
