r"""Piecewise-Chebyshev model of a density on one support component.

On a component :math:`[lo, hi]` the density is written in the angle variable
:math:`x = lo + (hi - lo)\sin^2(\theta/2)`, :math:`\theta\in[0,\pi]`, which makes
square-root edges and :math:`1/\sqrt{x - lo}` hard edges smooth; the integrand
:math:`g(\theta) = \rho(x)\,dx/d\theta` is interpolated by degree-32 Chebyshev
series on an adaptive partition of :math:`[0, \pi]` and integrated exactly.

Every subdivision level is evaluated in **one** vectorized call of the density
(all pieces of the level together), so a density that is expensive per call
(fixed-point solvers) pays the call overhead a few times, not once per piece; a
density whose cost is mostly fixed per call (root continuation) may take several
levels per call (``speculative_points``: each piece with its descendants).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.polynomial import chebyshev as C
from numpy.polynomial import legendre

from rmttheory._numerics.check_points import (
    _CHECK_U,
    _DEG,
    _edge_check_theta,
    model_check,
    model_density,
)
from rmttheory._numerics.hard_edge import EdgeFit
from rmttheory.errors import ConvergenceError

__all__ = ["ComponentModel", "model_density", "model_check"]

_U = C.chebpts1(_DEG + 1)  # interpolation points (first kind) on [-1, 1]
_V = C.chebvander(_U, _DEG).T * (2.0 / (_DEG + 1))  # values -> coefficients
_V[0] *= 0.5


class ComponentModel:
    """Piecewise-Chebyshev model of a density on ``[lo, hi]`` (module docstring).

    Parameters
    ----------
    pdf
        Vectorized density of the continuous part (finite inside the component).
    lo, hi
        The component.
    hard_edge
        True when the density diverges like a power of ``x - lo`` at ``lo`` (continued
        there by :class:`~rmttheory._numerics.hard_edge.EdgeFit`).
    speculative_points
        For a density whose cost is mostly fixed per call (continuation steps): each
        level's pieces are evaluated together with their descendants down to the depth
        that keeps one call within this many points (1024 with one piece: 4 more
        halvings, 31 pieces), so that a refinement of depth k takes about k / 5 calls
        instead of k.  The accepted pieces are the same; 0 (default): one level a call.
    check_theta0
        When given, the check points of :func:`model_check` (with this ``theta0``) are
        evaluated in the build's own density calls (three per candidate piece, the edge
        points in the first call) and kept, so the check needs no call of its own.  The
        same points and the same density values as a separate call; where a call with
        them raises, the build goes on without them and the check calls the density.
    gap
        With ``hard_edge``: a soft edge at ``lo + gap`` below the solver's resolution (near
        n1 = m); the model interpolates the smooth :math:`\\rho/\\sqrt{1 - gap/(x - lo)}` (a
        power law near ``lo``), and its mass, cdf, nodes and Cauchy integral are those of the
        density (:mod:`rmttheory._numerics.hard_edge`).

    Attributes
    ----------
    mass
        Integral of the density over the component.
    pieces
        Number of Chebyshev pieces used.
    edge_exponent
        Fitted exponent at a hard edge (None otherwise).

    Notes
    -----
    A piece is accepted when its last Chebyshev coefficients are below
    ``TAIL_TOL`` of the component's scale, or when it is too small to matter
    (its contribution below 1e-15), or when ``MAX_PIECES`` is reached (the
    caller then sees the mass defect).

    Examples
    --------
    >>> m = ComponentModel(lambda x: 0.75 * (1 - x * x), -1.0, 1.0)
    >>> round(m.mass, 12), round(float(m.cdf(np.array([0.0]))[0]), 12)
    (1.0, 0.5)
    """

    MAX_PIECES = 4000
    #: accept a piece when its last coefficients are below this fraction of max |g|
    #: (the root solvers are accurate to ~1e-12 relative, so finer is noise)
    TAIL_TOL = 1e-11

    def __init__(
        self,
        pdf: Callable[[np.ndarray], np.ndarray],
        lo: float,
        hi: float,
        hard_edge: bool = False,
        speculative_points: int = 0,
        check_theta0: float | None = None,
        gap: float = 0.0,
    ):
        self.lo, self.hi = float(lo), float(hi)
        self.edge_exponent: float | None = None
        #: the continuation at a hard edge (None otherwise)
        self.edge = EdgeFit(pdf, self.lo, self.hi, gap) if hard_edge else None
        #: the density (with the continuation at a hard edge)
        self.density = pdf if self.edge is None else self.edge.density
        if self.edge is not None:  # the model interpolates the smooth part (a power law)
            pdf, self.edge_exponent = self.edge.power_law, self.edge.exponent
        half = 0.5 * (self.hi - self.lo)

        def g_of(theta: np.ndarray, rho: np.ndarray) -> np.ndarray:
            with np.errstate(invalid="ignore", over="ignore"):
                v = rho * half * np.sin(theta)
            return np.where(np.isfinite(v), v, 0.0)

        def density_at(theta: np.ndarray) -> np.ndarray:
            with np.errstate(invalid="ignore", over="ignore"):
                return pdf(self.lo + (self.hi - self.lo) * np.sin(theta / 2) ** 2)

        def g(theta: np.ndarray) -> np.ndarray:
            return g_of(theta, density_at(theta))

        def evaluate(nodes: np.ndarray, extra: np.ndarray) -> tuple[np.ndarray, Any]:
            """g at ``nodes``, the density at ``extra`` (None where that raises): one call."""
            if extra.size:
                try:
                    rho = density_at(np.concatenate([nodes, extra]))
                except (ConvergenceError, FloatingPointError, ValueError):
                    return g(nodes), None
                return g_of(nodes, rho[: nodes.size]), rho[nodes.size :]
            return g(nodes), extra

        self.g = g
        self.check_theta0 = check_theta0
        edges = _edge_check_theta(check_theta0, hard_edge) if check_theta0 else np.empty(0)
        edge_rho = None
        n_check = _CHECK_U.size
        # the scale: max |g| at the nodes of the eight pieces of depth 3 (from the first
        # call's own values when it evaluates those pieces anyway)
        eighths = np.array([(0.0 + j * np.pi / 8, 0.0 + (j + 1) * np.pi / 8) for j in range(8)])
        probe = (eighths[:, :1] + np.diff(eighths)[:, :1] * (_U[None, :] + 1) / 2).ravel()
        scale = 0.0
        level = [(0.0, np.pi)]
        pieces: list[tuple[float, float, np.ndarray, Any]] = []
        while level:
            # each piece of the level with its descendants down to `depth` more halvings,
            # all in one density call (a call's cost is mostly fixed: continuation steps)
            depth = 0
            while len(level) * (_DEG + 1) * (2 ** (depth + 2) - 1) <= speculative_points:
                depth += 1
            tree = 2 ** (depth + 1) - 1  # pieces per root, heap order
            cand = np.array(
                [(a0 + j * (b0 - a0) / 2**k, a0 + (j + 1) * (b0 - a0) / 2**k)
                 for a0, b0 in level for k in range(depth + 1) for j in range(2**k)]
            )  # fmt: skip
            a, b = cand[:, :1], cand[:, 1:]
            theta = (a + (b - a) * (_U[None, :] + 1) / 2).ravel()
            own = scale == 0.0 and depth >= 3  # the first call has the eighths (rows 7-14)
            nodes = np.concatenate([theta, probe]) if scale == 0.0 and not own else theta
            extra = np.empty(0)
            if check_theta0 is not None:
                extra = (a + (b - a) * (_CHECK_U[None, :] + 1) / 2).ravel()
                extra = np.concatenate([extra, edges]) if scale == 0.0 else extra
            vals, at = evaluate(nodes, extra)
            if at is None:  # a check point raised: the check will call the density itself
                check_theta0 = None
            elif extra.size and scale == 0.0:
                edge_rho = at[a.size * n_check :]
            here = (extra if at is not None and extra.size else None), at  # angles, values
            if scale == 0.0:
                at_probe = vals[7 * (_DEG + 1) : 15 * (_DEG + 1)] if own else vals[theta.size :]
                scale = max(float(np.max(np.abs(at_probe))), 1e-300)
            coef = vals[: theta.size].reshape(a.size, _DEG + 1) @ _V.T
            tail = np.max(np.abs(coef[:, -4:]), axis=1)
            small = (b[:, 0] - a[:, 0]) * np.max(np.abs(coef), axis=1) < 1e-15 * scale * np.pi
            done = (tail <= self.TAIL_TOL * scale) | small
            nxt: list[tuple[float, float]] = []
            for r in range(len(level)):
                stack = [0]  # heap index within the root's tree
                while stack:
                    node = stack.pop()
                    row = r * tree + node
                    full = len(pieces) + len(nxt) + len(stack) + 2 > self.MAX_PIECES
                    if done[row] or full:
                        ck = None
                        if here[0] is not None:
                            sl = slice(row * n_check, (row + 1) * n_check)
                            ck = (here[0][sl], here[1][sl])
                        pieces.append((cand[row, 0], cand[row, 1], coef[row], ck))
                    elif 2 * node + 1 < tree:
                        stack.extend([2 * node + 2, 2 * node + 1])
                    else:
                        mid = 0.5 * (cand[row, 0] + cand[row, 1])
                        nxt.extend([(cand[row, 0], mid), (mid, cand[row, 1])])
            level = nxt
        pieces.sort(key=lambda p: p[0])
        #: first piece of the model's own nodes (below it, near a near-hard edge, the edge's)
        self._cut = 0
        if self.edge is not None and self.edge.gap:
            th_f = float(self.theta(np.array(self.lo + self.edge.xf)))
            pieces, self._cut = _split_at(pieces, th_f)
        self.breaks = np.array([p[0] for p in pieces] + [np.pi])
        self.cums: list[np.ndarray] = []
        self.coefs = [p[2] for p in pieces]
        starts = [0.0]
        for a0, b0, c0, _ in pieces:
            cum = C.chebint(c0, lbnd=-1) * ((b0 - a0) / 2)
            self.cums.append(cum)
            starts.append(starts[-1] + float(C.chebval(1.0, cum)))
        self.starts = np.array(starts)
        self._coef_rows = np.array(self.coefs).T  # (degree + 1, pieces) for Clenshaw
        #: the modelled function's mass above the density's near a near-hard edge (else 0)
        self.deficit = 0.0
        if self.edge is not None and self.edge.gap:
            self.edge.set_tail(
                lambda x: self.g_model(self.theta(x)) / (half * np.sin(self.theta(x)))
            )
            self.deficit = float(self.edge.deficit(np.array([np.inf]))[0])
        self.mass, self.pieces = float(self.starts[-1]) - self.deficit, len(pieces)
        #: the check points' angles and density values, evaluated in the build (or None)
        self.checked: tuple[np.ndarray, np.ndarray] | None = None
        if check_theta0 is not None and edge_rho is not None:
            th = np.concatenate([p[3][0] for p in pieces] + [edges])
            rho = np.concatenate([p[3][1] for p in pieces] + [edge_rho])
            keep = (th > check_theta0) & (th < np.pi - check_theta0)
            self.checked = (th[keep], rho[keep])

    def theta(self, x: np.ndarray) -> np.ndarray:
        """The angle of ``x`` (clipped to the component)."""
        t = np.clip((x - self.lo) / (self.hi - self.lo), 0.0, 1.0)
        return 2 * np.arcsin(np.sqrt(t))

    def cdf(self, x: np.ndarray) -> np.ndarray:
        """Integral of the density from ``lo`` to ``x`` (clipped to the component)."""
        th = self.theta(np.asarray(x, dtype=float))
        k = np.clip(np.searchsorted(self.breaks, th, side="right") - 1, 0, len(self.cums) - 1)
        out = np.empty_like(th)
        for j in np.flatnonzero(np.bincount(k)):  # the pieces hit (np.unique imports numpy.ma)
            sel = k == j
            a, b = self.breaks[j], self.breaks[j + 1]
            u = 2 * (th[sel] - a) / (b - a) - 1
            out[sel] = self.starts[j] + C.chebval(u, self.cums[j])
        if self.deficit:
            out -= self.edge.deficit(np.asarray(x, dtype=float) - self.lo)  # type: ignore[union-attr]
        return out

    def shape(self, x: np.ndarray) -> np.ndarray:
        """The density over the modelled function at ``x`` (1 but near a near-hard edge:
        :meth:`~rmttheory._numerics.hard_edge.EdgeFit.shape`)."""
        return np.ones(np.shape(x)) if self.edge is None else self.edge.shape(x)

    def _theta_nodes(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        t, w = legendre.leggauss(n)
        a, b = self.breaks[:-1, None], self.breaks[1:, None]
        theta = (a + (b - a) * (t[None, :] + 1) / 2).ravel()
        return theta, (w[None, :] * (b - a) / 2).ravel()

    def g_model(self, theta: np.ndarray) -> np.ndarray:
        """The piecewise-Chebyshev interpolant of :math:`g(\\theta)` (no density call).

        One Clenshaw recurrence over all points at once, each with its piece's
        coefficients."""
        theta = np.asarray(theta, dtype=float)
        k = np.clip(np.searchsorted(self.breaks, theta, side="right") - 1, 0, len(self.cums) - 1)
        a, b = self.breaks[k], self.breaks[k + 1]
        u = 2 * (theta - a) / (b - a) - 1
        b1 = np.zeros_like(u)
        b2 = np.zeros_like(u)
        for row in self._coef_rows[:0:-1]:
            b1, b2 = row[k] + 2 * u * b1 - b2, b1
        return self._coef_rows[0][k] + u * b1 - b2

    def cauchy(self, z: np.ndarray, n: int = 16, levels: int = 52) -> np.ndarray:
        """Cauchy integral :math:`\\int_{lo}^{hi}\\rho(x)/(z - x)\\,dx` for ``Im z >= 0``.

        In the angle variable, with the pole subtracted when ``z`` is near the
        component (:math:`\\rho_0` the model's density at the angle
        :math:`\\theta_0` nearest ``Re z``)

        .. math::
            \\int_0^\\pi \\frac{g(\\theta) - \\rho_0\\,x'(\\theta)}{z - x(\\theta)}\\,d\\theta
            + \\rho_0\\log\\frac{z - lo}{z - hi},

        whose integrand is bounded but varies on the scale of ``Im z`` around
        :math:`\\theta_0`; the Gauss–Legendre rule (``n`` nodes per interval) runs
        over the model's pieces refined geometrically towards :math:`\\theta_0`
        (:math:`\\theta_0 \\pm \\pi 2^{-k}`, ``k <= levels``), which resolves that
        scale for every ``Im z`` down to 0 (the value is then :math:`G(x + i0)`).
        Accuracy: the model's (``TAIL_TOL``), checked against adaptive quadrature of
        the density in ``tests/test_distributions.py::TestProtocol::test_stieltjes``.  Near
        a near-hard edge (``gap``): the sum over :meth:`nodes`, accurate off the support only.
        """
        z = np.asarray(z, dtype=complex).reshape(-1)
        if self.edge is not None and self.edge.gap:  # off the support only: the nodes, the
            out = np.empty(z.shape, dtype=complex)  # edge's graded towards z's distance
            xm, wm = self.nodes()
            above = xm >= self.lo + self.edge.xf  # the model's nodes (the edge's per z below)
            xm, wm = xm[above], wm[above]
            for i, zi in enumerate(z):
                d = abs(zi - (self.lo + self.edge.gap)) / self.edge.gap
                xe, we = self.edge.nodes(near=np.sqrt(d))
                out[i] = np.sum(we / (zi - xe)) + np.sum(wm / (zi - xm))
            return out
        t, w = legendre.leggauss(n)
        h = self.hi - self.lo
        grade = np.pi * 2.0 ** -np.arange(1, levels + 1)
        out = np.empty(z.shape, dtype=complex)
        for i, zi in enumerate(z):
            th0 = float(self.theta(np.array(zi.real)))
            near = abs(zi.imag) < 0.2 * h and self.lo - 0.2 * h < zi.real < self.hi + 0.2 * h
            rho0 = 0.0
            if near and 0.0 < th0 < np.pi:
                rho0 = float(self.g_model(np.array(th0))) / (0.5 * h * np.sin(th0))
            br = np.concatenate([self.breaks, th0 - grade, th0 + grade, [th0]])
            br = np.unique(np.clip(br, 0.0, np.pi))
            a, b = br[:-1, None], br[1:, None]
            theta = (a + (b - a) * (t[None, :] + 1) / 2).ravel()
            ww = (w[None, :] * (b - a) / 2).ravel()
            x = self.lo + h * np.sin(theta / 2) ** 2
            with np.errstate(divide="ignore", invalid="ignore"):
                f = (self.g_model(theta) - rho0 * 0.5 * h * np.sin(theta)) / (zi - x)
            val = np.sum(ww * np.where(np.isfinite(f), f, 0.0))
            if rho0 != 0.0:
                val += rho0 * (np.log(zi - self.lo) - np.log(zi - self.hi))
            out[i] = val
        return out

    def nodes(self, n: int = 48) -> tuple[np.ndarray, np.ndarray]:
        """Gauss–Legendre nodes (``n`` per piece) mapped to ``x``, with weights that
        include the density: ``sum(w * h(x))`` approximates the integral of ``h * pdf``.

        The density is taken from the interpolant (accurate to ``TAIL_TOL``), so no
        density evaluation is needed."""
        theta, ww = self._theta_nodes(n)
        x = self.lo + (self.hi - self.lo) * np.sin(theta / 2) ** 2
        if self.edge is None or not self.edge.gap:
            return x, ww * self.g_model(theta)
        # near a near-hard edge: the model (of rho / shape) above x_f, times the shape (smooth
        # there), and the edge's own nodes below
        keep = np.repeat(np.arange(len(self.cums)) >= self._cut, n)
        xe, we = self.edge.nodes()
        w = (ww * self.g_model(theta) * self.shape(x))[keep]
        return np.concatenate([xe, x[keep]]), np.concatenate([we, w])

    def global_nodes(self, n: int = 64) -> tuple[np.ndarray, np.ndarray]:
        """``n`` Gauss–Legendre nodes over the whole angle range (not per piece), with
        density weights from the interpolant: a compact discretization of the law."""
        if self.edge is not None and self.edge.gap:  # the edge needs its own nodes
            return self.nodes(8)
        t, w = legendre.leggauss(n)
        theta = np.pi * (t + 1) / 2
        x = self.lo + (self.hi - self.lo) * np.sin(theta / 2) ** 2
        return x, w * (np.pi / 2) * self.g_model(theta)


def _split_at(pieces: list, theta: float) -> tuple[list, int]:
    """The pieces split at ``theta`` and at ``2^k theta`` above it (each part's coefficients
    re-expanded from its piece's polynomial: the same function, so that the nodes of
    :meth:`ComponentModel.nodes` resolve the shape's variation on the scale of ``theta``),
    and the index of the first piece from ``theta`` on."""
    cuts = theta * 2.0 ** np.arange(int(np.log2(np.pi / theta)) + 1)
    out: list = []
    for a0, b0, c0, ck in pieces:
        inner = cuts[(cuts > a0) & (cuts < b0)]
        if not inner.size:
            out.append((a0, b0, c0, ck))
            continue
        bounds = [a0, *inner, b0]
        for i, (lo, hi) in enumerate(zip(bounds[:-1], bounds[1:])):
            at = C.chebval(2 * (lo + (hi - lo) * (_U + 1) / 2 - a0) / (b0 - a0) - 1, c0)
            k = ck if i == 0 or ck is None else (np.empty(0), np.empty(0))  # checks stay once
            out.append((lo, hi, _V @ at, k))
    return out, int(np.searchsorted([p[0] for p in out], theta))
