"""rmttheory: theory-first random matrix theory for deep learning."""

from rmttheory.activation import Activation, activation, registered_names
from rmttheory.constants import GaussianConstants, derivative_moments, gaussian_constants
from rmttheory.distributions import LinearNetwork, MarchenkoPastur, PenningtonWorah
from rmttheory.errors import RmtError

__version__ = "0.1.0"
__all__ = [
    "Activation",
    "activation",
    "registered_names",
    "GaussianConstants",
    "gaussian_constants",
    "derivative_moments",
    "RmtError",
    "PenningtonWorah",
    "MarchenkoPastur",
    "LinearNetwork",
]
