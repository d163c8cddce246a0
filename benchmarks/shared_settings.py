"""How the BCI's findings depend on the circuit settings every rule shares and the
paper gives no number for: the energy cost's size (``sparsity``) and set point
(``rate_set_point_hz``). NDNF activation has its own command (``creditlab
bci-dose-response``).

Each setting is varied alone, the other at its default, for each rule (at its shipped
tuning), on the same mice (seed), at a reduced size. Every finding's verdict and
effect are written per run, so a reader sees whether a default decides a verdict.

    python benchmarks/shared_settings.py --out benchmarks/shared_settings.csv
        [--rules dendritic,node-perturbation] [--mice 6] [--days 8]
        [--session-minutes 15] [--seed 0]
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

from creditlab.experiments.bci.experiment import BCIConfig, run_experiment
from creditlab.experiments.bci.findings import findings
from creditlab.experiments.bci.learning import LearningConfig

DEFAULTS = LearningConfig()
LEVELS = {
    "sparsity": (0.0, DEFAULTS.sparsity / 4, DEFAULTS.sparsity, DEFAULTS.sparsity * 4),
    "rate_set_point_hz": (
        DEFAULTS.rate_set_point_hz / 2,
        DEFAULTS.rate_set_point_hz,
        DEFAULTS.rate_set_point_hz * 2,
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--rules", default="dendritic,node-perturbation")
    parser.add_argument("--mice", type=int, default=6)
    parser.add_argument("--days", type=int, default=8)
    parser.add_argument("--session-minutes", type=float, default=15.0)
    parser.add_argument("--seed", type=int, default=0)
    arguments = parser.parse_args()
    size = dict(
        mice=arguments.mice,
        days=arguments.days,
        session_minutes=arguments.session_minutes,
        seed=arguments.seed,
    )
    rows = []
    for rule in arguments.rules.split(","):
        done = set()
        for setting, levels in LEVELS.items():
            for level in levels:
                learning = {setting: level}
                key = (rule, getattr(DEFAULTS, setting) == level)
                if key[1] and key in done:  # the default run is shared by both settings
                    continue
                done.add(key)
                start = time.perf_counter()
                results = run_experiment(BCIConfig(rule=rule, learning=learning, **size))
                seconds = time.perf_counter() - start
                for found in findings(*results):
                    rows.append(
                        {
                            "rule": rule,
                            "setting": "default" if key[1] else setting,
                            "level": level,
                            "finding": found.finding,
                            "value": found.value,
                            "low": found.low,
                            "high": found.high,
                            "p_corrected": found.p_corrected,
                            "reproduced": found.reproduced,
                            "seconds": seconds,
                        }
                    )
                pd.DataFrame(rows).to_csv(arguments.out, index=False, float_format="%.4g")
                print(rule, setting, level, f"{seconds:.0f} s", flush=True)


if __name__ == "__main__":
    main()
