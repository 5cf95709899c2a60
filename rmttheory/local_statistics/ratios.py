r"""Adjacent-gap ratios of spectra and the verdict against the reference ratio laws.

**Ratios.** For sorted eigenvalues :math:`\lambda_1\le\dots\le\lambda_N` with
spacings :math:`s_n = \lambda_{n+1}-\lambda_n`, the adjacent-gap ratio is
:math:`r_n = s_n/s_{n-1}` and :math:`\tilde r_n = \min(r_n, 1/r_n)\in[0,1]`; no
unfolding is needed (Oganesyan–Huse; Atas et al., PRL 110, 084101, 2013).

**Reference laws** are :class:`rmttheory.distributions.RatioLaw` (surmises and
Poisson); reference spectra are sampled by
:func:`rmttheory.local_statistics.ensembles.sample_spectrum`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from rmttheory import _params
from rmttheory.distributions.ratio import MEAN_R_TILDE, RatioLaw
from rmttheory.errors import ParameterError

__all__ = ["RatioStatistics", "spacing_ratios", "closest_ensemble", "MEAN_R_TILDE"]


@dataclass(frozen=True)
class RatioStatistics:
    """Spacing ratios of one or several spectra, with what was discarded and why.

    Attributes
    ----------
    r, r_tilde
        The ratios :math:`r_n` and :math:`\\tilde r_n = \\min(r_n, 1/r_n)` (at least one).
    cutoff
        Eigenvalues with :math:`|\\lambda| \\le` ``cutoff`` were discarded.
    n_eigenvalues, n_used, n_degenerate
        Eigenvalues given, kept, and ratios dropped as degenerate (0/0).
    trim
        Fraction trimmed at each edge.

    Examples
    --------
    >>> st = spacing_ratios(np.array([[1.0, 2.0, 4.0, 5.0], [1.0, 3.0, 4.0, 6.0]]))
    >>> st.n_ratios, st.n_eigenvalues
    (4, 8)
    """

    r: np.ndarray
    r_tilde: np.ndarray
    cutoff: float
    n_eigenvalues: int
    n_used: int
    n_degenerate: int
    trim: float

    @property
    def mean_r_tilde(self) -> float:
        """:math:`\\langle\\tilde r\\rangle`."""
        return float(np.mean(self.r_tilde))

    @property
    def n_ratios(self) -> int:
        """Number of ratios."""
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
        Eigenvalues (any order); several spectra of different lengths as a list of 1-D arrays.
    cutoff
        Eigenvalues with ``|lambda| <= cutoff`` are discarded (near-zero and exactly
        degenerate directions of Hessians).  Default: ``1e-9 * max|lambda|``.
    trim
        Fraction of the remaining spectrum dropped at each edge (0 to 0.45).
    degenerate_tol
        Spacings below ``degenerate_tol`` times the median spacing count as
        degenerate: ratios that involve them (0/0) are dropped and counted.

    Returns
    -------
    RatioStatistics

    Raises
    ------
    ParameterError
        For NaN/inf or empty input, or when no ratio is left.

    Examples
    --------
    >>> st = spacing_ratios([1.0, 2.0, 4.0, 5.0])
    >>> st.r.tolist(), round(st.mean_r_tilde, 6)
    ([2.0, 0.5], 0.5)
    """
    if isinstance(eigenvalues, (list, tuple)) and eigenvalues and np.ndim(eigenvalues[0]) == 1:
        rows = [_params.real_array(r, "eigenvalues", allow_empty=False, finite=True)
                for r in eigenvalues]  # fmt: skip
    else:
        arr = _params.real_array(eigenvalues, "eigenvalues", allow_empty=False, finite=True)
        if arr.ndim == 1:
            arr = arr[None, :]
        if arr.ndim != 2:
            raise ParameterError("eigenvalues must be one spectrum (1-D) or one per row (2-D)")
        rows = list(arr)
    trim = _params.real(trim, "trim", low=0.0, high=0.449)
    scale = max(float(np.max(np.abs(r))) for r in rows)
    cut = 1e-9 * scale if cutoff is None else _params.real(cutoff, "cutoff", nonnegative=True)
    rs, n_used, n_deg = [], 0, 0
    for row in rows:
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
    if r.size == 0:
        raise ParameterError(
            f"no spacing ratio: fewer than 3 distinct eigenvalues above the cut-off {cut:.3g}"
        )
    return RatioStatistics(
        r=r,
        r_tilde=np.minimum(r, 1 / r),
        cutoff=cut,
        n_eigenvalues=sum(int(r.size) for r in rows),
        n_used=n_used,
        n_degenerate=n_deg,
        trim=trim,
    )


def closest_ensemble(stats: RatioStatistics) -> dict[str, Any]:
    """KS distance of r~ to each reference law and the verdict (closest, margin).

    Parameters
    ----------
    stats
        At least 10 ratios (:func:`spacing_ratios`).

    Returns
    -------
    dict
        ``ks`` (to each of poisson, goe, gue, gse), ``closest``, ``margin`` (the
        KS distance of the runner-up minus that of the closest, in units of the
        KS scale :math:`1/\\sqrt{n_{ratios}}`) and ``mean_r_tilde``.

    Examples
    --------
    >>> from rmttheory.local_statistics.ensembles import sample_spectrum
    >>> lam = np.array([sample_spectrum("goe", 400, rng=k) for k in range(5)])
    >>> closest_ensemble(spacing_ratios(lam, trim=0.1))["closest"]
    'goe'
    """
    if stats.n_ratios < 10:
        raise ParameterError(f"too few ratios ({stats.n_ratios}) for a verdict")
    ks = {
        name: RatioLaw(name).ks_distance(stats.r_tilde) for name in ("poisson", "goe", "gue", "gse")
    }
    order = sorted(ks, key=lambda k: ks[k])
    return {
        "ks": ks,
        "closest": order[0],
        "margin": (ks[order[1]] - ks[order[0]]) * math.sqrt(stats.n_ratios),
        "mean_r_tilde": stats.mean_r_tilde,
    }
