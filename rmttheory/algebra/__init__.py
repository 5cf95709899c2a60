r"""The algebra of spectral laws: laws given by a polynomial in their Stieltjes
transform, operations that derive new laws from old ones, and the random-feature
Gram laws derived from them.

==========================================  ========================================================
object                                      what it is
==========================================  ========================================================
:class:`AlgebraicLaw`                       polynomial :math:`L(G, z) = 0`, atoms, exact moments
:mod:`~rmttheory.algebra.classical`         Marchenko–Pastur, semicircle, free Poisson, Wachter,
                                            point masses and discrete laws
:mod:`~rmttheory.algebra.operations`        scaling, shift, inversion, change of size, free
                                            additive and multiplicative convolution, Wishart of a
                                            population, information plus noise
:class:`AlgebraicDistribution`              the numeric law (pdf, cdf, stieltjes...) of any
                                            numeric :class:`AlgebraicLaw`
:func:`nonlinear_gram`                      the law of :math:`f(WX)f(WX)^\top/m`, derived
                                            (Pennington–Worah as a special case)
:func:`outliers`                            outliers and eigenvector overlaps of spiked models
                                            (additive, covariance, rectangular) of any law
==========================================  ========================================================
"""

from rmttheory.algebra.classical import (
    discrete,
    free_poisson,
    marchenko_pastur,
    point_mass,
    semicircle,
    wachter,
)
from rmttheory.algebra.distribution import AlgebraicDistribution
from rmttheory.algebra.law import AlgebraicLaw, branch_factor
from rmttheory.algebra.models import deep_nonlinear_gram, nonlinear_gram
from rmttheory.algebra.operations import (
    change_size,
    free_add,
    free_multiply,
    information_plus_noise,
    invert,
    scale,
    shift,
    wishart,
)
from rmttheory.algebra.outliers import Outlier, outliers

__all__ = [
    "AlgebraicLaw",
    "AlgebraicDistribution",
    "branch_factor",
    "marchenko_pastur",
    "semicircle",
    "free_poisson",
    "point_mass",
    "discrete",
    "wachter",
    "scale",
    "shift",
    "invert",
    "change_size",
    "free_add",
    "free_multiply",
    "wishart",
    "information_plus_noise",
    "nonlinear_gram",
    "deep_nonlinear_gram",
    "outliers",
    "Outlier",
]
