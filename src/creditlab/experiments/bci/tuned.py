"""The BCI's shipped hyperparameters: the tuning table ``tuned.csv`` beside this file,
written by ``creditlab tune`` (:mod:`.tuning`) and committed.

One row per rule, feedback origin and tuned hyperparameter: the value chosen, the
calibration cohort's seed and the budget it was chosen with. A condition reads its
rule's rows at set-up (nothing is tuned at run time). A rule or feedback origin without
rows runs at its untuned defaults, and its title says so.
"""

from __future__ import annotations

import csv
import functools
import math
from pathlib import Path

TUNED_TABLE = Path(__file__).with_name("tuned.csv")
COLUMNS = ("rule", "feedback", "hyperparameter", "value", "cohort_seed", "budget")
NO_FEEDBACK = "-"  # the feedback column of a rule without a learning signal


@functools.lru_cache(maxsize=4)
def read_tuned(path: Path = TUNED_TABLE) -> dict[tuple[str, str], dict[str, float]]:
    """``{(rule, feedback origin or "-"): {hyperparameter: value}}`` from ``path``; a
    malformed table is an error naming the file, the row and the problem."""
    if not path.exists():
        return {}
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        missing = set(COLUMNS) - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{path}: missing column(s) {sorted(missing)}")
        table: dict[tuple[str, str], dict[str, float]] = {}
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


def tuned_values(rule: str, origin: str | None) -> dict[str, float] | None:
    """The shipped tuning of ``rule`` with feedback ``origin`` (None: no learning
    signal), or None where it was not tuned."""
    found = read_tuned(TUNED_TABLE).get((rule, origin or NO_FEEDBACK))
    return None if found is None else dict(found)
