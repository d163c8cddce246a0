"""The chance level of the BCI task: activity recorded without learning, replayed through
the same decoder and trial protocol (Francioni et al. 2026, Fig. 1g, dashed line).

Baseline activity does not depend on the screen, so the frames are read in order and
each trial's outcome is whether d reaches the target within its 28 s; the black screens
between trials consume frames as they would in a session.
"""

from __future__ import annotations

from functools import partial

import jax
from jax import Array

from creditlab.tasks.bci_decoder import Decoder, decode_angle
from creditlab.tasks.bci_protocol import Protocol, accuracy, run_protocol


@partial(jax.jit, static_argnames="protocol")
def chance_accuracy(decoder: Decoder, plus: Array, minus: Array, protocol: Protocol) -> Array:
    """Fraction of trials that baseline ΔF/F0 ``plus [frames, n_plus]``, ``minus [frames,
    n_minus]`` would win, replayed through ``decoder`` and ``protocol``."""
    return accuracy(run_protocol(protocol, decode_angle(decoder, plus, minus)))
