"""Area X medium spiny neurons (MSNs) as rate units with two input sites (Fee &
Goldberg 2011; Fiete, Fee & Seung 2007; seed 000).

Per time bin t, MSN i sums the input on its spines through the plastic weights and
receives a depolarisation d_i(t) on its dendritic shaft:

    m_i(t) = Σ_j W_ij s_j(t)          spine drive (what reaches the pallidum)
    output  m_i(t) + d_i(t)           its fluctuation around m is d (the shaft's input)

W is post × pre ``[msns, spine inputs]``, s ``[bins, spine inputs]``, d ``[bins,
msns]``. Which input sits on which site (HVC on spines and LMAN on shafts, or swapped)
is the experiment's anatomy, not the neuron's. The shaft's depolarisation does not
reach the pallidum here; how far it spreads to the spines is the songbird issue's
compartment physics, not yet modelled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from jax import Array


class SpinyActivity(NamedTuple):
    """``drive`` m ``[bins, msns]`` and the shaft's ``depolarisation`` d ``[bins, msns]``."""

    drive: Array
    depolarisation: Array


@dataclass(frozen=True)
class MediumSpiny:
    """A population of MSNs (module docstring)."""

    def respond(self, weights: Array, spine_input: Array, shaft: Array) -> SpinyActivity:
        """m = s Wᵀ from the spine input and the shaft's depolarisation d."""
        return SpinyActivity(spine_input @ weights.T, shaft)
