r"""Tracy–Widom laws :math:`F_\beta`, β = 1, 2, 4: the largest eigenvalue at a soft edge.

**Definition (Fredholm determinants).**  With the Hankel operator
:math:`B_s(x, y) = \mathrm{Ai}(x + y + s)` on :math:`L^2(0, \infty)` (Ferrari–Spohn;
Bornemann, Math. Comp. 79, 2010),

.. math::
    F_1(s) = \det(I - B_s),\qquad F_2(s) = \det(I - B_s)\det(I + B_s)
    = \det(I - K_{\rm Ai})_{L^2(s,\infty)},\qquad
    F_4(s) = \tfrac12\big(\det(I - B_s) + \det(I + B_s)\big).

**The β = 4 convention.**  Two scalings of :math:`F_4` are in use, and
:class:`TracyWidom` offers both:

* ``convention="tracy-widom"`` (default): Tracy and Widom's :math:`F_4`, with
  :math:`F_4(s/\sqrt2) = \tfrac12(\det(I - B_s) + \det(I + B_s))`: mean −2.30688…,
  the values of the published tables (Bornemann 2010, :data:`TW_MOMENTS`);
* ``convention="beta-ensemble"``: the law of :math:`n^{2/3}(\lambda_{\max} - 2)` for the
  n × n Gaussian β = 4 ensemble normalized to the semicircle on [−2, 2]
  (:func:`rmttheory.local_statistics.beta_hermite`; the stochastic-Airy normalization
  of Ramírez–Rider–Virág, in which β = 1 and 2 are the usual laws): it is
  :math:`2^{-1/6}` times the former, mean −2.05520….  ``tests/test_tracy_widom.py``
  checks by sampling that this, and not the other, is the β = 4 edge law of the
  tridiagonal ensemble.

**Numerics** (:mod:`rmttheory._numerics.airy_determinants`): Gauss–Legendre Nyström
discretization of the determinants, with survival functions and densities that keep
full relative precision in the right tail, and the left-tail expansions of the
Hastings–McLeod solution of Painlevé II where the determinants lose relative digits.
Measured against a 30-digit mpmath Nyström evaluation: absolute error of the cdf below
2e-14 everywhere; relative error below 1e-12 for s ≥ −4 and in the whole right tail, at
worst ~1e-9 in the left tail near the switch to the expansions.  Moments by parts from
the cdf agree with the published values to 1e-10; quantiles come from a
piecewise-Chebyshev model of log F refined by Newton steps on the exact cdf.

"""

from __future__ import annotations

import math
from functools import cached_property
from typing import Any

import numpy as np

from rmttheory import _params
from rmttheory._numerics.airy_determinants import log_distribution
from rmttheory.errors import ParameterError, ResourceError

__all__ = ["TracyWidom", "TW_MOMENTS"]

#: Bornemann (2010), Table 10: mean, variance, skewness, excess kurtosis, β = 1, 2, 4
TW_MOMENTS = {
    1: (-1.2065335745820, 1.607781034581, 0.29346452408, 0.1652429384),
    2: (-1.771086807411, 0.8131947928329, 0.224084203610, 0.0934480876),
    4: (-2.306884893241, 0.5177237207726, 0.16550949435, 0.0491951565),
}
#: β = 4: F4(x) = (det(I - B_s) + det(I + B_s))/2 at s = SCALE_4[convention] * x
SCALE_4 = {"tracy-widom": math.sqrt(2.0), "beta-ensemble": 2 ** (2 / 3)}
CONVENTIONS = tuple(SCALE_4)
#: where the quantile table of :meth:`TracyWidom.rvs` and the moment quadrature end
_RANGE = {1: (-14.0, 16.0), 2: (-11.0, 10.0), 4: (-10.0, 8.0)}


class TracyWidom:
    r"""Tracy–Widom law :math:`\mathrm{TW}_\beta`, β = 1, 2 or 4 (module docstring for the
    β = 4 convention and the numerics).

    Methods follow scipy.stats: ``pdf``, ``cdf``, ``sf``, ``logcdf``, ``logsf``,
    ``ppf``, ``isf``, ``rvs``, ``moment``, ``mean``, ``var``, ``std``, ``stats``,
    ``support``, ``ks_distance``.  The support is the whole real line.

    Parameters
    ----------
    beta
        1 (GOE), 2 (GUE) or 4 (GSE).
    convention
        For β = 4 only: ``"tracy-widom"`` (default; Tracy and Widom's :math:`F_4`, mean
        −2.30688…, the published moments) or ``"beta-ensemble"`` (the law of the largest
        eigenvalue of the β = 4 Gaussian ensemble on [−2, 2] at scale :math:`n^{-2/3}`,
        the stochastic-Airy normalization: :math:`2^{-1/6}` times the former).

    Examples
    --------
    >>> tw = TracyWidom(2)
    >>> round(float(tw.cdf(-1.7710868)), 6)
    0.515016
    >>> round(tw.mean(), 11)  # Bornemann's table: -1.771086807411
    -1.77108680741
    >>> float(tw.ppf(tw.cdf(0.5))) == 0.5 or abs(float(tw.ppf(tw.cdf(0.5))) - 0.5) < 1e-12
    True
    """

    def __init__(self, beta: int = 2, convention: str = "tracy-widom"):
        beta = _params.integer(beta, "beta")
        if beta not in (1, 2, 4):
            raise ParameterError(f"beta must be 1, 2 or 4 for a Tracy-Widom law, got {beta}")
        self.beta = beta
        self.convention = _params.choice(convention, "convention", CONVENTIONS)
        if beta != 4 and self.convention != "tracy-widom":
            raise ParameterError("convention applies to beta = 4 only")
        #: the determinants are evaluated at s = scale * x
        self._scale = 1.0 if beta != 4 else SCALE_4[self.convention]

    def __repr__(self) -> str:
        extra = f", convention={self.convention!r}" if self.convention != "tracy-widom" else ""
        return f"TracyWidom({self.beta}{extra})"

    # -- evaluation ------------------------------------------------------------------
    def _evaluate(
        self, x: np.ndarray, density: bool = True
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(log cdf, log sf, pdf)`` at finite points ``x`` (flat); without ``density``
        the pdf is left as zeros."""
        lc, ls, f = log_distribution(self.beta, self._scale * x, density)
        return lc, ls, self._scale * f

    def _apply(self, x: Any, which: int) -> np.ndarray:
        arr = _params.real_array(x, "x")
        flat = arr.reshape(-1)
        out = np.empty(flat.shape)
        finite = np.isfinite(flat)
        big = finite & (self._scale * flat > 100.0)  # Ai underflows: sf, pdf are 0 in doubles
        # |s|^3/12 overflows a double: log F is -inf there, F and the density are 0
        small = finite & (self._scale * flat < -1e30)
        calc = finite & ~big & ~small
        if calc.any():
            out[calc] = self._evaluate(flat[calc], density=which == 2)[which]
        lo_val = {0: -np.inf, 1: 0.0, 2: 0.0}[which]
        hi_val = {0: 0.0, 1: -np.inf, 2: 0.0}[which]
        out[(~finite & (flat < 0)) | small] = lo_val
        out[(~finite & (flat > 0)) | big] = hi_val
        return out.reshape(arr.shape)

    def logcdf(self, x: Any) -> np.ndarray:
        """:math:`\\log F_\\beta(x)`, accurate far into the left tail."""
        return self._apply(x, 0)

    def logsf(self, x: Any) -> np.ndarray:
        """:math:`\\log(1 - F_\\beta(x))`, accurate far into the right tail."""
        return self._apply(x, 1)

    def cdf(self, x: Any) -> np.ndarray:
        """:math:`F_\\beta(x) = P(\\mathrm{TW}_\\beta \\le x)`."""
        return np.exp(self.logcdf(x))

    def sf(self, x: Any) -> np.ndarray:
        """Survival function :math:`1 - F_\\beta(x)` (no cancellation in the right tail)."""
        return np.exp(self.logsf(x))

    def pdf(self, x: Any) -> np.ndarray:
        """Density :math:`F_\\beta'(x)`."""
        return self._apply(x, 2)

    def support(self) -> list[tuple[float, float]]:
        """The whole real line."""
        return [(-math.inf, math.inf)]

    def atoms(self) -> dict[float, float]:
        """No atoms."""
        return {}

    # -- quantiles and draws -----------------------------------------------------------
    def _solve(self, target: np.ndarray, upper: np.ndarray) -> np.ndarray:
        """x with log cdf(x) = target (``upper`` False) or log sf(x) = target (True):
        Newton on the logarithm from the model's quantile, safeguarded by a bracket; a
        point stops when the logarithm is within 2e-13 + 1e-14|target| of the target,
        its step is below 2e-15 relative, or after 40 steps (near s = -7 the
        determinants are only accurate to ~1e-9, and no x does better)."""
        x = self._model_quantile(target, upper)
        lo = np.full(x.shape, -60.0)
        hi = np.full(x.shape, 100.0 / self._scale)  # where Ai underflows
        active = np.ones(x.shape, dtype=bool)
        for _ in range(40):
            idx = np.flatnonzero(active)
            if idx.size == 0:
                break
            xa, up, tg = x[idx], upper[idx], target[idx]
            lc, ls, f = self._evaluate(xa)
            val = np.where(up, ls, lc)
            close = np.abs(val - tg) <= 2e-13 + 1e-14 * np.abs(tg)
            too_high = np.where(up, val < tg, val > tg)
            hi[idx] = np.where(too_high, np.minimum(hi[idx], xa), hi[idx])
            lo[idx] = np.where(too_high, lo[idx], np.maximum(lo[idx], xa))
            with np.errstate(all="ignore"):  # an underflowed density: bisect instead
                slope = np.where(up, -f / np.exp(ls), f / np.exp(lc))
                new = xa - (val - tg) / slope
            bad = ~np.isfinite(new) | (new <= lo[idx]) | (new >= hi[idx])
            new = np.where(bad, 0.5 * (lo[idx] + hi[idx]), new)
            converged = ~bad & (np.abs(new - xa) <= 2e-15 * np.maximum(1.0, np.abs(xa)))
            converged |= hi[idx] - lo[idx] <= 4e-16 * np.maximum(1.0, np.abs(xa))
            x[idx] = np.where(close, xa, new)
            converged |= close
            active[idx[converged]] = False
        return x

    def ppf(self, q: Any) -> np.ndarray:
        """Quantile: x with :math:`F_\\beta(x) = q`, ``0 <= q <= 1`` (±inf at 0 and 1)."""
        q = _params.real_array(q, "q")
        if np.any((q < 0) | (q > 1)):
            raise ParameterError("ppf needs 0 <= q <= 1")
        return self._quantile(q, upper=False)

    def isf(self, q: Any) -> np.ndarray:
        """Inverse survival function: x with :math:`1 - F_\\beta(x) = q` (exact in the right
        tail, where ``ppf(1 - q)`` would lose digits)."""
        q = _params.real_array(q, "q")
        if np.any((q < 0) | (q > 1)):
            raise ParameterError("isf needs 0 <= q <= 1")
        return self._quantile(q, upper=True)

    def _quantile(self, q: np.ndarray, upper: bool) -> np.ndarray:
        flat = q.reshape(-1)
        out = np.empty(flat.shape)
        lo_end, hi_end = (math.inf, -math.inf) if upper else (-math.inf, math.inf)
        out[flat == 0] = lo_end
        out[flat == 1] = hi_end
        mid = (flat > 0) & (flat < 1)
        if mid.any():
            p = flat[mid]
            # solve in the tail that keeps digits: log F for F <= 1/2, log(1 - F) above
            use_sf = (p < 0.5) if upper else (p > 0.5)
            tail = np.where(use_sf, 1 - p if not upper else p, p if not upper else 1 - p)
            target = np.log(tail)
            out[mid] = self._solve(target, use_sf)
        return out.reshape(q.shape)

    @cached_property
    def _model(self) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
        """Piecewise-Chebyshev models of log F and log(1 - F) on unit panels over
        :data:`_RANGE`, degree 23, interpolating the exact values at Chebyshev points:
        ``(lo, coef_logcdf, coef_logsf, node table)``; both logarithms are entire and
        slowly varying, so the models are exact to ~1e-14 relative
        (``tests/test_tracy_widom.py``)."""
        from numpy.polynomial import chebyshev as C

        lo, hi = _RANGE[self.beta]
        deg = 23
        t = np.cos(np.pi * (np.arange(deg + 1) + 0.5) / (deg + 1))  # Chebyshev-Gauss
        edges = np.arange(lo, hi + 0.5, 1.0)[:-1]
        x = (edges[:, None] + (t[None, :] + 1) / 2).ravel()
        lc, ls, _ = self._evaluate(x, density=False)
        vander = C.chebvander(t, deg)
        coef_c = np.linalg.solve(vander, lc.reshape(-1, deg + 1).T).T
        coef_s = np.linalg.solve(vander, ls.reshape(-1, deg + 1).T).T
        order = np.argsort(x)
        return lo, coef_c, coef_s, np.stack([x[order], lc[order], ls[order]])

    def _model_values(self, x: np.ndarray, upper: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The model of log F (or log sf where ``upper``) and its derivative at ``x``."""
        from numpy.polynomial import chebyshev as C

        lo, coef_c, coef_s, _ = self._model
        k = np.clip(np.floor(x - lo).astype(int), 0, coef_c.shape[0] - 1)
        t = 2 * (x - lo - k) - 1
        coef = np.where(upper[:, None], coef_s[k], coef_c[k]).T
        val = C.chebval(t, coef, tensor=False)
        der = 2 * C.chebval(t, C.chebder(coef), tensor=False)
        return val, der

    def _model_cdf(self, x: np.ndarray) -> np.ndarray:
        """The cdf from the quantile models (see :meth:`ks_distance`)."""
        _, _, _, (nodes, lc, _) = self._model
        out = np.empty(x.shape)
        inside = (x >= nodes[0]) & (x <= nodes[-1])
        if (~inside).any():
            out[~inside] = self.cdf(x[~inside])
        xi = x[inside]
        upper = xi > float(np.interp(math.log(0.5), lc, nodes))
        val, _ = self._model_values(xi, upper)
        out[inside] = np.where(upper, -np.expm1(val), np.exp(val))
        return out

    def _model_quantile(self, target: np.ndarray, upper: np.ndarray) -> np.ndarray:
        """x where the model of log F (log sf where ``upper``) equals ``target``, clipped to
        the model's range (Newton from linear interpolation of the node values)."""
        _, _, _, (x, lc, ls) = self._model
        guess = np.where(
            upper, np.interp(-target, -ls, x), np.interp(target, lc, x)
        )  # fmt: skip
        lo_x, hi_x = x[0], x[-1]
        for _ in range(12):
            val, der = self._model_values(guess, upper)
            with np.errstate(all="ignore"):
                new = guess - (val - target) / der
            guess = np.clip(np.where(np.isfinite(new), new, guess), lo_x, hi_x)
        return guess

    def rvs(
        self, size: int | tuple[int, ...] = 1, random_state: _params.SeedLike = None
    ) -> np.ndarray:
        """Independent draws by inverse-transform sampling, seeded by ``random_state``.

        Uniforms are mapped through the inverse of the piecewise-Chebyshev model of the
        cdf (quantile error below 1e-12 inside the model's range,
        ``tests/test_tracy_widom.py``) and, outside it (probability below 1e-15), by
        :meth:`ppf`.
        """
        shape = (size,) if not isinstance(size, tuple) else size
        dims = [_params.integer(s, "size", minimum=0) for s in shape]
        if math.prod(dims) > 10**8:
            raise ResourceError(f"rvs: {math.prod(dims)} draws requested, at most 1e8")
        u = _params.generator(random_state).random(math.prod(dims))
        u = np.where(u == 0.0, 0.5, u)  # P(u == 0) = 2^-53; the law has no atom anyway
        upper = u > 0.5
        target = np.log(np.where(upper, 1 - u, u))
        x = self._model_quantile(target, upper)
        _, _, _, (xn, lc, ls) = self._model
        outside = np.where(upper, target < ls[-1], target < lc[0])
        if outside.any():
            x[outside] = self._solve(target[outside], upper[outside])
        return x.reshape(tuple(dims))

    # -- moments -----------------------------------------------------------------------
    @cached_property
    def _parts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        r"""Gauss–Legendre nodes (24 per unit panel over :data:`_RANGE`), weights, and the
        integrand of :math:`E[X^k] = \int_0^\infty kx^{k-1}(1 - F) - \int_{-\infty}^0
        kx^{k-1}F` without the power: ``sf`` right of 0, ``-cdf`` left (integration by
        parts keeps the cdf's accuracy; the mass outside the range is below 1e-18)."""
        lo, hi = _RANGE[self.beta]
        t, w = np.polynomial.legendre.leggauss(24)
        edges = np.arange(lo, hi + 0.5, 1.0)
        a, b = edges[:-1, None], edges[1:, None]
        x = ((a + b) + (b - a) * t).ravel() / 2
        ww = ((b - a) / 2 * w).ravel()
        lc, ls, _ = self._evaluate(x, density=False)
        return x, ww, np.where(x > 0, np.exp(ls), -np.exp(lc))

    def moment(self, k: int) -> float:
        """Raw moment :math:`E[X^k]` (k = 0 … 20), by parts from the cdf and sf."""
        k = _params.integer(k, "k", minimum=0, maximum=20)
        if k == 0:
            return 1.0
        x, w, g = self._parts
        return float(np.sum(w * k * x ** (k - 1) * g))

    def mean(self) -> float:
        """:math:`E[X]`."""
        return self.moment(1)

    def var(self) -> float:
        """Variance."""
        return self.moment(2) - self.mean() ** 2

    def std(self) -> float:
        """Standard deviation."""
        return math.sqrt(self.var())

    def stats(self) -> tuple[float, float, float, float]:
        """Mean, variance, skewness and excess kurtosis."""
        m1, m2, m3, m4 = (self.moment(k) for k in (1, 2, 3, 4))
        c2 = m2 - m1 * m1
        c3 = m3 - 3 * m1 * m2 + 2 * m1**3
        c4 = m4 - 4 * m1 * m3 + 6 * m1 * m1 * m2 - 3 * m1**4
        return m1, c2, c3 / c2**1.5, c4 / c2**2 - 3

    def ks_distance(self, sample: Any) -> float:
        """Kolmogorov–Smirnov distance :math:`\\sup|F_n - F_\\beta|` to a sample.

        The cdf at the sample points comes from the piecewise-Chebyshev models of
        :math:`\\log F` (left of the median) and :math:`\\log(1 - F)` (right of it), exact to
        ~1e-9 (``tests/test_tracy_widom.py``), far below any sample's KS noise; points
        outside the models' range use the exact cdf.
        """
        x = np.sort(_params.real_array(sample, "sample", allow_empty=False, finite=True).ravel())
        F = self._model_cdf(x)
        n = x.size
        return float(max(np.max(np.arange(1, n + 1) / n - F), np.max(F - np.arange(n) / n)))
