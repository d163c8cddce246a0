"""Cell types as data (Liu et al. 2021, PNAS 118:e2111821118, Fig. 1).

A network's recurrent neurons are split into types. Each type has a synaptic sign (E or
I, Dale's law), a neuron model (LIF, or ALIF with an adaptive threshold), the local
modulators its cells release, the receptors they express, and whether its cells may
project to the readout (output cells) or not (internal cells). Types are laid out in
order: the first ``round(fraction · n)`` neurons are the first type, and so on (largest
remainders get the leftover neurons).

The modulatory coupling between types is a type × type matrix of 0/1:

    R[α, β] = 1  if cells of type β express a receptor for a modulator that type α releases

so a cell of type β hears the credit of a type-α cell it projects to only when R[α, β] = 1
(:mod:`creditlab.rules.mdgl`).

Presets:
    :data:`LIU_EI` — the version in Liu's released code: 19 % inhibitory LIF, 31 %
        excitatory LIF, 50 % excitatory ALIF; E cells release one modulator, I cells
        another, and every cell expresses both receptors.
    :data:`SIX_TYPES` — the paper's six types (Fig. 1B): E/I × regular/adaptive ×
        internal/output, inhibitory cells all regular. The proportions are ours (the
        paper's figure does not give them): 80 % E, half of E adaptive, 10 % output cells.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

import numpy as np

# The rules that send modulators between cell types, so need a network that has them.
NEEDS_TYPES = ("mdgl", "mdgl-cell-specific", "mdgl-shuffled-receptors")


class CellType(NamedTuple):
    """One type of recurrent neuron.

    Attributes:
        name: unique name.
        fraction: share of the recurrent neurons, in (0, 1].
        sign: "E" (outgoing recurrent weights ≥ 0) or "I" (≤ 0).
        model: "lif" or "alif" (adaptive threshold).
        releases: names of the local modulators its cells release.
        receptors: names of the modulators its cells respond to.
        readout: whether its cells may project to the readout.
    """

    name: str
    fraction: float
    sign: Literal["E", "I"] = "E"
    model: Literal["lif", "alif"] = "lif"
    releases: tuple[str, ...] = ()
    receptors: tuple[str, ...] = ()
    readout: bool = True


CellTypes = tuple[CellType, ...]

_BOTH = ("E-modulator", "I-modulator")

LIU_EI: CellTypes = (
    CellType("I", 0.19, "I", "lif", ("I-modulator",), _BOTH),
    CellType("E-regular", 0.31, "E", "lif", ("E-modulator",), _BOTH),
    CellType("E-adaptive", 0.50, "E", "alif", ("E-modulator",), _BOTH),
)

SIX_TYPES: CellTypes = (
    CellType("I-internal", 0.16, "I", "lif", ("I-modulator",), _BOTH, readout=False),
    CellType("I-output", 0.04, "I", "lif", ("I-modulator",), _BOTH),
    CellType("E-regular-internal", 0.37, "E", "lif", ("E-modulator",), _BOTH, readout=False),
    CellType("E-regular-output", 0.03, "E", "lif", ("E-modulator",), _BOTH),
    CellType("E-adaptive-internal", 0.37, "E", "alif", ("E-modulator",), _BOTH, readout=False),
    CellType("E-adaptive-output", 0.03, "E", "alif", ("E-modulator",), _BOTH),
)

PRESETS: dict[str, CellTypes] = {"liu-ei": LIU_EI, "six-types": SIX_TYPES}


def validate(types: CellTypes) -> CellTypes:
    """Check names, fractions, signs and models; raise ``ValueError`` naming the problem."""
    if not types:
        raise ValueError("cell types: at least one type is needed")
    names = [t.name for t in types]
    if len(set(names)) != len(names):
        raise ValueError(f"cell types: names must be unique, got {names}")
    for t in types:
        if not 0 < t.fraction <= 1:
            raise ValueError(f"cell type {t.name!r}: fraction must be in (0, 1], got {t.fraction}")
        if t.sign not in ("E", "I"):
            raise ValueError(f"cell type {t.name!r}: sign must be 'E' or 'I', got {t.sign!r}")
        if t.model not in ("lif", "alif"):
            raise ValueError(
                f"cell type {t.name!r}: model must be 'lif' or 'alif', got {t.model!r}"
            )
    total = sum(t.fraction for t in types)
    if abs(total - 1.0) > 1e-6:
        raise ValueError(f"cell types: fractions must sum to 1, got {total:.6g}")
    released = {m for t in types for m in t.releases}
    for t in types:
        unheard = [m for m in t.receptors if m not in released]
        if unheard:
            raise ValueError(
                f"cell type {t.name!r}: receptors {unheard} match no released modulator "
                f"(released: {sorted(released) or 'none'})"
            )
    return types


def counts(types: CellTypes, n: int) -> np.ndarray:
    """Neurons per type ``[n_types]`` summing to ``n`` (largest remainder rounding)."""
    exact = np.array([t.fraction for t in types]) * n
    whole = np.floor(exact).astype(int)
    leftover = n - whole.sum()
    order = np.argsort(-(exact - whole), kind="stable")
    whole[order[:leftover]] += 1
    return whole


def labels(types: CellTypes, n: int) -> np.ndarray:
    """The type index of each of ``n`` neurons ``[n]`` (types laid out in order)."""
    return np.repeat(np.arange(len(types)), counts(types, n))


def per_neuron(types: CellTypes, n: int, field: str) -> np.ndarray:
    """A type attribute (``sign``, ``model``, ``readout``) spread over the ``n`` neurons."""
    return np.array([getattr(t, field) for t in types])[labels(types, n)]


def signs(types: CellTypes, n: int) -> np.ndarray:
    """+1 for excitatory, −1 for inhibitory neurons ``[n]``."""
    return np.where(per_neuron(types, n, "sign") == "E", 1.0, -1.0)


def receptor_matrix(types: CellTypes) -> np.ndarray:
    """R ``[n_types, n_types]``: R[α, β] = 1 when type β has a receptor for a modulator
    that type α releases (α sends, β receives)."""
    return np.array(
        [[float(bool(set(a.releases) & set(b.receptors))) for b in types] for a in types]
    )


class Interneurons(NamedTuple):
    """A type of inhibitory interneuron outside the network's recurrent neurons, wired
    into it by :class:`creditlab.network.InterneuronPopulation` (Tremblay, Lee & Rudy
    2016 for the classes; the rates are linear, as in rate models of cortical circuits).

    Its cells inhibit one compartment of the network's neurons (``target``: the soma's
    input current, or the apical tuft, where inhibition shunts and raises the plateau
    threshold) and fire either

        r^t = gain · Σ_j y_j^t W_jk      (``driven``: by the network's output y, at once)
        r^t = r_tonic                    (not driven: a set rate, which an experiment
                                          can raise, e.g. optogenetic activation)

    Units: rates in Hz (driven: the output's unit times ``gain``).

    Attributes:
        name: unique name.
        target: "soma" or "tuft".
        driven: whether the network's neurons drive it (else it fires tonically).
        gain: the driven rate per unit of summed input.
    """

    name: str
    target: Literal["soma", "tuft"] = "soma"
    driven: bool = True
    gain: float = 1.0


PV_LIKE = Interneurons("PV-like", target="soma", driven=True, gain=0.5)
"""Perisomatic feedback inhibition (parvalbumin-like): driven by the pyramidal neurons,
inhibiting their somata (the BCI experiment's circuit; Francioni et al. 2026)."""

NDNF_LIKE = Interneurons("NDNF-like", target="tuft", driven=False)
"""Layer-1 neurogliaform (NDNF-like) cells: a tonic rate, inhibiting the apical tufts
(Abs et al. 2018; the BCI experiment's apical inhibition, Francioni et al. 2026)."""
