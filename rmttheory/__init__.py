"""rmttheory: theory-first random matrix theory for deep learning."""

from .activation import Activation, activation, registered_names
from .distributions import LinearNetwork, MarchenkoPastur, PenningtonWorah
from .errors import RmtError
from .gaussian import GaussianConstants, derivative_moments, gaussian_constants

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
