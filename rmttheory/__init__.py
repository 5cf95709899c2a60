"""rmttheory: theory-first random matrix theory for deep learning.

The path: :mod:`~rmttheory.activation` → :mod:`~rmttheory.constants` →
:mod:`~rmttheory.equation` → :mod:`~rmttheory.solver` →
:mod:`~rmttheory.distributions` → :mod:`~rmttheory.validation`; extensions in
:mod:`~rmttheory.algebra` (laws derived by operations on polynomials in :math:`G`),
:mod:`~rmttheory.kernels`, :mod:`~rmttheory.regression`,
:mod:`~rmttheory.local_statistics` and :mod:`~rmttheory.hessians`.
"""

from typing import TYPE_CHECKING

from rmttheory.activation import Activation, activation, registered_names
from rmttheory.constants import GaussianConstants, derivative_moments, gaussian_constants
from rmttheory.distributions import (
    GaudinGOE,
    LinearNetwork,
    MarchenkoPastur,
    PenningtonWorah,
    RatioLaw,
    SilversteinLaw,
    SpectralDistribution,
    WignerSurmise,
)
from rmttheory.errors import (
    ActivationError,
    ConvergenceError,
    NotIntegrableError,
    ParameterError,
    ResourceError,
    RmtError,
)

if TYPE_CHECKING:
    from rmttheory.equation import PenningtonWorahEquation

__version__ = "0.2.0"


def __getattr__(name: str) -> object:
    # the symbolic equation imports sympy (0.35-0.5 s): only when asked for
    if name == "PenningtonWorahEquation":
        from rmttheory.equation import PenningtonWorahEquation

        return PenningtonWorahEquation
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Activation",
    "activation",
    "registered_names",
    "GaussianConstants",
    "gaussian_constants",
    "derivative_moments",
    "PenningtonWorahEquation",
    "SpectralDistribution",
    "MarchenkoPastur",
    "LinearNetwork",
    "PenningtonWorah",
    "SilversteinLaw",
    "RatioLaw",
    "WignerSurmise",
    "GaudinGOE",
    "RmtError",
    "ActivationError",
    "NotIntegrableError",
    "ParameterError",
    "ConvergenceError",
    "ResourceError",
]
