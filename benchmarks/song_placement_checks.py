"""Checks of the placement prediction beyond the grid it was made on (issue 22).

    python benchmarks/song_placement_checks.py replicate PHYSICS   # the grid at seed 2
    python benchmarks/song_placement_checks.py full-size           # 200 HVC, 20 MSNs/channel
    python benchmarks/song_placement_checks.py attribution         # one constant at a time
    python benchmarks/song_placement_checks.py scaling             # learning time vs size
    python benchmarks/song_placement_checks.py summary

Declared on 2026-12-02 before any of these was run, after the seed-1 grids
(``song_placement_grid.py``, RESULTS §16) had been seen. Everything runs on a new
evaluation seed, 2 (the grids used 1, the calibration ``CALIBRATION_SEED``), at the
calibrated η = 1 and the local three-factor rule's defaults; nothing is tuned here.

- **replicate**: the 6 × 6 grid again at seed 2 (reduced model, 4 birds × 2000). The
  seed-1 prediction (HVC 1.0, LMAN 0.0 on spines) *replicates* for a physics set if it is
  the seed-2 best cell or tied with it (:func:`prediction`); for "weak" (no prediction at
  seed 1) the finding "nothing learns" replicates if no cell's mean error removed is > 0.
- **full-size** (mid physics): the four corners at the model's full size (200 HVC
  neurons, 20 MSNs per channel), 4 birds × 2000. The prediction holds at full size if
  (1, 0) has the highest mean error removed of the four and its paired advantage over
  the swapped corner (0, 1) has a 95 % t interval above 0.
- **attribution**: from "mid", each of R_neck, κ and ρ alone set to its "weak" and its
  "strong" value (6 variants, plus mid itself), at (1, 0) and (0, 1), 4 birds × 2000,
  reduced model. Statistic: per bird, error removed at (1, 0) minus at (0, 1) (paired:
  the same birds), mean with 95 % t interval. A constant *carries* the advantage if
  setting it alone to its weak value brings the interval down to include 0.
- **scaling**: 5, 10, 20 and 40 MSNs per channel at mid's (1, 0), 8 birds × 4000
  renditions, reduced HVC (100). Per bird the learning time (first rendition where the
  50-rendition mean relative error is ≤ 0.9; a bird that never gets there is counted at
  the horizon, 4000, so the slope is then a bound) and the learning speed. Statistic: the
  least-squares slope of log2(learning time) on log2(MSNs per channel), with a 95 %
  bootstrap interval (birds resampled within each size, 2000 resamples, seed 0), and the
  fraction of birds censored per size; the slope is stated as a bound if any size has
  more than a quarter of its birds censored.

Per-bird results go to ``benchmarks/song_placement/checks/`` (one Parquet file per
condition, written as it finishes, so a stopped run resumes).
"""

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from creditlab.analysis.statistics import mean_with_interval, slope_with_interval
from creditlab.experiments.song.experiment import final_error, learning_time
from creditlab.experiments.song.placement import PHYSICS_SETS, PlacementConfig, run_placements
from creditlab.experiments.song.placement_grid import cell_config, prediction, run_grid

HERE = Path(__file__).parent / "song_placement"
CHECKS = HERE / "checks"
SEED, RATE, BIRDS, RENDITIONS = 2, 1.0, 4, 2000
REDUCED = {"hvc_neurons": 100, "msn_per_channel": 10}
FULL = {"hvc_neurons": 200, "msn_per_channel": 20}
PREDICTED, SWAPPED = (1.0, 0.0), (0.0, 1.0)
CORNERS = [(1.0, 0.0), (0.0, 1.0), (1.0, 1.0), (0.0, 0.0)]
SCALING_SIZES, SCALING_BIRDS, SCALING_RENDITIONS = (5, 10, 20, 40), 8, 4000


def base(physics: dict, model: dict = REDUCED, birds: int = BIRDS,
         renditions: int = RENDITIONS) -> PlacementConfig:  # fmt: skip
    return PlacementConfig(
        birds=birds, renditions=renditions, seed=SEED, model=model, physics=physics,
        rule_options={"learning_rate": RATE},
    )  # fmt: skip


def per_bird(name: str, configs: dict[str, PlacementConfig]) -> pd.DataFrame:
    """Per bird and condition: error removed, learning speed and learning time (0.9);
    read back from ``CHECKS/<name>.parquet`` if it was run before."""
    path = CHECKS / f"{name}.parquet"
    if path.exists():
        return pd.read_parquet(path)
    start = time.time()
    tables = []
    for label, result in zip(configs, run_placements(list(configs.values())), strict=True):
        learning = result.learning
        tables.append(pd.DataFrame({
            "condition": label,
            "error_removed": 1.0 - final_error(learning),
            "learning_speed": 1.0 - learning.groupby("bird").relative_error.mean(),
            "learning_time": learning_time(learning, criterion=0.9),
        }).rename_axis("bird").reset_index())  # fmt: skip
    table = pd.concat(tables, ignore_index=True)
    CHECKS.mkdir(parents=True, exist_ok=True)
    table.to_parquet(path, index=False)
    print(f"{name}: {time.time() - start:.0f} s", flush=True)
    return table


def advantage(table: pd.DataFrame) -> str:
    """(1, 0) minus (0, 1), paired by bird, with its 95 % t interval."""
    wide = table.pivot(index="bird", columns="condition", values="error_removed")
    result = mean_with_interval((wide[str(PREDICTED)] - wide[str(SWAPPED)]).to_numpy())
    return f"{result.mean:+.3f} [{result.low:+.3f}, {result.high:+.3f}]"


def replicate(physics: str) -> None:
    name = f"grid_{physics}_seed{SEED}"
    start = time.time()
    grid = run_grid(
        base(PHYSICS_SETS[physics]), 6, HERE / name,
        lambda done, total: print(f"{name}: {done}/{total} {time.time() - start:.0f} s",
                                  flush=True),
    )  # fmt: skip
    grid.insert(0, "physics", physics)
    grid.insert(1, "learning_rate", RATE)
    grid.to_parquet(HERE / f"{name}.parquet", index=False)


def full_size() -> pd.DataFrame:
    physics = PHYSICS_SETS["mid"]
    configs = {str(c): cell_config(base(physics, FULL), *c) for c in CORNERS}
    return per_bird("full_size_mid", configs)


def attribution() -> pd.DataFrame:
    tables = []
    variants = [("mid", {})] + [
        (f"{constant}={level}", {constant: PHYSICS_SETS[level][constant]})
        for constant in PHYSICS_SETS["mid"]
        for level in ("weak", "strong")
    ]
    for label, change in variants:
        physics = PHYSICS_SETS["mid"] | change
        configs = {str(c): cell_config(base(physics), *c) for c in (PREDICTED, SWAPPED)}
        table = per_bird(f"attribution_{label}", configs)
        tables.append(table.assign(variant=label))
    return pd.concat(tables, ignore_index=True)


def scaling() -> pd.DataFrame:
    tables = []
    for size in SCALING_SIZES:
        config = base(PHYSICS_SETS["mid"], {"hvc_neurons": 100, "msn_per_channel": size},
                      SCALING_BIRDS, SCALING_RENDITIONS)  # fmt: skip
        table = per_bird(f"scaling_{size}", {str(PREDICTED): cell_config(config, *PREDICTED)})
        tables.append(table.assign(msn_per_channel=size))
    return pd.concat(tables, ignore_index=True)


def scaling_slope(table: pd.DataFrame) -> tuple[float, float, float]:
    """The declared slope of log2(learning time) on log2(MSNs per channel), censored birds
    at the horizon, with its bootstrap interval (birds resampled within each size)."""
    time = table.learning_time.fillna(SCALING_RENDITIONS)
    size = table.msn_per_channel
    return slope_with_interval(np.log2(size), np.log2(time), size)


def summary() -> None:
    for physics in ("weak", "mid", "strong"):
        path = HERE / f"grid_{physics}_seed{SEED}.parquet"
        if path.exists():
            grid = pd.read_parquet(path)
            cell = grid.query("hvc_spine_fraction == 1 and lman_spine_fraction == 0")
            print(f"replicate {physics} (seed {SEED}): {prediction(grid)}; "
                  f"cell (1, 0): {cell.error_removed.iloc[0]:+.3f}")  # fmt: skip
    if (CHECKS / "full_size_mid.parquet").exists():
        table = full_size()
        print("full size, mid:", table.groupby("condition").error_removed.mean().round(3).to_dict(),
              "advantage", advantage(table))  # fmt: skip
    if (CHECKS / "attribution_mid.parquet").exists():
        for variant, rows in attribution().groupby("variant", sort=False):
            print(f"attribution {variant}: advantage {advantage(rows)}")
    if (CHECKS / f"scaling_{SCALING_SIZES[-1]}.parquet").exists():
        table = scaling()
        print(table.groupby("msn_per_channel").agg(
            learning_speed=("learning_speed", "mean"),
            median_learning_time=("learning_time", "median"),
            censored=("learning_time", lambda t: float(t.isna().mean())),
        ).to_string())  # fmt: skip
        print("slope of log2 learning time per doubling: {:.3f} [{:.3f}, {:.3f}]".format(
            *scaling_slope(table)))  # fmt: skip


if __name__ == "__main__":
    pd.set_option("display.width", 200)
    commands = {"replicate": replicate, "full-size": full_size, "attribution": attribution,
                "scaling": scaling, "summary": summary}  # fmt: skip
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        raise SystemExit(__doc__)
    commands[sys.argv[1]](*sys.argv[2:])
