r"""Laws derived from another law by a change of variable or of size.

:class:`ScaledLaw` is the law of :math:`a\lambda` for :math:`\lambda` drawn from a
base law and :math:`a > 0`: density :math:`\rho(x/a)/a`, atoms moved to
:math:`a\cdot\text{location}`, Stieltjes transform :math:`G(z/a)/a`, moments
:math:`a^k m_k`.

:class:`ChangeOfSizeLaw` is the law of the eigenvalues of :math:`AA^\top` (size
:math:`p`) given that of :math:`A^\top A` (size :math:`q`): the same nonzero
eigenvalues, the zeros adjusted, :math:`p(1 - F_p(x)) = q(1 - F_q(x))` for
:math:`x\ge0`; :math:`G_p(z) = (q/p)G_q(z) + (1 - q/p)/z`.  With :class:`ScaledLaw` it
maps the random-features Gram matrix :math:`K = \Sigma^\top\Sigma/N` to
Pennington–Worah's :math:`M = \Sigma\Sigma^\top/m`.

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

__all__ = ["ScaledLaw", "ChangeOfSizeLaw"]


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


class ChangeOfSizeLaw(SpectralDistribution):
    """The law of :math:`AA^\\top` (size ``size``) from that of :math:`A^\\top A` (module docstring).

    Parameters
    ----------
    base
        The law of the eigenvalues of :math:`A^\\top A` (nonnegative, size ``base_size``).
    base_size, size
        :math:`q` and :math:`p`.  The atom at 0 of the result,
        :math:`1 - (q/p)(1 - H(\\{0\\}))`, must be >= 0.

    Examples
    --------
    >>> from rmttheory.distributions import MarchenkoPastur
    >>> law = ChangeOfSizeLaw(MarchenkoPastur(0.5), 100, 200)  # 100 nonzero of 200
    >>> law.atoms(), round(float(law.cdf(1.0) - 0.5), 12) == round(float(MarchenkoPastur(0.5).cdf(1.0)) / 2, 12)
    ({0.0: 0.5}, True)
    """

    def __init__(self, base: SpectralDistribution, base_size: int, size: int):
        if not isinstance(base, SpectralDistribution):
            raise ParameterError("base must be a law of rmttheory.distributions")
        self.base = base
        q = _params.integer(base_size, "base_size", minimum=1)
        p = _params.integer(size, "size", minimum=1)
        self.ratio = q / p
        zero = base.atoms().get(0.0, 0.0)
        self.zero = 1 - self.ratio * (1 - zero)
        if self.zero < -1e-12:
            raise ParameterError(
                f"a {p}-dimensional companion cannot hold the {q * (1 - zero):.6g} nonzero "
                f"eigenvalues of the base law"
            )
        self.zero = max(self.zero, 0.0)
        self.MASS_TOL = base.MASS_TOL

    def __repr__(self) -> str:
        return f"ChangeOfSizeLaw({self.base!r}, ratio {self.ratio:g})"

    def _pdf(self, x: np.ndarray) -> np.ndarray:
        return self.ratio * self.base._pdf(np.asarray(x))

    def _support(self) -> list[tuple[float, float]]:
        return self.base.support()

    def _atoms(self) -> dict[float, float]:
        out = {loc: self.ratio * m for loc, m in self.base.atoms().items() if loc != 0.0}
        if self.zero > 0:
            out[0.0] = self.zero
        return out

    def _lower(self) -> float:
        return self.base._lower()

    def _cdf(self, x: np.ndarray) -> np.ndarray | None:
        x = np.asarray(x, dtype=float)
        F = 1 - self.ratio * (1 - self.base.cdf(x))
        return np.where(x < 0, 0.0, F)

    def _stieltjes(self, z: np.ndarray) -> np.ndarray:
        z = np.asarray(z, dtype=complex)
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.ratio * self.base._stieltjes(z) + (1 - self.ratio) / z

    def _moment(self, k: int) -> float | None:
        return float(self.ratio * self.base.moment(k)) if k > 0 else None
