"""Trials the three-factor rule needs to learn delayed non-match-to-sample (Miconi 2017).

The ``dnms`` task's defaults: 200 tanh rate units (τ = 30 ms, dt = 1 ms, recurrent gain
1.5), 1000 ms trials, one trial per update, reward = −loss over the last 200 ms only,
one running baseline per trial type, sparse exploratory kicks and the cubed Hebbian
term, Adam with η = 1e-4. ``--seeds`` networks train side by side
(:func:`creditlab.seeds.train_seeds`). A seed has learned at the first trial after
which the fraction correct over the previous ``--window`` trials is ≥ 95 %.

    python benchmarks/dnms_three_factor.py [--seeds 5] [--trials 3000] [--window 100]
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from creditlab.config import make_config
from creditlab.seeds import train_seeds


def trials_to_criterion(correct: np.ndarray, window: int, criterion: float = 0.95) -> float:
    """First trial count n ≥ window with mean(correct[n − window:n]) ≥ criterion (NaN if never)."""
    running = np.convolve(correct, np.ones(window) / window, mode="valid")
    hits = np.flatnonzero(running >= criterion)
    return float(hits[0] + window) if hits.size else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--trials", type=int, default=3000)
    parser.add_argument("--window", type=int, default=100)
    args = parser.parse_args()
    config = make_config(task="dnms", rule="three-factor", iterations=args.trials)
    start = time.perf_counter()
    result = train_seeds(config, list(range(args.seeds)))
    elapsed = time.perf_counter() - start
    report = []
    for seed, rows in zip(result.seeds, result.metrics, strict=True):
        correct = np.repeat([row["accuracy"] for row in rows], config.batch)
        needed = trials_to_criterion(correct, args.window)
        final = float(np.mean(correct[-500:]))
        report.append({"seed": seed, "trials_to_95": needed, "final_500_correct": final})
        print(f"seed {seed}: 95 % correct after {needed:.0f} trials; last 500: {final:.3f}")
    needed = np.array([r["trials_to_95"] for r in report])
    print(
        f"median {np.nanmedian(needed):.0f} trials (range {np.nanmin(needed):.0f}–"
        f"{np.nanmax(needed):.0f}; {np.isnan(needed).sum()} of {len(needed)} never), "
        f"{args.seeds} seeds × {args.trials} trials in {elapsed:.0f} s"
    )
    print(json.dumps(report))


if __name__ == "__main__":
    main()
