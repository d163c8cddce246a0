"""Learning rules on the rule contracts of :mod:`.base` (batches of trials) and
:mod:`.online` (closed loops), one per file; looked up by name in :mod:`.registry`."""

from functools import partial

from creditlab.rules.base import Rule
from creditlab.rules.bptt import SurrogateGradient, bptt, closed_loop_bptt
from creditlab.rules.dendritic import dendritic
from creditlab.rules.eprop import eprop, online_eprop
from creditlab.rules.feedback_alignment import direct_feedback_alignment, feedback_alignment
from creditlab.rules.local_three_factor import local_three_factor
from creditlab.rules.mdgl import mdgl
from creditlab.rules.node_perturbation import node_perturbation, online_node_perturbation
from creditlab.rules.online import Broadcast, Local, OnlineRule, no_plasticity
from creditlab.rules.registry import (
    RuleEntry,
    SupervisedRules,
    closed_loop_note,
    get_rule,
    register,
    rule_names,
)
from creditlab.rules.three_factor import online_three_factor, three_factor
from creditlab.rules.weight_perturbation import online_weight_perturbation, weight_perturbation

_MDGL_VARIANTS = {  # name: (modulation, description)
    "mdgl-cell-specific": ("cell-specific", "MDGL with cell-specific modulation"),
    "mdgl-shuffled-receptors": ("shuffled-receptors", "MDGL with receptors shuffled across types"),
    "mdgl-single-type": ("single-type", "MDGL with every cell one type"),
    "mdgl-no-modulation": ("none", "MDGL without modulation (e-prop)"),
}

for _entry in (
    RuleEntry(
        "bptt",
        "backpropagation through time (exact gradient)",
        supervised=bptt,
        closed_loop=closed_loop_bptt,
        knows_target=True,
        closed_loop_batching="per window: the gradient of a differentiable surrogate of the "
        "experiment over each window of steps (its docs name the window and the surrogate)",
    ),
    RuleEntry(
        "eprop",
        "e-prop: eligibility traces × a broadcast learning signal (Bellec et al. 2020)",
        supervised=eprop,
        closed_loop=online_eprop,
        learning_signal=True,
    ),
    RuleEntry(
        "node-perturbation",
        "node perturbation: each neuron's own noise × input, gated by reward surprise",
        supervised=node_perturbation,
        closed_loop=online_node_perturbation,
    ),
    RuleEntry(
        "weight-perturbation",
        "weight perturbation: a random change of every weight, kept by reward surprise",
        supervised=weight_perturbation,
        closed_loop=online_weight_perturbation,
        closed_loop_batching="per trial: one perturbation per trial, updated at its outcome",
    ),
    RuleEntry(
        "feedback-alignment",
        "feedback alignment: backpropagation through fixed random weights (Lillicrap 2016)",
        supervised=feedback_alignment,
        closed_loop=online_eprop,
        learning_signal=True,
        feedback="random",
        closed_loop_same_as="direct-feedback-alignment",
        closed_loop_reason="one plastic layer, and no error is sent back through time online",
    ),
    RuleEntry(
        "direct-feedback-alignment",
        "direct feedback alignment: the output error through fixed random weights (Nøkland 2016)",
        supervised=direct_feedback_alignment,
        closed_loop=online_eprop,
        learning_signal=True,
        feedback="random",
    ),
    RuleEntry(
        "three-factor",
        "reward-modulated Hebbian: pre × post fluctuation, gated by reward (Miconi 2017)",
        supervised=three_factor,
        closed_loop=online_three_factor,
    ),
    RuleEntry(
        "local-three-factor",
        "reward-gated pre × the depolarisation at the synapse's own site, minus its mean",
        closed_loop=local_three_factor,
    ),
    RuleEntry(
        "mdgl",
        "MDGL: e-prop plus cell-type-specific neuromodulation (Liu et al. 2021)",
        supervised=mdgl,
        closed_loop=online_eprop,
        learning_signal=True,
        closed_loop_same_as="eprop",
        closed_loop_reason="the plastic neurons are one cell type, so there is no "
        "cell-type-specific modulation to add",
    ),
    *(
        RuleEntry(name, description, supervised=partial(mdgl, modulation=modulation))
        for name, (modulation, description) in _MDGL_VARIANTS.items()
    ),
    RuleEntry(
        "mdgl-online",
        "MDGL on e-prop's online traces",
        supervised=partial(mdgl, evaluation="online"),
    ),
    RuleEntry(
        "dendritic",
        "a vectorized instructive signal at the apical tuft gates plasticity",
        closed_loop=dendritic,
        learning_signal=True,
    ),
    RuleEntry("none", "no plasticity (the control)", closed_loop=no_plasticity),
):
    register(_entry)

RULES = SupervisedRules()
MDGL_RULES = tuple(name for name in RULES if name.startswith("mdgl"))

__all__ = [
    "MDGL_RULES",
    "RULES",
    "Broadcast",
    "Local",
    "OnlineRule",
    "Rule",
    "RuleEntry",
    "SurrogateGradient",
    "bptt",
    "closed_loop_note",
    "dendritic",
    "direct_feedback_alignment",
    "eprop",
    "feedback_alignment",
    "get_rule",
    "mdgl",
    "node_perturbation",
    "register",
    "rule_names",
    "three_factor",
    "weight_perturbation",
]
