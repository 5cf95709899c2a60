r"""Numerical solution of the Pennington–Worah equation with a proven branch rule.

Variables (units where :math:`\eta = 1`; the public API rescales):
:math:`a^2 = \zeta/\eta`, :math:`b^2 = 1 - a^2`, :math:`c = \phi/\psi = n_1/m`,
:math:`c' = 1/\psi = n_1/n_0`.

**Equation.** By Gaussian equivalence the limit law of :math:`M` is that of a
sample covariance matrix with :math:`m` samples and population covariance
:math:`\Sigma = a^2 WW^\top + b^2 I`, where :math:`WW^\top` is Marchenko–Pastur
of ratio :math:`c'`.  Let :math:`\underline s(z) = \int d\underline F(\lambda)/(\lambda - z)`
be the Stieltjes transform (this sign!) of the :math:`m\times m` companion
:math:`Y^\top Y/m`.  Silverstein's equation with the MP population gives, with

.. math::

    m = \frac{a^2 \underline s\,(c - 1 - z\underline s)}{c},\qquad
    w = -\frac{1 + b^2\underline s}{a^2 \underline s},\qquad
    c' w m^2 + (w - 1 + c') m + 1 = 0,

a quartic in :math:`\underline s`.  The solver does not type it: its
coefficients are generated (once, lambdified) from
:attr:`rmttheory.equation.PenningtonWorahEquation.companion_polynomial`, the
Pennington–Worah G-polynomial under :math:`\underline s = -cG - (1-c)/z`, so a
change of the equation changes the solver; ``tests/test_equation.py::
test_solver_polynomial_is_the_equation_and_silverstein`` checks that it equals
the Silverstein quartic above written independently.  :math:`G = \mathbb E[1/(z-\lambda)]`.

**Branch rule (a theorem, not a heuristic).** Silverstein & Bai (1995): for
:math:`\operatorname{Im} z > 0`, :math:`\underline s(z)` is the *unique* solution
with :math:`\underline s \in \mathbb C^+`; the inner Marchenko–Pastur transform
:math:`m(w)` is likewise the unique root with :math:`m, \underline m \in \mathbb C^+`
(:math:`\underline m = -(1-c')/w + c' m`), and :math:`w\in\mathbb C^+` whenever
:math:`\underline s\in\mathbb C^+`.  Hence the physical root is the only one with

.. math:: \min\big(\operatorname{Im}\underline s/|\underline s|,\;
          \operatorname{Im} m/|m|,\; \operatorname{Im}\underline m/|\underline m|\big) > 0,

and by continuity on the real axis every other root has this score :math:`\le 0`:
a point is in the support iff some root scores above a tolerance.  For
:math:`\zeta = 0` the law is Marchenko–Pastur and the score is
:math:`\operatorname{Im}\underline s/|\underline s|` alone.

**Numerics.** The polynomial is solved in :math:`u = 1/\underline s` (its
leading coefficient is :math:`c > 0`, so it stays well conditioned as
:math:`\zeta\to\eta`, where the degree in :math:`\underline s` drops; at
:math:`\zeta = \eta` exactly, :math:`u = 0` is an exact, unphysical root and is
divided out, leaving a cubic), by
real-arithmetic Ferrari on the real axis (its quadratic factors refined by two
Bairstow steps, which resolves near-double conjugate pairs, then one Newton step
on the chosen root) and complex Ferrari with Newton polishing elsewhere.  The density is :math:`\rho(x) = \operatorname{Im}\underline
s(x+i0)/(c\pi)`.

**Stieltjes transform off the axis.** For :math:`\operatorname{Im} z` at least
5% of the support's scale the branch rule selects the root directly; closer to
the real axis (including real :math:`z` outside the support) that root is
followed down the vertical line by predictor–corrector continuation
(:mod:`rmttheory._numerics.continuation`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from rmttheory._generated import pennington_worah as _code  # rmttheory.equation.numeric_*
from rmttheory._numerics.continuation import track_root
from rmttheory._numerics.polyroots import (
    cubic_roots,
    deflate_largest_root,
    polish,
    quartic_roots,
    real_quartic_roots,
)
from rmttheory._numerics.support import support_from_candidates
from rmttheory._params import pennington_worah_parameters as check_parameters
from rmttheory.errors import ConvergenceError

__all__ = ["PenningtonWorahSolver", "check_parameters"]

#: score below which a root is not physical (relative imaginary parts).
SCORE_TOL = 1e-12


@dataclass(frozen=True)
class PenningtonWorahSolver:
    r"""Root finding, branch selection and support of the Pennington–Worah law.

    Parameters
    ----------
    eta, zeta, phi, psi
        As in :class:`rmttheory.distributions.PenningtonWorah` (validated by
        :func:`check_parameters`).  Public methods take and return quantities
        in the user's units (not normalized by :math:`\eta`).

    Examples
    --------
    >>> sol = PenningtonWorahSolver(1.0, 0.5, 0.5, 2.0)
    >>> sol.kind, round(sol.atom, 12)
    ('general', 0.0)
    """

    eta: float
    zeta: float
    phi: float
    psi: float

    def __post_init__(self) -> None:
        eta, zeta, phi, psi = check_parameters(self.eta, self.zeta, self.phi, self.psi)
        object.__setattr__(self, "eta", eta)
        object.__setattr__(self, "zeta", zeta)
        object.__setattr__(self, "phi", phi)
        object.__setattr__(self, "psi", psi)

    # -- derived constants ---------------------------------------------------------
    @property
    def a2(self) -> float:
        r""":math:`\zeta/\eta`."""
        return self.zeta / self.eta

    @property
    def b2(self) -> float:
        r""":math:`1 - \zeta/\eta`."""
        return 1.0 - self.a2

    @property
    def c(self) -> float:
        r""":math:`n_1/m = \phi/\psi`."""
        return self.phi / self.psi

    @property
    def cp(self) -> float:
        r""":math:`n_1/n_0 = 1/\psi`."""
        return 1.0 / self.psi

    @property
    def kind(self) -> str:
        """``'mp'`` (zeta = 0), ``'linear'`` (zeta = eta) or ``'general'``."""
        if self.zeta == 0:
            return "mp"
        if self.zeta == self.eta:
            return "linear"
        return "general"

    @property
    def atom(self) -> float:
        """Mass at 0: max(0, 1 - m/n1); for a linear f, 1 - min(n0, m)/n1."""
        if self.kind == "linear":
            return max(0.0, 1.0 - min(self.psi, self.psi / self.phi))
        return max(0.0, 1.0 - 1.0 / self.c)

    # -- polynomial ----------------------------------------------------------------
    @property
    def _near_square(self) -> bool:
        """phi/2 <= psi <= 2 phi: near n1 = m, where psi - phi is exact in floating point."""
        return self.phi / 2 <= self.psi <= 2 * self.phi

    def _generated(self, name: str) -> tuple[tuple, tuple]:
        """The generated coefficient functions ``name`` and their arguments after ``phi``:
        for phi/2 <= psi <= 2 phi their near-square forms, in ``dpsi = psi - phi`` (exact
        there): near n1 = m the expanded forms lose the roots near z = 0
        (``tests/test_near_square.py``)."""
        if self._near_square and hasattr(_code, name + "_NEAR"):
            return getattr(_code, name + "_NEAR"), (self.psi, self.psi - self.phi)
        return getattr(_code, name), (self.psi,)

    def _poly(self, zh: np.ndarray) -> np.ndarray:
        """Coefficients in u (highest first) at normalized z, shape (N, degree + 1):
        a quartic, a cubic (zeta = eta: the exact root u = 0 divided out) or a
        quadratic (zeta = 0)."""
        zh = np.asarray(zh)
        if self.kind == "mp":
            # b2 z s^2 + (z - b2 (c - 1)) s + 1 -> u^2 + (z - b2(c-1)) u + b2 z
            return np.stack([np.ones_like(zh), zh - self.b2 * (self.c - 1), self.b2 * zh], -1)
        coeffs, extra = self._generated("COMPANION")
        cols = [
            np.broadcast_to(np.asarray(f(zh, self.a2, self.b2, self.phi, *extra)), zh.shape)
            for f in coeffs
        ]
        if self.kind == "linear":
            cols = cols[:4]
        return np.stack(cols, axis=-1)

    def _roots_u(self, zh: np.ndarray) -> np.ndarray:
        co = self._poly(zh)
        if self.kind == "mp":
            a, b, c = co[:, 0], co[:, 1].astype(complex), co[:, 2]
            disc = np.sqrt(b**2 - 4 * a * c)
            q = -(b + np.where((np.conj(b) * disc).real >= 0, disc, -disc)) / 2
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.stack([q / a, np.where(q != 0, c / q, 0)], axis=-1)
        if np.isrealobj(zh):
            if self.kind == "linear":  # real arithmetic on the quartic: u = 0 is one root
                co = np.concatenate([co, np.zeros((co.shape[0], 1))], axis=1)
            u = real_quartic_roots(*(co[:, k] for k in range(5)))
            # Ferrari's shift by b/4 costs the small roots digits when the root magnitudes
            # span decades (zeta/eta -> 1 with phi << 1: one root ~ 1/phi, three ~ eta - zeta):
            # there the largest root is divided out and the small ones re-solved
            mags = np.sort(np.abs(u), axis=1)
            big = u[np.arange(len(u)), np.argmax(np.abs(u), axis=1)]
            spread = (mags[:, 3] > 1e3 * mags[:, 2]) & (np.abs(big.imag) <= 1e-12 * mags[:, 3])
            if np.any(spread):
                u[spread] = deflate_largest_root(co[spread].astype(complex), u[spread])
            return u
        if self.kind == "linear":  # the exact root u = 0 divided out: a cubic
            cc = co.astype(complex)
            r = cubic_roots(*(cc[:, k] / cc[:, 0] for k in (1, 2, 3)))
            return polish(cc, r, steps=3)[0]
        return quartic_roots(co.astype(complex))

    def _score(self, v: np.ndarray, zh: np.ndarray) -> np.ndarray:
        """min of the relative imaginary parts of s_bar, m, m_bar (module docstring).

        On the real axis the imaginary parts are taken from exact expressions,
        free of the cancellation in c - 1 - z s_bar (which tends to 0 at a hard
        edge): for real z,
        Im m = (a2/c) Im s_bar [(c - 1) - 2 z Re s_bar] and
        Im m_bar = (1 - c') a2 Im s_bar / |1 + b2 s_bar|^2 + c' Im m.
        """
        s = v  # the companion transform s_bar
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            sc = s.imag / np.abs(s)
            if self.kind == "mp":
                return np.where(np.isfinite(sc), sc, -np.inf)
            a2, b2, c, cp = self.a2, self.b2, self.c, self.cp
            m = a2 * s * (c - 1 - zh * s) / c
            if np.isrealobj(zh):
                im_m = (a2 / c) * s.imag * ((c - 1) - 2 * zh * s.real)
                im_mb = (1 - cp) * a2 * s.imag / np.abs(1 + b2 * s) ** 2 + cp * im_m
                mb_abs = np.abs((1 - cp) * a2 * s / (1 + b2 * s) + cp * m)
                sc = np.minimum(sc, im_m / np.maximum(np.abs(m), np.abs(im_m)))
                sc = np.minimum(sc, im_mb / np.maximum(mb_abs, np.abs(im_mb)))
            else:
                w = -(1 + b2 * s) / (a2 * s)
                mb = -(1 - cp) / w + cp * m
                sc = np.minimum(sc, m.imag / np.abs(m))
                sc = np.minimum(sc, mb.imag / np.abs(mb))
        return np.where(np.isfinite(sc), sc, -np.inf)

    def solve_normalized(self, zh: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(v, score) at normalized points ``zh`` (real or complex arrays, Im >= 0),
        where v is the companion transform ``s_bar``.

        ``score <= SCORE_TOL`` means no root is physical: on the real axis, a point
        outside the support (then v is NaN).
        """
        zh = np.asarray(zh)
        shape = zh.shape
        zh = zh.reshape(-1)
        u = self._roots_u(zh)
        if np.isrealobj(zh):
            # real axis: roots come in real or conjugate pairs (columns 0-1, 2-3, +Im
            # first); only the member with Im u < 0 (Im s_bar > 0) can be physical
            u = u[:, [1, 3]]
        with np.errstate(divide="ignore", invalid="ignore"):
            v = 1.0 / u
        score = self._score(v, zh[:, None])
        best = np.argmax(score, axis=1)
        rows = np.arange(len(zh))
        v_best = v[rows, best]
        sc_best = score[rows, best]
        ub = u[rows, best]
        ok = np.isfinite(ub) & (ub != 0) & (sc_best > SCORE_TOL)
        if np.any(ok) and np.isrealobj(zh):
            # real axis: Bairstow-refined factors plus one Newton step on the chosen
            # root (without it, zeta/eta = 0.999 loses 2.5e-6 of mass)
            co = self._poly(zh)[ok]
            x = ub[ok]
            p, dp = co[:, 0] * x + co[:, 1], co[:, 0]
            for k in range(2, co.shape[1]):
                dp = dp * x + p
                p = p * x + co[:, k]
            with np.errstate(divide="ignore", invalid="ignore"):
                new = x - p / dp
            v_best[ok] = 1.0 / np.where(np.isfinite(new), new, x)
        elif np.any(ok):  # complex Ferrari: three guarded Newton steps
            up, _ = polish(self._poly(zh)[ok].astype(complex), ub[ok][:, None], steps=3)
            v_best[ok] = 1.0 / up[:, 0]
        v_best = np.where(sc_best > SCORE_TOL, v_best, np.nan)
        return v_best.reshape(shape), sc_best.reshape(shape)

    def gram_transform_normalized(self, zh: np.ndarray) -> np.ndarray:
        r""":math:`s_M(z) = \int dF_M/(\lambda - z)` at normalized z (NaN where no physical root)."""
        v, _ = self.solve_normalized(zh)
        zh = np.asarray(zh)
        return (v + (1 - self.c) / zh) / self.c

    # -- public quantities (user units) --------------------------------------------
    def density(self, x: np.ndarray) -> np.ndarray:
        """Density of the continuous part at real ``x`` (0 outside the support)."""
        x = np.asarray(x, dtype=float)
        out = np.zeros_like(x)
        pos = x > 0
        if np.any(pos):
            v, _ = self.solve_normalized(x[pos] / self.eta)
            dens = np.where(np.isnan(v), 0.0, v.imag / (self.c * np.pi)) / self.eta
            out[pos] = np.maximum(dens, 0.0)
        if np.any(x == 0):
            out[x == 0] = np.inf if self.hard_edge else 0.0
        return out

    @property
    def hard_edge(self) -> bool:
        """True when the support reaches 0 (density ~ 1/sqrt(x) there, e.g. n1 = m)."""
        return self.support()[0][0] == 0.0

    def stieltjes(self, z: np.ndarray) -> np.ndarray:
        r""":math:`G(z) = E[1/(z - \lambda)]` (atom included) for complex ``z`` with
        ``Im z >= 0``, ``z != 0`` (on the real axis: ``G(x + i0)``).

        Far from the axis the branch rule picks the root; below 5% of the
        support's scale the root is continued down from there (module docstring).
        """
        zh = np.asarray(z, dtype=complex).reshape(-1) / self.eta
        y0 = 0.05 * self._support_cache()[-1][1]
        v = np.empty(zh.shape, dtype=complex)
        far = zh.imag >= y0
        if far.any():
            v[far], _ = self.solve_normalized(zh[far])
            far[far] = np.isfinite(v[far])  # no clear winner there: continued from above
        near = ~far
        if near.any():
            x = zh[near].real
            ys = np.maximum(y0, 10 * zh[near].imag)  # (10 x above a far point moved here)
            for attempt in range(4):
                start, _ = self.solve_normalized(x + 1j * ys)
                # where the branch rule has no clear winner (e.g. x < 0 for phi << 1 << psi),
                # start higher up, where the physical root is ~ 1/z
                for _ in range(12):
                    bad = ~np.isfinite(start) | (start == 0)
                    if not bad.any():
                        break
                    ys[bad] *= 10.0
                    start[bad], _ = self.solve_normalized(x[bad] + 1j * ys[bad])
                if not np.all(np.isfinite(start) & (start != 0)):
                    raise ConvergenceError("no physical root found far from the axis")
                try:
                    u = track_root(
                        lambda w: self._poly(w).astype(complex),
                        x,
                        ys,
                        zh[near].imag,
                        1.0 / start,
                        scale=max(self._support_cache()[-1][1], float(np.max(np.abs(x))), 1.0),
                    )
                    break
                except ConvergenceError:  # two roots scored alike at the start (phi/psi =
                    if attempt == 3:  # 1e6: the pick flipped with a 1e-13 change of y0):
                        raise  # start higher up, where the rule is unambiguous
                    ys *= 100.0
            v[near] = 1.0 / u
        G = -(v + (1 - self.c) / zh) / self.c
        # polish on the G-polynomial itself (the companion map above loses ~1/c digits)
        fns, extra = self._generated("G_POLYNOMIAL")
        co = np.stack(
            [np.broadcast_to(f(zh, self.a2, self.b2, self.phi, *extra), zh.shape) for f in fns],
            axis=-1,
        ).astype(complex)
        G = polish(co, G[:, None], steps=3)[0][:, 0]
        return (G / self.eta).reshape(np.shape(z))

    # -- support -------------------------------------------------------------------
    def _edge_candidates(self) -> np.ndarray:
        fns, extra = self._generated(f"DISC_{self.kind.upper()}")  # general, linear or mp
        co = np.array([float(f(self.a2, self.phi, *extra)) for f in fns])
        co = np.trim_zeros(co, "f")
        if len(co) < 2:
            return np.array([])
        roots = np.roots(co)
        keep = np.abs(roots.imag) <= 1e-6 * np.maximum(np.abs(roots), 1e-300)
        cand = np.sort(roots[keep].real)
        cand = cand[cand > 0]
        for _ in range(2):  # Newton on the polynomial: np.roots' error scales with the
            step = np.polyval(co, cand) / np.polyval(np.polyder(co), cand)  # largest root
            cand = np.where(np.abs(step) < 1e-6 * cand, cand - step, cand)
        return cand

    def _inside(self, xh: np.ndarray) -> np.ndarray:
        return ~np.isnan(self.solve_normalized(np.asarray(xh, dtype=float))[0])

    def support_normalized(self) -> list[tuple[float, float]]:
        """Support intervals in units of eta: candidates are the positive real roots
        of the discriminant (in z) of the polynomial, classified and refined by
        :func:`rmttheory._numerics.support.support_from_candidates`."""
        # near n1 = m roots within 1e-13 of the span above 0 are the lower edge (the general
        # discriminant's near form; the linear case's cubic: mass 1.5e-8 off with them, 4.8e-7
        # without)
        return support_from_candidates(
            self._edge_candidates(), self._inside, roots=True, tiny_edges=self._near_square
        )

    def support(self) -> list[tuple[float, float]]:
        """Support of the continuous part, a list of (lo, hi) in the user's units."""
        return [(lo * self.eta, hi * self.eta) for lo, hi in self._support_cache()]

    def _support_cache(self) -> tuple[tuple[float, float], ...]:
        return self._support_normalized

    @cached_property
    def _support_normalized(self) -> tuple[tuple[float, float], ...]:
        return tuple(self.support_normalized())
