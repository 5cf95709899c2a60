"""Exact Hessians of network losses and a random-matrix model of them."""

from rmttheory.hessians.exact import Hessian, exact_hessian, hessian_bytes, rowwise_hessian
from rmttheory.hessians.gauss_newton import gauss_newton_factors, gauss_newton_spectrum
from rmttheory.hessians.loss import LossSpec
from rmttheory.hessians.model import HessianModel, count_outliers
from rmttheory.hessians.operator import HessianOperator, top_eigenvalues
from rmttheory.hessians.slq import SpectralQuadrature, slq_density
from rmttheory.hessians.spectrum import HessianSpectrum, hessian_spectrum

__all__ = [
    "LossSpec",
    "Hessian",
    "exact_hessian",
    "hessian_bytes",
    "rowwise_hessian",
    "HessianOperator",
    "top_eigenvalues",
    "HessianSpectrum",
    "hessian_spectrum",
    "gauss_newton_factors",
    "gauss_newton_spectrum",
    "SpectralQuadrature",
    "slq_density",
    "HessianModel",
    "count_outliers",
]
