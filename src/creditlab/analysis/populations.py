"""Activity of the BCI's populations over days (Francioni et al. 2026, Fig. 1i and
Extended Data Fig. 4): transient frequency normalised to day 1, and the P0 neurons
whose day-1 activity matches the control neurons'.

``rates [days, neurons]`` are transient frequencies (events per minute, one row per
day); ``population [neurons]`` labels each neuron "P+", "P-" or "P0".
"""

from __future__ import annotations

import numpy as np


def normalised_to_day_one(rates: np.ndarray) -> np.ndarray:
    """Each neuron's rate divided by its own day-1 rate ``[days, neurons]`` (NaN where
    the day-1 rate is 0)."""
    first = rates[0]
    return np.where(first > 0, rates / np.where(first > 0, first, 1.0), np.nan)


def population_means(rates: np.ndarray, population: np.ndarray) -> dict[str, np.ndarray]:
    """Mean over each population's neurons of ``rates [days, neurons]`` → ``[days]``."""
    return {
        label: np.nanmean(rates[:, population == label], axis=1)
        for label in ("P+", "P-", "P0")
        if np.any(population == label)
    }


def activity_matched(day_one: np.ndarray, population: np.ndarray) -> np.ndarray:
    """Indices of P0 neurons matched to the control neurons' day-1 rates.

    Each P+ and P− neuron, most active first, takes the P0 neuron with the closest
    day-1 rate that is still free (nearest neighbour without replacement)."""
    controls = np.flatnonzero((population == "P+") | (population == "P-"))
    free = list(np.flatnonzero(population == "P0"))
    matched = []
    for neuron in controls[np.argsort(-day_one[controls])]:
        if not free:
            break
        best = min(free, key=lambda candidate: abs(day_one[candidate] - day_one[neuron]))
        matched.append(best)
        free.remove(best)
    return np.array(matched, dtype=int)
