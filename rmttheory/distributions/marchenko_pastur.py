r"""The Marchenko–Pastur law, in closed form.

Law of :math:`M = \sigma^2 ZZ^\top/m` for :math:`Z\in\mathbb R^{n\times m}` with iid
standard entries, ratio :math:`r = n/m`:

.. math::

    \rho(x) = \frac{\sqrt{(x_+ - x)(x - x_-)}}{2\pi\sigma^2 r x},\qquad
    x_\pm = \sigma^2(1\pm\sqrt r)^2,

plus an atom :math:`1 - 1/r` at 0 when :math:`r > 1`.  Its Stieltjes transform
:math:`G = \mathbb E[1/(z-\lambda)]` solves
:math:`\sigma^2 r z G^2 - (z - \sigma^2(1-r))G + 1 = 0`.

In the Pennington–Worah setting, :math:`\zeta = 0` gives ``MarchenkoPastur(phi/psi, eta)``.

>>> from rmttheory.distributions import MarchenkoPastur
>>> mp = MarchenkoPastur(0.25)
>>> mp.support()
[(0.25, 2.25)]
>>> round(mp.mean(), 12), round(mp.moment(2), 12)
(1.0, 1.25)
"""

from __future__ import annotations

import math

import numpy as np

from rmttheory.distributions.base import SpectralDistribution
from rmttheory.errors import ParameterError

__all__ = ["MarchenkoPastur"]


class MarchenkoPastur(SpectralDistribution):
    """Marchenko–Pastur law of ratio ``ratio = n/m`` and scale ``scale = sigma^2``."""

    def __init__(self, ratio: float, scale: float = 1.0):
        for name, v in (("ratio", ratio), ("scale", scale)):
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
                raise ParameterError(f"{name} must be finite and > 0, got {v!r}")
        self.ratio = float(ratio)
        self.scale = float(scale)
        self.lower = self.scale * (1 - math.sqrt(self.ratio)) ** 2
        self.upper = self.scale * (1 + math.sqrt(self.ratio)) ** 2

    def __repr__(self) -> str:
        return f"MarchenkoPastur(ratio={self.ratio:g}, scale={self.scale:g})"

    def _pdf(self, x: np.ndarray) -> np.ndarray:
        inner = np.maximum((self.upper - x) * (x - self.lower), 0.0)
        return np.sqrt(inner) / (2 * math.pi * self.scale * self.ratio * x)

    def _support(self) -> list[tuple[float, float]]:
        lo = 0.0 if self.ratio == 1 else self.lower
        return [(lo, self.upper)]

    def _atoms(self) -> dict[float, float]:
        return {0.0: max(0.0, 1.0 - 1.0 / self.ratio)}

    def stieltjes(self, z):
        """Closed form; the square root is the branch that behaves like z at infinity."""
        z = np.asarray(z, dtype=complex)
        s2, r = self.scale, self.ratio
        root = np.sqrt(z - self.lower) * np.sqrt(z - self.upper)
        return ((z - s2 * (1 - r)) - root) / (2 * s2 * r * z)

    def moment(self, k: int) -> float:
        """Exact: scale^k * sum_j N(k, j) r^(j-1) (Narayana numbers)."""
        if k == 0:
            return 1.0
        tot = sum(
            math.comb(k, j) * math.comb(k, j - 1) / k * self.ratio ** (j - 1)
            for j in range(1, k + 1)
        )
        return self.scale**k * tot
