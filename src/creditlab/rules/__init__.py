"""Learning rules on the rule contract of :mod:`.base`, one per file; looked up by name."""

from creditlab.rules.base import Rule
from creditlab.rules.bptt import bptt
from creditlab.rules.eprop import eprop

RULES = {"bptt": bptt, "eprop": eprop}

__all__ = ["RULES", "Rule", "bptt", "eprop"]
