"""Learning rules on the rule contract of :mod:`.base`, one per file; looked up by name."""

from functools import partial

from creditlab.rules.base import Rule
from creditlab.rules.bptt import bptt
from creditlab.rules.eprop import eprop
from creditlab.rules.feedback_alignment import direct_feedback_alignment, feedback_alignment
from creditlab.rules.mdgl import mdgl
from creditlab.rules.node_perturbation import node_perturbation
from creditlab.rules.three_factor import three_factor
from creditlab.rules.weight_perturbation import weight_perturbation

RULES = {
    "bptt": bptt,
    "eprop": eprop,
    "node-perturbation": node_perturbation,
    "weight-perturbation": weight_perturbation,
    "feedback-alignment": feedback_alignment,
    "direct-feedback-alignment": direct_feedback_alignment,
    "three-factor": three_factor,
    "mdgl": mdgl,
    "mdgl-cell-specific": partial(mdgl, modulation="cell-specific"),
    "mdgl-shuffled-receptors": partial(mdgl, modulation="shuffled-receptors"),
    "mdgl-single-type": partial(mdgl, modulation="single-type"),
    "mdgl-no-modulation": partial(mdgl, modulation="none"),
    "mdgl-online": partial(mdgl, evaluation="online"),
}
MDGL_RULES = tuple(name for name in RULES if name.startswith("mdgl"))

__all__ = [
    "MDGL_RULES",
    "RULES",
    "Rule",
    "bptt",
    "direct_feedback_alignment",
    "eprop",
    "feedback_alignment",
    "mdgl",
    "node_perturbation",
    "three_factor",
    "weight_perturbation",
]
