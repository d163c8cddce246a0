"""Whole-process wall time of a sine-wave e-prop run: creditlab's CLI (and NEST's example).

Measured, each ``--repeats`` times, median reported:

* ``creditlab train --task sine-waves --rule eprop --iterations 200 --out <fresh dir>``
  with the ``creditlab`` of this interpreter's environment: interpreter start, imports,
  building and compiling, 200 iterations, writing results and the learning-curve plot.
  From the run's ``metrics.parquet`` the training loop's own time is reported too
  (``wall_time_s`` of the last iteration: it excludes imports and ``build_training``,
  which draws the initial state and compiles the training step). These runs switch
  creditlab's persistent compilation cache off (``CREDITLAB_CACHE_DIR=off``): every run
  compiles, as a first run does.
* ``python -c "import creditlab.train, creditlab.report, ..."``: the import cost alone.
* with ``--compile-cache``: the same run with the compilation cache in a folder that an
  earlier run has filled (``CREDITLAB_CACHE_DIR``, and ``JAX_COMPILATION_CACHE_DIR``).
* with ``--nest``: NEST 3.10's own example
  ``eprop_supervised_regression_sine-waves_bsshslm_2020.py`` (200 iterations, batch 1,
  same network sizes), run with ``MPLBACKEND=Agg`` from a fresh temporary folder (with a
  stand-in for ``IPython.display``, which the example imports but this venv lacks).

    python benchmarks/whole_process.py [--repeats 5] [--nest] [--compile-cache] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
NEST_EXAMPLE = (
    Path(sys.prefix)
    / "lib/python3.11/site-packages/nest/doc/examples/pynest/eprop_plasticity"
    / "eprop_supervised_regression_sine-waves_bsshslm_2020.py"
)
IPYTHON_STUB = "version_info = (9, 0, 0)\n\n\ndef get_ipython():\n    return None\n"
IMPORTS = "import creditlab.train, creditlab.report, creditlab.io.run_directory, creditlab.cli"


def run_timed(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    """Wall time of ``command`` in ``cwd``; raises with its output if it fails."""
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{command} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return seconds


def creditlab_once(iterations: int, cache: str | None = None) -> tuple[float, float]:
    """(whole process [s], training loop as recorded in metrics.parquet [s]).

    ``cache``: a folder for JAX's persistent compilation cache; ``None`` switches the
    cache off (``CREDITLAB_CACHE_DIR=off``), so every run compiles afresh.
    """
    import pandas as pd

    env = {**os.environ, "CREDITLAB_CACHE_DIR": cache or "off"}
    if cache:  # also for a creditlab whose CLI does not read CREDITLAB_CACHE_DIR
        env.update(JAX_COMPILATION_CACHE_DIR=cache, JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS="0")
    with tempfile.TemporaryDirectory() as tmp:
        # the command as written: without --out it writes a new folder under runs/
        command = [str(BIN / "creditlab"), "train", "--task", "sine-waves", "--rule", "eprop"]
        command += ["--iterations", str(iterations)]
        seconds = run_timed(command, Path(tmp), env)
        (out,) = (Path(tmp) / "runs").iterdir()
        loop = float(pd.read_parquet(out / "metrics.parquet")["wall_time_s"].iloc[-1])
    return seconds, loop


def nest_once() -> float:
    """The example imports ``IPython.display.Image`` (to show a schematic), after which
    matplotlib asks ``IPython.get_ipython()`` and ``IPython.version_info``; IPython is not
    installed here, so a stand-in with just these is put on ``PYTHONPATH``."""
    with tempfile.TemporaryDirectory() as tmp:
        stub = Path(tmp) / "stub" / "IPython"
        stub.mkdir(parents=True)
        (stub / "__init__.py").write_text(IPYTHON_STUB)
        (stub / "display.py").write_text("def Image(*args, **kwargs):\n    return None\n")
        env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONPATH": str(stub.parent)}
        return run_timed([sys.executable, str(NEST_EXAMPLE)], Path(tmp), env)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--nest", action="store_true", help="also time NEST's example")
    parser.add_argument(
        "--compile-cache",
        action="store_true",
        help="also time creditlab with JAX's persistent compilation cache (filled first)",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    samples: dict[str, list[float]] = {"creditlab": [], "creditlab_loop": [], "imports": []}
    if args.compile_cache:
        samples["creditlab_cached"] = []
    if args.nest:
        samples["nest"] = []
    with tempfile.TemporaryDirectory() as tmp:
        cache = str(Path(tmp) / "jax-cache")
        if args.compile_cache:
            creditlab_once(args.iterations, cache)  # fills the cache
        for _ in range(args.repeats):  # interleaved, so slow drifts hit all alike
            whole, loop = creditlab_once(args.iterations)
            samples["creditlab"].append(whole)
            samples["creditlab_loop"].append(loop)
            samples["imports"].append(run_timed([sys.executable, "-c", IMPORTS], Path(tmp)))
            if args.compile_cache:
                samples["creditlab_cached"].append(creditlab_once(args.iterations, cache)[0])
            if args.nest:
                samples["nest"].append(nest_once())
    medians = {name: statistics.median(values) for name, values in samples.items()}
    result = {
        "command": f"creditlab train --task sine-waves --rule eprop --iterations {args.iterations}",
        "repeats": args.repeats,
        "load_average": os.getloadavg(),
        "median_s": medians,
        "all_s": samples,
    }
    if args.nest:
        result["ratio_creditlab_over_nest"] = medians["creditlab"] / medians["nest"]
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"{result['command']} (median of {args.repeats})")
    print(f"  whole process         {medians['creditlab']:8.2f} s")
    loop = medians["creditlab_loop"]
    print(f"  of which training loop {loop:7.2f} s (the step is compiled before it starts)")
    print(f"  imports alone         {medians['imports']:8.2f} s")
    if args.compile_cache:
        print(f"  with a warm JAX compilation cache {medians['creditlab_cached']:8.2f} s")
    if args.nest:
        print(f"NEST example, whole process {medians['nest']:8.2f} s")
        print(f"ratio creditlab / NEST: {result['ratio_creditlab_over_nest']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
