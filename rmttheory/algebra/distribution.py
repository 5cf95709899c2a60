r"""The numeric law of any numeric :class:`~rmttheory.algebra.law.AlgebraicLaw`.

**Branch rule (proven at every point).**  For :math:`|z| > R`, where :math:`R` bounds
the support and the atoms, :math:`|G(z) - 1/z| = |\int\lambda\,d\mu/(z(z-\lambda))|
\le R/(|z|(|z|-R))`.  Each evaluation starts at :math:`z_0 = x + iY` with
:math:`Y \ge 3R`, where the physical root is the *only* root of
:math:`L(\cdot, z_0)` in that disk around :math:`1/z_0` (checked: Newton steps from
:math:`1/z_0` reach a root :math:`w` in the disk, and Pellet's test proves :math:`w`
the only root of the disk around :math:`w` that holds it; where that sufficient test
fails, exactly one of all roots, the companion eigenvalues, must lie in the disk;
otherwise :math:`Y` is doubled, and after 6 doublings a :class:`ConvergenceError` is raised),
and is then continued down the vertical line to :math:`x + i\,\mathrm{Im}\,z`
(:func:`rmttheory._numerics.continuation.track_root`: predictor–corrector steps that
are shortened whenever the corrected root leaves the prediction, i.e. where two
branches come close).  The root stays in the lower half plane on the way
(:math:`\operatorname{Im} G < 0` for :math:`\operatorname{Im} z > 0`).  On the real
axis the continuation stops at :data:`SNAP_HEIGHT` :math:`\times R` (a path that ends
exactly on a branch point, an edge, cannot converge) and Newton steps at :math:`x` take
the root it is nearest to (where they do not converge, the nearest of all roots with
:math:`\operatorname{Im} G \le 0`): the value is :math:`G(x + i0)` and
:math:`\rho(x) = -\operatorname{Im}G(x+i0)/\pi`.

**Coefficients** are evaluated by Horner in :math:`z - c`, :math:`c` the nearest of 0
and the real poles (exact Taylor shifts): in the monomial basis a coefficient loses its
digits where it vanishes.

**Support.**  Edges are branch points: real roots of the discriminant of
:math:`L` in :math:`G` (or poles, roots of the leading coefficient), computed
exactly by sympy and rounded once.  Between consecutive candidates the state (in or
out of the support) is constant, so one continuation at each midpoint classifies
each interval; adjacent inner intervals merge (a candidate inside the support is a
collision of unphysical branches).

**Checks.**  The continuous mass plus the atoms must be 1 within ``MASS_TOL``
(inherited), and the quadrature mean must equal the exact first moment
(:meth:`AlgebraicLaw.moments <rmttheory.algebra.law.AlgebraicLaw.moments>`) within
``MEAN_TOL`` of the scale :math:`R`; otherwise :class:`ConvergenceError`, never a
wrong number.  Exact raw moments of order 1–4 come from the series at infinity.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

import numpy as np
import sympy as sp

from rmttheory._numerics.continuation import track_root
from rmttheory._numerics.polyroots import newton_rows, one_root_in_disk, polish
from rmttheory.distributions.base import SpectralDistribution
from rmttheory.equation import G, Z
from rmttheory.errors import ConvergenceError, ParameterError

__all__ = ["AlgebraicDistribution"]

#: relative imaginary part of G above which a midpoint is inside the support
INSIDE_TOL = 1e-9
#: largest accepted |quadrature mean - exact mean| relative to the scale R
MEAN_TOL = 1e-7
#: height (relative to the scale R) where real-axis continuations stop and snap to the axis
SNAP_HEIGHT = 1e-10
#: exact moments are taken from the series up to this order (higher: quadrature)
EXACT_ORDER = 4


def _real_roots(poly: sp.Poly) -> list[float]:
    """Real roots of a univariate polynomial with rational coefficients (exact isolation)."""
    if poly.degree() <= 0:
        return []
    sqf = sp.Poly(sp.quo(poly, sp.gcd(poly, poly.diff())), poly.gen)
    out = []
    for (a, b), _ in sqf.intervals(eps=sp.Rational(1, 10**14)):
        out.append(float((a + b) / 2))
    return out


class AlgebraicDistribution(SpectralDistribution):
    r"""Density, cdf, moments and Stieltjes transform of a numeric algebraic law.

    Parameters
    ----------
    law
        An :class:`~rmttheory.algebra.law.AlgebraicLaw` without symbolic parameters.

    Examples
    --------
    >>> from rmttheory.algebra import marchenko_pastur
    >>> law = marchenko_pastur(0.25).distribution()
    >>> [tuple(round(e, 10) for e in iv) for iv in law.support()]
    [(0.25, 2.25)]
    >>> round(float(law.pdf(1.0)), 10)  # sqrt((2.25 - 1)(1 - 0.25)) / (2 pi 0.25)
    0.6164044441
    """

    MASS_TOL = 1e-6
    #: the pdf of many points comes from the checked density model (the solver's
    #: continuation costs ~25 us a point; the model ~0.25 us)
    PDF_FROM_MODEL = True
    #: a continuation's cost is ~12 ms a call plus ~18 us a point: the model's build
    #: evaluates five refinement levels (31 pieces) in its first call, which for the laws
    #: measured (docs/benchmarks.md) is the whole build, its check included
    MODEL_CALL_POINTS = 1024

    def __init__(self, law: Any):
        # duck-typed (rmttheory.algebra.law imports this module to build its distribution)
        if not all(hasattr(law, a) for a in ("polynomial", "atom_masses", "moments")):
            raise ParameterError("AlgebraicDistribution needs an AlgebraicLaw")
        if not law.is_numeric:
            raise ParameterError(
                f"{law.name} has symbolic parameters {sorted(map(str, law.parameters))}: "
                "substitute numbers first (law.subs(...))"
            )
        self.law = law
        poly = law.poly
        self.degree = poly.degree(G)
        deg_z = poly.degree(Z)
        big = max(abs(c) for c in poly.coeffs())  # exact: no overflow of huge integers
        in_g = sp.Poly(law.polynomial, G)
        lead = sp.Poly(in_g.LC(), Z)
        cands = _real_roots(lead)
        # coefficient tables in z - c around 0 and each real pole c (exact Taylor shifts):
        # in the monomial basis a coefficient that vanishes at c loses all its digits there
        self._centers = np.unique(np.array([0.0, *cands]))  # (a pole at 0 is one center)
        tables = []
        for c in self._centers:
            shifted = sp.Poly(law.polynomial.subs(Z, Z + sp.Rational(c)), G, Z)
            t = np.zeros((self.degree + 1, deg_z + 1))
            for (i, j), v in shifted.terms():
                t[self.degree - i, deg_z - j] = float(v / big)
            tables.append(t)
        self._tables = np.array(tables)  # (center, G^d..G^0, z^e..z^0)
        if self.degree > 1:
            disc = sp.Poly(sp.discriminant(in_g), Z)
            cands += _real_roots(disc)
        atoms = law.atom_masses()
        self._candidates = np.unique(np.array(sorted(cands + list(atoms)), dtype=float))
        ends = np.abs(self._candidates)
        self.radius = float(ends.max()) if ends.size else 1.0

    def __repr__(self) -> str:
        return f"AlgebraicDistribution({self.law.name})"

    # -- roots ---------------------------------------------------------------------
    def _centered(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(z - c, the table at c) for the center c (0 or a real pole) nearest to Re z."""
        z = np.asarray(z, dtype=complex).reshape(-1)
        if self._centers.size == 1:
            return z, np.broadcast_to(self._tables[0], (z.size, *self._tables.shape[1:]))
        k = np.argmin(np.abs(z.real[:, None] - self._centers[None, :]), axis=1)
        return z - self._centers[k], self._tables[k]

    def _coeffs(self, z: np.ndarray) -> np.ndarray:
        """Coefficients in G (highest first) at each z, shape (N, d + 1), by Horner in
        z - c for the center c (0 or a real pole) nearest to Re z."""
        u, tab = self._centered(z)
        out = np.zeros((u.size, self.degree + 1), dtype=complex)
        for col in range(tab.shape[2]):
            out = out * u[:, None] + tab[:, :, col]
        return out

    def _coeffs_dz(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The coefficients and their exact first and second z-derivatives (Horner)."""
        u, tab = self._centered(z)
        u = u[:, None]
        out = np.zeros((u.size, self.degree + 1), dtype=complex)
        der = np.zeros_like(out)
        der2 = np.zeros_like(out)
        for col in range(tab.shape[2]):
            der2 = der2 * u + der
            der = der * u + out
            out = out * u + tab[:, :, col]
        return out, der, 2 * der2

    def _all_roots(self, z: np.ndarray) -> np.ndarray:
        """All d roots in G at each z (companion eigenvalues); where the leading
        coefficient vanishes (a pole of the law's polynomial) the missing roots are inf."""
        co = self._coeffs(z)
        d = self.degree
        degenerate = np.abs(co[:, 0]) <= 1e-14 * np.max(np.abs(co), axis=1)
        safe = np.where(degenerate[:, None], 1.0, co)
        if d == 1:
            out = np.asarray(-(safe[:, 1] / safe[:, 0])[:, None], dtype=complex)
        else:
            comp = np.zeros((co.shape[0], d, d), dtype=complex)
            comp[:, 0, :] = -safe[:, 1:] / safe[:, :1]
            comp[:, np.arange(1, d), np.arange(d - 1)] = 1.0
            out = np.asarray(np.linalg.eigvals(comp), dtype=complex)
        for k in np.nonzero(degenerate)[0]:  # rare: exactly at a pole
            r = np.roots(co[k]) if np.any(co[k, 1:] != 0) else np.zeros(0)
            out[k] = np.concatenate([r, np.full(d - r.size, np.inf + 0j)])
        return out

    def _start(self, x: np.ndarray, y: float) -> np.ndarray:
        """The physical root at x + iy, proven by the disk test (module docstring): the
        root ``w`` that Newton steps reach from ``1/z0`` (converged to a last step of 1e-12
        of ``|w|``) is the only root in the disk of
        radius ``|w - 1/z0| + rad`` around it (which contains the disk where the physical
        root lies) by Pellet's test on the Taylor coefficients ``b_k`` of the polynomial at
        ``w``: ``|b_1| r > sum_{k != 1} |b_k| r^k`` (Rouche); where that test fails, all
        roots (companion eigenvalues) and exactly one of them in the disk."""
        z0 = x + 1j * y
        target = 1.0 / z0
        r = self.radius
        rad = r / (np.abs(z0) * (np.abs(z0) - r)) * (1 + 1e-9) + 1e-14 * np.abs(target)
        co = self._coeffs(z0)
        w, step = newton_rows(co, target)  # a step that is not finite: not proven below
        radius = np.abs(w - target) + rad  # this disk around w holds the disk around 1/z0
        # w must be the root to rounding (Newton converged), not just a point near it
        converged = np.abs(step) <= 1e-12 * np.abs(w)
        proven = converged & np.isfinite(w) & (np.abs(w - target) <= rad)
        proven[proven] = one_root_in_disk(co[proven], w[proven], radius[proven])
        if proven.all():
            return w
        bad = ~proven
        roots = self._all_roots(z0[bad])
        dist = np.abs(roots - target[bad, None])
        inside = dist <= rad[bad, None]
        if not np.all(inside.sum(axis=1) == 1):
            raise ConvergenceError("ambiguous branch at the starting height")
        w[bad] = roots[np.arange(roots.shape[0]), np.argmax(inside, axis=1)]
        return w

    def _transform(self, z: np.ndarray) -> np.ndarray:
        """G at points with Im z >= 0 by continuation from the proven start."""
        z = np.asarray(z, dtype=complex).reshape(-1)
        if z.size == 0:
            return z.copy()
        y = 3.0 * self.radius + 1e-3 * max(self.radius, 1.0)
        for _ in range(7):
            start = np.maximum(y, z.imag)
            try:
                g0 = self._start(z.real, start)
                break
            except ConvergenceError:
                y *= 2
        else:
            raise ConvergenceError(f"{self!r}: no height isolates the physical branch")
        if self.degree == 1:
            return self._all_roots(z)[:, 0]
        scale = max(self.radius, 1e-12)
        # real points: continue to SNAP_HEIGHT, then take the nearest root on the axis
        # (a continuation that ends exactly at a branch point, an edge, cannot converge)
        # (the height is relative to the distance to the nearest edge candidate, so that a
        # point 1e-10 R from a hard edge does not stop above its own distance to the edge;
        # a point within 1e-12 R of a candidate is at it, to rounding (float parameters give
        # candidates 3e-15 apart, and the support's midpoint between them): the usual
        # height, as a path ending 1e-15 from a branch point does not converge)
        axis = z.imag == 0
        near = np.full(z.shape, scale)
        if self._candidates.size:
            dist = np.min(np.abs(z.real[:, None] - self._candidates[None, :]), axis=1)
            near = np.where(dist > 1e-12 * scale, np.minimum(dist, scale), scale)
        target = np.where(axis, SNAP_HEIGHT * near, z.imag)
        g = track_root(
            self._coeffs, z.real, start, target, g0, scale=scale, coeffs_dz=self._coeffs_dz
        )
        if axis.any():
            g[axis] = self._snap(z[axis].real, g[axis])
        return g

    def _snap(self, x: np.ndarray, g: np.ndarray) -> np.ndarray:
        """The root on the axis reached from ``g`` (the root at x + i SNAP_HEIGHT R): Newton
        steps, which converge to the nearest root; where they do not, the nearest of all
        roots (companion eigenvalues).  Only Im G <= 0 is a boundary value from above
        (the coefficients are real on the axis, so a conjugate is also a root)."""
        co = self._coeffs(x + 0j)
        w, step = newton_rows(co, g)
        ok = np.abs(step) <= 1e-13 * np.abs(w)
        ok &= np.abs(w - g) <= 1e-3 * np.abs(g) + 1e-12  # it stayed where it started
        w = np.where(w.imag > 0, np.conj(w), w)
        bad = ~ok
        if bad.any():
            roots = self._all_roots(x[bad] + 0j)
            roots, _ = polish(co[bad], roots, steps=2)
            far = np.where(roots.imag <= 1e-12 * np.abs(roots), 0.0, np.inf)
            near = np.argmin(np.abs(roots - g[bad][:, None]) + far, axis=1)
            w[bad] = roots[np.arange(near.size), near]
        return w

    # -- hooks ---------------------------------------------------------------------
    def _stieltjes(self, z: np.ndarray) -> np.ndarray:
        return self._transform(z)

    def _pdf(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        return np.maximum(-self._transform(x + 0j).imag, 0.0).reshape(x.shape) / np.pi

    def _atoms(self) -> dict[float, float]:
        return self.law.atom_masses()

    def _lower(self) -> float:
        if self.law.nonnegative:
            return 0.0
        return float(self._candidates.min()) - 1.0 if self._candidates.size else -1.0

    def _support(self) -> list[tuple[float, float]]:
        if self.degree == 1:
            return []
        cand = self._candidates
        if self.law.nonnegative:
            cand = np.unique(np.concatenate([[0.0], cand[cand >= 0]]))
        if cand.size < 2:
            raise ConvergenceError(f"{self!r}: fewer than two support edge candidates")
        mids = 0.5 * (cand[:-1] + cand[1:])
        g = self._transform(mids + 0j)
        inside = -g.imag > INSIDE_TOL * np.abs(g)
        out: list[tuple[float, float]] = []
        for k in np.nonzero(inside)[0]:
            lo, hi = float(cand[k]), float(cand[k + 1])
            if out and out[-1][1] == lo:
                out[-1] = (out[-1][0], hi)
            else:
                out.append((lo, hi))
        if not out and not self.atoms():
            raise ConvergenceError(f"{self!r}: empty support and no atoms")
        return out

    @property
    def hard_edge(self) -> bool:
        """True when a component starts at 0 (nonnegative laws) with a diverging density."""
        sup = self._support_cached
        return bool(sup) and self.law.nonnegative and sup[0][0] == 0.0

    @cached_property
    def _components(self) -> list[Any]:
        comps = SpectralDistribution._components.func(self)  # type: ignore[attr-defined]
        # the quadrature mean (self.quadrature() would need these components)
        mean = sum(float(np.sum(x * w)) for x, w in (c.nodes(48) for c in comps))
        mean += sum(loc * m for loc, m in self.atoms().items())
        exact = self._exact_moment(1)
        if not abs(mean - exact) <= MEAN_TOL * max(self.radius, abs(exact), 1e-300):
            raise ConvergenceError(
                f"{self!r}: quadrature mean {mean:.12g} != exact mean {exact:.12g}; "
                "the numerical solution is not trustworthy"
            )
        return comps

    def _exact_moment(self, k: int) -> float:
        return float(self.law.moments(k)[k - 1])  # the law keeps its series

    def _moment(self, k: int) -> float | None:
        if 1 <= k <= EXACT_ORDER:
            return self._exact_moment(k)
        return None
