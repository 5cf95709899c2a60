r"""Long-range statistics of unfolded spectra: the number variance :math:`\Sigma^2(L)`.

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
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rmttheory import _params
from rmttheory.errors import ParameterError
from rmttheory.local_statistics.unfolding import as_spectra

__all__ = ["number_variance", "number_variance_theory"]


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
    shape = np.shape(L)
    L = np.atleast_1d(np.asarray(L, dtype=float))
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
