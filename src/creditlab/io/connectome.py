"""Reading a synapse table of the Area X connectome (or of a model) in its real formats.

Formats (chosen by ``format=`` or detected from the content; :func:`detect_format` says
how it decided):

- ``conn-mat``: SyConn's tab-separated export (:mod:`creditlab.io.conn_mat`); its cell
  types need a code table (``cell_type_codes=``), which the file does not carry;
- ``ndjson``: one JSON synapse record per line (for large files; read by Arrow in
  blocks, whose errors name a column and a row counted from 0); ``json``: an array of
  records, ``{"columns": [...], "data": [[...], ...]}``, a mapping column → list, or any
  of these under one key; ``parquet``; ``csv``. Their columns are matched
  case-insensitively against :data:`ALIASES` (SyConn's and the web release's names);
  numeric cell types and compartments are the web release's codes unless
  ``cell_type_codes`` names another table (a CSV with numeric cell types must name it).

Every row is checked (:mod:`creditlab.io.synapse_checks`): an unknown or fractional code,
a cell type in the wrong case, a missing or placeholder id, an area ≤ 0, a row whose
partners are both dendrites or both axons is an error naming the row, column and value,
or with ``skip_invalid`` is left out and counted. Files are parsed as data only (never
unpickled). Large files are read in chunks (``chunk_rows`` rows; Arrow's blocks for
NDJSON), each decoded to compact columns (ids as int64, names as categoricals, areas as
float32) and filtered (:class:`Filters`) before the next is read, so the text of the file
is never held whole.

The result has ``pre_id, post_id, pre_type, post_type, compartment, area_um2`` (and
``synapse_probability`` where the file has one), the table of
:mod:`creditlab.analysis.connectome`.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from creditlab.io import conn_mat
from creditlab.io.connectome_codes import (
    CELL_TYPES,
    COMPARTMENTS,
    WEB_POST_MORPHOLOGY,
    cell_type_table,
)
from creditlab.io.synapse_checks import (
    RowChecks,
    SynapseTableError,
    areas,
    decode,
    identifiers,
    integer_codes,
    named,
)

__all__ = [
    "FORMATS",
    "Filters",
    "SynapseRead",
    "SynapseTableError",
    "detect_format",
    "read_synapse_table",
]

FORMATS = ("conn-mat", "ndjson", "json", "parquet", "csv")
ALIASES = {
    "pre_id": ("pre_id", "pre_cell_id", "pre_ssv", "pre_ssv_id", "pre_pt_root_id"),
    "post_id": ("post_id", "post_cell_id", "post_ssv", "post_ssv_id", "post_pt_root_id"),
    "pre_type": ("pre_type", "pre_celltype", "pre_cell_type"),
    "post_type": ("post_type", "post_celltype", "post_cell_type"),
    "compartment": ("compartment", "post_compartment", "post_morphology", "post_spiness"),
    "area_um2": ("area_um2", "syn_area", "synapse_area", "area", "mesh_area"),
    "synapse_probability": ("synapse_probability", "synprob", "syn_prob", "probability"),
}
OPTIONAL = ("synapse_probability",)


@dataclass(frozen=True)
class Filters:
    """Which synapses count: probability > ``min_probability`` (where the table has one)
    and area > ``min_area_um2`` (both strict). :meth:`authors` are the connectome
    authors' analysis defaults (areaX-connectomic-analysis, ``analysis_params.py``)."""

    min_probability: float = 0.0
    min_area_um2: float = 0.0

    def __post_init__(self) -> None:
        for name, value in (("probability", self.min_probability), ("area", self.min_area_um2)):
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"the minimum {name} must be a finite number >= 0, got {value}")

    @classmethod
    def authors(cls) -> Filters:
        return cls(min_probability=0.6, min_area_um2=0.1)

    def describe(self, has_probability: bool) -> str:
        probability = (
            f"synapse probability > {self.min_probability:g}"
            if has_probability
            else "no synapse-probability column: not filtered by probability"
        )
        return f"{probability}; area > {self.min_area_um2:g} µm²"


class SynapseRead(NamedTuple):
    table: pd.DataFrame
    format: str
    how: str  # "given" or what detection saw
    rows: int  # data rows in the file
    skipped: dict[str, int]  # invalid rows left out, per reason (with skip_invalid)
    filtered: int  # valid rows the filters left out
    filters: str  # the filters, in words


def detect_format(path: Path) -> tuple[str, str]:
    """``(format, why)`` from the first bytes of ``path``."""
    with open(path, "rb") as handle:
        start = handle.read(65536)
    if start.startswith(b"PAR1"):
        return "parquet", "Parquet magic bytes"
    text = start.decode("utf-8", errors="replace")
    first = text.split("\n", 1)[0]
    if first.startswith("#") and "ssv1" in first.split():
        return "conn-mat", "a '# x y z ssv1 …' header line"
    stripped = text.lstrip()
    if stripped.startswith("["):
        return "json", "a JSON array"
    if stripped.startswith("{"):
        line = stripped.split("\n", 1)[0].strip()
        try:
            json.loads(line)
            return "ndjson", "one JSON object per line"
        except json.JSONDecodeError:
            return "json", "a JSON object"
    return "csv", "neither Parquet, JSON nor a conn_mat header"


def read_synapse_table(
    path: str | Path,
    *,
    format: str | None = None,
    cell_type_codes: str | None = None,
    skip_invalid: bool = False,
    filters: Filters = Filters(),
    chunk_rows: int = 500_000,
) -> SynapseRead:
    """Read, check, decode and filter the synapse table at ``path`` (module docstring)."""
    path = Path(path)
    if not path.is_file():
        raise SynapseTableError(f"{path}: no such file")
    how = "given"
    if format is None:
        format, why = detect_format(path)
        how = f"detected from the content: {why}"
    if format not in FORMATS:
        raise SynapseTableError(f"unknown format {format!r}; known: {', '.join(FORMATS)}")
    if format == "conn-mat" and cell_type_codes is None:
        raise SynapseTableError(
            f"{path}: a conn_mat file does not say which cell-type codes it uses; name them "
            "with --cell-type-codes (ctgt_j0251_v2, j0251-v6 or web-release)"
        )
    types = cell_type_table(cell_type_codes) if cell_type_codes else None
    try:
        return _read(path, format, types, skip_invalid, filters, chunk_rows, how, as_text=False)
    except conn_mat.NotNumbers:  # read again as text, where the checks name the field
        return _read(path, format, types, skip_invalid, filters, chunk_rows, how, as_text=True)


def _read(path, format, types, skip_invalid, filters, chunk_rows, how, as_text) -> SynapseRead:
    skipped: Counter = Counter()
    kept, rows, filtered, has_probability = [], 0, 0, False
    try:
        for raw, line_offset in _chunks(path, format, chunk_rows, as_text):
            checks = RowChecks(path, raw, rows + 1, line_offset, skip_invalid, skipped)
            if format == "conn-mat":
                table = conn_mat.decode_chunk(checks, raw, types)
            else:
                table = _decode_records(checks, raw, types, format)
            rows += len(raw)
            table = table[checks.keep()]
            has_probability = "synapse_probability" in table
            passes = table.area_um2.to_numpy() > filters.min_area_um2
            if has_probability:
                passes &= table.synapse_probability.to_numpy() > filters.min_probability
            filtered += int((~passes).sum())
            kept.append(table[passes])
    except (UnicodeDecodeError, ValueError, TypeError, OSError, RecursionError) as error:
        if isinstance(error, SynapseTableError | conn_mat.NotNumbers):
            raise
        raise SynapseTableError(f"{path}: cannot be read as {format} ({error})") from None
    if rows == 0:
        raise SynapseTableError(f"{path}: the table has no rows")
    table = pd.DataFrame(
        {
            column: union_categoricals([part[column] for part in kept], ignore_order=True)
            if isinstance(kept[0][column].dtype, pd.CategoricalDtype)
            else np.concatenate([part[column].to_numpy() for part in kept])
            for column in kept[0].columns
        }
    )
    return SynapseRead(
        table, format, how, rows, dict(skipped), filtered, filters.describe(has_probability)
    )


def _chunks(
    path: Path, format: str, rows: int, as_text: bool
) -> Iterator[tuple[pd.DataFrame, int | None]]:
    """``(raw chunk, lines before the first data row)`` of each format."""
    if format == "conn-mat":
        for chunk in conn_mat.chunks(path, rows, as_text):
            yield chunk, 1
    elif format == "csv":
        for chunk in pd.read_csv(path, chunksize=rows, dtype=str):
            yield chunk, 1
    elif format == "parquet":
        import pyarrow.parquet as pq

        for batch in pq.ParquetFile(path).iter_batches(batch_size=rows):
            yield batch.to_pandas(), None
    elif format == "ndjson":  # Arrow's streaming JSON reader: blocks, in parallel
        import pyarrow.json as pj

        for batch in pj.open_json(path, read_options=pj.ReadOptions(block_size=32 << 20)):
            yield batch.to_pandas(), 0
    else:
        yield _records(json.loads(path.read_text(encoding="utf-8"))), None


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


def _decode_records(
    checks: RowChecks, raw: pd.DataFrame, types: dict[int, str] | None, format: str
) -> pd.DataFrame:
    lower = {str(column).lower(): column for column in raw.columns}
    found = {}
    for name, aliases in ALIASES.items():
        column = next((lower[a] for a in aliases if a in lower), None)
        if column is None and name not in OPTIONAL:
            hint = (
                "; its ssv1, ssv2, comp1, comp2 columns are SyConn's conn_mat export, whose "
                "partners are unordered: read the export as written (tab-separated, its '# ' "
                "header) with --format conn-mat"
                if {"ssv1", "comp1"} <= set(lower)
                else ""
            )
            raise SynapseTableError(
                f"{checks.path}: no column for {name!r}; accepted names: {', '.join(aliases)} "
                f"(the table has: {', '.join(map(str, raw.columns))}){hint}"
            )
        if column is not None:
            found[name] = column
    for column in found.values():
        if format in ("json", "ndjson") and raw[column].dtype == object:
            nested = raw[column].map(lambda v: isinstance(v, dict | list)).to_numpy(dtype=bool)
            checks.fail(nested, column, "a nested value where a number or name belongs")
    table = {
        "pre_id": identifiers(checks, raw[found["pre_id"]], found["pre_id"]),
        "post_id": identifiers(checks, raw[found["post_id"]], found["post_id"]),
    }
    for side in ("pre_type", "post_type"):
        values = raw[found[side]]
        if _numeric(values):
            if types is None and format == "csv":
                raise SynapseTableError(
                    f"{checks.path}: column {found[side]!r} holds numeric cell-type codes; "
                    "name their table with --cell-type-codes (ctgt_j0251_v2, j0251-v6 or "
                    "web-release)"
                )
            table_of = types or cell_type_table("web-release")
            codes = integer_codes(checks, values, found[side], table_of, "cell type")
            table[side] = decode(codes, table_of)
        else:
            table[side] = named(checks, values, found[side], CELL_TYPES, "cell type")
    compartment = raw[found["compartment"]]
    if _numeric(compartment):
        codes = integer_codes(
            checks, compartment, found["compartment"], WEB_POST_MORPHOLOGY, "compartment"
        )
        table["compartment"] = decode(codes, WEB_POST_MORPHOLOGY)
    else:
        table["compartment"] = named(
            checks, compartment, found["compartment"], COMPARTMENTS, "compartment"
        )
    area = found["area_um2"]
    halved = str(area).lower() == "mesh_area"  # the whole mesh, both faces
    table["area_um2"] = areas(checks, raw[area], area, 0.5 if halved else 1.0, absolute=False)
    if "synapse_probability" in found:
        column = found["synapse_probability"]
        probability = pd.to_numeric(raw[column], errors="coerce").to_numpy(dtype=float)
        checks.fail(~((probability >= 0) & (probability <= 1)), column, "probability not in [0, 1]")
        table["synapse_probability"] = probability.astype(np.float32)
    return pd.DataFrame(table)


def _numeric(values: pd.Series) -> bool:
    """Whether a column holds codes (numbers, or text that is all numbers)."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return True
    present = values.dropna()
    return len(present) > 0 and pd.to_numeric(present, errors="coerce").notna().all()
