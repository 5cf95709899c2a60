r"""A random-matrix model of network Hessians: GOE bulk, degenerate block, outliers.

In the spirit of Baskerville, Granziol & Keating (2022), a Hessian of size
:math:`n` is modelled as

.. math::
   H = Q\begin{pmatrix} X + cI_r + \sum_{i=1}^k \theta_i u_iu_i^T & 0\\ 0 & 0_{n-r}\end{pmatrix}Q^T,

with :math:`X` an :math:`r\times r` GOE matrix normalised to the semicircle on
:math:`[-2\sigma, 2\sigma]` (off-diagonal variance :math:`\sigma^2/r`, diagonal
:math:`2\sigma^2/r`), a random shift :math:`c\sim N(0, s^2)` drawn per sample,
orthonormal spike directions :math:`u_i` (uniform), spike strengths
:math:`\theta_i`, an exactly degenerate block of :math:`n - r` zeros (rank
degeneracy) and a Haar rotation :math:`Q` (which changes no eigenvalue).

Predictions (large :math:`r`): an atom of mass :math:`1 - r/n` at 0; the rest of
the density is the semicircle of radius :math:`2\sigma` centred at :math:`c`;
each spike with :math:`\theta_i > \sigma` gives an outlier at
:math:`c + \theta_i + \sigma^2/\theta_i` (Baik–Ben Arous–Péché transition for
Wigner matrices), weaker spikes stick to the edge; and the local statistics of
the non-zero bulk are those of the GOE, although the density is not a
semicircle of the whole matrix.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rmttheory import _params
from rmttheory.errors import ParameterError

__all__ = ["HessianModel", "count_outliers"]


@dataclass(frozen=True)
class HessianModel:
    """The GOE-bulk + degenerate-block + outliers model (see the module docstring).

    Parameters
    ----------
    n
        Matrix size.
    rank
        Size :math:`r` of the non-degenerate block (``n - rank`` exact zeros).
    spikes
        Spike strengths :math:`\\theta_i` (at most ``rank``).
    sigma
        Bulk scale: semicircle radius :math:`2\\sigma`.
    shift_sd
        Standard deviation :math:`s` of the random shift :math:`c`.

    Examples
    --------
    >>> model = HessianModel(200, 150, spikes=(3.0,))
    >>> model.atom_mass, model.outlier_locations().tolist()  # c + theta + sigma^2/theta
    (0.25, [3.3333333333333335])
    """

    n: int
    rank: int
    spikes: tuple[float, ...] = field(default_factory=tuple)
    sigma: float = 1.0
    shift_sd: float = 0.0

    def __post_init__(self):
        if not (isinstance(self.n, int) and isinstance(self.rank, int)):
            raise ParameterError("n and rank must be integers")
        if not 3 <= self.rank <= self.n:
            raise ParameterError(f"need 3 <= rank <= n, got rank={self.rank}, n={self.n}")
        if len(self.spikes) > self.rank or any(not math.isfinite(t) or t < 0 for t in self.spikes):
            raise ParameterError("spikes must be at most rank non-negative finite numbers")
        if not (self.sigma > 0 and math.isfinite(self.sigma)) or not self.shift_sd >= 0:
            raise ParameterError("sigma must be positive and shift_sd non-negative")

    @property
    def atom_mass(self) -> float:
        """Fraction of exact zero eigenvalues, :math:`1 - r/n`."""
        return 1 - self.rank / self.n

    def outlier_locations(self, shift: float = 0.0) -> np.ndarray:
        """Predicted outliers :math:`c+\\theta+\\sigma^2/\\theta` for spikes above :math:`\\sigma`."""
        t = np.array([x for x in self.spikes if x > self.sigma], dtype=float)
        return np.sort(shift + t + self.sigma**2 / t)

    def sample(
        self, rng: np.random.Generator | int | None = None, *, matrix: bool = False
    ) -> dict[str, Any]:
        """One draw: ``eigenvalues`` (ascending), the ``shift`` c, and ``matrix`` if asked.

        ``matrix=True`` also returns the rotated :math:`n\\times n` matrix :math:`H`
        (costs :math:`O(n^3)`).
        """
        rng = _params.generator(rng)
        r, s = self.rank, self.sigma
        a = rng.standard_normal((r, r))
        x = (a + a.T) * (s / math.sqrt(2 * r))  # off-diagonal var s^2/r, diagonal 2 s^2/r
        c = float(rng.normal(0.0, self.shift_sd)) if self.shift_sd > 0 else 0.0
        x[np.diag_indices(r)] += c
        if self.spikes:
            u, _ = np.linalg.qr(rng.standard_normal((r, len(self.spikes))))
            x += (u * np.asarray(self.spikes)) @ u.T
        out: dict[str, Any] = {"shift": c}
        if matrix:
            full = np.zeros((self.n, self.n))
            full[:r, :r] = x
            q, rr = np.linalg.qr(rng.standard_normal((self.n, self.n)))
            q *= np.sign(np.diag(rr))  # Haar
            full = q @ full @ q.T
            out["matrix"] = 0.5 * (full + full.T)
            out["eigenvalues"] = np.linalg.eigvalsh(out["matrix"])
        else:
            lam = np.concatenate([np.linalg.eigvalsh(x), np.zeros(self.n - r)])
            out["eigenvalues"] = np.sort(lam)
        return out


def count_outliers(
    eigenvalues: Any, *, max_outliers: int = 50, window: int = 50, threshold: float = 8.0
) -> int:
    """Number of eigenvalues separated from the top of the bulk by an unusually large gap.

    Among the ``max_outliers + 1`` largest eigenvalues, the gap
    :math:`\\lambda_{(j)}-\\lambda_{(j+1)}` (descending order) is compared with the
    median of the ``window`` gaps just below it; the outliers are the ``j``
    largest eigenvalues for the deepest ``j`` whose gap exceeds ``threshold``
    times that median (0 if none does).  Meant for a bulk with a sharp edge (as
    in :class:`HessianModel`); on a heavy-tailed top of spectrum without a clear
    edge the count is not meaningful and tends to ``max_outliers``.

    Parameters
    ----------
    eigenvalues
        One spectrum.
    max_outliers, window, threshold
        Largest count, gaps in the median, and the gap ratio that makes an outlier.

    Returns
    -------
    int

    Examples
    --------
    >>> lam = HessianModel(400, 400, spikes=(3.0, 4.0)).sample(0)["eigenvalues"]
    >>> count_outliers(lam)
    2
    """
    lam = np.sort(np.asarray(eigenvalues, float))[::-1]
    if lam.size < window + max_outliers + 2:
        raise ParameterError(f"need at least {window + max_outliers + 2} eigenvalues")
    gaps = lam[:-1] - lam[1:]
    best = 0
    for j in range(1, max_outliers + 1):
        scale = float(np.median(gaps[j : j + window]))
        if scale > 0 and gaps[j - 1] > threshold * scale:
            best = j
    return best
