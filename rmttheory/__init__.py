"""rmttheory: theory-first random matrix theory for deep learning.

The path: :mod:`~rmttheory.activation` → :mod:`~rmttheory.constants` →
:mod:`~rmttheory.equation` → :mod:`~rmttheory.solver` →
:mod:`~rmttheory.distributions` → :mod:`~rmttheory.validation`; extensions in
:mod:`~rmttheory.algebra` (laws derived by operations on polynomials in :math:`G`),
:mod:`~rmttheory.kernels`, :mod:`~rmttheory.regression`,
:mod:`~rmttheory.local_statistics` and :mod:`~rmttheory.hessians`.
"""

from typing import TYPE_CHECKING

from rmttheory._lazy import lazy_attributes
from rmttheory._process import prepare_command_line_process
from rmttheory.errors import (
    ActivationError,
    ConvergenceError,
    NotIntegrableError,
    ParameterError,
    ResourceError,
    RmtError,
)

prepare_command_line_process()  # before numpy loads (the command's process only)

# eager (after the line above: it imports numpy): the function ``activation`` shares its
# name with its module, which an import of the module would otherwise bind here instead
from rmttheory.activation import Activation, activation, registered_names  # noqa: E402

if TYPE_CHECKING:  # for type checkers and documentation tools; at run time, on first use
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
    from rmttheory.equation import PenningtonWorahEquation

__version__ = "0.2.0"

#: where each name is defined: imported at first use, so that a command pays only for the
#: modules it touches (the symbolic equation imports sympy: 0.35-0.5 s)
_WHERE = {
    "GaussianConstants": "rmttheory.constants",
    "gaussian_constants": "rmttheory.constants",
    "derivative_moments": "rmttheory.constants",
    "PenningtonWorahEquation": "rmttheory.equation",
    **{
        name: "rmttheory.distributions"
        for name in (
            "SpectralDistribution",
            "MarchenkoPastur",
            "LinearNetwork",
            "PenningtonWorah",
            "SilversteinLaw",
            "RatioLaw",
            "WignerSurmise",
            "GaudinGOE",
        )
    },
}
__getattr__, __dir__ = lazy_attributes(globals(), _WHERE)


# a literal list, for static tools; equal to the lazy map (and the eager names):
# tests/test_architecture.py::test_lazy_package_names_resolve_and_import_late
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
