r"""Local spectral statistics: spacing ratios, their reference laws, and samplers.

**Ratios.** For sorted eigenvalues :math:`\lambda_1\le\dots\le\lambda_N` with
spacings :math:`s_n = \lambda_{n+1}-\lambda_n`, the adjacent-gap ratio is
:math:`r_n = s_n/s_{n-1}` and :math:`\tilde r_n = \min(r_n, 1/r_n)\in[0,1]`; no
unfolding is needed (Oganesyan–Huse; Atas et al., PRL 110, 084101, 2013).

**Reference laws.** The 3×3 surmise :math:`P_\beta(r) = (r+r^2)^\beta /
(Z_\beta(1+r+r^2)^{1+3\beta/2})` with :math:`Z_1 = 8/27`,
:math:`Z_2 = 4\pi/(81\sqrt3)`, :math:`Z_4 = 4\pi/(729\sqrt3)`, and Poisson
:math:`P(r) = 1/(1+r)^2`; for :math:`\tilde r`, the density is :math:`2P(\tilde r)`
on [0, 1].  Large-N means :math:`\langle\tilde r\rangle`: Poisson
:math:`2\ln2 - 1`, GOE 0.5307, GUE 0.5996, GSE 0.6744 (Atas et al.); the
surmise's own means differ slightly (GOE :math:`4 - 2\sqrt3`).

**Samplers.** Gaussian β-ensembles through the Dumitriu–Edelman tridiagonal
model (exact joint eigenvalue law :math:`\propto|\Delta(\lambda)|^\beta e^{-\sum\lambda^2/2}`,
semicircle of radius :math:`\sqrt{2\beta n}`),
and Poisson spectra (sorted uniforms).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from rmttheory.distributions.base import SpectralDistribution
from rmttheory.errors import ParameterError

__all__ = [
    "RatioStatistics",
    "spacing_ratios",
    "RatioLaw",
    "MEAN_R_TILDE",
    "sample_spectrum",
    "closest_ensemble",
]

#: Large-N mean of r~ (Atas, Bogomolny, Giraud, Roux 2013).
MEAN_R_TILDE = {"poisson": 2 * math.log(2) - 1, "goe": 0.5307, "gue": 0.5996, "gse": 0.6744}
_BETA = {"goe": 1, "gue": 2, "gse": 4}
_Z = {1: 8 / 27, 2: 4 * math.pi / (81 * math.sqrt(3)), 4: 4 * math.pi / (729 * math.sqrt(3))}


@dataclass(frozen=True)
class RatioStatistics:
    """Spacing ratios of one or several spectra, with what was discarded and why."""

    r: np.ndarray
    r_tilde: np.ndarray
    cutoff: float
    n_eigenvalues: int
    n_used: int
    n_degenerate: int
    trim: float

    @property
    def mean_r_tilde(self) -> float:
        return float(np.mean(self.r_tilde)) if self.r_tilde.size else float("nan")

    @property
    def n_ratios(self) -> int:
        return int(self.r_tilde.size)


def spacing_ratios(
    eigenvalues: Any,
    *,
    cutoff: float | None = None,
    trim: float = 0.0,
    degenerate_tol: float = 1e-8,
) -> RatioStatistics:
    """Adjacent-gap ratios of one spectrum (1-D array) or several (2-D, one per row).

    Parameters
    ----------
    eigenvalues
        Eigenvalues (any order).
    cutoff
        Eigenvalues with ``|lambda| <= cutoff`` are discarded (near-zero and exactly
        degenerate directions of Hessians).  Default: ``1e-9 * max|lambda|``.
    trim
        Fraction of the remaining spectrum dropped at each edge (0 to 0.45).
    degenerate_tol
        Spacings below ``degenerate_tol`` times the median spacing count as
        degenerate: ratios that involve them (0/0) are dropped and counted.
    """
    arr = np.asarray(eigenvalues, dtype=float)
    if arr.ndim == 1:
        arr = arr[None, :]
    if not np.all(np.isfinite(arr)):
        raise ParameterError("eigenvalues contain NaN or inf")
    if not 0 <= trim < 0.45:
        raise ParameterError(f"trim must be in [0, 0.45), got {trim!r}")
    scale = float(np.max(np.abs(arr))) if arr.size else 0.0
    cut = 1e-9 * scale if cutoff is None else float(cutoff)
    rs, n_used, n_deg = [], 0, 0
    for row in arr:
        lam = np.sort(row[np.abs(row) > cut])
        k = int(math.floor(trim * lam.size))
        lam = lam[k : lam.size - k] if k else lam
        n_used += lam.size
        if lam.size < 3:
            continue
        s = np.diff(lam)
        tiny = s <= degenerate_tol * max(float(np.median(s)), 1e-300)
        ok = ~tiny[1:] & ~tiny[:-1]
        n_deg += int(np.sum(~ok))
        rs.append(s[1:][ok] / s[:-1][ok])
    r = np.concatenate(rs) if rs else np.array([])
    return RatioStatistics(
        r=r,
        r_tilde=np.minimum(r, 1 / r) if r.size else r,
        cutoff=cut,
        n_eigenvalues=int(arr.size),
        n_used=n_used,
        n_degenerate=n_deg,
        trim=trim,
    )


class RatioLaw(SpectralDistribution):
    """Law of r~ = min(r, 1/r) on [0, 1] for ``ensemble`` in goe, gue, gse (surmise) or poisson.

    Density :math:`2P(\\tilde r)` with :math:`P` the 3×3 surmise (or Poisson
    :math:`1/(1+r)^2`); in the package's distribution protocol (pdf, cdf, ppf,
    rvs, moment).  ``mean_large_n`` is the large-N value of Atas et al.
    """

    SINGULAR_AT_ZERO = False

    def __init__(self, ensemble: str):
        ensemble = ensemble.lower()
        if ensemble not in MEAN_R_TILDE:
            raise ParameterError(f"unknown ensemble {ensemble!r}; choose goe, gue, gse or poisson")
        self.ensemble = ensemble
        self.mean_large_n = MEAN_R_TILDE[ensemble]

    def __repr__(self) -> str:
        return f"RatioLaw({self.ensemble!r})"

    def _pdf(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, float)
        if self.ensemble == "poisson":
            return 2 / (1 + x) ** 2
        b = _BETA[self.ensemble]
        return 2 * (x + x * x) ** b / (_Z[b] * (1 + x + x * x) ** (1 + 1.5 * b))

    def _support(self) -> list[tuple[float, float]]:
        return [(0.0, 1.0)]


def sample_spectrum(
    ensemble: str, n: int, rng: np.random.Generator | int | None = None
) -> np.ndarray:
    """Sorted spectrum of one n×n GOE/GUE/GSE matrix (β-Hermite tridiagonal model,
    Dumitriu–Edelman 2002) or n Poisson levels (sorted uniforms on [0, n])."""
    from scipy.linalg import eigvalsh_tridiagonal

    ensemble = ensemble.lower()
    if not (isinstance(n, (int, np.integer)) and n >= 3):
        raise ParameterError(f"n must be an integer >= 3, got {n!r}")
    rng = np.random.default_rng(rng)
    if ensemble == "poisson":
        return np.sort(rng.uniform(0, n, size=n))
    if ensemble not in _BETA:
        raise ParameterError(f"unknown ensemble {ensemble!r}; choose goe, gue, gse or poisson")
    beta = _BETA[ensemble]
    diag = rng.normal(0.0, math.sqrt(2.0), size=n)
    off = np.sqrt(rng.chisquare(beta * np.arange(n - 1, 0, -1)))
    return eigvalsh_tridiagonal(diag / math.sqrt(2), off / math.sqrt(2))


def closest_ensemble(stats: RatioStatistics) -> dict[str, Any]:
    """KS distance of r~ to each reference law and the verdict (closest, margin).

    ``margin`` is the KS distance of the runner-up minus that of the closest, in
    units of the KS scale 1/sqrt(n_ratios).
    """
    if stats.n_ratios < 10:
        raise ParameterError(f"too few ratios ({stats.n_ratios}) for a verdict")
    ks = {
        name: RatioLaw(name).ks_distance(stats.r_tilde) for name in ("poisson", "goe", "gue", "gse")
    }
    order = sorted(ks, key=ks.get)
    return {
        "ks": ks,
        "closest": order[0],
        "margin": (ks[order[1]] - ks[order[0]]) * math.sqrt(stats.n_ratios),
        "mean_r_tilde": stats.mean_r_tilde,
    }
