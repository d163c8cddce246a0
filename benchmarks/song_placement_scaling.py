"""Learning against Area X's size in the spiny-MSN song model (issue 22 §1).

    python benchmarks/song_placement_scaling.py

Declared before it was run: at the "mid" physics set's best cell of the placement grid
(``benchmarks/song_placement/grid_mid.parquet``), η = 1, 4 birds × 2000 renditions of
the reduced model (100 HVC neurons) at 5, 10 and 20 MSNs per LMAN channel (every
MSN its own HVC inputs, branches and placement draws; evaluation seed 1). Per bird:
learning speed (1 − mean relative error over the run, the grid's statistic) and the
learning time (first rendition at which the 50-rendition mean of the relative error is
≤ 0.9; never: censored). Statistic: the least-squares slope of learning speed on
log2(MSNs per channel) over all birds, with a 95 % bootstrap interval (birds resampled
within each size, 2000 resamples, seed 0). Output:
``benchmarks/song_placement/scaling.parquet`` and the printed table.
"""

import time
from pathlib import Path

import numpy as np
import pandas as pd

from creditlab.analysis.statistics import slope_with_interval
from creditlab.experiments.song.experiment import learning_time
from creditlab.experiments.song.placement import PHYSICS_SETS, PlacementConfig, run_placement
from creditlab.experiments.song.placement_grid import cell_config, prediction

HERE = Path(__file__).parent / "song_placement"
SIZES = (5, 10, 20)


def main() -> None:
    best = prediction(pd.read_parquet(HERE / "grid_mid.parquet"))
    rows = []
    for size in SIZES:
        start = time.time()
        base = PlacementConfig(
            birds=4, renditions=2000, seed=1, physics=PHYSICS_SETS["mid"],
            model={"hvc_neurons": 100, "msn_per_channel": size},
            rule_options={"learning_rate": 1.0},
        )  # fmt: skip
        config = cell_config(base, best["hvc_spine_fraction"], best["lman_spine_fraction"])
        learning = run_placement(config).learning
        speed = 1.0 - learning.groupby("bird").relative_error.mean()
        times = learning_time(learning, criterion=0.9)
        for bird in speed.index:
            rows.append({"msn_per_channel": size, "bird": bird, "learning_speed": speed[bird],
                         "learning_time": times[bird]})  # fmt: skip
        print(f"{size} MSNs per channel: {time.time() - start:.0f} s", flush=True)
    table = pd.DataFrame(rows)
    table.to_parquet(HERE / "scaling.parquet", index=False)
    summary = table.groupby("msn_per_channel").agg(
        learning_speed=("learning_speed", "mean"),
        median_learning_time=("learning_time", "median"),
        birds_reaching=("learning_time", lambda t: float(t.notna().mean())),
    )
    print(f"placement: HVC {best['hvc_spine_fraction']}, LMAN {best['lman_spine_fraction']}")
    print(summary.to_string())
    size = table.msn_per_channel
    slope = slope_with_interval(np.log2(size), table.learning_speed, size)
    print("slope of learning speed per doubling of MSNs per channel: "
          "{:.4f} [{:.4f}, {:.4f}]".format(*slope))  # fmt: skip


if __name__ == "__main__":
    main()
