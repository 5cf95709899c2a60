r"""The Marchenko–Pastur law, in closed form.

Law of :math:`M = \sigma^2 ZZ^\top/m` for :math:`Z\in\mathbb R^{n\times m}` with iid
standard entries, ratio :math:`r = n/m`:

.. math::

    \rho(x) = \frac{\sqrt{(x_+ - x)(x - x_-)}}{2\pi\sigma^2 r x},\qquad
    x_\pm = \sigma^2(1\pm\sqrt r)^2,

plus an atom :math:`1 - 1/r` at 0 when :math:`r > 1`.  Its Stieltjes transform
:math:`G = \mathbb E[1/(z-\lambda)]` solves
:math:`\sigma^2 r z G^2 - (z - \sigma^2(1-r))G + 1 = 0`; the physical root is
written :math:`G = 2/\big(z - \sigma^2(1-r) + \sqrt{z-x_-}\sqrt{z-x_+}\big)` (principal
square roots), which has no cancellation anywhere, :math:`z = 0` included.  The cdf is
exact: with :math:`a = x_-`, :math:`b = x_+`,

.. math::

    \int_a^x \frac{\sqrt{(b-t)(t-a)}}{t}\,dt = \Big[\sqrt{(b-t)(t-a)}
    + \tfrac{a+b}{2}\arcsin\tfrac{2t-a-b}{b-a}
    - \sqrt{ab}\,\arcsin\tfrac{(a+b)t-2ab}{(b-a)t}\Big]_a^x .

In the Pennington–Worah setting, :math:`\zeta = 0` gives ``MarchenkoPastur(phi/psi, eta)``.

>>> mp = MarchenkoPastur(0.25)
>>> mp.support()
[(0.25, 2.25)]
>>> round(mp.mean(), 12), round(mp.moment(2), 12)
(1.0, 1.25)
"""

from __future__ import annotations

import math

import numpy as np

from rmttheory import _params
from rmttheory.distributions.base import SpectralDistribution

__all__ = ["MarchenkoPastur"]

#: numpy's clip ufunc itself: ``ndarray.clip`` checks its arguments in Python first (0.65 of
#: its 2 us at 10^3 points, a tenth of the whole density); the method where it is absent
_clip = getattr(getattr(np, "_core", None), "umath", np).__dict__.get("clip", np.clip)


class MarchenkoPastur(SpectralDistribution):
    """Marchenko–Pastur law of ratio ``ratio = n/m`` and scale ``scale = sigma^2``.

    Parameters
    ----------
    ratio
        :math:`r = n/m > 0` (dimension over samples).
    scale
        :math:`\\sigma^2 > 0`, the variance of the entries; the mean of the law.

    Examples
    --------
    >>> law = MarchenkoPastur(4.0)
    >>> law.atoms(), round(float(law.cdf(4.0)), 6)
    ({0.0: 0.75}, 0.888348)
    """

    def __init__(self, ratio: float, scale: float = 1.0):
        self.ratio = _params.real(ratio, "ratio", positive=True)
        self.scale = _params.real(scale, "scale", positive=True)
        self.lower = self.scale * (1 - math.sqrt(self.ratio)) ** 2
        self.upper = self.scale * (1 + math.sqrt(self.ratio)) ** 2
        self._norm = 2 * math.pi * self.scale * self.ratio

    def __repr__(self) -> str:
        return f"MarchenkoPastur(ratio={self.ratio:g}, scale={self.scale:g})"

    #: the closed form below is 0 off the support (``SpectralDistribution.pdf`` needs no masks)
    PDF_EVERYWHERE = True

    def _pdf(self, x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        # sqrt((b - c)(c - a)) / (2 pi s r c) with c = clip(x, a, b): seven array passes in
        # place, no masks and no floating-point flags (errstate costs as much as a pass at
        # 10^3 points).  c = x on the support; off it the numerator is 0 and c >= a > 0
        # keeps the quotient 0 (a = 0 is a hard edge, handled by the caller).
        if not isinstance(x, np.ndarray) or x.dtype is not _params.F64:
            x = np.asarray(x, dtype=float)
        if x.ndim == 0:  # quadrature callers pass scalars
            return self._pdf(x.reshape(1))[0]
        a, b = self.lower, self.upper
        c = _clip(x, a, b)
        t = np.subtract(b, c, out=out)
        t *= np.subtract(c, a)  # not c (a + b - c) - ab: that loses digits near the edges
        np.sqrt(t, out=t)
        c *= self._norm
        t /= c
        return t

    def _pdf_into(self, x: np.ndarray, out: np.ndarray) -> None:
        self._pdf(x, out=out)

    def _support(self) -> list[tuple[float, float]]:
        lo = 0.0 if self.ratio == 1 else self.lower
        return [(lo, self.upper)]

    def _atoms(self) -> dict[float, float]:
        return {0.0: max(0.0, 1.0 - 1.0 / self.ratio)}

    def _antiderivative(self, t: np.ndarray) -> np.ndarray:
        a, b = self.lower, self.upper
        t = np.clip(t, max(a, 1e-300), b)
        root = np.sqrt(np.maximum((b - t) * (t - a), 0.0))
        first = 0.5 * (a + b) * np.arcsin(np.clip((2 * t - a - b) / (b - a), -1.0, 1.0))
        second = math.sqrt(a * b) * np.arcsin(
            np.clip(((a + b) * t - 2 * a * b) / ((b - a) * t), -1.0, 1.0)
        )
        return root + first - second

    def _cdf(self, x: np.ndarray) -> np.ndarray:
        norm = 2 * math.pi * self.scale * self.ratio
        a, b = self.lower, self.upper
        # the antiderivative at the lower edge, exactly (both arcsines at -1): evaluating
        # it there costs ~1e-9, the square root of rounding, where arcsin is singular
        start = -(a + b) * math.pi / 4 + math.sqrt(a * b) * math.pi / 2
        cont = (self._antiderivative(x) - start) / norm
        cont = np.where(x <= self.lower, 0.0, np.where(x >= self.upper, 1 - self.atom_mass, cont))
        return cont + np.where(x >= 0, self.atom_mass, 0.0)

    def _stieltjes(self, z: np.ndarray) -> np.ndarray:
        root = np.sqrt(z - self.lower) * np.sqrt(z - self.upper)
        return 2.0 / (z - self.scale * (1 - self.ratio) + root)

    def _moment(self, k: int) -> float | None:
        """Exact for k >= 1: scale^k sum_j N(k, j) r^(j-1) (Narayana numbers)."""
        if k < 0:
            return None
        tot = sum(
            math.comb(k, j) * math.comb(k, j - 1) / k * self.ratio ** (j - 1)
            for j in range(1, k + 1)
        )
        return self.scale**k * tot
