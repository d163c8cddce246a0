"""Checking the rows of a synapse table, one chunk at a time.

A reader decodes a chunk column by column; each check returns the rows that fail it and
why. :class:`RowChecks` then either raises :class:`SynapseTableError` naming the first
failing row, its column and its value, or (``skip_invalid``) drops the failing rows and
counts them per reason, so a real table with a few bad rows can still be summarised, with
the count of what was left out in the output.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd


class SynapseTableError(ValueError):
    """The file is not a synapse table creditlab can read, or a row of it is invalid."""


class RowChecks:
    """The checks of one chunk: ``fail(mask, column, reason)`` marks rows; :meth:`keep`
    then raises for the first marked row, or returns the rows to keep and counts the rest.

    ``first_row``: the chunk's first row's number in the file (data rows, from 1);
    ``line_offset``: lines before the first data row in a text file (its header), or None
    for formats without lines.
    """

    def __init__(
        self,
        path: Path,
        raw: pd.DataFrame,
        first_row: int,
        line_offset: int | None,
        skip_invalid: bool,
        skipped: Counter,
    ) -> None:
        self.path, self.raw, self.first_row = path, raw, first_row
        self.line_offset, self.skip_invalid, self.skipped = line_offset, skip_invalid, skipped
        self.bad = np.zeros(len(raw), bool)

    def fail(self, mask: np.ndarray, column: str, reason: str, detail: str = "") -> None:
        """Rows ``mask`` (not yet failed) fail with ``reason`` (what skipped rows are
        counted by); ``column`` is the raw column whose value is shown, ``detail`` more
        words for the error message."""
        new = np.asarray(mask, bool) & ~self.bad
        if not new.any():
            return
        if not self.skip_invalid:
            i = int(np.flatnonzero(new)[0])
            row = self.first_row + i
            where = f"row {row}" + (
                f" (line {row + self.line_offset})" if self.line_offset is not None else ""
            )
            value = self.raw[column].iloc[i] if column in self.raw else "?"
            value = value.item() if isinstance(value, np.generic) else value
            raise SynapseTableError(
                f"{self.path}: {where}, column {column!r}, value {value!r}: {reason}{detail}"
                f" ({int(new.sum())} such rows in this chunk; --skip-invalid leaves them"
                " out and counts them)"
            )
        self.skipped[reason] += int(new.sum())
        self.bad |= new

    def keep(self) -> np.ndarray:
        return ~self.bad


def integer_codes(
    checks: RowChecks, values: pd.Series, column: str, table: Mapping[int, str], what: str
) -> np.ndarray:
    """Decode integer codes of ``table``; missing, fractional and unknown codes fail."""
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    missing = ~np.isfinite(numbers)
    checks.fail(missing, column, f"missing or non-numeric {what} code")
    fractional = ~missing & (numbers != np.round(numbers))
    checks.fail(fractional, column, f"fractional {what} code")
    codes = np.where(missing | fractional, np.nan, numbers)
    known = np.isin(codes, list(table))
    checks.fail(~known, column, f"unknown {what} code", f" (known: {dict(table)})")
    return codes


def decode(codes: np.ndarray, table: Mapping[int, str]) -> pd.Categorical:
    """Names of integer codes as a categorical (NaN, for rows already failed, is missing)."""
    keys = np.array(sorted(table), dtype=float)
    valid = np.isin(codes, keys)
    index = np.where(valid, np.searchsorted(keys, np.where(valid, codes, keys[0])), -1)
    return pd.Categorical.from_codes(index, categories=[table[int(k)] for k in keys])


def identifiers(checks: RowChecks, values: pd.Series, column: str) -> np.ndarray:
    """Cell ids: whole numbers ≥ 0; missing or placeholder (negative) ids fail, so rows
    without an id are never paired with each other."""
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    checks.fail(~np.isfinite(numbers), column, "missing or non-numeric cell id")
    checks.fail(numbers != np.round(numbers), column, "fractional cell id")
    checks.fail(numbers < 0, column, "placeholder (negative) cell id")
    return np.where(checks.bad, -1, np.nan_to_num(numbers, nan=-1)).astype(np.int64)


def named(checks: RowChecks, values: pd.Series, column: str, allowed, what: str):
    """Names that must be among ``allowed`` exactly (case included), as a categorical."""
    text = values.astype("string")
    unknown = ~text.isin(allowed).to_numpy(dtype=bool)
    fresh = unknown & ~checks.bad
    hint = ""
    if fresh.any():
        first = str(text.iloc[int(np.flatnonzero(fresh)[0])])
        match = [name for name in allowed if name.lower() == first.lower()]
        hint = f"; did you mean {match[0]!r}?" if match else ""
    known = ", ".join(sorted(allowed))
    checks.fail(unknown, column, f"unknown {what}", f" (known: {known}){hint}")
    return pd.Categorical(text.where(~unknown).astype(object))


def areas(checks: RowChecks, values: pd.Series, column: str, scale: float, absolute: bool):
    """Synapse areas in µm² (``scale`` × the value, its absolute value if ``absolute``);
    missing, non-numeric and non-positive areas fail."""
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    checks.fail(~np.isfinite(numbers), column, "missing or non-numeric area")
    numbers = np.abs(numbers) if absolute else numbers
    checks.fail(numbers <= 0, column, "area ≤ 0")
    return (scale * numbers).astype(np.float32)
