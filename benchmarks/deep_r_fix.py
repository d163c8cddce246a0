"""DEEP R's fix of 2026-12-04: how many connections the earlier version left unfilled,
and what the fix does to the loss (RESULTS §9, the dated note of 2026-12-04).

    python benchmarks/deep_r_fix.py count OUT.json [--rule mdgl] [--seeds 0,1,2]
        [--iterations 300]
        after every training step of ``evidence-accumulation-liu`` (all of Liu's options),
        the connections against what DEEP R should hold: min(budget N, the initial
        connections), since only initially connected synapses are candidates. Run it with
        the code before the fix (placing the missing connections matrix by matrix, which
        could lose some) and after.
    python benchmarks/deep_r_fix.py effect BEFORE.json AFTER.json
        the change of the final held-out loss, AFTER − BEFORE paired by seed (mean, 95 %
        t interval, p), from two runs of ``liu_ablation.py run`` (``<rule>-all-liu.json``)
        with the code before and after the fix.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time
from pathlib import Path

import numpy as np


def count(args: argparse.Namespace) -> None:
    if args.out.exists():
        raise SystemExit(f"{args.out} exists; choose another")

    from creditlab.build import build_rewiring
    from creditlab.config import make_config
    from creditlab.rewiring import connections
    from creditlab.train import training_parts

    config = make_config(task="evidence-accumulation-liu", rule=args.rule,
                         iterations=args.iterations)  # fmt: skip
    parts = training_parts(config)
    per_seed = []
    start = time.perf_counter()
    for seed in map(int, args.seeds.split(",")):
        network, state, keys = parts.initial(seed)
        initial = connections(state.params)
        budget = build_rewiring(config).budget(state.rewiring_state)
        target = min(budget, initial)
        counts = []
        for iteration in range(args.iterations):
            state, _ = parts.step(network, state, keys[iteration])
            counts.append(connections(state.params))
        counts = np.asarray(counts)
        per_seed.append({
            "seed": seed, "budget": budget, "initial": initial, "target": target,
            "counts": counts.tolist(),
            "mean_unfilled": float(np.mean(np.maximum(target - counts, 0))),
            "max_unfilled": int(np.max(np.maximum(target - counts, 0))),
            "steps_unfilled": int(np.sum(counts < target)),
        })  # fmt: skip
        print(f"seed {seed}: budget {budget}, initial {initial}, unfilled mean "
              f"{per_seed[-1]['mean_unfilled']:.2f}, max {per_seed[-1]['max_unfilled']}, "
              f"in {per_seed[-1]['steps_unfilled']} of {args.iterations} steps",
              flush=True)  # fmt: skip
    import creditlab

    source = Path(creditlab.__file__).parent
    commit = subprocess.run(["git", "-C", str(source), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()  # fmt: skip
    args.out.write_text(json.dumps({
        "commit": commit, "rule": args.rule, "iterations": args.iterations,
        "wall_time_s": time.perf_counter() - start, "seeds": per_seed,
    }, indent=1))  # fmt: skip


def effect(before: Path, after: Path) -> None:
    from creditlab.analysis.statistics import mean_with_interval

    runs = [json.loads(path.read_text()) for path in (before, after)]
    finals = [{s["seed"]: s["final_loss"] for s in run["seeds"]} for run in runs]
    if sorted(finals[0]) != sorted(finals[1]) or runs[0]["iterations"] != runs[1]["iterations"]:
        raise SystemExit("the two runs differ in seeds or iterations")
    seeds = sorted(finals[0])
    change = np.array([finals[1][s] - finals[0][s] for s in seeds])
    estimate = mean_with_interval(change)
    print(f"{runs[1]['rule']}, {len(seeds)} seeds × {runs[1]['iterations']} iterations: final "
          f"loss {np.mean(list(finals[0].values())):.3f} before, "
          f"{np.mean(list(finals[1].values())):.3f} after; change {estimate.mean:+.4f} "
          f"[{estimate.low:+.4f}, {estimate.high:+.4f}], p {estimate.p:.2g}; per seed "
          + ", ".join(f"{c:+.3f}" for c in change))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    counting = sub.add_parser("count")
    counting.add_argument("out", type=Path)
    counting.add_argument("--rule", default="mdgl")
    counting.add_argument("--seeds", default="0,1,2")
    counting.add_argument("--iterations", type=int, default=300)
    effects = sub.add_parser("effect")
    effects.add_argument("before", type=Path)
    effects.add_argument("after", type=Path)
    args = parser.parse_args()
    if args.command == "count":
        count(args)
    else:
        effect(args.before, args.after)


if __name__ == "__main__":
    main()
