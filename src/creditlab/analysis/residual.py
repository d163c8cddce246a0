"""The somato-dendritic residual (Francioni et al. 2026, Fig. 2): what a neuron's distal
dendrite does that its soma does not explain.

For each somatic event k of a neuron, its size s_k (peak ΔF/F0 of the proximal-trunk
ROI) is paired with the dendritic size d_k (peak ΔF/F0 of the distal-dendrite ROI
within ``window`` frames of the onset). Per neuron, a least-squares line
d ≈ a + b s is fitted, and the residual of each event is

    r_k = d_k − (a + b s_k).

Works on any pair of ΔF/F0 recordings, simulated or real (numpy in, numpy out).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from creditlab.analysis.events import Events


class PairedEvents(NamedTuple):
    """Somatic events of all neurons: ``neuron``, ``frame`` (onset), ``soma`` and
    ``dendrite`` sizes, each ``[events]``."""

    neuron: np.ndarray
    frame: np.ndarray
    soma: np.ndarray
    dendrite: np.ndarray


def paired_event_sizes(events: Events, dendrite: np.ndarray, window: int = 3) -> PairedEvents:
    """Pair each somatic event (``events`` of the soma ROIs) with the dendrite's peak
    ΔF/F0 ``[frames, n]`` from its onset to ``window`` frames after it."""
    frames, neurons = np.nonzero(events.onsets)
    padded = np.pad(np.asarray(dendrite, float), ((0, window), (0, 0)), constant_values=-np.inf)
    ahead = np.lib.stride_tricks.sliding_window_view(padded, window + 1, axis=0).max(axis=-1)
    return PairedEvents(neurons, frames, events.sizes[frames, neurons], ahead[frames, neurons])


class Residuals(NamedTuple):
    """Per neuron ``[n]``: ``intercept`` a and ``slope`` b; per event ``[events]``:
    ``residual`` r_k (NaN for neurons with fewer than 3 events)."""

    intercept: np.ndarray
    slope: np.ndarray
    residual: np.ndarray


def somato_dendritic_residual(paired: PairedEvents, n_neurons: int) -> Residuals:
    """Fit d ≈ a + b s per neuron and return the residuals (module docstring)."""
    intercept = np.full(n_neurons, np.nan)
    slope = np.full(n_neurons, np.nan)
    residual = np.full(paired.soma.shape, np.nan)
    for neuron in range(n_neurons):
        mine = paired.neuron == neuron
        if mine.sum() < 3 or np.ptp(paired.soma[mine]) == 0:
            continue
        b, a = np.polyfit(paired.soma[mine], paired.dendrite[mine], 1)
        intercept[neuron], slope[neuron] = a, b
        residual[mine] = paired.dendrite[mine] - (a + b * paired.soma[mine])
    return Residuals(intercept, slope, residual)
