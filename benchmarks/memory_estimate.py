"""The memory estimate that refuses runs that cannot fit (:mod:`creditlab.memory`)
against the measured peak, at several sizes.

Each size runs in its own process: the resident memory after importing and compiling a
tiny run is the baseline; the peak after building the run and training a few
iterations, minus that baseline, is what the run took. The estimate (training state +
XLA's figures for the compiled step) should be within 2x of it.

    python benchmarks/memory_estimate.py [--sizes 2000,4000,6000] [--rule eprop]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

CHILD = """
import json, resource, sys
import jax
from creditlab.config import make_config
from creditlab.memory import compiled_bytes, tree_bytes
from creditlab.train import build_training, train

def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096

rule, n, batch, iterations = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
train(make_config(task="sine-waves", rule=rule, iterations=2, batch=2, network={"n_rec": 20}))
baseline = rss()
config = make_config(task="sine-waves", rule=rule, iterations=iterations, batch=batch,
                     network={"n_rec": n})
setup = build_training(config)
estimate = tree_bytes(setup.state) + tree_bytes(setup.data_keys) + compiled_bytes(setup.step)
state = setup.state
for i in range(iterations):
    state, metrics = setup.train_step(state, i)
    jax.block_until_ready(metrics)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"n_rec": n, "estimate": estimate, "used": peak - baseline}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2000,4000,6000")
    parser.add_argument("--rule", default="eprop")
    parser.add_argument("--batch", type=int, default=2)
    parser.add_argument("--iterations", type=int, default=2)
    args = parser.parse_args()
    print("| rule | n_rec | estimate [MiB] | measured peak over baseline [MiB] | ratio |")
    print("|---|---|---|---|---|")
    for n in args.sizes.split(","):
        command = [sys.executable, "-c", CHILD, args.rule, n, str(args.batch)]
        done = subprocess.run(
            [*command, str(args.iterations)], capture_output=True, text=True, check=True
        )
        found = json.loads(done.stdout.strip().splitlines()[-1])
        ratio = found["estimate"] / found["used"]
        print(
            f"| {args.rule} | {found['n_rec']} | {found['estimate'] / 2**20:.0f} | "
            f"{found['used'] / 2**20:.0f} | {ratio:.2f} |"
        )


if __name__ == "__main__":
    main()
