"""Quantiles, draws and the Kolmogorov–Smirnov distance of a spectral law, from its cdf.

A mixin of :class:`rmttheory.distributions.base.SpectralDistribution` (which supplies
``cdf``, ``atoms`` and ``_range``): these methods need nothing else of a law.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from rmttheory import _params
from rmttheory.errors import ParameterError, ResourceError

__all__ = ["QuantileMethods", "MAX_DRAWS"]

#: largest number of draws ``rvs`` accepts in one call (8 bytes each)
MAX_DRAWS = 10**9


class QuantileMethods:
    """``ppf``, ``rvs`` and ``ks_distance`` from ``cdf``, ``atoms`` and ``_range``.

    Examples
    --------
    >>> from rmttheory.distributions import MarchenkoPastur
    >>> law = MarchenkoPastur(0.25)
    >>> round(float(law.cdf(law.ppf(0.5))), 12)
    0.5
    """

    cdf: Any
    atoms: Any
    _range: Any

    def ppf(self, q: Any) -> np.ndarray:
        """Quantile: the smallest x with ``cdf(x) >= q`` (vectorized bisection), ``0 <= q <= 1``."""
        q = _params.real_array(q, "q")
        if np.any((q < 0) | (q > 1)):
            raise ParameterError("ppf needs 0 <= q <= 1")
        lo_all, hi_all = self._range()
        a, b = np.full(q.shape, lo_all), np.full(q.shape, hi_all)
        for _ in range(100):
            mid = 0.5 * (a + b)
            go_left = self.cdf(mid) >= q
            a, b = np.where(go_left, a, mid), np.where(go_left, mid, b)
        # a quantile inside an atom's jump is the atom's location
        for loc in self.atoms():
            b = np.where(np.abs(b - loc) <= 1e-12 * max(1.0, abs(hi_all)), loc, b)
        return b

    def rvs(
        self, size: int | tuple[int, ...] = 1, random_state: np.random.Generator | int | None = None
    ) -> np.ndarray:
        """Independent draws by inverse-transform sampling, seeded by ``random_state``; more
        than ``MAX_DRAWS`` values in one call are refused before any allocation."""
        shape = (size,) if not isinstance(size, tuple) else size
        dims = [_params.integer(s, "size", minimum=0) for s in shape]
        if math.prod(dims) > MAX_DRAWS:
            raise ResourceError(f"rvs: {math.prod(dims)} draws requested, at most {MAX_DRAWS}")
        rng = _params.generator(random_state)
        return self.ppf(rng.random(tuple(dims)))

    def ks_distance(self, sample: Any) -> float:
        """Kolmogorov–Smirnov distance :math:`\\sup |F_n - F|` to the empirical cdf of ``sample``.

        Evaluated on both sides of every jump: ties in the sample and atoms of the law are exact.
        """
        x = np.sort(_params.real_array(sample, "sample", allow_empty=False, finite=True).ravel())
        u, counts = np.unique(x, return_counts=True)
        right = np.cumsum(counts) / x.size  # F_n(u)
        left = right - counts / x.size  # F_n(u-)
        F = self.cdf(u)
        atoms = self.atoms()
        F_left = F - np.array([atoms.get(float(v), 0.0) for v in u])
        return float(max(np.max(np.abs(right - F)), np.max(np.abs(left - F_left))))
