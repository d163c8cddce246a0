"""The mouse neurofeedback BCI experiment of Francioni et al. (Nature, 2026), in silico,
composed of library parts: the circuit wired from :mod:`creditlab.neurons` and
:mod:`creditlab.analysis.imaging` (``circuit``), the learning condition around a rule of
:mod:`creditlab.rules` (``learning``; BPTT's surrogate in ``surrogate``), the task
(decoder and protocol, :mod:`creditlab.tasks.bci`) and its calibration, one session as
one scan (``session``), the experiment over mice and days (``experiment``), the
measurements and findings, the rule × inhibition grid (``comparison``) and the outputs
(``outputs``, ``signatures``)."""

from creditlab.experiments.bci.chance import chance_accuracy
from creditlab.tasks.bci_decoder import Decoder, calibrate, decode_angle
from creditlab.tasks.bci_protocol import Protocol, ProtocolState, accuracy, run_protocol

__all__ = [
    "Decoder",
    "Protocol",
    "ProtocolState",
    "accuracy",
    "calibrate",
    "chance_accuracy",
    "decode_angle",
    "run_protocol",
]
