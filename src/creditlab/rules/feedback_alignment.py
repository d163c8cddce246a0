"""Feedback alignment (``feedback-alignment``; Lillicrap et al. 2016) and direct feedback
alignment (``direct-feedback-alignment``; Nøkland 2016) for recurrent networks.

Feedback alignment is backpropagation through time in which every error sent backwards
through a weight matrix goes through a fixed random matrix B of the same shape instead
(readout: δz^t = B_out δy^t; recurrence: δz^{t−1} += B_rec δI^t), drawn once,

    B ~ N(0, 1/fan-in), absent recurrent synapses absent,

while each weight still gets preᵀ · (its postsynaptic error). Lillicrap et al. show that
the forward weights come to align with B, which :mod:`creditlab.analysis` measures.

Direct feedback alignment sends the output error straight to every neuron through one
fixed random matrix, with no transport through time. For the readout error of a
recurrent network that is e-prop's random-feedback mode, so ``direct_feedback_alignment``
is :func:`creditlab.rules.eprop.eprop` with ``feedback="random"``.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import jax
from jax import Array

from creditlab.network import Feedback, Network, Params
from creditlab.objective import Objective
from creditlab.rules.base import Metrics, Rule
from creditlab.rules.bptt import objective_and_metrics
from creditlab.rules.eprop import eprop
from creditlab.tasks.base import Trials


class FeedbackAlignmentState(NamedTuple):
    """The fixed feedback matrices: ``w_rec [n_rec, n_rec]`` and ``w_out [n_rec, n_out]``."""

    feedback: Feedback


def feedback_alignment(network: Network, objective: Objective) -> Rule:
    """BPTT with fixed random feedback matrices in place of W_recᵀ and W_outᵀ."""

    def init(params: Params, *, key: Array | None = None) -> FeedbackAlignmentState:
        if key is None:
            raise ValueError("feedback alignment needs a key to draw its feedback matrices")
        k_rec, k_out = jax.random.split(key)
        dtype = params.w_rec.dtype
        n_rec, n_out = network.n_rec, network.n_out
        b_rec = jax.random.normal(k_rec, (n_rec, n_rec), dtype) / math.sqrt(n_rec)
        if network.recurrent_mask is not None:
            b_rec = b_rec * network.recurrent_mask.astype(dtype)
        b_out = jax.random.normal(k_out, (n_rec, n_out), dtype) / math.sqrt(n_rec)
        return FeedbackAlignmentState(Feedback(w_rec=b_rec, w_out=b_out))

    def update(
        params: Params, state: FeedbackAlignmentState, trials: Trials, *, key: Array | None = None
    ) -> tuple[Params, FeedbackAlignmentState, Metrics]:
        grads, metrics = jax.grad(
            lambda p: objective_and_metrics(network, objective, p, trials, feedback=state.feedback),
            has_aux=True,
        )(params)
        return grads, state, metrics

    return Rule(init=init, update=update)


def direct_feedback_alignment(network: Network, objective: Objective) -> Rule:
    """e-prop with a fixed random feedback matrix (random e-prop)."""
    return eprop(network, objective, feedback="random")
