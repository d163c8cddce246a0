"""The somatic and dendritic signals of an NWB imaging session, from either layout:

- creditlab's: ``processing/ophys/DfOverF`` with two series, ``soma`` and ``dendrite``,
  row i of each the same neuron, the soma ROIs' ``population`` column P+, P− or P0;
- a lab's standard ophys layout (as neuroconv writes Suite2p output): one
  PlaneSegmentation whose ROI table has a ``compartment`` column ("soma" or
  "dendrite") and, where the lab paired them, a ``neuron_id`` column; one
  RoiResponseSeries over those ROIs in ``DfOverF`` (ΔF/F0) or ``Fluorescence`` (raw F,
  turned into ΔF/F0 with F0 each ROI's 10th percentile over the session).

Somata and dendrites without ``neuron_id`` are paired as the paper pairs them: by the
Pearson correlation of their signals, each soma with its most correlated free
dendrite, when r ≥ 0.6 (greedy, strongest pairs first); an unpaired soma is left out.
P+/P−/P0 come from a ``population`` column, or from a mapping the user gives
(``neuron id → label``); a neuron without a label is an error naming it, never a guess.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np

ROI_KINDS = ("soma", "dendrite")
PAIRING_R = 0.6  # the paper's threshold for a soma and a dendrite of one neuron
F0_PERCENTILE = 10.0


class LayoutError(ValueError):
    """The file lacks part of a layout; the message names the file and the part."""


def pair_by_correlation(
    soma: np.ndarray, dendrite: np.ndarray, threshold: float = PAIRING_R
) -> list[tuple[int, int]]:
    """``(soma column, dendrite column)`` pairs of ``[frames, rois]`` signals, strongest
    correlation first, each ROI used once, r ≥ ``threshold``."""
    s = (soma - soma.mean(0)) / np.maximum(soma.std(0), 1e-12)
    d = (dendrite - dendrite.mean(0)) / np.maximum(dendrite.std(0), 1e-12)
    r = s.T @ d / len(soma)
    pairs, used_s, used_d = [], set(), set()
    for flat in np.argsort(r, axis=None)[::-1]:
        i, j = np.unravel_index(flat, r.shape)
        if r[i, j] < threshold:
            break
        if i not in used_s and j not in used_d:
            pairs.append((int(i), int(j)))
            used_s.add(i)
            used_d.add(j)
    return sorted(pairs)


def delta_f_over_f(fluorescence: np.ndarray) -> np.ndarray:
    """ΔF/F0 of raw ``[frames, rois]`` fluorescence, F0 each ROI's 10th percentile."""
    f0 = np.percentile(fluorescence, F0_PERCENTILE, axis=0)
    return (fluorescence - f0) / np.where(f0 == 0, 1.0, f0)


def roi_signals(
    nwb, path: Path, populations: Mapping[str, str] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """soma, dendrite ``[frames, neurons]`` (ΔF/F0), population ``[neurons]`` and the
    frame rate [Hz] of an open NWB file (module docstring)."""
    ophys = nwb.processing.get("ophys")
    if ophys is None:
        raise LayoutError(f"{path}: no processing/ophys module")
    container = next(
        (ophys[name] for name in ("DfOverF", "Fluorescence") if name in ophys.data_interfaces),
        None,
    )
    if container is None:
        raise LayoutError(f"{path}: processing/ophys has neither DfOverF nor Fluorescence")
    raw = container.name == "Fluorescence"
    series = container.roi_response_series
    if all(kind in series for kind in ROI_KINDS):
        soma, dendrite = (np.asarray(series[kind].data[:], dtype=float) for kind in ROI_KINDS)
        if raw:
            soma, dendrite = delta_f_over_f(soma), delta_f_over_f(dendrite)
        table = series["soma"].rois.table
        ids = [str(i) for i in range(soma.shape[1])]
        labels = _labels(table, np.arange(soma.shape[1]), ids, populations, path)
        return soma, dendrite, labels, float(series["soma"].rate)
    if len(series) != 1:
        raise LayoutError(
            f"{path}: {container.name} has series {sorted(series)}; expected 'soma' and "
            "'dendrite', or one series over ROIs with a 'compartment' column"
        )
    (one,) = series.values()
    table = one.rois.table
    if "compartment" not in table.colnames:
        raise LayoutError(
            f"{path}: the ROI table '{table.name}' has no 'compartment' column (soma or "
            "dendrite for each ROI)"
        )
    rows = np.asarray(one.rois.data[:])
    data = np.asarray(one.data[:], dtype=float)
    signals = delta_f_over_f(data) if raw else data
    compartment = np.asarray(table["compartment"][:], dtype=str)[rows]
    unknown = sorted(set(compartment) - set(ROI_KINDS))
    if unknown:
        raise LayoutError(f"{path}: compartment values {unknown}; expected soma or dendrite")
    somata, dendrites = (np.flatnonzero(compartment == kind) for kind in ROI_KINDS)
    if "neuron_id" in table.colnames:
        neuron = np.asarray(table["neuron_id"][:], dtype=str)[rows]
        by_id = {neuron[j]: j for j in dendrites}
        pairs = [(i, by_id[neuron[i]]) for i in somata if neuron[i] in by_id]
        ids = [neuron[i] for i, _ in pairs]
    else:
        found = pair_by_correlation(signals[:, somata], signals[:, dendrites])
        pairs = [(somata[i], dendrites[j]) for i, j in found]
        ids = [str(int(table.id[rows[i]])) for i, _ in pairs]
    if not pairs:
        raise LayoutError(f"{path}: no soma could be paired with a dendrite")
    soma_cols = np.array([i for i, _ in pairs])
    labels = _labels(table, rows[soma_cols], ids, populations, path)
    return (
        signals[:, soma_cols],
        signals[:, [j for _, j in pairs]],
        labels,
        float(one.rate),
    )


def _labels(table, rows, ids, populations, path) -> np.ndarray:
    """P+/P−/P0 of the neurons at table ``rows``: the mapping where given, else the
    table's ``population`` column."""
    if populations is not None:
        missing = [i for i in ids if i not in populations]
        if missing:
            raise LayoutError(
                f"{path}: the population mapping has no label for neuron(s) {missing[:5]}"
            )
        return np.array([populations[i] for i in ids])
    if "population" not in table.colnames:
        raise LayoutError(
            f"{path}: the ROI table '{table.name}' has no 'population' column; give a "
            "mapping of neuron id to P+, P- or P0"
        )
    return np.asarray(table["population"][:], dtype=str)[np.asarray(rows)]
