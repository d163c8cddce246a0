"""K seeds of one configuration: one vmapped computation against separate processes.

Both sides start from a fresh Python process, so each includes imports, initialisation
and compilation, as a comparison's trials do:

* vmapped: one process runs :func:`creditlab.seeds.train_seeds` for all K seeds;
* separate: K processes, each training one seed with the same threefry keys, at most
  ``--parallel`` at a time (Ray's workers on a machine with that many cores).

    python benchmarks/seeds_vmap.py [--task evidence-accumulation] [--rule bptt]
        [--seeds 4] [--iterations 20] [--n-rec 100] [--parallel 2] [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

CODE = """
from creditlab.config import make_config
from creditlab.seeds import train_seeds
network = {{"n_rec": {n}}}
config = make_config(task={task!r}, rule={rule!r}, iterations={iterations}, network=network)
train_seeds(config, {seeds!r})
"""


def launch(args: argparse.Namespace, seeds: list[int]) -> subprocess.Popen:
    code = CODE.format(
        task=args.task, rule=args.rule, iterations=args.iterations, n=args.n_rec, seeds=seeds
    )
    return subprocess.Popen([sys.executable, "-c", code])


def vmapped(args: argparse.Namespace) -> float:
    start = time.perf_counter()
    if launch(args, list(range(args.seeds))).wait():
        raise RuntimeError("the vmapped run failed")
    return time.perf_counter() - start


def separate(args: argparse.Namespace) -> float:
    start = time.perf_counter()
    waiting, running = list(range(args.seeds)), []
    while waiting or running:
        while waiting and len(running) < args.parallel:
            running.append(launch(args, [waiting.pop(0)]))
        running[0].wait()
        if running.pop(0).returncode:
            raise RuntimeError("a separate run failed")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", default="evidence-accumulation")
    parser.add_argument("--rule", default="bptt")
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--n-rec", type=int, default=100)
    parser.add_argument("--parallel", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    times: dict[str, list[float]] = {"vmapped": [], "separate": []}
    for _ in range(args.repeats):  # interleaved, so load drifts hit both
        times["vmapped"].append(vmapped(args))
        times["separate"].append(separate(args))
    v, s = (statistics.median(times[k]) for k in ("vmapped", "separate"))
    print(
        f"{args.seeds} seeds × {args.iterations} iterations of {args.rule} on {args.task} "
        f"(n_rec {args.n_rec}): vmapped {v:.1f} s, separate ({args.parallel} at a time) "
        f"{s:.1f} s; separate / vmapped = {s / v:.2f} (medians of {args.repeats})"
    )


if __name__ == "__main__":
    main()
