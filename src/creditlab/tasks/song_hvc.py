"""HVC's sparse timing code: every projection neuron bursts once per motif, at its own
time (Hahnloser, Kozhevnikov & Fee 2002).

The motif is ``bins`` time bins of ``bin_ms`` each. Neuron j bursts during bins
[t_j, t_j + burst_bins); the onsets tile the possible starts evenly
(⌊j·(bins − burst_bins + 1)/n⌋, in a random order), so every burst ends within the motif
and every bin holds ≥ 1 burst when n ≥ bins.
"""

from __future__ import annotations

import numpy as np


def burst_onsets(
    rng: np.random.Generator, n_neurons: int, bins: int, burst_bins: int = 1
) -> np.ndarray:
    """Onset bin of each neuron's burst ``[n_neurons]`` (int)."""
    if n_neurons < bins:
        raise ValueError(f"need at least one HVC neuron per time bin: {n_neurons} < {bins}")
    if not 1 <= burst_bins <= bins:
        raise ValueError(f"burst_bins must be in [1, {bins}], got {burst_bins}")
    starts = bins - burst_bins + 1
    return rng.permutation(np.arange(n_neurons) * starts // n_neurons)


def timing_code(onsets: np.ndarray, bins: int, burst_bins: int = 1) -> np.ndarray:
    """HVC activity ``[bins, n_neurons]``: 1 while a neuron bursts, else 0."""
    time = np.arange(bins)[:, None]
    return ((time >= onsets) & (time < onsets + burst_bins)).astype(np.float32)
