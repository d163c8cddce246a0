"""How creditlab's time per iteration and peak memory grow with trial length and size.

Grid: rule ∈ {bptt, eprop} × T ∈ {1000, 4000, 16000} steps × n_rec ∈ {100, 400, 1600}
LIF neurons, 100 Poisson inputs at 50 Hz drawn afresh each iteration, 1 readout following
a sum of sines, batch 1. Neuron, readout, objective (MSE + firing-rate regulariser) and
optimizer take the sine-wave task's defaults (``make_config(task="sine-waves")``); the
network, weights and rule come from ``creditlab.network.make_network`` / ``init_params``
and ``creditlab.rules`` with a ``creditlab.objective.Objective``, the iteration from
``creditlab.train.make_train_step``.

Every configuration runs in its own subprocess, which reports:

* ``compile_s``: tracing, lowering and XLA compilation of one training iteration;
* ``iteration_s``: wall time of one iteration of the compiled step (median of up to
  ``--iterations`` calls; only one call when the first takes longer than 20 s);
* ``rss_*_mb``: peak resident memory (``getrusage`` maxrss) of the subprocess before
  compiling (the baseline: Python, JAX, weights), after compiling and after running;
  ``run_peak_mb`` = peak after running − baseline;
* ``xla_temp_mb`` etc.: XLA's own ``memory_analysis()`` of the compiled iteration (temp =
  scratch buffers the iteration needs beyond its arguments and outputs).

Configurations that exceed ``--timeout`` seconds are reported as timed out.

    python benchmarks/scaling.py [--rules eprop bptt] [--steps 1000 4000 16000]
                                 [--neurons 100 400 1600] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kB


@dataclass(frozen=True)
class PoissonSines:
    """A regression task of any length: fresh 50 Hz Poisson input, a fixed sum of sines."""

    n_steps: int
    name: str = "poisson-sines"
    kind: str = "regression"
    dt: float = 1.0
    n_in: int = 100
    n_out: int = 1
    rate_hz: float = 50.0

    def sample(self, key, batch: int):
        import jax.numpy as jnp

        from creditlab.tasks.base import Trials, poisson_spikes

        t = jnp.arange(self.n_steps) * self.dt
        periods = jnp.array([1000.0, 500.0, 333.0, 200.0])
        target = jnp.sum(jnp.sin(2 * jnp.pi * t[:, None] / periods), axis=1, keepdims=True)
        rates = jnp.full((batch, self.n_steps, self.n_in), self.rate_hz)
        return Trials(
            inputs=poisson_spikes(key, rates, self.dt),
            targets=jnp.broadcast_to(target, (batch, self.n_steps, 1)),
            mask=jnp.ones((batch, self.n_steps)),
        )


def measure(rule_name: str, n_rec: int, n_steps: int, iterations: int) -> dict:
    """One configuration, in this process (meant to be a fresh subprocess)."""
    import jax

    from creditlab.build import build_neuron, build_objective, build_optimizer
    from creditlab.config import make_config
    from creditlab.network import init_params, make_network
    from creditlab.rules import RULES
    from creditlab.train import TrainState, make_train_step

    config = make_config(task="sine-waves", rule=rule_name, network={"n_rec": n_rec})
    task = PoissonSines(n_steps)
    k_net, k_params, k_rule, k_data = jax.random.split(jax.random.key(0, impl="rbg"), 4)
    network = make_network(
        build_neuron(config, task.dt),
        task.n_in,
        n_rec,
        task.n_out,
        tau_out=config.network.tau_out,
        readout_scale=config.network.readout_scale,
        key=k_net,
    )
    params = init_params(network, key=k_params)
    objective = build_objective(config, task)
    rule = RULES[rule_name](network, objective)
    optimizer = build_optimizer(config)
    state = TrainState(params, optimizer.init(params), rule.init(params, key=k_rule))
    keys = list(jax.random.split(k_data, iterations))
    step = make_train_step(task, lambda net: RULES[rule_name](net, objective), optimizer, batch=1)
    jax.block_until_ready((state, keys))
    baseline = _maxrss_mb()

    start = time.perf_counter()
    compiled = step.lower(network, state, keys[0]).compile()
    compile_s = time.perf_counter() - start
    after_compile = _maxrss_mb()
    memory = compiled.memory_analysis()

    seconds = []
    for key in keys:
        start = time.perf_counter()
        state, metrics = compiled(network, state, key)
        jax.block_until_ready((state, metrics))
        seconds.append(time.perf_counter() - start)
        if seconds[0] > 20.0:
            break
    timed = seconds[1:] if len(seconds) > 1 else seconds  # the first call may warm caches
    mb = 1 / 2**20
    return {
        "rule": rule_name,
        "n_rec": n_rec,
        "n_steps": n_steps,
        "compile_s": compile_s,
        "iteration_s": statistics.median(timed),
        "iteration_all_s": seconds,
        "us_per_step": 1e6 * statistics.median(timed) / n_steps,
        "loss": float(metrics["loss"]),
        "rss_baseline_mb": baseline,
        "rss_after_compile_mb": after_compile,
        "rss_after_run_mb": _maxrss_mb(),
        "run_peak_mb": _maxrss_mb() - baseline,
        "xla_temp_mb": memory.temp_size_in_bytes * mb,
        "xla_argument_mb": memory.argument_size_in_bytes * mb,
        "xla_output_mb": memory.output_size_in_bytes * mb,
    }


def run_subprocess(rule: str, n_rec: int, n_steps: int, iterations: int, timeout: float) -> dict:
    command = [sys.executable, __file__, "--one", rule, str(n_rec), str(n_steps)]
    command += ["--iterations", str(iterations)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"rule": rule, "n_rec": n_rec, "n_steps": n_steps, "error": f"> {timeout:.0f} s"}
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-1:] or ["?"]
        return {"rule": rule, "n_rec": n_rec, "n_steps": n_steps, "error": tail[0]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def print_table(rows: list[dict]) -> None:
    head = f"{'rule':<6}{'n_rec':>6}{'T':>7}{'compile s':>10}{'iter s':>9}{'µs/step':>9}"
    print(head + f"{'Δrss compile':>13}{'Δrss run':>9}{'XLA temp':>9}{'XLA args':>9}  [MB]")
    for r in rows:
        start = f"{r['rule']:<6}{r['n_rec']:>6}{r['n_steps']:>7}"
        if "error" in r:
            print(f"{start}  {r['error']}")
            continue
        print(
            f"{start}{r['compile_s']:>10.2f}{r['iteration_s']:>9.3f}{r['us_per_step']:>9.1f}"
            f"{r['rss_after_compile_mb'] - r['rss_baseline_mb']:>13.0f}{r['run_peak_mb']:>9.0f}"
            f"{r['xla_temp_mb']:>9.1f}{r['xla_argument_mb']:>9.1f}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--one", nargs=3, metavar=("RULE", "N_REC", "T"), help=argparse.SUPPRESS)
    parser.add_argument("--rules", nargs="+", default=["bptt", "eprop"])
    parser.add_argument("--steps", nargs="+", type=int, default=[1000, 4000, 16000])
    parser.add_argument("--neurons", nargs="+", type=int, default=[100, 400, 1600])
    parser.add_argument("--iterations", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=300.0, help="per configuration [s]")
    parser.add_argument("--json", help="also write the rows to this file")
    args = parser.parse_args(argv)
    if args.one:
        rule, n_rec, n_steps = args.one
        print(json.dumps(measure(rule, int(n_rec), int(n_steps), args.iterations)))
        return 0
    rows = []
    for rule in args.rules:
        for n_rec in args.neurons:
            for n_steps in args.steps:
                row = run_subprocess(rule, n_rec, n_steps, args.iterations, args.timeout)
                print(json.dumps(row), file=sys.stderr, flush=True)
                rows.append(row)
    print_table(rows)
    print("load average at the end:", os.getloadavg())
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
