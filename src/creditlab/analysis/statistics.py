"""Statistics the BCI analyses report: repeated-measures ANOVA across mice (statsmodels).

``repeated_measures_anova(table, value, subject, within)`` tests whether ``value``
changes with the within-subject factors (for example ``day``, or ``day`` and
``population``), each subject (mouse) measured at every level, as in Francioni et al.
2026 (Fig. 1g: one-way over days; Fig. 1i: two-way, population × day).
"""

from __future__ import annotations

from typing import NamedTuple

import pandas as pd


class Effect(NamedTuple):
    """One effect's F statistic, its degrees of freedom and p-value."""

    F: float
    df_effect: float
    df_error: float
    p: float


def repeated_measures_anova(
    table: pd.DataFrame, value: str, subject: str, within: list[str]
) -> dict[str, Effect]:
    """Effects by name (``"day"``, ``"population:day"``, ...) of an AnovaRM fit.

    ``table`` has one row per subject and level combination (average repeats first)."""
    from statsmodels.stats.anova import AnovaRM

    missing = [c for c in (value, subject, *within) if c not in table.columns]
    if missing:
        raise ValueError(f"the table has no column {missing}; it has {list(table.columns)}")
    fit = AnovaRM(table, depvar=value, subject=subject, within=within).fit()
    frame = fit.anova_table
    return {
        str(name): Effect(
            float(row["F Value"]), float(row["Num DF"]), float(row["Den DF"]), float(row["Pr > F"])
        )
        for name, row in frame.iterrows()
    }
