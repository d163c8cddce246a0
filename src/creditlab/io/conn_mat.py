"""SyConn's ``conn_mat`` export, decoded one chunk at a time.

The file (``numpy.savetxt``, tab-separated, one ``# x y z ssv1 ssv2 size comp1 comp2
celltype1 celltype2 spiness1 spiness2 synprob …`` header line) lists each synapse with
its two partner cells in ascending id order, so a row says nothing about direction: the
presynaptic partner is the one whose axoness (``comp``) is axon or bouton, the
postsynaptic one dendrite or soma (:mod:`creditlab.io.connectome_codes`). ``size`` is
the area (mesh area / 2, µm²) signed by the synapse type, so the area is its absolute
value. Cell types are raw integers whose table the file does not carry.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from creditlab.io.connectome_codes import (
    AXONESS,
    MISSING_CELL_TYPE,
    POSTSYNAPTIC_AXONESS,
    PRESYNAPTIC_AXONESS,
    SOMA_AXONESS,
    SPINESS,
)
from creditlab.io.synapse_checks import (
    RowChecks,
    SynapseTableError,
    areas,
    decode,
    identifiers,
    integer_codes,
)

NEEDED = (
    "ssv1", "ssv2", "size", "comp1", "comp2", "celltype1", "celltype2", "spiness1",
    "spiness2", "synprob",
)  # fmt: skip


def header(path: Path) -> list[str]:
    """The column names of ``path``'s ``# `` header line."""
    with open(path, encoding="utf-8", errors="replace") as handle:
        first = handle.readline()
    if not first.startswith("#"):
        raise SynapseTableError(f"{path}: a conn_mat file starts with a '# x y z ssv1 …' line")
    names = first.lstrip("#").split()
    missing = [name for name in NEEDED if name not in names]
    if missing:
        raise SynapseTableError(
            f"{path}: the conn_mat header lacks {', '.join(missing)} (it has {' '.join(names)})"
        )
    return names


class NotNumbers(ValueError):
    """A field of the file is not a number (read it again as text to name the row)."""


def chunks(path: Path, rows: int, as_text: bool = False) -> Iterator[pd.DataFrame]:
    """The needed columns of ``path``, ``rows`` rows at a time: parsed as numbers (fast),
    raising :class:`NotNumbers` at a field that is not one; or ``as_text``, so that the
    checks can name that field's row."""
    names = header(path)
    reader = pd.read_csv(
        path,
        sep="\t",
        skiprows=1,
        header=None,
        names=names,
        usecols=list(NEEDED),
        chunksize=rows,
        dtype=str if as_text else float,
        na_filter=as_text is False,
    )
    try:
        yield from reader
    except ValueError as error:
        if as_text:
            raise
        raise NotNumbers(str(error)) from None


def decode_chunk(checks: RowChecks, raw: pd.DataFrame, types: dict[int, str]) -> pd.DataFrame:
    """One chunk as ``pre_id, post_id, pre_type, post_type, compartment, area_um2,
    synapse_probability``, direction resolved from the axoness of the two partners."""
    comp = {side: integer_codes(checks, raw[f"comp{side}"], f"comp{side}", AXONESS, "axoness")
            for side in (1, 2)}  # fmt: skip
    pre = {side: np.isin(comp[side], list(PRESYNAPTIC_AXONESS)) for side in (1, 2)}
    post = {side: np.isin(comp[side], list(POSTSYNAPTIC_AXONESS)) for side in (1, 2)}
    checks.fail((comp[1] == -1) | (comp[2] == -1), "comp1", "axoness unknown (−1)")
    checks.fail(post[1] & post[2], "comp1", "both partners dendrite or soma")
    checks.fail(pre[1] & pre[2], "comp1", "both partners axon or bouton")
    first_is_pre = pre[1] & post[2]

    def by_side(column: str) -> tuple[pd.Series, pd.Series]:
        one, two = raw[f"{column}1"], raw[f"{column}2"]
        pre_side = one.where(first_is_pre, two)
        return pre_side, two.where(first_is_pre, one)

    with_types = {**types, MISSING_CELL_TYPE: "missing"}
    pre_id, post_id = by_side("ssv")
    pre_type, post_type = by_side("celltype")
    pre_codes = integer_codes(checks, pre_type, "celltype1", with_types, "cell type")
    post_codes = integer_codes(checks, post_type, "celltype2", with_types, "cell type")
    checks.fail(pre_codes == MISSING_CELL_TYPE, "celltype1", "cell type missing (−1)")
    checks.fail(post_codes == MISSING_CELL_TYPE, "celltype2", "cell type missing (−1)")
    _, post_spiness = by_side("spiness")
    spiness = integer_codes(checks, post_spiness, "spiness2", SPINESS, "spiness")
    post_comp = np.where(first_is_pre, comp[2], comp[1])
    compartment = decode(spiness, SPINESS).add_categories(["soma"])
    compartment[post_comp == SOMA_AXONESS] = "soma"  # a synapse on the soma has no spine
    probability = pd.to_numeric(raw.synprob, errors="coerce").to_numpy(dtype=float)
    checks.fail(~((probability >= 0) & (probability <= 1)), "synprob", "probability not in [0, 1]")
    return pd.DataFrame(
        {
            "pre_id": identifiers(checks, pre_id, "ssv1"),
            "post_id": identifiers(checks, post_id, "ssv2"),
            "pre_type": decode(pre_codes, types),
            "post_type": decode(post_codes, types),
            "compartment": compartment,
            "area_um2": areas(checks, raw["size"], "size", 1.0, absolute=True),
            "synapse_probability": probability.astype(np.float32),
        }
    )
