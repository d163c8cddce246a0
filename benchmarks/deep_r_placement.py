"""DEEP R's two placements of the missing connections (``creditlab.rewiring``): how many
connections Liu's per-matrix rule leaves unfilled, and what placing them over all three
matrices together ("pooled") does to the loss (RESULTS §9, the dated note of 2026-12-04).

    python benchmarks/deep_r_placement.py count OUT.json [--placement per-matrix]
        [--rule mdgl] [--seeds 0,1,2] [--iterations 300]
        after every training step of ``evidence-accumulation-liu`` (all of Liu's options),
        the connections against what DEEP R could hold: min(budget N, the initial
        connections), since only initially connected synapses are candidates.
    python benchmarks/deep_r_placement.py run OUT.json [--placement pooled] [--rule mdgl]
        [--seeds 5] [--iterations 500]
        the ablation's all-Liu run (``liu_ablation.run_one``) with that placement.
    python benchmarks/deep_r_placement.py effect BEFORE.json AFTER.json
        the change of the final held-out loss, AFTER − BEFORE paired by seed (mean, 95 %
        t interval, p), between two such runs (e.g. the ablation's ``mdgl-all-liu.json``,
        per matrix, and the pooled run).
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
                         iterations=args.iterations, **placement(args.placement))  # fmt: skip
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
        "placement": args.placement,
        "wall_time_s": time.perf_counter() - start, "seeds": per_seed,
    }, indent=1))  # fmt: skip


def placement(name: str) -> dict:
    """The config overrides for DEEP R with placement ``name`` (Liu's other values)."""
    from creditlab.config import make_config

    rewiring = make_config(task="evidence-accumulation-liu", rule="mdgl").rewiring
    return {"rewiring": rewiring.model_dump() | {"placement": name}}


def run(args: argparse.Namespace) -> None:
    from liu_ablation import run_one

    if args.out.exists():
        raise SystemExit(f"{args.out} exists; choose another")
    overrides = placement(args.placement)
    record = run_one(args.rule, f"placement-{args.placement}", args.iterations,
                     list(range(args.seeds)), args.out.with_suffix(".checkpoint.npz"),
                     overrides)  # fmt: skip
    args.out.write_text(json.dumps(record, indent=1))
    args.out.with_suffix(".checkpoint.npz").unlink(missing_ok=True)


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
    counting.add_argument("--placement", default="per-matrix")
    counting.add_argument("--rule", default="mdgl")
    counting.add_argument("--seeds", default="0,1,2")
    counting.add_argument("--iterations", type=int, default=300)
    running = sub.add_parser("run")
    running.add_argument("out", type=Path)
    running.add_argument("--placement", default="pooled")
    running.add_argument("--rule", default="mdgl")
    running.add_argument("--seeds", type=int, default=5)
    running.add_argument("--iterations", type=int, default=500)
    effects = sub.add_parser("effect")
    effects.add_argument("before", type=Path)
    effects.add_argument("after", type=Path)
    args = parser.parse_args()
    if args.command == "count":
        count(args)
    elif args.command == "run":
        run(args)
    else:
        effect(args.before, args.after)


if __name__ == "__main__":
    main()
