"""The mouse neurofeedback BCI task of Francioni et al. (Nature, 2026): the decoder that
maps P+ and P− activity to a grating angle, and the trial protocol (issue 5, in
progress: the circuit, imaging model, rules and measurements are still to come)."""

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
