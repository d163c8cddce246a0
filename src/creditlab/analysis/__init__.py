"""Analyses of what rules and networks do; gradient alignment first."""

from creditlab.analysis.gradient_alignment import Alignment, gradient_alignment, weight_alignment

__all__ = ["Alignment", "gradient_alignment", "weight_alignment"]
