r"""Long-range statistics of unfolded spectra: the number variance :math:`\Sigma^2(L)`.

For an unfolded spectrum (unit mean spacing, :func:`rmttheory.spacings.unfold`),
:math:`\Sigma^2(L)` is the variance of the number of levels in a window of length
:math:`L`.  Theory (Mehta, *Random Matrices*, ch. 16):

.. math:: \Sigma^2(L) = L - 2\int_0^L (L - r)\,Y_2(r)\,dr,

with the two-level cluster function :math:`Y_2 = 0` (Poisson: :math:`\Sigma^2 = L`),
:math:`Y_2 = s(r)^2` (GUE) and :math:`Y_2 = s(r)^2 + s'(r)\int_r^\infty s(t)\,dt` (GOE),
:math:`s(r) = \sin(\pi r)/(\pi r)`.  For large :math:`L`, GOE grows like
:math:`\tfrac{2}{\pi^2}(\ln 2\pi L + \gamma + 1 - \pi^2/8)` and GUE like
:math:`\tfrac{1}{\pi^2}(\ln 2\pi L + \gamma + 1)`: the spectrum is rigid where Poisson
levels are not.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from rmttheory import _params
from rmttheory.errors import ParameterError
from rmttheory.local_statistics.unfolding import as_spectra

__all__ = ["number_variance", "number_variance_theory"]


def _sinc(r: np.ndarray) -> np.ndarray:
    return np.sinc(r)  # numpy's sinc is sin(pi r)/(pi r)


def _y2(ensemble: str, r: np.ndarray) -> np.ndarray:
    from scipy.special import sici

    s = _sinc(r)
    if ensemble == "gue":
        return s * s
    # s'(r) = (cos(pi r) - s(r)) / r, and int_r^inf s = 1/2 - Si(pi r)/pi
    with np.errstate(divide="ignore", invalid="ignore"):
        ds = np.where(r > 1e-8, (np.cos(np.pi * r) - s) / r, -(np.pi**2) * r / 3)
    tail = 0.5 - sici(np.pi * r)[0] / np.pi
    return s * s + ds * tail


def number_variance_theory(ensemble: str, L: Any) -> np.ndarray:
    """:math:`\\Sigma^2(L)` of the large-N ``ensemble`` (poisson, goe or gue), vectorised in ``L``.

    Parameters
    ----------
    ensemble
        ``"poisson"``, ``"goe"`` or ``"gue"``.
    L
        Window lengths (>= 0, in units of the mean spacing).

    Returns
    -------
    numpy.ndarray
        Same shape as ``L``.

    Examples
    --------
    >>> float(number_variance_theory("poisson", 3.0))
    3.0
    >>> round(float(number_variance_theory("goe", 1.0)), 4)
    0.4463
    """
    shape = np.shape(L)
    L = np.atleast_1d(np.asarray(L, dtype=float))
    if np.any(~np.isfinite(L)) or np.any(L < 0):
        raise ParameterError("window lengths L must be finite and >= 0")
    if ensemble == "poisson":
        return L.copy().reshape(shape)
    if ensemble not in ("goe", "gue"):
        raise ParameterError(f"number variance theory for poisson, goe or gue, not {ensemble!r}")
    t, w = np.polynomial.legendre.leggauss(200)
    out = np.empty_like(L)
    for i, l in enumerate(L):
        # Gauss-Legendre on [0, L] in pieces of length <= 1 (Y2 oscillates with period 1)
        pieces = max(1, math.ceil(l))
        edges = np.linspace(0.0, l, pieces + 1)
        total = 0.0
        for a, b in zip(edges[:-1], edges[1:]):
            r = a + (b - a) * (t + 1) / 2
            total += float(np.sum(w * (l - r) * _y2(ensemble, r))) * (b - a) / 2
        out[i] = l - 2 * total
    return out.reshape(shape)


def number_variance(unfolded: Any, L: Any, trim: float = 0.1, stride: float = 0.25) -> np.ndarray:
    """Empirical :math:`\\Sigma^2(L)` of unfolded spectra (one array or a list).

    Windows :math:`[x_0, x_0 + L]` start every ``stride`` (in units of the mean
    spacing) inside the spectrum with a fraction ``trim`` dropped at each end; the
    variance of the counts about :math:`L` is averaged over windows and spectra.

    Parameters
    ----------
    unfolded
        Unfolded spectra (:func:`rmttheory.local_statistics.unfolding.unfold`).
    L
        Window lengths (> 0).
    trim
        Fraction dropped at each end, in [0, 0.5).
    stride
        Spacing of window starts (> 0).

    Returns
    -------
    numpy.ndarray
        :math:`\\Sigma^2` at each ``L``.

    Examples
    --------
    >>> x = np.arange(200.0)  # a picket fence: no fluctuation at integer L
    >>> number_variance(x, [1.0, 5.0], stride=1.0).tolist()
    [0.0, 0.0]
    """
    spectra = as_spectra(unfolded)
    L = np.atleast_1d(_params.real_array(L, "L", allow_empty=False, finite=True, positive=True))
    trim = _params.real(trim, "trim", low=0.0, high=0.499)
    stride = _params.real(stride, "stride", positive=True)
    out = np.zeros_like(L)
    for k, l in enumerate(L):
        acc, count = 0.0, 0
        for x in spectra:
            lo = x[0] + trim * (x[-1] - x[0])
            hi = x[-1] - trim * (x[-1] - x[0]) - l
            if hi <= lo:
                raise ParameterError(f"window L={l:g} does not fit in the trimmed spectrum")
            starts = np.arange(lo, hi, stride)
            n = np.searchsorted(x, starts + l) - np.searchsorted(x, starts)
            acc += float(np.sum((n - l) ** 2))
            count += n.size
        out[k] = acc / count
    return out
