"""The BCI analyses on a folder of NWB recordings, real or simulated
(``creditlab bci-analyze``): the same tables, findings and report as a simulated run.

Each file is one mouse on one day in :mod:`creditlab.io.nwb`'s layout (the ROI tables'
``population`` column labels P+, P− and P0); a file whose name ends in ``_probe.nwb`` is
a probe block (feedback off, plasticity frozen), every other a training session. The
training day is the file's stated day, or the mouse's calendar ordinal
(:func:`creditlab.io.nwb.read_sessions`).

What a recording does not hold is left out rather than guessed: the chance level and
the feedback weights are NaN (the simulation computes them from its decoder and
circuit), and NDNF-like activation is taken as off, so the inhibition findings are not
testable from recordings alone.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from creditlab.experiments.bci.experiment import PROTOCOL, Results
from creditlab.experiments.bci.measurements import block_tables, experiment_tables
from creditlab.io.nwb import POPULATIONS, NWBLayoutError, read_sessions

UNRECORDED = {
    "chance_accuracy": np.nan,
    "inhibited": False,
    "feedback_cosine": np.nan,
    "feedback_norm": np.nan,
}


def recording_files(folder: Path) -> list[Path]:
    """The NWB files under ``folder`` (searched recursively), in name order."""
    folder = Path(folder)
    if not folder.is_dir():
        raise NWBLayoutError(f"{folder}: not a folder of NWB recordings")
    files = sorted(folder.rglob("*.nwb"))
    if not files:
        raise NWBLayoutError(f"{folder}: holds no .nwb file")
    return files


def block_of(path: Path) -> str:
    return "probe" if path.stem.endswith("_probe") else "training"


def read_populations(path: Path) -> dict[str, str]:
    """A population mapping: a CSV with columns ``neuron_id`` and ``population`` (P+,
    P- or P0), one row per neuron; a malformed one is an error naming file and line."""
    import csv

    path = Path(path)
    if not path.is_file():
        raise NWBLayoutError(f"{path}: no such population mapping")
    mapping: dict[str, str] = {}
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        if not {"neuron_id", "population"} <= set(reader.fieldnames or ()):
            raise NWBLayoutError(f"{path}: needs the columns neuron_id and population")
        for line, row in enumerate(reader, start=2):
            neuron, label = row["neuron_id"].strip(), row["population"].strip()
            if label not in POPULATIONS:
                raise NWBLayoutError(
                    f"{path}, line {line}: population {label!r} is not P+, P- or P0"
                )
            if neuron in mapping:
                raise NWBLayoutError(f"{path}, line {line}: neuron {neuron!r} given twice")
            mapping[neuron] = label
    return mapping


def analyze_recordings(
    files: list[Path],
    time_limit_s: float = PROTOCOL.time_limit_s,
    populations: dict[str, str] | None = None,
) -> Results:
    """The experiment's four tables from recorded sessions (module docstring);
    ``populations``: neuron id → P+, P- or P0 for files without a population column."""
    sessions = read_sessions(files, populations)
    tables = [
        block_tables(session, block_of(path), UNRECORDED, time_limit_s)
        for path, session in zip(files, sessions, strict=True)
    ]
    try:
        return Results(*experiment_tables(tables))
    except ValueError as error:
        raise NWBLayoutError(f"{files[0].parent}: {error}") from None
