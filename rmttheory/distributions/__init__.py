r"""Limiting spectral laws sharing one protocol (:class:`SpectralDistribution`).

==============================  =================================================================
law                             of
==============================  =================================================================
:class:`MarchenkoPastur`        a white Wishart matrix (closed form)
:class:`LinearNetwork`          a linear layer's Gram matrix (a product of two Wisharts)
:class:`PenningtonWorah`        the Gram matrix of random features f(WX)
:class:`SilversteinLaw`         a sample covariance with any population, optionally deformed
:class:`MixtureSilversteinLaw`  a sample covariance whose rows come from a mixture of populations
:class:`RatioLaw`               adjacent-gap ratios (Poisson, GOE/GUE/GSE surmises)
:class:`WignerSurmise`          nearest-neighbour spacings (surmises, Poisson)
:class:`GaudinGOE`              the exact large-N GOE spacing law
:class:`ScaledLaw`              :math:`a\lambda` for another law's :math:`\lambda`
:class:`ChangeOfSizeLaw`        :math:`AA^\top` from the law of :math:`A^\top A`
:class:`TracyWidom`             the largest eigenvalue at a soft edge, β = 1, 2, 4
==============================  =================================================================

:mod:`~rmttheory.distributions.edge`: soft edges of any law (:func:`soft_edge`) and the
Tracy–Widom centring and scale of extreme eigenvalues (:func:`edge_scaling`,
:func:`hermite_edge`, :func:`laguerre_edge`).
"""

from typing import TYPE_CHECKING

from rmttheory._lazy import lazy_attributes

if TYPE_CHECKING:  # for type checkers and documentation tools; at run time, on first use
    from rmttheory.distributions.base import SpectralDistribution
    from rmttheory.distributions.edge import (
        EdgeScaling,
        SoftEdge,
        edge_scaling,
        hermite_edge,
        laguerre_edge,
        soft_edge,
    )
    from rmttheory.distributions.linear_network import LinearNetwork
    from rmttheory.distributions.marchenko_pastur import MarchenkoPastur
    from rmttheory.distributions.mixture import MixtureSilversteinLaw
    from rmttheory.distributions.pennington_worah import PenningtonWorah
    from rmttheory.distributions.ratio import RatioLaw
    from rmttheory.distributions.silverstein import SilversteinLaw
    from rmttheory.distributions.spacing import GaudinGOE, WignerSurmise
    from rmttheory.distributions.tracy_widom import TracyWidom
    from rmttheory.distributions.transforms import ChangeOfSizeLaw, ScaledLaw

#: where each name is defined (imported at its first use: a run that builds one law pays
#: for that law's modules only)
_WHERE = {
    "SpectralDistribution": "rmttheory.distributions.base",
    "EdgeScaling": "rmttheory.distributions.edge",
    "SoftEdge": "rmttheory.distributions.edge",
    "edge_scaling": "rmttheory.distributions.edge",
    "hermite_edge": "rmttheory.distributions.edge",
    "laguerre_edge": "rmttheory.distributions.edge",
    "soft_edge": "rmttheory.distributions.edge",
    "LinearNetwork": "rmttheory.distributions.linear_network",
    "MarchenkoPastur": "rmttheory.distributions.marchenko_pastur",
    "MixtureSilversteinLaw": "rmttheory.distributions.mixture",
    "PenningtonWorah": "rmttheory.distributions.pennington_worah",
    "RatioLaw": "rmttheory.distributions.ratio",
    "SilversteinLaw": "rmttheory.distributions.silverstein",
    "GaudinGOE": "rmttheory.distributions.spacing",
    "WignerSurmise": "rmttheory.distributions.spacing",
    "TracyWidom": "rmttheory.distributions.tracy_widom",
    "ChangeOfSizeLaw": "rmttheory.distributions.transforms",
    "ScaledLaw": "rmttheory.distributions.transforms",
}
__getattr__, __dir__ = lazy_attributes(globals(), _WHERE)

# a literal list, for static tools; equal to the lazy map (and the eager names):
# tests/test_architecture.py::test_lazy_package_names_resolve_and_import_late
__all__ = [
    "SpectralDistribution",
    "MarchenkoPastur",
    "LinearNetwork",
    "PenningtonWorah",
    "SilversteinLaw",
    "MixtureSilversteinLaw",
    "RatioLaw",
    "WignerSurmise",
    "GaudinGOE",
    "ScaledLaw",
    "ChangeOfSizeLaw",
    "TracyWidom",
    "SoftEdge",
    "EdgeScaling",
    "soft_edge",
    "edge_scaling",
    "hermite_edge",
    "laguerre_edge",
]
