r"""Distances between an empirical spectrum and a limiting law (atoms included).

* :func:`ks_distance`: :math:`\sup_x |F_n(x) - F(x)|`, evaluated on both sides of
  every jump (ties and the atom at 0 are handled exactly);
* :func:`wasserstein1`: :math:`\int |F_n - F|\,dx` on the union of supports.

Eigenvalues below ``zero_tol * max|eig|`` are numerically zero and counted at 0,
where the theory's atom sits.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rmttheory import _params

__all__ = ["ks_distance", "wasserstein1", "clean_zeros"]


def clean_zeros(eig: Any, zero_tol: float = 1e-9) -> np.ndarray:
    """Sorted eigenvalues with :math:`|\\lambda| <` ``zero_tol`` :math:`\\max|\\lambda|` set to 0.

    Parameters
    ----------
    eig
        Eigenvalues (non-empty, finite).
    zero_tol
        Relative threshold.

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> clean_zeros([2.0, 1e-14, 1.0]).tolist()
    [0.0, 1.0, 2.0]
    """
    eig = np.sort(_params.real_array(eig, "eigenvalues", allow_empty=False, finite=True).ravel())
    scale = np.max(np.abs(eig))
    eig[np.abs(eig) < zero_tol * scale] = 0.0
    return np.sort(eig)


def ks_distance(law: Any, eig: Any, zero_tol: float = 1e-9) -> float:
    """Kolmogorov–Smirnov distance between the empirical cdf of ``eig`` and ``law.cdf``;
    when the law has an atom at 0, numerical zeros are counted at 0 (a law without one
    keeps the smallest eigenvalues where they are: near a hard edge they are genuine).

    Parameters
    ----------
    law
        A :class:`~rmttheory.distributions.SpectralDistribution`.
    eig
        Sampled eigenvalues (pooled).
    zero_tol
        See :func:`clean_zeros`.

    Returns
    -------
    float

    Examples
    --------
    >>> from rmttheory.distributions import MarchenkoPastur
    >>> law = MarchenkoPastur(2.0)  # atom 1/2 at 0
    >>> ks_distance(law, [0.0, 1e-15, 1.0, 2.0]) < 0.5
    True
    """
    if 0.0 in law.atoms():
        return law.ks_distance(clean_zeros(eig, zero_tol))
    return law.ks_distance(np.asarray(eig, dtype=float))


def wasserstein1(law: Any, eig: Any, zero_tol: float = 1e-9, grid: int = 20000) -> float:
    """Wasserstein-1 distance :math:`\\int |F_n - F|\\,dx` (trapezoid on a fine grid).

    Parameters
    ----------
    law, eig, zero_tol
        As in :func:`ks_distance`.
    grid
        Points of the trapezoid rule.

    Returns
    -------
    float

    Examples
    --------
    >>> from rmttheory.distributions import MarchenkoPastur
    >>> law = MarchenkoPastur(0.5)
    >>> wasserstein1(law, law.ppf((np.arange(2000) + 0.5) / 2000)) < 1e-3
    True
    """
    x = clean_zeros(eig, zero_tol)
    hi = max(x[-1], max(h for _, h in law.support()))
    lo = min(x[0], 0.0)
    t = np.linspace(lo, hi, grid)
    Fn = np.searchsorted(x, t, side="right") / x.size
    gap = np.abs(Fn - law.cdf(t))
    return float(np.sum((gap[1:] + gap[:-1]) * np.diff(t)) / 2)  # trapezoid rule
