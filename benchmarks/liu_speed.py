"""Issue 23 §3: how long the reproduction's runs take, here and against the code before
the speed work (a peer run in the same script, so the machine's load is shared).

For each rule, ``creditlab compare``'s final trial as it runs it: ``train_seeds`` on
``evidence-accumulation-liu`` with Liu's configuration, 5 seeds side by side (the default
``Looped`` batching) and a held-out evaluation every 10 iterations. Reported: the median
seconds of an iteration without evaluation, the mean over all timed iterations (with
the evaluations: what the run's length is made of), and the projected time of 2000
iterations (compilation plus 2000 × the mean).

    python benchmarks/liu_speed.py [--iterations 30] [--rules bptt,eprop,mdgl]
                                   [--peer COMMIT] [--peer-iterations 20]

``--peer`` checks that commit out in a temporary git worktree and times the same runs
there (in a subprocess whose ``PYTHONPATH`` is that worktree's ``src``). Results are
printed as JSON lines and written to ``benchmarks/liu_speed.json``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TASK = "evidence-accumulation-liu"


def one(rule: str, iterations: int, seeds: int) -> dict:
    """Time ``rule``'s 5-seed trial in this process (the code on ``sys.path``)."""
    import jax

    import creditlab
    from creditlab.config import make_config
    from creditlab.seeds import train_seeds

    config = make_config(task=TASK, rule=rule, iterations=iterations)
    stamps: list[float] = []
    start = time.perf_counter()
    train_seeds(config, list(range(seeds)), on_iteration=lambda i, rows: stamps.append(
        time.perf_counter()))  # fmt: skip
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    evaluated = {i for i in range(1, len(stamps)) if (i + 1) % config.evaluate_every == 0}
    plain = [g for i, g in enumerate(gaps, start=1) if i not in evaluated]
    mean = statistics.mean(gaps)
    return {
        "rule": rule,
        "seeds": seeds,
        "iterations_timed": len(gaps),
        "compile_and_first_s": stamps[0] - start,
        "median_iteration_s": statistics.median(plain),
        "mean_iteration_s": mean,
        "projected_2000_iterations_min": (stamps[0] - start + 2000 * mean) / 60,
        "code": str(Path(creditlab.__file__).parent),
        "device": str(jax.devices()[0]),
    }


def in_subprocess(rule: str, iterations: int, seeds: int, src: Path) -> dict:
    code = (f"import json, sys; sys.path.insert(0, {str(HERE)!r}); import liu_speed; "
            f"print(json.dumps(liu_speed.one({rule!r}, {iterations}, {seeds})))")  # fmt: skip
    environment = {"PYTHONPATH": str(src), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                          text=True, env=environment)  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", type=int, default=30)
    parser.add_argument("--rules", default="bptt,eprop,mdgl")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--peer", default=None, help="a commit to time beside this code")
    parser.add_argument("--peer-iterations", type=int, default=20)
    args = parser.parse_args()
    rules = args.rules.split(",")
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        peer_src = None
        if args.peer:
            worktree = Path(scratch) / "peer"
            subprocess.run(["git", "worktree", "add", "--detach", str(worktree), args.peer],
                           check=True, capture_output=True, cwd=HERE)  # fmt: skip
            peer_src = worktree / "src"
        try:
            for rule in rules:
                row = in_subprocess(rule, args.iterations, args.seeds, HERE.parent / "src")
                rows.append({"code": "this", **{k: v for k, v in row.items() if k != "code"}})
                print(json.dumps(rows[-1]), flush=True)
                if peer_src is not None:
                    row = in_subprocess(rule, args.peer_iterations, args.seeds, peer_src)
                    rows.append({"code": args.peer, **{k: v for k, v in row.items()
                                                       if k != "code"}})  # fmt: skip
                    print(json.dumps(rows[-1]), flush=True)
        finally:
            if peer_src is not None:
                subprocess.run(["git", "worktree", "remove", "--force", str(peer_src.parent)],
                               check=False, cwd=HERE)  # fmt: skip
    (HERE / "liu_speed.json").write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
