r"""Unfolding spectra to unit mean spacing, and their nearest-neighbour spacings.

**Unfolding** maps eigenvalues to unit mean spacing, :math:`x_i = N\,F(\lambda_i)`,
with :math:`F` (method):

* ``"density"``: a known limiting law (any :class:`SpectralDistribution`, its cdf);
* ``"fit"``: a polynomial of degree ``degree`` fitted to the empirical counting
  function of the spectrum itself (smooth fit);
* ``"pool"``: for several spectra, each unfolded by the pooled empirical counting
  function of the *other* spectra (ensemble unfolding, no self-bias; the pool's
  own fluctuations widen the spacing law by O(1/K) for K spectra).

Spacings are then :math:`s_i = x_{i+1} - x_i` (edge trimming with ``trim``).

Reference laws of spacings are :class:`rmttheory.distributions.WignerSurmise` and
:class:`rmttheory.distributions.GaudinGOE`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.polynomial import chebyshev as C

from rmttheory import _params
from rmttheory.distributions.base import SpectralDistribution
from rmttheory.errors import ParameterError

__all__ = ["unfold", "spacings", "as_spectra"]


def as_spectra(eigenvalues: Any, minimum: int = 2) -> list[np.ndarray]:
    """One spectrum (1-D) or several (2-D array or a list of 1-D arrays) as sorted float arrays.

    Parameters
    ----------
    eigenvalues
        A 1-D array, a 2-D array (one spectrum per row) or a list of 1-D arrays.
    minimum
        Fewest levels per spectrum.

    Returns
    -------
    list of numpy.ndarray

    Raises
    ------
    ParameterError
        For empty input, NaN or inf, or a spectrum with fewer than ``minimum`` levels.

    Examples
    --------
    >>> [s.tolist() for s in as_spectra([3.0, 1.0, 2.0])]
    [[1.0, 2.0, 3.0]]
    """
    if isinstance(eigenvalues, np.ndarray) and eigenvalues.ndim == 2:
        rows = list(eigenvalues)
    elif isinstance(eigenvalues, (list, tuple)) and eigenvalues and np.ndim(eigenvalues[0]) == 1:
        rows = list(eigenvalues)
    else:
        rows = [eigenvalues]
    if not rows:
        raise ParameterError("eigenvalues is empty")
    out = []
    for row in rows:
        arr = _params.real_array(row, "eigenvalues", allow_empty=False, finite=True)
        if arr.ndim != 1 or arr.size < minimum:
            raise ParameterError(f"each spectrum needs at least {minimum} eigenvalues")
        out.append(np.sort(arr))
    return out


def unfold(
    eigenvalues: Any, method: str = "fit", law: SpectralDistribution | None = None, degree: int = 9
) -> list[np.ndarray]:
    """Unfolded spectra (unit mean spacing) for one spectrum or a list of spectra.

    Parameters
    ----------
    eigenvalues
        One spectrum or several (see :func:`as_spectra`).
    method
        ``"density"`` (needs ``law``), ``"fit"`` or ``"pool"`` (module docstring).
    law
        The limiting law whose cdf unfolds (``method="density"``).
    degree
        Degree of the smooth fit (``method="fit"``).

    Returns
    -------
    list of numpy.ndarray
        One unfolded spectrum per input spectrum.

    Examples
    --------
    >>> x = unfold(np.linspace(0, 1, 11))[0]
    >>> round(float(np.mean(np.diff(x))), 10)
    1.0
    """
    method = _params.choice(method, "method", ("density", "fit", "pool"))
    degree = _params.integer(degree, "degree", minimum=1, maximum=50)
    spectra = as_spectra(eigenvalues)
    if method == "density":
        if law is None:
            raise ParameterError("method='density' needs law=")
        return [e.size * law.cdf(e) for e in spectra]
    out = []
    if method == "fit":
        for e in spectra:
            n = e.size
            scale = max(float(np.ptp(e)), 1e-300)
            t = (e - e[0]) / scale * 2 - 1
            coef = C.chebfit(t, np.arange(1, n + 1), min(degree, n - 1))
            out.append(C.chebval(t, coef))
        return out
    if len(spectra) < 2:
        raise ParameterError("method='pool' needs at least two spectra")
    pool = np.concatenate(spectra)
    order = np.argsort(pool, kind="stable")
    pool, owner = pool[order], np.repeat(np.arange(len(spectra)), [s.size for s in spectra])[order]
    for k, e in enumerate(spectra):
        others = pool[owner != k]  # the sorted pool of the other spectra, O(pool) per spectrum
        # piecewise-linear counting function of the pool (a step function would
        # quantize the unfolded levels in units of 1/(number of other spectra))
        F = np.interp(e, others, (np.arange(others.size) + 0.5) / others.size)
        out.append(e.size * F)
    return out


def spacings(unfolded: Any, trim: float = 0.1) -> np.ndarray:
    """Nearest-neighbour spacings of unfolded spectra, ``trim`` dropped at each edge,
    normalized to unit mean.

    Parameters
    ----------
    unfolded
        One unfolded spectrum or several.
    trim
        Fraction of each spectrum dropped at each edge, in [0, 0.45).

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> spacings(np.array([0.0, 1.0, 3.0]), trim=0).tolist()
    [0.6666666666666666, 1.3333333333333333]
    """
    trim = _params.real(trim, "trim", low=0.0, high=0.449)
    out = []
    for x in as_spectra(unfolded):
        k = int(trim * x.size)
        x = x[k : x.size - k] if k else x
        out.append(np.diff(x))
    s = np.concatenate(out)
    if s.size == 0 or not s.mean() > 0:
        raise ParameterError("no positive spacings left after trimming")
    return s / s.mean()
