r"""Laws derived from another law by a change of variable.

:class:`ScaledLaw` is the law of :math:`a\lambda` for :math:`\lambda` drawn from a
base law and :math:`a > 0`: density :math:`\rho(x/a)/a`, atoms moved to
:math:`a\cdot\text{location}`, Stieltjes transform :math:`G(z/a)/a`, moments
:math:`a^k m_k`.

It is also the Pennington–Worah equation with the *wrong argument*: writing
:math:`G(z) = (\psi/z)P(1/z) + (1-\psi)/z` instead of :math:`P(1/(z\psi))` gives
exactly the law of :math:`\psi\lambda` (its moments are
:math:`\psi p_k = \psi^k m_k`), which is how the power analysis builds that
perturbation (``tests/test_distributions.py::test_wrong_argument_is_scaling``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rmttheory import _params
from rmttheory.distributions.base import SpectralDistribution
from rmttheory.errors import ParameterError

__all__ = ["ScaledLaw"]


class ScaledLaw(SpectralDistribution):
    """The law of :math:`a\\lambda` for :math:`\\lambda` from ``base`` (module docstring).

    Parameters
    ----------
    base
        Any law of the package.
    factor
        :math:`a > 0`.

    Examples
    --------
    >>> from rmttheory.distributions import MarchenkoPastur
    >>> law = ScaledLaw(MarchenkoPastur(0.5), 2.0)
    >>> law.support(), round(law.mean(), 12)
    ([(0.17157287525381, 5.82842712474619)], 2.0)
    """

    def __init__(self, base: SpectralDistribution, factor: float):
        if not isinstance(base, SpectralDistribution):
            raise ParameterError("base must be a law of rmttheory.distributions")
        self.base = base
        self.factor = _params.real(factor, "factor", positive=True)
        self.SINGULAR_AT_LOWER = base.SINGULAR_AT_LOWER
        self.MASS_TOL = base.MASS_TOL

    def __repr__(self) -> str:
        return f"ScaledLaw({self.base!r}, {self.factor:g})"

    def _pdf(self, x: np.ndarray) -> np.ndarray:
        return self.base._pdf(np.asarray(x) / self.factor) / self.factor

    def _support(self) -> list[tuple[float, float]]:
        return [(lo * self.factor, hi * self.factor) for lo, hi in self.base.support()]

    def _atoms(self) -> dict[float, float]:
        return {loc * self.factor: mass for loc, mass in self.base.atoms().items()}

    def _lower(self) -> float:
        return self.base._lower() * self.factor

    def _cdf(self, x: np.ndarray) -> np.ndarray | None:
        return self.base.cdf(np.asarray(x) / self.factor)

    def _stieltjes(self, z: np.ndarray) -> np.ndarray:
        return self.base._stieltjes(np.asarray(z) / self.factor) / self.factor

    def _moment(self, k: int) -> float | None:
        return float(self.factor**k * self.base.moment(k))

    def ks_distance(self, sample: Any) -> float:
        """KS distance of ``sample`` (the base law's distance of ``sample / factor``)."""
        sample = _params.real_array(sample, "sample", allow_empty=False, finite=True)
        return self.base.ks_distance(sample / self.factor)
