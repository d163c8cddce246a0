"""How far the vmapped layout's numbers drift from ``train``'s (the looped layout's).

Looped seeds give ``creditlab train``'s numbers bitwise (``tests/test_same_seed_same_numbers.py``);
vmapped seeds only to rounding, and a spiking network amplifies a last-bit difference over
iterations. For each workload and precision this trains the same seeds both ways and
reports the largest relative loss difference in the first 10 iterations, over the run,
and at its end.

    python benchmarks/seed_layouts_agreement.py [--seeds 3]
"""

from __future__ import annotations

import argparse

import numpy as np

WORKLOADS = [  # (task, rule, iterations)
    ("sine-waves", "eprop", 300),
    ("evidence-accumulation", "bptt", 60),
    ("evidence-accumulation", "node-perturbation", 60),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    from creditlab.config import make_config
    from creditlab.seeds import Vmapped, train_seeds

    print("| workload | precision | max rel. Δloss, iterations 0–9 | over the run | last |")
    print("|---|---|---|---|---|")
    # float32 first: a float64 run turns on JAX's 64-bit mode for the whole process
    for precision in ("float32", "float64"):
        for task, rule, iterations in WORKLOADS:
            config = make_config(task=task, rule=rule, iterations=iterations, precision=precision)
            seeds = list(range(args.seeds))
            looped = train_seeds(config, seeds)
            vmapped = train_seeds(config, seeds, batching=Vmapped())
            diffs = []
            for a, b in zip(looped.metrics, vmapped.metrics, strict=True):
                la = np.array([row["loss"] for row in a])
                lb = np.array([row["loss"] for row in b])
                n = min(len(la), len(lb))
                diffs.append(np.abs(la[:n] - lb[:n]) / np.abs(la[:n]))
            d = np.max(np.stack(diffs), axis=0)
            print(
                f"| {rule}, {task}, {iterations} it., {args.seeds} seeds | {precision} | "
                f"{d[:10].max():.1e} | {d.max():.1e} | {d[-1]:.1e} |"
            )


if __name__ == "__main__":
    main()
