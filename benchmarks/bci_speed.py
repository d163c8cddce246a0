"""Wall time of one in-silico experiment as a whole process (import, compilation,
simulation, analysis, files), cold (the compilation cache off).

Issue 18's goals on 2 cores: one ``creditlab bci`` condition at the defaults (6 mice ×
14 days × 30 min) under 3 minutes, ``creditlab song`` at its defaults under 1 minute.
``--against SRC`` also runs the same command on another checkout's ``src`` folder (for
example a ``git worktree`` of the commit before a change), alternating the two, and
reports both medians and their ratio.

    python benchmarks/bci_speed.py [--experiment bci|song] [--rule R] [--repeats 1]
        [--against ../before/src] [--nwb/--no-nwb] [--mice 6] [--days 14]
        [--session-minutes 30]
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


def whole_process(arguments: list[str], source: str | None) -> float:
    """Seconds of ``python -m creditlab ARGUMENTS --out TMP`` in a fresh process."""
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, "-m", "creditlab", *arguments, "--out", str(Path(folder) / "r")]
        environment = {**os.environ, "CREDITLAB_CACHE_DIR": "off"}
        if source is not None:
            environment["PYTHONPATH"] = str(Path(source).resolve())
        start = time.perf_counter()
        subprocess.run(command, check=True, env=environment, capture_output=True)
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--experiment", choices=("bci", "song"), default="bci")
    parser.add_argument("--rule", default=None)
    parser.add_argument("--mice", type=int, default=6)
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--session-minutes", type=float, default=30.0)
    parser.add_argument("--nwb", action=argparse.BooleanOptionalAction, default=False)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--against", default=None, help="another checkout's src folder")
    options = parser.parse_args()
    if options.experiment == "bci":
        arguments = ["bci", "--rule", options.rule or "dendritic", "--mice", str(options.mice)]
        arguments += ["--days", str(options.days), "--session-minutes"]
        arguments += [str(options.session_minutes), "--nwb" if options.nwb else "--no-nwb"]
    else:
        arguments = ["song"] + (["--rule", options.rule] if options.rule else [])
    sources = {"this": None} | ({"against": options.against} if options.against else {})
    times: dict[str, list[float]] = {name: [] for name in sources}
    for _ in range(options.repeats):
        for name, source in sources.items():
            times[name].append(whole_process(arguments, source))
    medians = {name: statistics.median(values) for name, values in times.items()}
    result = {"command": arguments, "wall_s": times, "median_s": medians, "cpus": os.cpu_count()}
    if options.against:
        result["ratio_this_over_against"] = medians["this"] / medians["against"]
    print(json.dumps(result))


if __name__ == "__main__":
    main()
