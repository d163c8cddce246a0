"""The synapse table a trained bird predicts, in the layout of the Area X connectome.

One row per synapse: ``bird, pre_id, post_id, pre_type, post_type, compartment,
area_um2`` (cell ids unique across birds; types and compartments named as in the public
release: HVC, LMAN, DA, MSN, GPi; spine_head, spine_neck, shaft, soma). The placement
is this point-MSN model's assumption, not a prediction: the plastic HVC inputs on spine
heads, the LMAN inputs that carry the perturbation on shafts (the spiny-MSN model,
:mod:`.placement_outputs`, predicts a table instead). Sizes:

- a plastic synapse's area follows its weight: a = (a_min + (a_max − a_min) W_ij / w_max)
  · exp(s ζ), ζ ~ N(0, 1) per contact, so the contacts one axon makes on one dendrite
  share W_ij (so their similarity is built in here);
- fixed synapses: a = a_fixed · exp(s ζ).

Each (pre, post) pair that the model connects makes Poisson(λ) contacts (pairs with none
are absent). Dopamine (DA) axons contact spine necks of every MSN; each channel's MSNs
converge on one pallidal (GPi) neuron's soma. The sizes are illustrative constants, not
fits to the release.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from creditlab.experiments.song.model import Bird, SongModelConfig

COLUMNS = ("pre_id", "post_id", "pre_type", "post_type", "compartment", "area_um2")


@dataclass(frozen=True)
class Anatomy:
    contacts_per_pair: float = 0.4  # λ
    min_area_um2: float = 0.05
    max_area_um2: float = 0.6
    fixed_area_um2: float = 0.25
    area_spread: float = 0.25  # s, log-normal s.d. per contact
    lman_axons_per_channel: int = 5
    dopamine_axons: int = 10


def _contacts(rng, pre, post, strength, plastic, anatomy, w_max, fixed_area, rate):
    """Rows for every pair ``(pre[k], post[k])``, with Poisson(``rate``) contacts each."""
    count = rng.poisson(rate, len(pre))
    pre, post, strength = (np.repeat(a, count) for a in (pre, post, strength))
    spread = np.exp(anatomy.area_spread * rng.standard_normal(len(pre)))
    span = anatomy.max_area_um2 - anatomy.min_area_um2
    area = np.where(plastic, anatomy.min_area_um2 + span * strength / w_max, fixed_area)
    return pre, post, area * spread


def synapse_table(
    rng: np.random.Generator,
    bird: Bird,
    weights: np.ndarray,
    config: SongModelConfig,
    *,
    bird_index: int = 0,
    anatomy: Anatomy = Anatomy(),
) -> pd.DataFrame:
    """Every synapse of one bird with final spine weights ``weights [msns, inputs]``."""
    weights = np.asarray(weights)
    channel = np.asarray(bird.channel)
    msns, n_hvc, channels = config.msns, config.hvc_neurons, config.channels
    n_lman = channels * anatomy.lman_axons_per_channel
    if max(msns, n_hvc, n_lman, anatomy.dopamine_axons) >= 100_000:
        raise ValueError("cell ids are unique per type only below 100 000 cells of a type")
    base = bird_index * 1_000_000
    ids = {
        "MSN": base + np.arange(msns),
        "HVC": base + 100_000 + np.arange(n_hvc),
        "LMAN": base + 200_000 + np.arange(n_lman),
        "DA": base + 300_000 + np.arange(anatomy.dopamine_axons),
        "GPi": base + 400_000 + np.arange(channels),
    }
    lman_channel = np.repeat(np.arange(channels), anatomy.lman_axons_per_channel)
    parts = []

    def add(pre_type, post_type, compartment, pre, post, strength, plastic, fixed=None, rate=None):
        fixed = anatomy.fixed_area_um2 if fixed is None else fixed
        rate = anatomy.contacts_per_pair if rate is None else rate
        p, q, area = _contacts(
            rng, pre, post, strength, plastic, anatomy, config.max_weight, fixed, rate
        )
        parts.append(
            pd.DataFrame(
                {
                    "pre_id": ids[pre_type][p],
                    "post_id": ids[post_type][q],
                    "pre_type": pre_type,
                    "post_type": post_type,
                    "compartment": compartment,
                    "area_um2": area,
                }
            )
        )

    msn_index, hvc_index = np.meshgrid(np.arange(msns), np.arange(n_hvc), indexing="ij")
    i, j = msn_index.ravel(), hvc_index.ravel()  # HVC on spines, plastic
    add("HVC", "MSN", "spine_head", j, i, weights[i, j], True)
    i, k = np.nonzero(channel[:, None] == lman_channel[None, :])  # LMAN on shafts, fixed
    add("LMAN", "MSN", "shaft", k, i, np.zeros(len(i)), False)
    i, d = np.meshgrid(np.arange(msns), np.arange(anatomy.dopamine_axons), indexing="ij")
    add("DA", "MSN", "spine_neck", d.ravel(), i.ravel(), np.zeros(i.size), False, 0.1, 1.0)
    add("MSN", "GPi", "soma", np.arange(msns), channel, np.zeros(msns), False, 0.3, 2.0)
    table = pd.concat(parts, ignore_index=True)
    table.insert(0, "bird", bird_index)
    return table
