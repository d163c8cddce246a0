"""Statistics of a synapse table (model or connectome), as the Area X analysis asks.

The table has one row per synapse with ``pre_id, post_id, pre_type, post_type,
compartment, area_um2`` (:mod:`creditlab.io.connectome` reads and validates real ones).

- :func:`compartment_fractions`: for each presynaptic type, the fraction of its synapses
  onto a postsynaptic type (MSN) that sit on spines (head or neck), shafts, somata.
- :func:`area_percentages`: the percentage of all synaptic area per (pre type, post type).
- :func:`pair_similarity`: for synapse pairs that share one axon and one dendrite (same
  pre_id and post_id), how similar their sizes are, |ln a₁ − ln a₂| (median over pairs),
  against a control that shuffles areas among all synapses of the same (pre, post)
  types; similar pairs (a smaller median than the shuffles) are the signature of
  Hebbian plasticity shared by the pair (Bartol et al. 2015, eLife 4:e10778).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

SPINE = ("spine_head", "spine_neck")


def compartment_fractions(
    table: pd.DataFrame, post_type: str = "MSN", pre_types: tuple[str, ...] = ("HVC", "LMAN")
) -> pd.DataFrame:
    """Rows: pre type; columns: n, spine, spine_head, spine_neck, shaft, soma, other."""
    onto = table[table.post_type == post_type]
    rows = []
    for pre in pre_types:
        compartments = onto[onto.pre_type == pre].compartment
        counts = compartments.value_counts()
        n = len(compartments)
        named = {"spine_head", "spine_neck", "shaft", "soma"}
        row = {"pre_type": pre, "post_type": post_type, "n": n}
        for part in ("spine_head", "spine_neck", "shaft", "soma"):
            row[part] = counts.get(part, 0) / n if n else np.nan
        row["spine"] = row["spine_head"] + row["spine_neck"] if n else np.nan
        row["other"] = counts[~counts.index.isin(named)].sum() / n if n else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def area_percentages(table: pd.DataFrame) -> pd.DataFrame:
    """Percent of the total synaptic area per pre type (rows) and post type (columns)."""
    total = table.area_um2.sum()
    summed = table.pivot_table(
        index="pre_type", columns="post_type", values="area_um2", aggfunc="sum", fill_value=0.0
    )
    return 100.0 * summed / total


class PairSimilarity(NamedTuple):
    pairs: int  # synapse pairs sharing one axon and one dendrite
    median_log_difference: float  # median |ln a₁ − ln a₂| over those pairs
    shuffled_median: float  # mean over shuffles of the same statistic
    p: float  # fraction of shuffles at least as similar (one-sided, +1 corrected)


def _pairs(table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Row positions (first, second) of every pair of synapses with equal pre_id and
    post_id (each unordered pair once)."""
    rows = table[["pre_id", "post_id"]].reset_index(drop=True)
    rows["row"] = np.arange(len(rows))
    shared = rows[rows.duplicated(["pre_id", "post_id"], keep=False)]
    pairs = shared.merge(shared, on=["pre_id", "post_id"], suffixes=("_a", "_b"))
    pairs = pairs[pairs.row_a < pairs.row_b]
    return pairs.row_a.to_numpy(), pairs.row_b.to_numpy()


def pair_similarity(
    table: pd.DataFrame,
    pre_type: str = "HVC",
    post_type: str = "MSN",
    *,
    shuffles: int = 1000,
    rng: np.random.Generator | None = None,
) -> PairSimilarity:
    """Size similarity of same-axon same-dendrite pairs against shuffled areas."""
    rng = rng or np.random.default_rng(0)
    rows = table[(table.pre_type == pre_type) & (table.post_type == post_type)]
    rows = rows.reset_index(drop=True)
    first, second = _pairs(rows)
    if len(first) == 0:
        return PairSimilarity(0, np.nan, np.nan, np.nan)
    log_area = np.log(rows.area_um2.to_numpy())

    def statistic(values: np.ndarray) -> float:
        return float(np.median(np.abs(values[first] - values[second])))

    observed = statistic(log_area)
    null = np.array([statistic(rng.permutation(log_area)) for _ in range(shuffles)])
    p = (1 + np.sum(null <= observed)) / (shuffles + 1)
    return PairSimilarity(len(first), observed, float(null.mean()), float(p))
