"""Speed of creditlab against hand-written JAX on the sine-wave workload, in one process.

Workload: ``make_config(task="sine-waves", rule=..., iterations=200)`` — LIF network
100 in / 100 recurrent / 1 readout, 1000 steps of 1 ms, batch 1, Adam lr 3e-3.

Measured, for creditlab e-prop, hand-written e-prop, creditlab BPTT and hand-written BPTT
(the hand-written code is ``benchmarks/handwritten.py``; it starts from creditlab's
initial weights and uses creditlab's input and target):

* setup: creditlab's ``build_training(config)``, which draws the initial state and
  traces, lowers and compiles the training step; for the hand-written code, tracing +
  lowering (``trace_lower_s``) and XLA compilation (``compile_s``) of its step;
* run: wall time of 200 training iterations of the compiled step, the state threaded
  from call to call and the result waited for once at the end (no per-iteration sync).
  Repeated ``--repeats`` times, the four variants interleaved; medians (and minima) are
  reported and the ratio creditlab / hand-written (the target is ≤ 1.3): of the medians,
  the median of the per-repeat ratios (each creditlab run against the hand-written run
  right after it, robust to load from other processes) and of the minima.

    python benchmarks/speed_sine.py [--repeats 7] [--rules eprop bptt] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import jax

sys.path.insert(0, str(Path(__file__).resolve().parent))
import handwritten

ITERATIONS = 200
RULES = ("eprop", "bptt")


def timed(function: Callable[[], object]) -> tuple[object, float]:
    start = time.perf_counter()
    result = function()
    return result, time.perf_counter() - start


def creditlab_variant(rule: str) -> tuple[dict[str, float], Callable[[], float]]:
    """Compile creditlab's training step; returns (timings, run 200 iterations)."""
    from creditlab.config import make_config
    from creditlab.train import build_training

    config = make_config(task="sine-waves", rule=rule, iterations=ITERATIONS)
    setup, setup_s = timed(lambda: build_training(config))

    def run() -> float:
        state = setup.state
        for iteration in range(ITERATIONS):
            state, metrics = setup.train_step(state, iteration)
        jax.block_until_ready((state, metrics))
        return float(metrics["loss"])

    return {"setup_s": setup_s, "trace_lower_s": None, "compile_s": None}, run


def handwritten_variant(rule: str) -> tuple[dict[str, float], Callable[[], float]]:
    """Compile the hand-written step (same weights/input as creditlab); same outputs."""
    _, constants, weights, x, y_star = handwritten.creditlab_problem(rule, ITERATIONS)
    train_step, optimizer = handwritten.make_train_step(constants, rule)
    opt_state = optimizer.init(weights)
    lowered, lower_s = timed(lambda: train_step.lower(weights, opt_state, x, y_star))
    step, compile_s = timed(lowered.compile)

    def run() -> float:
        w, o = weights, opt_state
        for _ in range(ITERATIONS):
            w, o, loss = step(w, o, x, y_star)
        jax.block_until_ready((w, o, loss))
        return float(loss)

    return {"setup_s": 0.0, "trace_lower_s": lower_s, "compile_s": compile_s}, run


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--rules", nargs="+", default=["eprop", "bptt"], choices=RULES)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)

    variants = {}
    for rule in args.rules:
        variants[f"creditlab {rule}"] = creditlab_variant(rule)
        variants[f"hand-written {rule}"] = handwritten_variant(rule)
    for _, run in variants.values():  # one warm-up run each (first-call effects)
        run()
    times: dict[str, list[float]] = {name: [] for name in variants}
    final_loss: dict[str, float] = {}
    for _ in range(args.repeats):
        for name, (_, run) in variants.items():
            final_loss[name], seconds = timed(run)
            times[name].append(seconds)

    results = {
        "workload": "sine-waves LIF 100/100/1, T=1000, batch 1, 200 iterations, adam 3e-3",
        "jax": jax.__version__,
        "devices": [str(d) for d in jax.devices()],
        "repeats": args.repeats,
        "load_average": os.getloadavg(),
        "variants": {
            name: {
                **info,
                "run_200_median_s": statistics.median(times[name]),
                "run_200_min_s": min(times[name]),
                "run_200_all_s": times[name],
                "ms_per_iteration": 1e3 * statistics.median(times[name]) / ITERATIONS,
                "final_loss": final_loss[name],
            }
            for name, (info, _) in variants.items()
        },
    }
    results["ratio_creditlab_over_handwritten"] = {
        rule: statistics.median(times[f"creditlab {rule}"])
        / statistics.median(times[f"hand-written {rule}"])
        for rule in args.rules
    }
    # Robust to load from other processes: each repeat's creditlab run against the
    # hand-written run right after it, and the fastest runs against each other.
    results["ratio_paired_median"] = {
        rule: statistics.median(
            a / b
            for a, b in zip(times[f"creditlab {rule}"], times[f"hand-written {rule}"], strict=True)
        )
        for rule in args.rules
    }
    results["ratio_of_minima"] = {
        rule: min(times[f"creditlab {rule}"]) / min(times[f"hand-written {rule}"])
        for rule in args.rules
    }
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(
        f"{'variant':<20}{'200 its [s]':>12}{'min [s]':>9}{'ms/it':>8}"
        f"{'setup':>8}{'trace':>8}{'compile':>9}"
    )
    for name, r in results["variants"].items():
        print(
            f"{name:<20}{r['run_200_median_s']:>12.3f}{r['run_200_min_s']:>9.3f}"
            f"{r['ms_per_iteration']:>8.2f}{r['setup_s']:>8.2f}{_seconds(r['trace_lower_s']):>8}"
            f"{_seconds(r['compile_s']):>9}"
        )
    for rule, ratio in results["ratio_creditlab_over_handwritten"].items():
        print(
            f"creditlab / hand-written, {rule}: {ratio:.2f} of medians,"
            f" {results['ratio_paired_median'][rule]:.2f} paired,"
            f" {results['ratio_of_minima'][rule]:.2f} of minima (target ≤ 1.3)"
        )
    print("load average (1, 5, 15 min) at the end:", results["load_average"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
