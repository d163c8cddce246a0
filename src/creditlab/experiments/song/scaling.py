"""Learning time against population sizes and perturbation dimension.

Fiete, Fee & Seung (2007) find the learning time of their HVC → RA node-perturbation
model nearly independent of the numbers of HVC and RA neurons; node perturbation's
learning time grows with the number of independently perturbed units (Werfel, Xie &
Seung 2005). Here one model setting at a time is varied (HVC neurons, MSNs per channel,
LMAN channels = the perturbation's dimension per time bin), the learning rate is tuned
per setting over ``rates`` (the fastest median), and the learning time is the median
over birds of :func:`.experiment.learning_time`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from creditlab.experiments.song.experiment import SongConfig, learning_time, run_song

RATES = (0.005, 0.01, 0.02, 0.04, 0.08)


def scaling_table(
    settings: dict[str, list[int]],
    *,
    birds: int = 10,
    renditions: int = 6000,
    rates: tuple[float, ...] = RATES,
    seed: int = 0,
    on_row: Callable[[dict], None] | None = None,
) -> pd.DataFrame:
    """One row per (parameter, value): the best rate, its median learning time and the
    fraction of birds that reached the criterion."""
    rows = []
    for parameter, values in settings.items():
        for value in values:
            best = None
            for rate in rates:
                model = {parameter: value, "learning_rate": rate}
                config = SongConfig(birds=birds, renditions=renditions, seed=seed, model=model)
                times = learning_time(run_song(config).learning)
                median = float(times.median()) if times.notna().mean() >= 0.5 else np.inf
                if best is None or median < best["median_learning_time"]:
                    best = {
                        "parameter": parameter,
                        "value": value,
                        "learning_rate": rate,
                        "median_learning_time": median,
                        "birds_reaching": float(times.notna().mean()),
                    }
            rows.append(best)
            if on_row is not None:
                on_row(best)
    return pd.DataFrame(rows)
