r"""Nearest-neighbour spacings: unfolding and reference laws (Wigner surmise, Gaudin).

**Unfolding** maps eigenvalues to unit mean spacing, :math:`x_i = N\,F(\lambda_i)`,
with :math:`F` (method):

* ``"density"``: a known limiting law (any :class:`SpectralDistribution`, its cdf);
* ``"fit"``: a polynomial of degree ``degree`` fitted to the empirical counting
  function of the spectrum itself (smooth fit);
* ``"pool"``: for several spectra, each unfolded by the pooled empirical counting
  function of the *other* spectra (ensemble unfolding, no self-bias; the pool's
  own fluctuations widen the spacing law by O(1/K) for K spectra).

Spacings are then :math:`s_i = x_{i+1} - x_i` (edge trimming with ``trim``).

**Reference laws** (unit mean spacing), in the distribution protocol:
Poisson :math:`e^{-s}`; Wigner surmise GOE :math:`\frac\pi2 s e^{-\pi s^2/4}`, GUE
:math:`\frac{32}{\pi^2}s^2e^{-4s^2/\pi}`; and the exact large-N GOE law (Gaudin)
:math:`p_1(s) = \frac{d^2}{ds^2}E_1(0;s)` with the gap probability
:math:`E_1(0;s) = \det(I - K_+)` on :math:`L^2(0, s/2)`,
:math:`K_+(x,y) = \mathrm{sinc}(x-y) + \mathrm{sinc}(x+y)`,
:math:`\mathrm{sinc}(t) = \sin(\pi t)/(\pi t)` (the even part of the sine kernel;
Mehta), evaluated by Gauss–Legendre Nyström discretization (Bornemann, Math.
Comp. 79, 2010) and differentiated through a Chebyshev interpolant.
"""

from __future__ import annotations

import math
from functools import cached_property
from typing import Any

import numpy as np
from numpy.polynomial import chebyshev as C
from numpy.polynomial import legendre

from rmttheory.distributions.base import SpectralDistribution
from rmttheory.errors import ParameterError

__all__ = ["unfold", "spacings", "WignerSurmise", "GaudinGOE", "gap_probability_goe"]


def unfold(
    eigenvalues: Any, method: str = "fit", law: SpectralDistribution | None = None, degree: int = 9
) -> list[np.ndarray]:
    """Unfolded spectra (unit mean spacing) for one spectrum or a list of spectra."""
    spectra = [
        np.sort(np.asarray(e, float))
        for e in (eigenvalues if np.ndim(eigenvalues[0]) else [eigenvalues])
    ]
    out = []
    if method == "density":
        if law is None:
            raise ParameterError("method='density' needs law=")
        return [e.size * law.cdf(e) for e in spectra]
    if method == "fit":
        for e in spectra:
            n = e.size
            scale = max(float(np.ptp(e)), 1e-300)
            t = (e - e[0]) / scale * 2 - 1
            coef = C.chebfit(t, np.arange(1, n + 1), degree)
            out.append(C.chebval(t, coef))
        return out
    if method == "pool":
        if len(spectra) < 2:
            raise ParameterError("method='pool' needs at least two spectra")
        for k, e in enumerate(spectra):
            others = np.sort(np.concatenate([s for j, s in enumerate(spectra) if j != k]))
            # piecewise-linear counting function of the pool (a step function would
            # quantize the unfolded levels in units of 1/(number of other spectra))
            F = np.interp(e, others, (np.arange(others.size) + 0.5) / others.size)
            out.append(e.size * F)
        return out
    raise ParameterError(f"unknown unfolding method {method!r}; choose density, fit or pool")


def spacings(unfolded: list[np.ndarray], trim: float = 0.1) -> np.ndarray:
    """Nearest-neighbour spacings of unfolded spectra, ``trim`` dropped at each edge."""
    out = []
    for x in unfolded:
        x = np.sort(x)
        k = int(trim * x.size)
        x = x[k : x.size - k] if k else x
        out.append(np.diff(x))
    s = np.concatenate(out)
    return s / s.mean()


class WignerSurmise(SpectralDistribution):
    """Wigner surmise for ``ensemble`` in goe, gue, or the Poisson law e^{-s} (unit mean).

    The support is truncated where the density is below 1e-30 (s = 16 for the
    surmises, 70 for Poisson).
    """

    SINGULAR_AT_ZERO = False

    def __init__(self, ensemble: str):
        self.ensemble = ensemble.lower()
        if self.ensemble not in ("goe", "gue", "poisson"):
            raise ParameterError(f"unknown ensemble {ensemble!r}; choose goe, gue or poisson")

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
    """E_1(0; s): probability that an interval of length s (unit mean spacing) holds
    no GOE eigenvalue, det(I - K_+) on (0, s/2) by Gauss–Legendre Nyström."""
    s = np.atleast_1d(np.asarray(s, float))
    t, w = legendre.leggauss(nodes)
    out = np.empty(s.shape)
    for i, si in enumerate(s):
        if si <= 0:
            out[i] = 1.0
            continue
        h = si / 2
        x, ww = h * (t + 1) / 2, w * h / 2
        K = np.sinc(x[:, None] - x[None, :]) + np.sinc(x[:, None] + x[None, :])
        A = np.eye(nodes) - np.sqrt(ww)[:, None] * K * np.sqrt(ww)[None, :]
        out[i] = np.linalg.det(A)
    return out


class GaudinGOE(SpectralDistribution):
    """Exact large-N GOE nearest-neighbour spacing law (unit mean), p_1 = E_1''.

    E_1(0; s) is interpolated by a degree-80 Chebyshev series on [0, 8] and
    differentiated twice; beyond s = 8 the density is below 1e-15.
    """

    SINGULAR_AT_ZERO = False

    S_MAX = 8.0

    def __repr__(self) -> str:
        return "GaudinGOE()"

    @cached_property
    def _d2(self) -> np.ndarray:
        coef = C.chebinterpolate(lambda u: gap_probability_goe(self.S_MAX * (u + 1) / 2), 80)
        return C.chebder(coef, 2) * (2 / self.S_MAX) ** 2

    def gap_probability(self, s: Any) -> np.ndarray:
        return gap_probability_goe(s)

    def _pdf(self, s: np.ndarray) -> np.ndarray:
        u = 2 * np.asarray(s, float) / self.S_MAX - 1
        return np.maximum(C.chebval(u, self._d2), 0.0)

    def _support(self) -> list[tuple[float, float]]:
        return [(0.0, self.S_MAX)]
