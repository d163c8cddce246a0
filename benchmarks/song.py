"""Songbird experiment: speed of `creditlab song` as a whole cold process, and learning
time against HVC size, Area X size and perturbation dimension (RESULTS §8).

    python benchmarks/song.py speed      # 10 birds × 3000 renditions, 4 conditions
    python benchmarks/song.py scaling    # tuned learning rate per setting, 10 birds
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def speed(repeats: int = 3) -> None:
    walls = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as folder:
            executable = Path(sys.executable).parent / "creditlab"
            command = [str(executable), "song", "--out", f"{folder}/out",
                       "--birds", "10", "--renditions", "3000"]  # fmt: skip
            environment = {**os.environ, "CREDITLAB_CACHE_DIR": "off"}
            start = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True, env=environment)
            walls.append(time.perf_counter() - start)
    walls.sort()
    print(
        f"creditlab song, 10 birds × 3000 renditions × 4 conditions, cold: "
        f"median {walls[len(walls) // 2]:.1f} s (runs: {', '.join(f'{w:.1f}' for w in walls)})"
    )


def scaling() -> None:
    from creditlab.experiments.song.scaling import scaling_table

    settings = {
        "hvc_neurons": [100, 200, 400, 800],
        "msn_per_channel": [10, 20, 40, 80],
        "channels": [1, 2, 4, 8],
    }
    table = scaling_table(settings, on_row=lambda row: print(row, flush=True))
    print(table.to_string(index=False))
    table.to_csv(Path(tempfile.gettempdir()) / "song_scaling.csv", index=False)


if __name__ == "__main__":
    {"speed": speed, "scaling": scaling}[sys.argv[1] if len(sys.argv) > 1 else "speed"]()
