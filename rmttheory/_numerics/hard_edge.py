r"""The density next to the lower bound of a spectrum, where root solvers lose digits.

At a **hard edge** (the support reaches the bound ``lo``; n1 = m for a Gram matrix) the
density diverges like a power of :math:`x - lo`, and within ~1e-12 of the width a root
solver cannot resolve it; below a distance :math:`x_f` it is continued by the power law
:math:`r_0\,((x - lo)/x_f)^{a}` fitted at :math:`x_f, 4x_f, 16x_f` (:math:`a = -1/2` for
n1 = m, :math:`-2/3` for a square linear network, ...).

**Near** a hard edge (n1 = m(1 + d) with small d) the support starts at a soft edge
:math:`lo + \varepsilon` with :math:`\varepsilon = O(d^2)` (1e-13 of the width at
d = 3e-6), where the solver cannot follow the density, while the mass near it is not
negligible: the density has the Marchenko–Pastur local form

.. math:: \rho(x) = \sqrt{1 - \varepsilon/u}\;\tilde\rho(x),\qquad u = x - lo,

with :math:`\tilde\rho` smooth and a power law near the bound (exact for
Marchenko–Pastur, :math:`\sqrt{(b - x)(x - \varepsilon)}/(2\pi c x)`; for
Pennington–Worah :math:`\tilde\rho` follows :math:`u^{-1/2}` to ~1e-6 (tested to 1e-5) over
:math:`[\varepsilon, 10^3\varepsilon]`, ``tests/test_near_square.py``).  Given
:math:`\varepsilon` (a root of the discriminant, accurate there), :class:`EdgeFit` fits the
power law to :math:`\tilde\rho` and the piecewise-Chebyshev model interpolates
:math:`\tilde\rho` (smooth, as at a hard edge); the mass that :math:`\rho` lacks against
:math:`\tilde\rho` on :math:`[0, u]`, concentrated within a few :math:`\varepsilon` of the
edge (~ d/2 in all), is

.. math:: D(u) = r_0 x_f^{-a}\,\varepsilon^{1 + a}\,J(u/\varepsilon),\qquad
          J(U) = \int_0^U s^a\big(1 - \sqrt{1 - 1/s}\,[s > 1]\big)\,ds,

for :math:`u \le x_f` (where :math:`\tilde\rho` is the power law) in closed form:
:math:`J(\infty) = \frac{1}{1 + a} + \frac1p - B(p, \tfrac32)` (:math:`p = -1 - a`;
:math:`\pi` at :math:`a = -1/2`), less the tail :math:`\sum_k c_k U^{a + 1 - k}/(k - a - 1)`
with :math:`1 - \sqrt{1 - y} = \sum_k c_k y^k` for :math:`U > 4`, and Gauss–Legendre in
:math:`s = 1 + v^2` below.  Beyond :math:`x_f`, where :math:`1 - \sqrt{1 - \varepsilon/u}
\approx \varepsilon/2u` still adds :math:`O(\varepsilon\,\tilde\rho)`, the integral of
:math:`\tilde\rho\,(1 - \sqrt{1 - \varepsilon/u})` is taken with the model's
:math:`\tilde\rho` (:meth:`EdgeFit.set_tail`: Gauss–Legendre in :math:`\log u`, interpolated
by a Chebyshev series; the power law there was off by 1e-7 of mass at d = 1e-3).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from rmttheory.errors import ConvergenceError

__all__ = ["EdgeFit", "gap_integral"]


def _coefficients(n: int = 30) -> np.ndarray:
    """:math:`c_k` of :math:`1 - \\sqrt{1 - y} = \\sum_{k \\ge 1} c_k y^k` (k = 1..n)."""
    c, out = 0.5, []
    for k in range(1, n + 1):
        out.append(c)
        c *= (2 * k - 1) / (2 * k + 2)
    return np.array(out)


_C = _coefficients()
_GL = np.polynomial.legendre.leggauss(48)
_GL16 = np.polynomial.legendre.leggauss(16)


def gap_integral(U: np.ndarray, a: float) -> np.ndarray:
    """:math:`J(U) = \\int_0^U s^a (1 - \\sqrt{1 - 1/s}\\,[s > 1])\\,ds` for
    :math:`-1 < a < 0` (module docstring).

    Examples
    --------
    >>> round(float(gap_integral(np.array([np.inf]), -0.5)[0]), 14) == round(np.pi, 14)
    True
    """
    U = np.asarray(U, dtype=float)
    shape, U = U.shape, U.reshape(-1)
    p = -1.0 - a
    j_inf = 1 / (1 + a) + 1 / p - math.gamma(p) * math.gamma(1.5) / math.gamma(p + 1.5)
    out = np.minimum(U, 1.0) ** (1 + a) / (1 + a)
    far = U > 4
    k = np.arange(1, _C.size + 1)
    Uf = U[far][:, None]
    with np.errstate(over="ignore", divide="ignore"):
        out[far] = j_inf - np.sum(_C * Uf ** (a + 1 - k) / (k - a - 1), axis=1)
    mid = (U > 1) & ~far
    if np.any(mid):  # s = 1 + v^2 on [1, U]: a smooth integrand
        t, w = _GL
        vmax = np.sqrt(U[mid] - 1)[:, None]
        v = vmax * (t + 1) / 2
        s = 1 + v * v
        f = s**a * (1 - v / np.sqrt(s)) * 2 * v
        out[mid] += np.sum(w * f, axis=1) * vmax[:, 0] / 2
    return out.reshape(shape)


class EdgeFit:
    """The density within :math:`x_f` of a (near-)hard edge at ``lo`` (module docstring).

    ``x_f`` is the smallest of 1e-12, ..., 1e-4 (times the width; at least ten times the
    gap) where :math:`\\tilde\\rho` is positive at :math:`x_f, 4x_f, 16x_f` and the two
    local exponents agree to 1e-3 (a solver losing digits fails that test, and one that
    raises :class:`ConvergenceError` that close moves the fit further out).

    Parameters
    ----------
    pdf
        Vectorized density.
    lo, hi
        The bound and the component's upper end.
    gap
        :math:`\\varepsilon`: a soft edge at ``lo + gap`` below the solver's resolution
        (0: a hard edge).  The local form is that of a -1/2 hard edge (Marchenko–Pastur's,
        n1 = m); where the fitted exponent differs, the law's mass check decides.

    Attributes
    ----------
    xf, r0, exponent
        The fit of :math:`\\tilde\\rho`: distance from ``lo``, value there, exponent.
    gap
        :math:`\\varepsilon`.

    Examples
    --------
    >>> fit = EdgeFit(lambda x: 1 / np.sqrt(x), 0.0, 1.0)
    >>> round(fit.exponent, 9), float(fit.deficit(np.array([1.0]))[0])
    (-0.5, 0.0)
    """

    def __init__(
        self, pdf: Callable[[np.ndarray], np.ndarray], lo: float, hi: float, gap: float = 0.0
    ) -> None:
        self.pdf, self.lo, self.gap = pdf, float(lo), float(gap)
        width = hi - lo
        r0 = r1 = 0.0
        xf = 1e-4 * width
        rels = 10.0 ** np.arange(-12, -3)
        rels = rels[rels * width >= 10 * self.gap]
        try:  # all candidates in one call (a continuation's cost is mostly per call)
            table = self.smooth(lo + np.outer(rels * width, [1.0, 4.0, 16.0]).ravel())
            table = table.reshape(-1, 3)
        except ConvergenceError:  # one at a time below
            table = None
        for i, rel in enumerate(rels):
            xf = rel * width
            try:
                if table is not None:
                    r0, r1, r2 = table[i]
                else:
                    r0, r1, r2 = self.smooth(lo + np.array([xf, 4 * xf, 16 * xf]))
            except ConvergenceError:  # a root solver that cannot get this close: further out
                r0 = r1 = r2 = 0.0
                continue
            if r0 > 0 and r1 > 0 and r2 > 0:
                e1, e2 = np.log(r1 / r0) / np.log(4.0), np.log(r2 / r1) / np.log(4.0)
                if abs(e1 - e2) < 1e-3:
                    break
        self.xf, self.r0 = float(xf), float(r0)
        self.exponent = float(np.log(r1 / r0) / np.log(4.0)) if r0 > 0 and r1 > 0 else 0.0
        self._width = float(width)
        self._tail: np.ndarray | None = None  # Chebyshev series of the deficit beyond x_f

    def set_tail(self, smooth: Callable[[np.ndarray], np.ndarray], nodes: int = 48) -> None:
        """Integrate :math:`\\tilde\\rho\\,(1 - \\sqrt{1 - \\varepsilon/u})` from ``xf`` with
        ``smooth`` (the model's :math:`\\tilde\\rho`): at ``nodes`` Chebyshev points of
        :math:`\\log u` on :math:`[\\log x_f, \\log w]`, by 16-point Gauss–Legendre in
        :math:`\\log u` between them, interpolated for :meth:`deficit`."""
        if not self.gap:
            return
        ends = np.log([self.xf, self._width])
        s = np.sort(np.polynomial.chebyshev.chebpts1(nodes))
        knots = np.concatenate([[ends[0]], ends[0] + (ends[1] - ends[0]) * (s + 1) / 2])
        t, w = _GL16
        a, b = knots[:-1, None], knots[1:, None]
        lu = a + (b - a) * (t + 1) / 2  # log u at the nodes of each interval
        u = np.exp(lu)
        f = smooth(self.lo + u) * (1 - self.shape(self.lo + u)) * u
        cum = np.cumsum(np.sum(w * f, axis=1) * (b - a)[:, 0] / 2)
        self._tail = np.polynomial.chebyshev.chebfit(s, cum, nodes - 1)
        self._tail_ends = ends

    def shape(self, x: np.ndarray) -> np.ndarray:
        """:math:`\\sqrt{1 - \\varepsilon/u}` (0 for :math:`u \\le \\varepsilon`; 1 at a hard edge)."""
        u = np.asarray(x, dtype=float) - self.lo
        if not self.gap:
            return np.ones_like(u)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(u > self.gap, np.sqrt(np.maximum(1 - self.gap / u, 0.0)), 0.0)

    def smooth(self, x: np.ndarray) -> np.ndarray:
        """:math:`\\tilde\\rho = \\rho / \\sqrt{1 - \\varepsilon/u}` from the density (no
        continuation; only for :math:`u > \\varepsilon`)."""
        rho = self.pdf(x)
        return rho if not self.gap else rho / self.shape(x)

    def power_law(self, x: np.ndarray) -> np.ndarray:
        """:math:`\\tilde\\rho`, continued below ``lo + xf`` by the fitted power law (smooth
        in the angle variable: what the piecewise-Chebyshev model interpolates)."""
        x = np.asarray(x, dtype=float)
        out = np.empty_like(x)
        low = x - self.lo < self.xf
        if np.any(~low):
            out[~low] = self.smooth(x[~low])
        u = np.maximum(x[low] - self.lo, 1e-300)
        out[low] = self.r0 * (u / self.xf) ** self.exponent
        return out

    def density(self, x: np.ndarray) -> np.ndarray:
        """The density: :meth:`power_law` times :meth:`shape`."""
        return self.power_law(x) * self.shape(x) if self.gap else self.power_law(x)

    def nodes(self, n: int = 16, near: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
        """Nodes on :math:`[\\varepsilon, x_f]` above ``lo`` with weights that include the
        density (power law times shape): ``n``-point Gauss–Legendre on octaves
        :math:`[2^k\\varepsilon, 2^{k+1}\\varepsilon]`, the first in :math:`u = \\varepsilon
        (1 + s^2)` (smooth at the edge), split geometrically in :math:`s` down to ``near``
        (a Cauchy integral at distance :math:`\\delta` from the edge has its pole at
        :math:`s \\approx i\\sqrt{\\delta/\\varepsilon}`: ``near`` of that size resolves it).
        Empty at a hard edge."""
        if not self.gap:
            return np.empty(0), np.empty(0)
        t, w = np.polynomial.legendre.leggauss(n)
        eps = self.gap
        k = max(0, int(np.ceil(-np.log2(max(near, 1e-8)))))
        sb = np.concatenate([[0.0], 2.0 ** -np.arange(k, -1, -1)])  # s panels, to 1
        sa, sz = sb[:-1, None], sb[1:, None]
        s_ = (sa + (sz - sa) * (t + 1) / 2).ravel()
        xs, ws = [eps * (1 + s_ * s_)], [(w * (sz - sa) / 2).ravel() * 2 * eps * s_]  # du
        s = (t + 1) / 2
        ends = eps * 2.0 ** np.arange(1, 1 + int(np.ceil(np.log2(self.xf / eps))))
        ends = np.minimum(ends, self.xf)
        a, b = ends[:-1, None], ends[1:, None]
        xs.append((a + (b - a) * s).ravel())
        ws.append((w * (b - a) / 2).ravel())
        u, wu = np.concatenate(xs), np.concatenate(ws)
        x = self.lo + u
        rho = self.r0 * (u / self.xf) ** self.exponent * self.shape(x)
        return x, wu * rho

    def deficit(self, u: np.ndarray) -> np.ndarray:
        """:math:`D(u)`: the mass of :math:`\\tilde\\rho` minus that of :math:`\\rho` on
        ``[lo, lo + u]`` (0 at a hard edge)."""
        u = np.asarray(u, dtype=float)
        if not self.gap:
            return np.zeros_like(u)
        a = self.exponent
        scale = self.r0 * self.xf ** (-a) * self.gap ** (1 + a)
        out = scale * gap_integral(np.minimum(np.maximum(u, 0.0), self.xf) / self.gap, a)
        far = u > self.xf
        if self._tail is not None and np.any(far):
            lo, hi = self._tail_ends
            s = 2 * (np.log(np.minimum(u[far], self._width)) - lo) / (hi - lo) - 1
            out[far] += np.polynomial.chebyshev.chebval(s, self._tail)
        return out
