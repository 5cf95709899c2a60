r"""Exact samplers of reference spectra: Gaussian β-ensembles and Poisson levels.

Gaussian β-ensembles use the Dumitriu–Edelman tridiagonal model (exact joint
eigenvalue law :math:`\propto|\Delta(\lambda)|^\beta e^{-\sum\lambda^2/2}`,
semicircle of radius :math:`\sqrt{2\beta n}`), in :math:`O(n^2)` per spectrum;
Poisson spectra are sorted uniforms on :math:`[0, n]` (unit mean spacing).

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

__all__ = ["sample_spectrum"]

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
    rng = np.random.default_rng(rng)
    if ensemble == "poisson":
        return np.sort(rng.uniform(0, n, size=n))
    beta = ENSEMBLES[ensemble]
    diag = rng.normal(0.0, math.sqrt(2.0), size=n)
    off = np.sqrt(rng.chisquare(beta * np.arange(n - 1, 0, -1)))
    return eigvalsh_tridiagonal(diag / math.sqrt(2), off / math.sqrt(2))
