"""Neuron models: one per file, all sharing the leaky membrane of :mod:`.base`."""

from creditlab.neurons.alif import ALIF, ALIFState
from creditlab.neurons.base import NeuronModel
from creditlab.neurons.bursting_pyramidal import BurstingPyramidal, PyramidalState
from creditlab.neurons.lif import LIF, LIFState
from creditlab.neurons.medium_spiny import MediumSpiny
from creditlab.neurons.rate import Rate, RateState
from creditlab.neurons.two_compartment import TwoCompartment, TwoCompartmentState

__all__ = [
    "ALIF",
    "LIF",
    "ALIFState",
    "BurstingPyramidal",
    "LIFState",
    "MediumSpiny",
    "NeuronModel",
    "PyramidalState",
    "Rate",
    "RateState",
    "TwoCompartment",
    "TwoCompartmentState",
]
