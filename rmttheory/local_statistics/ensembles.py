r"""Exact samplers of reference spectra: Gaussian β-ensembles, real Wishart matrices, Poisson.

Gaussian β-ensembles use the Dumitriu–Edelman tridiagonal model (exact joint
eigenvalue law :math:`\propto|\Delta(\lambda)|^\beta e^{-\sum\lambda^2/2}`,
semicircle of radius :math:`\sqrt{2\beta n}`), in :math:`O(n^2)` per spectrum;
real Wishart spectra (:math:`ZZ^\top/m`, :math:`Z` an :math:`n\times m` standard
Gaussian matrix) use the β = 1 Laguerre bidiagonal model (the exact finite-n law,
:math:`O(n^2)` instead of :math:`O(n^2 m)`); Poisson spectra are sorted uniforms on
:math:`[0, n]` (unit mean spacing).

Examples
--------
>>> lam = sample_spectrum("goe", 50, rng=0)
>>> lam.shape, bool(np.all(np.diff(lam) > 0))
((50,), True)
"""

from __future__ import annotations

import math

import numpy as np

from rmttheory import _params
from rmttheory.distributions.ratio import ENSEMBLES

__all__ = ["sample_spectrum", "sample_wishart_spectrum"]

#: largest matrix size the samplers accept (8 bytes per level, O(n^2) work)
MAX_LEVELS = 10**6


def sample_spectrum(
    ensemble: str, n: int, rng: np.random.Generator | int | None = None
) -> np.ndarray:
    """Sorted spectrum of one n×n GOE/GUE/GSE matrix, or n Poisson levels.

    Parameters
    ----------
    ensemble
        ``"goe"``, ``"gue"``, ``"gse"`` (β = 1, 2, 4) or ``"poisson"``.
    n
        Number of levels (3 to ``MAX_LEVELS``).
    rng
        Seed or generator.

    Returns
    -------
    numpy.ndarray
        ``n`` sorted levels.

    Examples
    --------
    >>> lam = sample_spectrum("poisson", 100, rng=1)
    >>> bool(lam.min() >= 0 and lam.max() <= 100)
    True
    """
    from scipy.linalg import eigvalsh_tridiagonal

    ensemble = _params.choice(ensemble, "ensemble", (*ENSEMBLES, "poisson"))
    n = _params.integer(n, "n", minimum=3, maximum=MAX_LEVELS)
    rng = _params.generator(rng)
    if ensemble == "poisson":
        return np.sort(rng.uniform(0, n, size=n))
    beta = ENSEMBLES[ensemble]
    diag = rng.normal(0.0, math.sqrt(2.0), size=n)
    off = np.sqrt(rng.chisquare(beta * np.arange(n - 1, 0, -1)))
    return eigvalsh_tridiagonal(diag / math.sqrt(2), off / math.sqrt(2))


def sample_wishart_spectrum(
    n: int, m: int, rng: np.random.Generator | int | None = None
) -> np.ndarray:
    """Sorted eigenvalues of one real Wishart matrix :math:`ZZ^\\top/m`, :math:`Z` of size n×m.

    Exact in law (Dumitriu–Edelman): for :math:`n \\le m` the eigenvalues of
    :math:`ZZ^\\top` are those of :math:`BB^\\top` with :math:`B` lower bidiagonal,
    :math:`B_{ii} = \\chi_{m-i}`, :math:`B_{i+1,i} = \\chi_{n-1-i}` (independent);
    for :math:`n > m` the :math:`m` nonzero eigenvalues are the transposed problem's
    and the other :math:`n - m` are exactly 0.  The limit law is
    ``MarchenkoPastur(n/m)``.

    Parameters
    ----------
    n, m
        Dimension and samples (each 1 to ``MAX_LEVELS``).
    rng
        Seed or generator.

    Returns
    -------
    numpy.ndarray
        ``n`` sorted eigenvalues.

    Examples
    --------
    >>> lam = sample_wishart_spectrum(400, 800, rng=0)
    >>> round(float(lam.mean()), 1)
    1.0
    """
    from scipy.linalg import eigvalsh_tridiagonal

    n = _params.integer(n, "n", minimum=1, maximum=MAX_LEVELS)
    m = _params.integer(m, "m", minimum=1, maximum=MAX_LEVELS)
    rng = _params.generator(rng)
    if n > m:
        inner = sample_wishart_spectrum(m, n, rng) * (n / m)
        return np.concatenate([np.zeros(n - m), inner])
    a = np.sqrt(rng.chisquare(m - np.arange(n)))
    if n == 1:
        return a * a / m
    b = np.sqrt(rng.chisquare(n - 1 - np.arange(n - 1)))
    diag = a * a
    diag[1:] += b * b
    return np.sort(eigvalsh_tridiagonal(diag, a[:-1] * b)) / m
