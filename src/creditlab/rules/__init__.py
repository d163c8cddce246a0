"""Learning rules on the rule contract of :mod:`.base`, one per file; looked up by name."""

from creditlab.rules.base import Rule
from creditlab.rules.bptt import bptt
from creditlab.rules.eprop import eprop
from creditlab.rules.feedback_alignment import direct_feedback_alignment, feedback_alignment
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
}

__all__ = [
    "RULES",
    "Rule",
    "bptt",
    "direct_feedback_alignment",
    "eprop",
    "feedback_alignment",
    "node_perturbation",
    "three_factor",
    "weight_perturbation",
]
