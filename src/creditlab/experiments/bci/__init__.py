"""The mouse neurofeedback BCI experiment of Francioni et al. (Nature, 2026), in silico:
the circuit (``circuit``), the learning conditions (``learning``), one session as one
scan (``session``), the decoder and its calibration, the trial protocol, the experiment
over mice and days (``experiment``), the measurements and findings, and the outputs
(``outputs``, ``signatures``)."""

from creditlab.experiments.bci.chance import chance_accuracy
from creditlab.experiments.bci.decoder import Decoder, calibrate, decode_angle
from creditlab.experiments.bci.protocol import Protocol, ProtocolState, accuracy, run_protocol

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
