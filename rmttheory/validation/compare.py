r"""Distances between an empirical spectrum and a limiting law (atoms included).

* :func:`ks_distance`: :math:`\sup_x |F_n(x) - F(x)|`, evaluated on both sides of
  every jump (ties and the atom at 0 are handled exactly);
* :func:`wasserstein1`: :math:`\int |F_n - F|\,dx` on the union of supports.

Eigenvalues below ``zero_tol * max|eig|`` are numerically zero and counted at 0,
where the theory's atom sits.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ks_distance", "wasserstein1", "clean_zeros"]


def clean_zeros(eig: np.ndarray, zero_tol: float = 1e-9) -> np.ndarray:
    """Sorted eigenvalues with |lambda| < zero_tol * max|lambda| set to exactly 0."""
    eig = np.sort(np.asarray(eig, dtype=float))
    scale = np.max(np.abs(eig)) if eig.size else 1.0
    eig[np.abs(eig) < zero_tol * scale] = 0.0
    return np.sort(eig)


def ks_distance(law, eig: np.ndarray, zero_tol: float = 1e-9) -> float:
    """Kolmogorov–Smirnov distance between the empirical cdf of ``eig`` (numerical
    zeros counted at 0) and ``law.cdf`` (:meth:`SpectralDistribution.ks_distance`)."""
    return law.ks_distance(clean_zeros(eig, zero_tol))


def wasserstein1(law, eig: np.ndarray, zero_tol: float = 1e-9, grid: int = 20000) -> float:
    """Wasserstein-1 distance int |F_n - F| dx (trapezoid on a fine grid plus jumps)."""
    x = clean_zeros(eig, zero_tol)
    hi = max(x[-1], max(h for _, h in law.support()))
    lo = min(x[0], 0.0)
    t = np.linspace(lo, hi, grid)
    Fn = np.searchsorted(x, t, side="right") / x.size
    return float(np.trapezoid(np.abs(Fn - law.cdf(t)), t))
