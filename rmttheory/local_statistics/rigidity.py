r"""Long-range statistics of unfolded spectra: the number variance :math:`\Sigma^2(L)` and
the spectral rigidity :math:`\Delta_3(L)`.

For an unfolded spectrum (unit mean spacing, :func:`rmttheory.spacings.unfold`),
:math:`\Sigma^2(L)` is the variance of the number of levels in a window of length
:math:`L`.  Theory (Mehta, *Random Matrices*, ch. 16):

.. math:: \Sigma^2(L) = L - 2\int_0^L (L - r)\,Y_2(r)\,dr,

with the two-level cluster function :math:`Y_2 = 0` (Poisson: :math:`\Sigma^2 = L`),
:math:`Y_2 = s(r)^2` (GUE) and :math:`Y_2 = s(r)^2 + s'(r)\int_r^\infty s(t)\,dt` (GOE),
:math:`s(r) = \sin(\pi r)/(\pi r)`.  The integrals have closed forms (Mehta,
eqs. 16.1.3 and 16.1.4), with :math:`x = 2\pi L`:

.. math::
    \Sigma^2_{\rm GUE}(L) &= \frac{1}{\pi^2}\big(\ln x + \gamma + 1 - \cos x
        - \operatorname{Ci}x\big) + L\Big(1 - \frac2\pi\operatorname{Si}x\Big),\\
    \Sigma^2_{\rm GOE}(L) &= 2\Sigma^2_{\rm GUE}(L)
        + \Big(\frac{\operatorname{Si}\pi L}{\pi}\Big)^2 - \frac{\operatorname{Si}\pi L}{\pi},

evaluated directly (constant cost in :math:`L`; for :math:`x > 10^4` the cancelling
:math:`\cos x` terms are removed analytically with the asymptotic auxiliary functions
of Si).  ``tests/test_rigidity.py`` checks them against Gauss–Legendre quadrature of
the cluster-function integral.  For large :math:`L`, GOE grows like
:math:`\tfrac{2}{\pi^2}(\ln 2\pi L + \gamma + 1 - \pi^2/8)` and GUE like
:math:`\tfrac{1}{\pi^2}(\ln 2\pi L + \gamma + 1)`: the spectrum is rigid where Poisson
levels are not.

**Spectral rigidity** (Dyson–Mehta): :math:`\Delta_3(L)` is the mean squared deviation of
the staircase :math:`N(x)` from its best straight line over a window of length :math:`L`,

.. math:: \Delta_3(L) = \Big\langle \min_{A,B}\frac1L\int_a^{a+L}(N(x) - Ax - B)^2\,dx
    \Big\rangle_a = \frac{2}{L^4}\int_0^L (L^3 - 2L^2r + r^3)\,\Sigma^2(r)\,dr,

:math:`L/15` for Poisson levels; for GOE and GUE the integral of the closed forms above
by Gauss–Legendre quadrature on unit panels (L ≤ 2000), and beyond that the large-L laws
:math:`\frac{1}{\pi^2}(\ln 2\pi L + \gamma - \tfrac54 - \tfrac{\pi^2}{8}) +
\frac{1}{\pi^2 L}` (GOE) and :math:`\frac{1}{2\pi^2}(\ln 2\pi L + \gamma - \tfrac54)`
(GUE), which meet the quadrature to 5e-8 at L = 2000 (``tests/test_rigidity.py``).
The empirical :math:`\Delta_3` (:func:`spectral_rigidity`) solves the least-squares
problem exactly for each window from the moments :math:`\int N`, :math:`\int xN` and
:math:`\int N^2` of the staircase.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rmttheory import _params
from rmttheory.errors import ParameterError
from rmttheory.local_statistics.unfolding import as_spectra

__all__ = [
    "number_variance",
    "number_variance_theory",
    "spectral_rigidity",
    "spectral_rigidity_theory",
]

#: above this window length the theory of Δ3 is the large-L law (module docstring)
_D3_ASYMPTOTIC = 2000.0
_EULER = 0.5772156649015329


def _gue(L: np.ndarray) -> np.ndarray:
    from scipy.special import sici

    x = 2 * np.pi * L
    out = np.empty_like(L)
    small = x <= 1e4
    xs = x[small]
    si, ci = sici(xs)
    out[small] = (np.log(xs) + np.euler_gamma + 1 - np.cos(xs) - ci) / np.pi**2 + L[small] * (
        1 - 2 / np.pi * si
    )
    # 1 - (2/pi) Si(x) = (2/pi)(f cos x + g sin x), f ~ 1/x - 2/x^3 + 24/x^5, g ~ 1/x^2 - 6/x^4
    # + 120/x^6; the 1/x of f cancels -cos(x)/pi^2
    xb, Lb = x[~small], L[~small]
    f1 = -2 / xb**3 + 24 / xb**5
    g = 1 / xb**2 - 6 / xb**4 + 120 / xb**6
    ci = sici(xb)[1]
    out[~small] = (np.log(xb) + np.euler_gamma + 1 - ci) / np.pi**2 + Lb * 2 / np.pi * (
        f1 * np.cos(xb) + g * np.sin(xb)
    )
    return out


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
    L = _params.real_array(L, "L")
    shape = L.shape
    L = np.atleast_1d(L)
    if np.any(~np.isfinite(L)) or np.any(L < 0):
        raise ParameterError("window lengths L must be finite and >= 0")
    if ensemble == "poisson":
        return L.copy().reshape(shape)
    if ensemble not in ("goe", "gue"):
        raise ParameterError(f"number variance theory for poisson, goe or gue, not {ensemble!r}")
    out = np.empty_like(L)
    pos = L > 0
    out[~pos] = 0.0
    gue = _gue(L[pos])
    if ensemble == "gue":
        out[pos] = gue
    else:
        from scipy.special import sici

        si = sici(np.pi * L[pos])[0] / np.pi
        out[pos] = 2 * gue + si * si - si
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


def spectral_rigidity_theory(ensemble: str, L: Any) -> np.ndarray:
    r""":math:`\Delta_3(L)` of the large-N ``ensemble`` (poisson, goe or gue), vectorised.

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
    >>> round(float(spectral_rigidity_theory("poisson", 15.0)), 12)
    1.0
    >>> round(float(spectral_rigidity_theory("goe", 10.0)), 4)
    0.2357
    """
    L = _params.real_array(L, "L")
    shape = L.shape
    L = np.atleast_1d(L)
    if np.any(~np.isfinite(L)) or np.any(L < 0):
        raise ParameterError("window lengths L must be finite and >= 0")
    if ensemble == "poisson":
        return (L / 15).reshape(shape)
    if ensemble not in ("goe", "gue"):
        raise ParameterError(f"spectral rigidity theory for poisson, goe or gue, not {ensemble!r}")
    out = np.zeros_like(L)
    t, w = np.polynomial.legendre.leggauss(20)
    for k, l in enumerate(L):
        if l < 1e-4:  # Σ²(r) = r - O(r^(β+2)): Δ3 = L/15 to 1e-8 relative (and no 1/L^4)
            out[k] = l / 15
            continue
        if l > _D3_ASYMPTOTIC:
            x = np.log(2 * np.pi * l) + _EULER - 1.25
            out[k] = (
                (x - np.pi**2 / 8 + 1 / l) / np.pi**2 if ensemble == "goe"
                else x / (2 * np.pi**2)
            )  # fmt: skip
            continue
        edges = np.linspace(0.0, l, max(1, int(np.ceil(l))) + 1)
        a, b = edges[:-1, None], edges[1:, None]
        r = ((a + b) + (b - a) * t).ravel() / 2
        ww = ((b - a) / 2 * w).ravel()
        s2 = number_variance_theory(ensemble, r)
        out[k] = 2 / l**4 * float(np.sum(ww * (l**3 - 2 * l * l * r + r**3) * s2))
    return out.reshape(shape)


def spectral_rigidity(unfolded: Any, L: Any, trim: float = 0.1, stride: float = 0.25) -> np.ndarray:
    r"""Empirical :math:`\Delta_3(L)` of unfolded spectra (one array or a list).

    Windows :math:`[a, a + L]` start every ``stride`` inside the spectrum with a fraction
    ``trim`` dropped at each end (as :func:`number_variance`); in each window the
    least-squares line is fitted to the staircase exactly, and the mean squared deviation
    is averaged over windows and spectra.

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
        :math:`\Delta_3` at each ``L``.

    Examples
    --------
    >>> x = np.arange(400.0) + 0.5  # a picket fence: a sawtooth about the best line
    >>> round(float(spectral_rigidity(x, [10.0], stride=1.0)[0]), 3)  # 1/12 (1 - O(L^-2))
    0.083
    """
    spectra = as_spectra(unfolded)
    L = np.atleast_1d(_params.real_array(L, "L", allow_empty=False, finite=True, positive=True))
    if np.any(L < 1e-6):
        raise ParameterError("windows L must be at least 1e-6 mean spacings")
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
            acc += float(np.sum(_window_rigidity(x, starts, l)))
            count += starts.size
        out[k] = acc / count
    return out


def _window_rigidity(x: np.ndarray, starts: np.ndarray, L: float) -> np.ndarray:
    """min over A, B of (1/L) int_0^L (N(t) - At - B)^2 dt for each window [a, a + L]."""
    first = np.searchsorted(x, starts, side="right")
    last = np.searchsorted(x, starts + L, side="right")
    out = np.empty(starts.size)
    for j, (i0, i1, a) in enumerate(zip(first, last, starts)):
        y = x[i0:i1] - a  # levels in (a, a + L], from the window's start
        rank = 2 * np.arange(1, y.size + 1) - 1
        i0_, i1_ = np.sum(L - y), np.sum(L * L - y * y) / 2
        i2_ = np.sum(rank * (L - y))
        # normal equations: A L^3/3 + B L^2/2 = I1, A L^2/2 + B L = I0
        det = L**4 / 12
        A = (i1_ * L - i0_ * L * L / 2) / det
        B = (i0_ * L**3 / 3 - i1_ * L * L / 2) / det
        out[j] = (i2_ - A * i1_ - B * i0_) / L
    return out
