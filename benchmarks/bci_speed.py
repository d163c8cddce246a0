"""Wall time of one BCI condition as a whole process (import, compilation, simulation,
analysis, files), against issue 5's goal: 6 mice × 14 days × 30 min in under 5 minutes
on 2 cores.

Runs ``creditlab bci`` in a subprocess with the compilation cache off (a cold start)
and prints the wall time as JSON.

    python benchmarks/bci_speed.py [--rule dendritic] [--mice 6] [--days 14]
        [--session-minutes 30] [--nwb/--no-nwb] [--repeats 1]
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


def whole_process(arguments: list[str], nwb: bool) -> float:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "run"
        executable = Path(sys.executable).parent / "creditlab"
        command = [str(executable), "bci", "--out", str(out), *arguments]
        command.append("--nwb" if nwb else "--no-nwb")
        environment = {**os.environ, "CREDITLAB_CACHE_DIR": "off"}
        start = time.perf_counter()
        subprocess.run(command, check=True, env=environment, capture_output=True)
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rule", default="dendritic")
    parser.add_argument("--mice", type=int, default=6)
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--session-minutes", type=float, default=30.0)
    parser.add_argument("--nwb", action=argparse.BooleanOptionalAction, default=False)
    parser.add_argument("--repeats", type=int, default=1)
    options = parser.parse_args()
    arguments = [
        "--rule",
        options.rule,
        "--mice",
        str(options.mice),
        "--days",
        str(options.days),
        "--session-minutes",
        str(options.session_minutes),
    ]
    times = [whole_process(arguments, options.nwb) for _ in range(options.repeats)]
    print(
        json.dumps(
            {
                "rule": options.rule,
                "mice": options.mice,
                "days": options.days,
                "session_minutes": options.session_minutes,
                "nwb": options.nwb,
                "wall_s": times,
                "median_s": statistics.median(times),
                "cpus": os.cpu_count(),
            }
        )
    )


if __name__ == "__main__":
    main()
