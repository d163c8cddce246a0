"""Reading a synapse table: CSV, Parquet, or the JSON a connectome service returns.

The result has the columns of :mod:`creditlab.analysis.connectome`: ``pre_id, post_id,
pre_type, post_type, compartment, area_um2``. Column names are matched
case-insensitively against the aliases below, which cover SyConn's exports and the
public Area X release (Rother et al. 2025; https://syconn.esc.mpcdf.mpg.de):

- numeric cell types use the release's order (0 ASTRO, 1 DA, 2 FRAG, 3 GPe, 4 GPi,
  5 HVC, 6 INT1, 7 INT2, 8 INT3, 9 LMAN, 10 LTS, 11 MICRO, 12 MIGR, 13 MSN, 14 OLIGO,
  15 STN, 16 TAN, 17 unclassified);
- numeric compartments its post-morphology codes (0 spine_neck, 1 spine_head, 2 shaft,
  3 soma, 255 unknown); names are lower-cased with spaces as underscores;
- ``mesh_area`` (SyConn's area of the whole synaptic mesh, both faces) is halved, as the
  Area X analysis does; ``size`` (SyConn's signed export) is taken in absolute value.

JSON may be a list of records, ``{"columns": [...], "data": [[...], ...]}``, a mapping
of column → list, or any of these under one key such as ``"synapses"`` or ``"data"``.
Files are parsed as data only (no pickle). Anything else is refused with a message that
names what is missing.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

CELL_TYPES = (
    "ASTRO", "DA", "FRAG", "GPe", "GPi", "HVC", "INT1", "INT2", "INT3", "LMAN", "LTS",
    "MICRO", "MIGR", "MSN", "OLIGO", "STN", "TAN", "unclassified",
)  # fmt: skip
COMPARTMENTS = {0: "spine_neck", 1: "spine_head", 2: "shaft", 3: "soma", 255: "unknown"}
KNOWN_COMPARTMENTS = (*COMPARTMENTS.values(), "other")
ALIASES = {
    "pre_id": ("pre_id", "pre_cell_id", "pre_ssv", "pre_ssv_id", "ssv1", "pre_pt_root_id"),
    "post_id": ("post_id", "post_cell_id", "post_ssv", "post_ssv_id", "ssv2", "post_pt_root_id"),
    "pre_type": ("pre_type", "pre_celltype", "pre_cell_type", "celltype1"),
    "post_type": ("post_type", "post_celltype", "post_cell_type", "celltype2"),
    "compartment": (
        "compartment", "post_compartment", "post_morphology", "post_spiness", "spiness2",
    ),
    "area_um2": ("area_um2", "syn_area", "synapse_area", "area", "mesh_area", "size"),
}  # fmt: skip


class SynapseTableError(ValueError):
    """The file is not a synapse table this module can read."""


def _records(payload) -> pd.DataFrame:
    if isinstance(payload, dict):
        if "columns" in payload and "data" in payload:
            return pd.DataFrame(payload["data"], columns=payload["columns"])
        if len(payload) == 1:
            return _records(next(iter(payload.values())))
        if all(isinstance(v, list) for v in payload.values()):
            return pd.DataFrame(payload)
    if isinstance(payload, list) and all(isinstance(row, dict) for row in payload):
        return pd.DataFrame(payload)
    raise SynapseTableError(
        "JSON must be a list of records, {'columns': [...], 'data': [...]}, or column → list"
    )


def _load(path: Path) -> pd.DataFrame:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return pd.read_csv(path)
    if suffix in (".parquet", ".pq"):
        return pd.read_parquet(path)
    if suffix == ".json":
        return _records(json.loads(path.read_text()))
    raise SynapseTableError(f"{path}: unknown format {suffix!r}; use .csv, .parquet or .json")


def _names(values: pd.Series, codes: dict[int, str]) -> pd.Series:
    if pd.api.types.is_numeric_dtype(values):
        unknown = sorted(set(values.dropna().astype(int)) - set(codes))
        if unknown:
            raise SynapseTableError(f"unknown code(s) {unknown[:5]}; known: {codes}")
        return values.astype(int).map(codes)
    return values.astype(str)


def normalise(raw: pd.DataFrame) -> pd.DataFrame:
    """Rename, decode and check a raw table (module docstring)."""
    lower = {column.lower(): column for column in raw.columns}
    table = pd.DataFrame(index=raw.index)
    for name, aliases in ALIASES.items():
        found = next((lower[a] for a in aliases if a in lower), None)
        if found is None:
            raise SynapseTableError(
                f"no column for {name!r}; accepted names: {', '.join(aliases)} "
                f"(the table has: {', '.join(map(str, raw.columns))})"
            )
        column = raw[found]
        if name == "area_um2":
            column = pd.to_numeric(column, errors="coerce")
            column = column.abs() if found.lower() == "size" else column
            column = column / 2 if found.lower() == "mesh_area" else column
        table[name] = column
    types = dict(enumerate(CELL_TYPES))
    table["pre_type"] = _names(table.pre_type, types)
    table["post_type"] = _names(table.post_type, types)
    compartment = _names(table.compartment, COMPARTMENTS)
    table["compartment"] = compartment.str.strip().str.lower().str.replace(" ", "_")
    unnamed = ~table.compartment.isin(KNOWN_COMPARTMENTS)
    if unnamed.any():
        first = int(np.flatnonzero(unnamed)[0])
        raise SynapseTableError(
            f"row {first}: compartment {table.compartment.iloc[first]!r} is not one of "
            f"{', '.join(KNOWN_COMPARTMENTS)} ({int(unnamed.sum())} such rows)"
        )
    bad = ~np.isfinite(table.area_um2) | (table.area_um2 <= 0)
    if bad.any():
        raise SynapseTableError(
            f"{int(bad.sum())} synapse(s) have a missing, non-numeric or non-positive area "
            f"(first at row {int(np.flatnonzero(bad)[0])})"
        )
    return table.reset_index(drop=True)


def read_synapse_table(path: str | Path) -> pd.DataFrame:
    """Read and normalise the synapse table at ``path`` (.csv, .parquet or .json)."""
    path = Path(path)
    if not path.is_file():
        raise SynapseTableError(f"{path}: no such file")
    try:
        raw = _load(path)
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError, OSError) as error:
        if isinstance(error, SynapseTableError):
            raise
        raise SynapseTableError(f"{path}: cannot be read as a table ({error})") from None
    if raw.empty:
        raise SynapseTableError(f"{path}: the table has no rows")
    try:
        return normalise(raw)
    except SynapseTableError as error:
        raise SynapseTableError(f"{path}: {error}") from None
