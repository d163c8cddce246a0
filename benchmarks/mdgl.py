"""MDGL (Liu et al. 2021) on evidence accumulation: speed against e-prop, and the trials
of the reproduction (RESULTS §9).

    python benchmarks/mdgl.py speed [--iterations 5] [--rules mdgl,mdgl-online]
        median seconds per training iteration of bptt, eprop and mdgl on the Liu
        configuration (100 neurons, batch 64, 2000 ms), and peak memory of each in its
        own process; extrapolated to 2000 iterations.
    python benchmarks/mdgl.py memory [--rules mdgl,mdgl-online]
        peak memory of one batch-64 update against trial length (2000 and 8000 steps).
    python benchmarks/mdgl.py probe [--rules bptt,eprop,mdgl] [--seeds 5]
        seconds per iteration of the vmapped seeds, as a trial runs them.
    python benchmarks/mdgl.py trials --out DIR --rules bptt,eprop,mdgl [--seeds 5]
        runs the final trials of ``creditlab compare --tasks evidence-accumulation-liu
        --rules ... --lr-candidates 1 --alignment-draws 1`` one after another in this
        process (for example on a GPU machine without Ray) into DIR/trials, laid out as
        ``creditlab compare`` keeps them: running that command with the same options and
        ``--out DIR`` afterwards resumes them and writes the leaderboard. ``--task`` and
        ``--batch`` choose another task or batch (pass the same to ``creditlab compare``).
        A trial saves its seeds every five minutes, so a killed run goes on from there.
"""

from __future__ import annotations

import argparse
import itertools
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

TASK = "evidence-accumulation-liu"


def one_speed(rule: str, iterations: int, evaluation: str = "online") -> dict:
    import jax

    from creditlab.config import make_config
    from creditlab.train import training_parts

    config = make_config(task=TASK, rule=rule, iterations=iterations, evaluation=evaluation)
    parts = training_parts(config)
    network, state, keys = parts.initial(0)
    start = time.perf_counter()
    state, metrics = parts.step(network, state, keys[0])
    jax.block_until_ready(metrics)
    first = time.perf_counter() - start
    times = []
    for i in range(1, iterations + 1):
        start = time.perf_counter()
        state, metrics = parts.step(network, state, keys[i % len(keys)])
        jax.block_until_ready(metrics)
        times.append(time.perf_counter() - start)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "rule": rule if evaluation == "online" else f"{rule} ({evaluation})",
        "compile_and_first_s": first,
        "median_iteration_s": statistics.median(times),
        "iterations_timed": iterations,
        "peak_rss_mb": peak,
        "device": str(jax.devices()[0]),
    }


def one_memory(rule: str, delay_ms: float, evaluation: str = "online") -> dict:
    """Peak RSS of one update of ``rule`` (batch 64) on the Liu task with a longer delay."""
    import dataclasses

    import jax

    from creditlab.build import build_network, build_objective, build_rule, build_task
    from creditlab.config import make_config
    from creditlab.network import init_params

    config = make_config(task=TASK, rule=rule, evaluation=evaluation)
    task = dataclasses.replace(build_task(config), delay_ms=delay_ms)
    network = build_network(config, task, key=jax.random.key(0))
    params = init_params(network, key=jax.random.key(1), gain=config.network.init_gain)
    rule_object = build_rule(config, network, build_objective(config, task), task)
    trials = task.sample(jax.random.key(2), config.batch)
    update = jax.jit(rule_object.update)
    state = rule_object.init(params, key=jax.random.key(3))
    jax.block_until_ready(update(params, state, trials, key=jax.random.key(4)))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    name = rule if evaluation == "online" else f"{rule} ({evaluation})"
    return {"rule": name, "steps": task.n_steps, "peak_rss_mb": peak}


def in_fresh_process(call: str) -> dict:
    """The JSON result of ``call`` (an expression on this module) run in a new Python
    process, so that its peak memory is its own."""
    code = f"import json, mdgl; print(json.dumps({call}))"
    done = subprocess.run(
        [sys.executable, "-c", code],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).parent,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def memory(only: list[str] | None = None) -> None:
    """Peak memory of one update against trial length, each in a fresh process (``only``:
    just these rules)."""
    for rule, evaluation in [("eprop", "online"), ("eprop", "offline"), ("mdgl", "online"),
                             ("mdgl-online", "online"), ("bptt", "online")]:  # fmt: skip
        if only and rule not in only:
            continue
        for delay in (800.0, 6800.0):
            row = in_fresh_process(f"mdgl.one_memory({rule!r}, {delay}, {evaluation!r})")
            print(json.dumps(row), flush=True)


def speed(iterations: int, only: list[str] | None = None) -> None:
    """Each rule in a fresh process (so peak memory is its own; ``only``: just these rules,
    online e-prop always)."""
    rows = []
    runs = [("bptt", "online"), ("eprop", "online"), ("eprop", "offline"), ("mdgl", "online"),
            ("mdgl-online", "online")]  # fmt: skip
    for rule, evaluation in runs:
        if only and rule not in only and (rule, evaluation) != ("eprop", "online"):
            continue
        rows.append(in_fresh_process(f"mdgl.one_speed({rule!r}, {iterations}, {evaluation!r})"))
    eprop = next(r for r in rows if r["rule"] == "eprop")["median_iteration_s"]
    for r in rows:
        r["ratio_to_eprop"] = r["median_iteration_s"] / eprop
        r["extrapolated_2000_iterations_min"] = 2000 * r["median_iteration_s"] / 60
        print(json.dumps(r))


def probe(rules: list[str], seeds: int, iterations: int) -> None:
    """Seconds per iteration of each rule's vmapped ``seeds``-seed step (as a trial runs)."""
    from creditlab.config import make_config
    from creditlab.seeds import train_seeds

    for rule in rules:
        config = make_config(task=TASK, rule=rule, iterations=iterations)
        stamps: list[float] = []

        def stamp(iteration: int, rows: list, stamps: list[float] = stamps) -> None:
            stamps.append(time.perf_counter())

        start = time.perf_counter()
        result = train_seeds(config, list(range(seeds)), on_iteration=stamp)
        gaps = [b - a for a, b in itertools.pairwise(stamps)]
        print(
            json.dumps(
                {
                    "rule": rule,
                    "seeds": seeds,
                    "first_s": stamps[0] - start,
                    "median_iteration_s": statistics.median(gaps),
                    "loss": [round(r[-1]["loss"], 4) for r in result.metrics],
                }
            ),
            flush=True,
        )


def trials(
    out: Path,
    rules: list[str],
    seeds: int,
    iterations: int,
    only: list[str] | None = None,
    task: str = TASK,
    batch: int | None = None,
) -> None:
    from creditlab.compare.plan import CompareSpec, learning_rates, plan_final
    from creditlab.compare.runner import ComparisonFolder
    from creditlab.compare.trial import run_trial

    spec = CompareSpec(
        tasks=(task,),
        rules=tuple(rules),
        seeds=seeds,
        iterations=iterations,
        lr_candidates=1,
        alignment_draws=1,
        batch=batch,
    )
    folder = ComparisonFolder(out, spec)
    done = folder.finished()
    for rule in only or rules:
        for trial in plan_final(spec, task, rule, learning_rates(task, 1)[0]):
            if trial.trial_id in done:
                print(f"{rule}: already done", flush=True)
                continue
            start = time.perf_counter()
            record = run_trial(trial.model_dump(), str(folder.checkpoint(trial.trial_id)))
            folder.save(record)
            finals = [round(s["final_loss"], 4) for s in record["seeds"]]
            accuracy = [
                None if s["final_accuracy"] is None else round(s["final_accuracy"], 3)
                for s in record["seeds"]
            ]
            print(
                f"{rule}: {time.perf_counter() - start:.0f} s, final loss {finals}, "
                f"accuracy {accuracy}",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    fast = sub.add_parser("speed")
    fast.add_argument("--iterations", type=int, default=5)
    fast.add_argument("--rules", default=None, help="only these rules (and online e-prop)")
    sub.add_parser("memory").add_argument("--rules", default=None, help="only these rules")
    probing = sub.add_parser("probe")
    probing.add_argument("--rules", default="bptt,eprop,mdgl")
    probing.add_argument("--seeds", type=int, default=5)
    probing.add_argument("--iterations", type=int, default=6)
    runs = sub.add_parser("trials")
    runs.add_argument("--out", type=Path, required=True)
    runs.add_argument("--rules", default="bptt,eprop,mdgl")
    runs.add_argument("--seeds", type=int, default=5)
    runs.add_argument("--iterations", type=int, default=2000)
    runs.add_argument("--only", default=None, help="run only these of --rules now")
    runs.add_argument("--task", default=TASK)
    runs.add_argument("--batch", type=int, default=None, help="trials per update (task default)")
    args = parser.parse_args()
    if args.command == "speed":
        speed(args.iterations, args.rules.split(",") if args.rules else None)
    elif args.command == "memory":
        memory(args.rules.split(",") if args.rules else None)
    elif args.command == "probe":
        probe(args.rules.split(","), args.seeds, args.iterations)
    else:
        only = args.only.split(",") if args.only else None
        trials(
            args.out,
            args.rules.split(","),
            args.seeds,
            args.iterations,
            only,
            args.task,
            args.batch,
        )


if __name__ == "__main__":
    main()
