"""A tuning table: the hyperparameters ``creditlab tune`` chose, committed beside an
experiment (``experiments/bci/tuned.csv``, ``experiments/song/tuned.csv``) and read by
its defaults at set-up (nothing is tuned at run time).

One row per rule, feedback origin (``-`` for a rule without a learning signal) and
tuned hyperparameter: the value chosen, the calibration cohort's seed and the budget it
was chosen with. A rule without rows runs at its untuned defaults, and says so.
"""

from __future__ import annotations

import csv
import functools
import math
from pathlib import Path

import pandas as pd

COLUMNS = ("rule", "feedback", "hyperparameter", "value", "cohort_seed", "budget")
NO_FEEDBACK = "-"  # the feedback column of a rule without a learning signal
Tuning = dict[tuple[str, str], dict[str, float]]


@functools.lru_cache(maxsize=8)
def read_tuned(path: Path) -> Tuning:
    """``{(rule, feedback origin or "-"): {hyperparameter: value}}`` from ``path`` (an
    absent file: no tuning); a malformed table is an error naming the file, the line
    and the problem."""
    if not path.exists():
        return {}
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        missing = set(COLUMNS) - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{path}: missing column(s) {sorted(missing)}")
        table: Tuning = {}
        for line, row in enumerate(reader, start=2):
            try:
                value = float(row["value"])
            except ValueError:
                message = f"{path}, line {line}: value {row['value']!r} is not a number"
                raise ValueError(message) from None
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"{path}, line {line}: value {value} is not finite and ≥ 0")
            entry = table.setdefault((row["rule"], row["feedback"]), {})
            if row["hyperparameter"] in entry:
                raise ValueError(f"{path}, line {line}: {row['hyperparameter']} given twice")
            entry[row["hyperparameter"]] = value
    return table


def existing_table(path: str | Path) -> Path:
    """``path`` as a Path, refused unless it is a file (a table a user names must exist:
    an absent one would silently run every rule untuned)."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"tuning table {path} is not a file")
    return path


def tuned_values(path: Path, rule: str, origin: str | None) -> dict[str, float] | None:
    """The tuning of ``rule`` with feedback ``origin`` (None: no learning signal) in
    ``path``, or None where it was not tuned."""
    found = read_tuned(path).get((rule, origin or NO_FEEDBACK))
    return None if found is None else dict(found)


def write_tuned(chosen: pd.DataFrame, path: Path) -> None:
    """Chosen values (:data:`COLUMNS`) as the table :func:`read_tuned` reads."""
    chosen.to_csv(path, index=False, columns=list(COLUMNS), float_format="%.6g")
