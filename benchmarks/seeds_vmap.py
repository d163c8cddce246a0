"""K seeds of one configuration: looped and vmapped in one process, against separate
processes.

Every side starts from a fresh Python process, so each includes imports, initialisation
and compilation, as a comparison's trials do:

* looped: one process runs :func:`creditlab.seeds.train_seeds` for all K seeds, each
  through ``train``'s own compiled program (``compare``'s default);
* vmapped: the same with ``batching=Vmapped()``, one batched program;
* separate: K processes, each training one seed, at most ``--parallel`` at a time (Ray's
  workers on a machine with that many cores).

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
from creditlab.seeds import BATCHINGS, train_seeds
network = {{"n_rec": {n}}}
config = make_config(task={task!r}, rule={rule!r}, iterations={iterations}, network=network)
train_seeds(config, {seeds!r}, batching=BATCHINGS[{batching!r}])
"""


def launch(args: argparse.Namespace, seeds: list[int], batching: str) -> subprocess.Popen:
    code = CODE.format(
        task=args.task,
        rule=args.rule,
        iterations=args.iterations,
        n=args.n_rec,
        seeds=seeds,
        batching=batching,
    )
    return subprocess.Popen([sys.executable, "-c", code])


def together(args: argparse.Namespace, batching: str) -> float:
    start = time.perf_counter()
    if launch(args, list(range(args.seeds)), batching).wait():
        raise RuntimeError(f"the {batching} run failed")
    return time.perf_counter() - start


def separate(args: argparse.Namespace) -> float:
    start = time.perf_counter()
    waiting, running = list(range(args.seeds)), []
    while waiting or running:
        while waiting and len(running) < args.parallel:
            running.append(launch(args, [waiting.pop(0)], "looped"))
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
    times: dict[str, list[float]] = {"looped": [], "vmapped": [], "separate": []}
    for _ in range(args.repeats):  # interleaved, so load drifts hit all three
        times["looped"].append(together(args, "looped"))
        times["vmapped"].append(together(args, "vmapped"))
        times["separate"].append(separate(args))
    lo, v, s = (statistics.median(times[k]) for k in ("looped", "vmapped", "separate"))
    print(
        f"{args.seeds} seeds × {args.iterations} iterations of {args.rule} on {args.task} "
        f"(n_rec {args.n_rec}): looped {lo:.1f} s, vmapped {v:.1f} s, separate "
        f"({args.parallel} at a time) {s:.1f} s; looped / vmapped = {lo / v:.2f}, "
        f"separate / looped = {s / lo:.2f} (medians of {args.repeats})"
    )


if __name__ == "__main__":
    main()
