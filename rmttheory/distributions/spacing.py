r"""Laws of nearest-neighbour spacings at unit mean: Wigner surmises, Poisson, Gaudin.

* Poisson :math:`e^{-s}`; Wigner surmise GOE :math:`\frac\pi2 s e^{-\pi s^2/4}`, GUE
  :math:`\frac{32}{\pi^2}s^2e^{-4s^2/\pi}` (:class:`WignerSurmise`);
* the exact large-N GOE law (Gaudin, :class:`GaudinGOE`)
  :math:`p_1(s) = \frac{d^2}{ds^2}E_1(0;s)`, with the gap probability
  :math:`E_1(0;s) = \det(I - K_+)` on :math:`L^2(0, s/2)`,
  :math:`K_+(x,y) = \mathrm{sinc}(x-y) + \mathrm{sinc}(x+y)`,
  :math:`\mathrm{sinc}(t) = \sin(\pi t)/(\pi t)` (the even part of the sine kernel;
  Mehta), evaluated by Gauss–Legendre Nyström discretization (Bornemann, Math.
  Comp. 79, 2010) and differentiated twice through a Chebyshev interpolant.

Examples
--------
>>> round(WignerSurmise("goe").mean(), 12)
1.0
"""

from __future__ import annotations

import math
from functools import cached_property
from typing import Any

import numpy as np
from numpy.polynomial import chebyshev as C
from numpy.polynomial import legendre

from rmttheory import _params
from rmttheory.distributions.base import SpectralDistribution

__all__ = ["WignerSurmise", "GaudinGOE", "gap_probability_goe"]


class WignerSurmise(SpectralDistribution):
    """Wigner surmise for ``ensemble`` in goe, gue, or the Poisson law :math:`e^{-s}` (unit mean).

    The support is truncated where the density is below 1e-30 (s = 16 for the
    surmises, 70 for Poisson).

    Parameters
    ----------
    ensemble
        ``"goe"``, ``"gue"`` or ``"poisson"``.

    Examples
    --------
    >>> round(float(WignerSurmise("poisson").cdf(1.0)), 12)  # 1 - 1/e
    0.632120558829
    """

    SINGULAR_AT_LOWER = False

    def __init__(self, ensemble: str):
        self.ensemble = _params.choice(ensemble, "ensemble", ("goe", "gue", "poisson"))

    def __repr__(self) -> str:
        return f"WignerSurmise({self.ensemble!r})"

    def _pdf(self, s: np.ndarray) -> np.ndarray:
        if self.ensemble == "goe":
            return math.pi / 2 * s * np.exp(-math.pi * s * s / 4)
        if self.ensemble == "gue":
            return 32 / math.pi**2 * s * s * np.exp(-4 * s * s / math.pi)
        return np.exp(-s)

    def _support(self) -> list[tuple[float, float]]:
        return [(0.0, 70.0 if self.ensemble == "poisson" else 16.0)]


def gap_probability_goe(s: Any, nodes: int = 40) -> np.ndarray:
    """:math:`E_1(0; s)`: probability that an interval of length ``s`` (unit mean spacing)
    holds no GOE eigenvalue, :math:`\\det(I - K_+)` on :math:`(0, s/2)` by Gauss–Legendre Nyström.

    Parameters
    ----------
    s
        Interval lengths (>= 0; any shape); :math:`E_1(0;\\infty) = 0`.
    nodes
        Quadrature nodes of the Nyström discretization.

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> float(gap_probability_goe(0.0)[0])
    1.0
    """
    s = np.atleast_1d(_params.real_array(s, "s", nonnegative=True))
    nodes = _params.integer(nodes, "nodes", minimum=2, maximum=400)
    t, w = legendre.leggauss(nodes)
    out = np.empty(s.shape)
    for i, si in np.ndenumerate(s):
        if si <= 0 or si > 40:  # E_1(0; s) < exp(-pi^2 s^2 / 16) underflows beyond 40
            out[i] = 1.0 if si <= 0 else 0.0
            continue
        h = si / 2
        x, ww = h * (t + 1) / 2, w * h / 2
        K = np.sinc(x[:, None] - x[None, :]) + np.sinc(x[:, None] + x[None, :])
        A = np.eye(nodes) - np.sqrt(ww)[:, None] * K * np.sqrt(ww)[None, :]
        out[i] = np.linalg.det(A)
    return out


class GaudinGOE(SpectralDistribution):
    """Exact large-N GOE nearest-neighbour spacing law (unit mean), :math:`p_1 = E_1''`.

    :math:`E_1(0; s)` is interpolated by a degree-80 Chebyshev series on [0, 8] and
    differentiated twice; beyond s = 8 the density is below 1e-15.

    Examples
    --------
    >>> round(GaudinGOE().mean(), 8)
    1.0
    """

    SINGULAR_AT_LOWER = False

    S_MAX = 8.0

    def __repr__(self) -> str:
        return "GaudinGOE()"

    @cached_property
    def _d2(self) -> np.ndarray:
        coef = C.chebinterpolate(  # type: ignore[type-var]
            lambda u: gap_probability_goe(self.S_MAX * (u + 1) / 2), 80
        )
        return C.chebder(coef, 2) * (2 / self.S_MAX) ** 2

    def gap_probability(self, s: Any) -> np.ndarray:
        """:math:`E_1(0; s)` (see :func:`gap_probability_goe`)."""
        return gap_probability_goe(s)

    def _pdf(self, s: np.ndarray) -> np.ndarray:
        u = 2 * np.asarray(s, float) / self.S_MAX - 1
        return np.maximum(C.chebval(u, self._d2), 0.0)

    def _support(self) -> list[tuple[float, float]]:
        return [(0.0, self.S_MAX)]
