"""Calcium transients ("events") in ΔF/F0 traces, and their rates.

Per ROI, the noise level σ is estimated robustly from frame-to-frame differences,
σ = 1.4826 · MAD(Δ dff) / √2, which slow transients barely affect. An event starts at a
frame where ΔF/F0 rises above ``threshold`` · σ (default 4). It lasts until ΔF/F0 falls
back below σ, so noise on a transient's decaying tail does not start a second one. Its
size is the peak ΔF/F0 reached meanwhile. These are the
quantities the BCI analyses use: transient frequency per population, and somatic and
dendritic event sizes for the somato-dendritic residual.

Works on any recording, simulated or real (numpy in, numpy out).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class Events(NamedTuple):
    """``onsets [frames, n]`` bool; ``sizes [frames, n]`` peak ΔF/F0 at each onset
    (0 elsewhere); ``noise [n]`` the σ used."""

    onsets: np.ndarray
    sizes: np.ndarray
    noise: np.ndarray


def noise_level(dff: np.ndarray) -> np.ndarray:
    """Robust σ of each ROI's noise ``[n]`` from ``dff [frames, n]``."""
    steps = np.diff(dff, axis=0)
    mad = np.median(np.abs(steps - np.median(steps, axis=0)), axis=0)
    return np.maximum(1.4826 * mad / np.sqrt(2.0), 1e-12)


def detect_events(dff: np.ndarray, *, threshold: float = 4.0) -> Events:
    """Events in ``dff [frames, n]`` (module docstring), without a loop over frames or ROIs.

    A stretch of consecutive frames at or above σ holds at most one event: it starts at
    the stretch's first frame above ``threshold`` · σ (≥ 1) and ends with the stretch.
    All ROIs are scanned as one long trace, each followed by a frame at −∞ so that no
    stretch runs from one ROI into the next."""
    dff = np.asarray(dff, dtype=float)
    if dff.ndim == 1:
        dff = dff[:, None]
    frames, n = dff.shape
    sigma = noise_level(dff)
    trace = np.concatenate([dff.T, np.full((n, 1), -np.inf)], axis=1).ravel()
    level = np.repeat(sigma, frames + 1)
    stretch = trace >= level
    starts = stretch & ~np.concatenate([[False], stretch[:-1]])
    ends = np.flatnonzero(stretch & ~np.concatenate([stretch[1:], [False]])) + 1  # one past
    label = np.cumsum(starts)  # the stretch a frame belongs to, counting from 1
    above = np.flatnonzero(trace > threshold * level)
    labels, first = np.unique(label[above], return_index=True)
    onset, end = above[first], ends[labels - 1]
    bounds = np.ravel(np.column_stack([onset, end]))
    peaks = np.maximum.reduceat(trace, bounds)[::2] if bounds.size else np.zeros(0)
    roi, frame = np.divmod(onset, frames + 1)
    onsets = np.zeros(dff.shape, bool)
    sizes = np.zeros(dff.shape)
    onsets[frame, roi] = True
    sizes[frame, roi] = peaks
    return Events(onsets, sizes, sigma)


def event_rate_per_minute(events: Events, frame_rate_hz: float = 15.0) -> np.ndarray:
    """Transient frequency of each ROI ``[n]`` [events/min]."""
    minutes = events.onsets.shape[0] / frame_rate_hz / 60.0
    return events.onsets.sum(axis=0) / minutes
