"""Statistics of a synapse table (model or connectome), as the Area X analysis asks.

The table has one row per synapse with ``pre_id, post_id, pre_type, post_type,
compartment, area_um2`` (:mod:`creditlab.io.connectome` reads and validates real ones).

- :func:`compartment_fractions`: for each presynaptic type, the fraction of its synapses
  onto a postsynaptic type (MSN) that sit on spines (head or neck), shafts, somata.
- :func:`area_percentages`: the percentage of all synaptic area per (pre type, post type).
- :func:`pair_similarity`: for synapses that share one axon and one dendrite (same
  pre_id and post_id), how similar their sizes are (pooled s.d. of ln area within such
  groups) against areas shuffled within each postsynaptic cell; similar sizes (a smaller
  s.d. than the shuffles) are the signature of Hebbian plasticity shared by the pair
  (Bartol et al. 2015, eLife 4:e10778).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from creditlab.io.connectome_codes import COMPARTMENTS

NAMED = ("spine_head", "spine_neck", "shaft", "soma")


def compartment_table(table: pd.DataFrame) -> pd.DataFrame:
    """One row per (pre type, post type) with synapses: ``n`` and the fraction of them on
    each compartment (``frac_<compartment>``), with ``frac_spine`` = head + neck."""
    counts = table.groupby(["pre_type", "post_type", "compartment"], observed=True).size()
    counts = counts.unstack(fill_value=0)
    n = counts.sum(axis=1)  # before reindexing: every compartment counts
    counts = counts.reindex(columns=list(COMPARTMENTS), fill_value=0)
    fractions = counts.div(n, axis=0).add_prefix("frac_")
    fractions["frac_spine"] = fractions.frac_spine_head + fractions.frac_spine_neck
    out = fractions.assign(n=n).reset_index()
    out.columns.name = None
    return out[["pre_type", "post_type", "n", *fractions.columns]]


def compartment_fractions(
    table: pd.DataFrame, post_type: str = "MSN", pre_types: tuple[str, ...] = ("HVC", "LMAN")
) -> pd.DataFrame:
    """Rows: pre type (NaN fractions where it has no synapse onto ``post_type``); columns:
    n, spine_head, spine_neck, shaft, soma, spine, other (the rest): the rows of
    :func:`compartment_table` onto ``post_type``."""
    by_type = compartment_table(table).set_index(["pre_type", "post_type"])
    rows = []
    for pre in pre_types:
        row = {"pre_type": pre, "post_type": post_type, "n": 0}
        found = by_type.loc[(pre, post_type)] if (pre, post_type) in by_type.index else None
        for part in (*NAMED, "spine"):
            row[part] = np.nan if found is None else float(found[f"frac_{part}"])
        if found is not None:
            row["n"] = int(found.n)
        row["other"] = 1.0 - sum(row[part] for part in NAMED)
        rows.append(row)
    return pd.DataFrame(rows)


def area_percentages(table: pd.DataFrame) -> pd.DataFrame:
    """Percent of the total synaptic area per pre type (rows) and post type (columns)."""
    total = table.area_um2.sum()
    summed = table.pivot_table(
        index="pre_type",
        columns="post_type",
        values="area_um2",
        aggfunc="sum",
        fill_value=0.0,
        observed=True,  # types a table's code list holds but no synapse has: no row
    )
    return 100.0 * summed / total


class PairSimilarity(NamedTuple):
    pairs: int  # synapse pairs sharing one axon and one dendrite (Σ k(k−1)/2 over groups)
    groups: int  # (axon, dendrite) pairs of cells with k ≥ 2 synapses
    within_sd: float  # pooled s.d. of ln area within those groups
    shuffled_sd: float  # mean over shuffles of the same statistic
    p: float  # fraction of shuffles at least as similar (one-sided, +1 corrected)


def pair_similarity(
    table: pd.DataFrame,
    pre_type: str = "HVC",
    post_type: str = "MSN",
    *,
    shuffles: int = 1000,
    rng: np.random.Generator | None = None,
) -> PairSimilarity:
    """Size similarity of synapses that share one axon and one dendrite.

    Statistic: the pooled within-group standard deviation of ln area over groups of k ≥ 2
    synapses with the same ``pre_id`` and ``post_id``,
    ``s² = Σ_g Σ_i (x_gi − x̄_g)² / Σ_g (k_g − 1)`` (for pairs, half the mean of
    (ln a₁ − ln a₂)²; Σ_{i<j} (x_i − x_j)² = k Σ_i (x_i − x̄)², so it weighs every pair of a
    group without listing them: linear in the synapse count). Null: areas shuffled among
    the synapses of the same postsynaptic cell (of these types), which keeps each cell's
    own size distribution, so a cell with large synapses throughout does not pass for
    pair similarity. One-sided p: the fraction of shuffles with ``s`` at most the
    observed one (+1 corrected). Bartol et al. 2015 (eLife 4:e10778) for the signature.
    """
    rng = rng or np.random.default_rng(0)
    rows = table[(table.pre_type == pre_type) & (table.post_type == post_type)]
    pair_ids = rows.groupby(["pre_id", "post_id"], sort=False, observed=True).ngroup().to_numpy()
    in_group = np.bincount(pair_ids)[pair_ids] >= 2 if len(pair_ids) else np.zeros(0, bool)
    if not in_group.any():
        return PairSimilarity(0, 0, np.nan, np.nan, np.nan)
    # only the synapses of dendrites holding a group can move into one: the rest are left out
    post = rows.post_id.to_numpy()
    keep = np.isin(post, np.unique(post[in_group]))
    post, in_group = post[keep], in_group[keep]
    log_area = np.log(rows.area_um2.to_numpy(dtype=float)[keep])
    group = np.unique(pair_ids[keep][in_group], return_inverse=True)[1]
    k = np.bincount(group)
    degrees = float(np.sum(k - 1))

    def statistic(values: np.ndarray) -> float:
        x = values[in_group]
        mean = np.bincount(group, weights=x) / k
        return float(np.sqrt(np.sum((x - mean[group]) ** 2) / degrees))

    cell = np.unique(post, return_inverse=True)[1]
    order = np.argsort(cell, kind="stable")  # rows of each postsynaptic cell together
    cell_of_sorted = cell[order].astype(float)

    def shuffled() -> np.ndarray:  # a random permutation within each cell
        within = np.argsort(cell_of_sorted + rng.random(len(order)))
        values = np.empty_like(log_area)
        values[order] = log_area[order][within]
        return values

    observed = statistic(log_area)
    null = np.array([statistic(shuffled()) for _ in range(shuffles)])
    # a shuffle that only reorders the same sums ties with the observation (to rounding)
    p = (1 + np.sum(null <= observed * (1 + 1e-9))) / (shuffles + 1)
    pairs = int(np.sum(k * (k - 1) // 2))
    return PairSimilarity(pairs, len(k), observed, float(null.mean()), float(p))
