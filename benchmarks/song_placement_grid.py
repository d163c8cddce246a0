"""The placement grid of issue 22 §2, and the calibration of its learning rate.

    python benchmarks/song_placement_grid.py calibrate RATE [RATE ...]
    python benchmarks/song_placement_grid.py grid PHYSICS RATE
    python benchmarks/song_placement_grid.py report RATE PHYSICS [PHYSICS ...]

(``creditlab song-placement`` runs the same grids in one process; the grids here ran as
three processes at once, and ``report`` writes the command's report from them.)

Declared before either was run: the local three-factor rule's learning rate η is chosen
on calibration birds (seed ``CALIBRATION_SEED``, never an evaluation seed) at the four
corner placements (HVC and LMAN spine fractions 0 or 1: no corner favoured), with the
"mid" physics, from the candidates given (1, 3, 10): the η with the highest mean error
removed over the four corners (:func:`creditlab.experiments.song.placement_grid.
cell_scores`). The grids then run at that η on evaluation birds (seed 1), 6 × 6
fractions, 4 birds × 2000 renditions of the reduced model (100 HVC neurons, 10 MSNs per
channel), once per physics set. Cells are written as they finish
(``benchmarks/song_placement/<name>/<i>.parquet``), so a stopped run resumes.
"""

import sys
import time
from pathlib import Path

import pandas as pd

from creditlab.experiments.song.placement import PHYSICS_SETS, PlacementConfig
from creditlab.experiments.song.placement_grid import run_grid
from creditlab.experiments.song.placement_outputs import write_placement_outputs
from creditlab.tuning import CALIBRATION_SEED

HERE = Path(__file__).parent / "song_placement"
REDUCED = {"hvc_neurons": 100, "msn_per_channel": 10}
BIRDS, RENDITIONS, LEVELS = 4, 2000, 6


def base(physics: str, rate: float, seed: int) -> PlacementConfig:
    return PlacementConfig(
        birds=BIRDS, renditions=RENDITIONS, seed=seed, model=REDUCED,
        physics=PHYSICS_SETS[physics], rule_options={"learning_rate": rate},
    )  # fmt: skip


def progress(name: str):
    start = time.time()
    return lambda done, total: print(f"{name}: {done}/{total} {time.time() - start:.0f} s",
                                     flush=True)  # fmt: skip


def main(command: str, *args: str) -> None:
    if command == "calibrate":
        for rate in map(float, args):
            name = f"calibration_mid_rate{rate:g}"
            grid = run_grid(base("mid", rate, CALIBRATION_SEED), 2, HERE / name, progress(name))
            grid.insert(0, "learning_rate", rate)
            grid.to_parquet(HERE / f"{name}.parquet", index=False)
            print(grid.to_string(), flush=True)
    elif command == "grid":
        physics, rate = args[0], float(args[1])
        name = f"grid_{physics}"
        grid = run_grid(base(physics, rate, 1), LEVELS, HERE / name, progress(name))
        grid.insert(0, "physics", physics)
        grid.insert(1, "learning_rate", rate)
        grid.to_parquet(HERE / f"{name}.parquet", index=False)
        print(grid.to_string(), flush=True)
    elif command == "report":
        rate, names = float(args[0]), args[1:]
        bases = {name: base(name, rate, 1) for name in names}
        grids = {name: pd.read_parquet(HERE / f"grid_{name}.parquet") for name in names}
        columns = [c for c in grids[names[0]].columns if c not in ("physics", "learning_rate")]
        folder = HERE / "report"
        folder.mkdir(exist_ok=True)
        grids = {name: grid[columns] for name, grid in grids.items()}
        print(write_placement_outputs(folder, bases, grids), flush=True)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    pd.set_option("display.width", 200)
    main(*sys.argv[1:])
