"""MDGL, multidigraph learning (``mdgl``; Liu et al. 2021, PNAS 118:e2111821118): e-prop
plus cell-type-specific local neuromodulation.

A neuron p gets, besides e-prop's top-down learning signal, the credit of the neurons j
it projects to, sent back one step later by local modulators and weighted by the
average synaptic weight between their types:

    ΔW_pq = Σ_t (Lf_p^t + M_p^t) e_pq^t
    M_p^t = g Σ_j W̃_pj ψ_j^{t+1} Lf_j^{t+1}

with e_pq^t the e-prop eligibility trace of synapse q → p (unfiltered), ψ_j = ∂z_j/∂v_j
[1/mV], g the neuron's input scale (∂v_j^{t+1}/∂z_p^t = g W_pj), and
Lf_j^t = g_out Σ_k W^out_jk Σ_{t'≥t} κ^{t'−t} ∂E/∂y_k^{t'} the direct credit of z_j^t
through the readout (e-prop's learning signal, κ-filtered backwards: Σ_t Lf^t e^t equals
e-prop's online Σ_t L^t ē^t). Weights are pre × post (W_pj: p → j). The modulatory
weight W̃ is, by ``modulation``:

    "type-averaged"       W̃_pj = [W_pj ≠ 0] w̄_{type(p), type(j)} R_{type(j), type(p)}
    "cell-specific"       W̃_pj = W_pj                       (the exact one-hop credit)
    "shuffled-receptors"  as type-averaged with each neuron's receptor type (the type(p)
                          of its row) a random permutation of the types, fixed per run
    "single-type"         as type-averaged with every neuron one type (w̄ one number)
    "none"                W̃ = 0: e-prop through the same code

w̄_{ab} is the signed mean of the existing recurrent weights from type a to type b,
recomputed from the current weights at every update (as in Liu's code); R is the
receptor matrix of :mod:`creditlab.cell_types` (R[α, β] = 1 when type β hears the
modulator type α releases). The cell-specific variant equals BPTT with the recurrent
credit truncated after one hop (z_p^t → v_j^{t+1} → z_j^{t+1} → readout); the tests
check it in float64.

M needs the credit of the next step, so MDGL is e-prop evaluated after each trial
(:mod:`creditlab.rules.eprop_offline`, reused, not copied) with M added to its signal:
one forward pass keeps z, ψ and the readout; Lf and M follow backwards in time, and the
eligibility sums become one matrix product over the batch. Memory is O(B · T ·
(inputs + neurons)), never the O(B · T · synapses) trace tensor of the published code.
An exact online form would not be O(B · synapses) as online e-prop is: with a leaky
readout (κ > 0), Lf_j^{t+1} holds all later errors, so it has to carry
Σ_{t<t'} κ^{t'−t−1} ψ_j^{t+1} e_pq^t for every synapse q → p and every target j of p:
O(synapses × fan-out) per trial.

``evaluation="online"`` (rule name ``mdgl-online``) instead moves the readout's filter
past ψ_j: ΔW_pq = Σ_t L_p^t ē_pq^t + Σ_t M̂_p^t ē_pq^{t−1} with M̂_p^t = g Σ_j
W̃_pj ψ_j^t L_j^t, on e-prop's own online traces (:func:`creditlab.rules.eprop.eprop_chunk`),
memory O(B · synapses) whatever the trial length. It is exact when the readout does not
leak (κ = 0) and an approximation otherwise; the tests check it against the exact form
at κ → 0.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array

from creditlab import cell_types as ct
from creditlab.network import Network, Params
from creditlab.objective import Objective
from creditlab.rules.base import Metrics, Rule
from creditlab.rules.eprop import EpropState, eprop_update
from creditlab.rules.eprop_offline import Modulation, offline_update
from creditlab.tasks.base import Trials

Variant = Literal["type-averaged", "cell-specific", "shuffled-receptors", "single-type", "none"]
MODULATIONS: tuple[str, ...] = Variant.__args__


class MdglState(NamedTuple):
    """``receptor_types [n_rec]``: the type whose receptors each neuron expresses (its own
    type, or a shuffled one)."""

    receptor_types: Array


def receptors_and_labels(
    network: Network, cell_types: ct.CellTypes | None
) -> tuple[np.ndarray, Array]:
    """R ``[n_types, n_types]`` and each neuron's type ``[n_rec]``: from the given types
    laid out in order; else E (0) and I (1) from the network's signs, every cell hearing
    both (Liu's released version); else one type that hears itself."""
    if cell_types is not None:
        types = ct.validate(cell_types)
        return ct.receptor_matrix(types), jnp.asarray(ct.labels(types, network.n_rec), jnp.int32)
    if network.sign is None:
        return np.ones((1, 1)), jnp.zeros(network.n_rec, jnp.int32)
    return np.ones((2, 2)), (network.sign < 0).astype(jnp.int32)


def type_averaged_weights(
    w_rec: Array, types: Array, receptor_types: Array, receptors: Array
) -> Array:
    """W̃ ``[n, n]`` (module docstring) from the weights ``[n, n]`` (pre × post), each
    neuron's type and receptor type ``[n]`` (ints) and R ``[n_types, n_types]``."""
    n_types = receptors.shape[0]
    exists = (w_rec != 0).astype(w_rec.dtype)
    member = jax.nn.one_hot(types, n_types, dtype=w_rec.dtype)
    totals = member.T @ w_rec @ member
    numbers = member.T @ exists @ member
    mean = jnp.where(numbers > 0, totals / jnp.maximum(numbers, 1), 0.0)
    coupling = mean * receptors.T.astype(w_rec.dtype)  # [type(p), type(j)]
    hears = jax.nn.one_hot(receptor_types, n_types, dtype=w_rec.dtype)
    return exists * (hears @ coupling @ member.T)


def one_hop_credit(modulatory_weights: Array, input_scale: float) -> Modulation:
    """``(psi, direct) -> M`` for one trial (``[T, n_rec]`` each): M_p^t = g Σ_j W̃_pj
    ψ_j^{t+1} Lf_j^{t+1}, and 0 at the last step (it has no successor)."""

    def modulation(psi: Array, direct: Array) -> Array:
        sent = input_scale * (psi[1:] * direct[1:]) @ modulatory_weights.T
        return jnp.pad(sent, ((0, 1), (0, 0)))

    return modulation


def mdgl(
    network: Network,
    objective: Objective,
    *,
    cell_types: ct.CellTypes | None = None,
    modulation: Variant = "type-averaged",
    evaluation: Literal["offline", "online"] = "offline",
    types: Literal["cell-types", "sign"] = "cell-types",
    eligibility_reset: bool = False,
) -> Rule:
    """The MDGL rule for ``network`` trained on ``objective``.

    ``cell_types`` gives the neurons' types (default: E/I from the network's signs);
    ``types="sign"`` averages over E and I only, whatever the cell types (Liu's released
    code: two types where the ``liu-ei`` preset has three); ``modulation`` picks the
    variant or ablation; ``evaluation`` the exact form after each trial or the online
    form (module docstring); ``eligibility_reset`` keeps the soft reset's derivative in
    the traces, as Liu's code does (offline only;
    :func:`creditlab.neurons.eligibility.credit_with_reset`).
    """
    if modulation not in MODULATIONS:
        raise ValueError(f"modulation must be one of {MODULATIONS}, got {modulation!r}")
    if evaluation not in ("offline", "online"):
        raise ValueError(f"evaluation must be 'offline' or 'online', got {evaluation!r}")
    if types not in ("cell-types", "sign"):
        raise ValueError(f"types must be 'cell-types' or 'sign', got {types!r}")
    if eligibility_reset and evaluation == "online":
        raise ValueError("eligibility_reset is built for the exact (offline) MDGL only")
    receptors, labels = receptors_and_labels(network, None if types == "sign" else cell_types)
    if modulation == "single-type":
        receptors, labels = np.ones((1, 1)), jnp.zeros(network.n_rec, jnp.int32)
    if modulation == "none":
        receptors = np.zeros_like(receptors)

    def init(params: Params, *, key: Array | None = None) -> MdglState:
        if modulation != "shuffled-receptors":
            return MdglState(labels)
        if key is None:
            raise ValueError("mdgl with shuffled receptors needs a key")
        return MdglState(jax.random.permutation(key, labels))

    def update(
        params: Params, state: MdglState, trials: Trials, *, key: Array | None = None
    ) -> tuple[Params, MdglState, Metrics]:
        if modulation == "cell-specific":
            weights = params.w_rec
        else:
            weights = type_averaged_weights(
                params.w_rec, labels, state.receptor_types, jnp.asarray(receptors)
            )
        if evaluation == "online":
            modulatory = network.neuron.input_scale * weights
            grads, _, metrics = eprop_update(
                network, objective, params, EpropState(None), trials, modulatory=modulatory
            )
            return grads, state, metrics
        credit = one_hop_credit(weights, network.neuron.input_scale)
        grads, metrics = offline_update(
            network, objective, params, params.w_out, trials, credit,
            eligibility_reset=eligibility_reset,
        )  # fmt: skip
        return grads, state, metrics

    return Rule(init=init, update=update)
