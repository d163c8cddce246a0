"""Dendritic instructive signals (``dendritic``): plasticity gated by the apical tuft
(Francioni et al. 2026; Urbanczik & Senn 2014; Guerguiev, Lillicrap & Richards 2017;
Payeur et al. 2021).

A feedback pathway delivers a per-neuron learning signal L_i = Σ_k B_ik e_k to the
apical tuft of neuron i, where apical (NDNF-like) inhibition can shunt it. The tuft's
depolarisation above its spontaneous mean, a_i, gates the plasticity of the neuron's
feed-forward synapses:

    ΔW_ij = η a_i x_j

so the sign of each neuron's change is the sign of what its tuft receives, and
silencing the tuft silences learning. The rule reads nothing but its own tuft and its
input; whether B knows the experimenter's decoder is the feedback pathway's business
(see the experiment), not the rule's. A closed-loop rule (:mod:`.online`).
"""

from __future__ import annotations

import jax.numpy as jnp
from jax import Array

from creditlab.rules.online import Broadcast, Local, OnlineRule, stateless


def dendritic(*, learning_rate: float = 1e-6) -> OnlineRule:
    """The rule of the module docstring, η = ``learning_rate``."""
    if learning_rate < 0:
        raise ValueError(f"learning_rate must be ≥ 0, got {learning_rate}")

    def step(state: tuple, weights: Array, local: Local, broadcast: Broadcast) -> tuple:
        return learning_rate * jnp.outer(local.apical, local.pre), state

    return OnlineRule(stateless, step, apical_feedback="signal")
