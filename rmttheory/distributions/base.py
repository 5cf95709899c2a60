r"""A small distribution protocol for limiting spectral laws (scipy.stats names).

scipy's ``rv_continuous`` cannot hold an atom, and our laws have one at 0, so
every law of the package derives from :class:`SpectralDistribution`, which
implements the public methods from three small hooks:

* ``_pdf(x)``: density of the continuous part for ``x > 0`` inside the support;
* ``_support()``: the support of the continuous part, a list of ``(lo, hi)``;
* ``_atoms()``: ``{location: mass}`` (default none).

Conventions shared by all laws:

* ``pdf`` is the density of the *continuous part*: it integrates to
  ``1 - sum(atoms)``; it is 0 (never NaN) outside the support and ``inf`` at a
  1/sqrt hard edge;
* ``cdf(x) = P(lambda <= x)`` includes the atoms;
* ``stieltjes(z) = E[1/(z - lambda)]`` (atoms included), so ``stieltjes(z) ~ 1/z``
  at infinity and ``Im stieltjes(z) < 0`` when ``Im z > 0``.

Integrals use, on each support component, the change of variables
:math:`x = lo + (hi - lo)(1 - \cos\theta)/2`, which makes square-root edges and
:math:`1/\sqrt{x}` hard edges smooth in :math:`\theta`; the integrand is then
interpolated by Chebyshev series to ~1e-13 (adaptive degree) and integrated
exactly.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from functools import cached_property
from typing import Any

import numpy as np
from numpy.polynomial import chebyshev as C
from numpy.polynomial import legendre

from rmttheory.errors import ParameterError

__all__ = ["SpectralDistribution", "support_from_candidates"]


def support_from_candidates(
    candidates: np.ndarray, inside: Callable[[np.ndarray], np.ndarray]
) -> list[tuple[float, float]]:
    """Support intervals from candidate edges and an 'is in the support' test.

    Probes inside every interval between consecutive candidates (and between 0
    and the first) classify it; each change of state between consecutive probes
    is located by vectorized bisection to machine precision, so an edge the
    candidates missed is still found.  A first probe inside means the support
    reaches 0 (hard edge).
    """
    cand = np.sort(np.asarray(candidates, dtype=float))
    cand = cand[cand > 0]
    if cand.size:  # roots within 1e-10 of the scale are numerically 0, not edges
        cand = cand[cand > 1e-10 * cand.max()]
    if cand.size == 0:
        raise ParameterError("no support edges found (degenerate parameters?)")
    pts = np.concatenate([[0.0], cand, [cand[-1] * 1.5 + 1.0]])
    fr = np.array([0.02, 0.25, 0.5, 0.75, 0.98])  # every real edge is a candidate
    probes = np.unique((pts[:-1, None] + (pts[1:] - pts[:-1])[:, None] * fr).ravel())
    state = inside(probes)
    flips = np.nonzero(state[:-1] != state[1:])[0]
    a, b = probes[flips], probes[flips + 1]
    left_inside = state[flips]
    for _ in range(200):
        mid = 0.5 * (a + b)
        if np.all((mid == a) | (mid == b)):
            break
        ins = inside(mid)
        move_a = ins == left_inside
        a, b = np.where(move_a, mid, a), np.where(move_a, b, mid)
    edges = np.where(left_inside, a, b)  # the outermost point still inside
    bounds = ([0.0] if state[0] else []) + [float(e) for e in edges]
    if len(bounds) % 2:
        raise ParameterError("support classification failed: unbounded support")
    return [(bounds[k], bounds[k + 1]) for k in range(0, len(bounds), 2)]


class _Component:
    """Piecewise-Chebyshev model of one support component in the angle variable.

    The interval [0, pi] of theta is split adaptively: a piece is accepted when
    the last Chebyshev coefficients of its degree-32 interpolant are below 1e-11
    of the component's scale, or when the piece is too small to matter (its
    contribution below 1e-15); weak singularities (x^(-2/3) edges) are thus
    resolved by local refinement.
    """

    DEG = 32
    MAX_PIECES = 4000
    #: accept a piece when its last coefficients are below this fraction of max |g|
    #: (the root solvers are accurate to ~1e-12 relative, so finer is noise)
    TAIL_TOL = 1e-11

    def __init__(self, pdf: Callable[[np.ndarray], np.ndarray], lo: float, hi: float):
        self.lo, self.hi = lo, hi
        half = 0.5 * (hi - lo)

        if lo == 0.0:
            # Hard edge at 0: very close to 0 root solvers lose digits, so below x_f
            # the density continues as the power law fitted on [x_f, 4 x_f]
            # (exponent -1/2 for n1 = m, -2/3 for a square linear network, ...).
            # x_f is the smallest of 1e-12, 1e-11, ... 1e-4 (times hi) where the
            # density is positive at x_f, 4 x_f, 16 x_f and the two local exponents
            # agree to 1e-3 (a solver losing digits fails that test); the neglected
            # mass below x_f is then O(x_f^(1 + expo)) times the fit's error.
            for rel in (1e-12, 1e-11, 1e-10, 1e-9, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4):
                xf = rel * hi
                r0, r1, r2 = pdf(np.array([xf, 4 * xf, 16 * xf]))
                if r0 > 0 and r1 > 0 and r2 > 0:
                    e1, e2 = np.log(r1 / r0) / np.log(4.0), np.log(r2 / r1) / np.log(4.0)
                    if abs(e1 - e2) < 1e-3:
                        break
            expo = np.log(r1 / r0) / np.log(4.0) if r0 > 0 and r1 > 0 else 0.0
            raw_pdf = pdf

            def pdf(x, raw_pdf=raw_pdf, xf=xf, r0=r0, expo=expo):
                x = np.asarray(x, dtype=float)
                out = np.empty_like(x)
                low = x < xf
                out[~low] = raw_pdf(x[~low])
                out[low] = r0 * (np.maximum(x[low], 1e-300) / xf) ** expo
                return out

            self.edge_exponent = float(expo)

        def g(theta: np.ndarray) -> np.ndarray:
            x = lo + (hi - lo) * np.sin(theta / 2) ** 2  # = lo + half (1 - cos), no cancellation
            with np.errstate(invalid="ignore"):
                v = pdf(x) * half * np.sin(theta)
            return np.where(np.isfinite(v), v, 0.0)

        self.g = g
        probe = g(np.linspace(0, np.pi, 257)[1:-1])
        scale = max(float(np.max(np.abs(probe))), 1e-300)
        todo = [(0.0, np.pi)]
        pieces = []
        while todo:
            a, b = todo.pop(0)  # breadth first: a cap on pieces cannot starve the bulk
            coef = C.chebinterpolate(lambda u, a=a, b=b: g(a + (b - a) * (u + 1) / 2), self.DEG)
            tail = float(np.max(np.abs(coef[-4:])))
            small = (b - a) * float(np.max(np.abs(coef))) < 1e-15 * scale * np.pi
            if tail <= self.TAIL_TOL * scale or small or len(pieces) + len(todo) > self.MAX_PIECES:
                pieces.append((a, b, coef))
            else:
                mid = 0.5 * (a + b)
                todo.extend([(mid, b), (a, mid)])
        pieces.sort(key=lambda p: p[0])
        self.breaks = np.array([p[0] for p in pieces] + [np.pi])
        self.cums, starts = [], [0.0]
        for a, b, coef in pieces:
            cum = C.chebint(coef, lbnd=-1) * ((b - a) / 2)
            self.cums.append(cum)
            starts.append(starts[-1] + float(C.chebval(1.0, cum)))
        self.starts = np.array(starts)
        self.mass = float(self.starts[-1])
        self.degree = len(pieces)  # number of pieces (each of degree DEG)

    def theta(self, x: np.ndarray) -> np.ndarray:
        t = np.clip((x - self.lo) / (self.hi - self.lo), 0.0, 1.0)
        return 2 * np.arcsin(np.sqrt(t))

    def cdf(self, x: np.ndarray) -> np.ndarray:
        th = self.theta(x)
        k = np.clip(np.searchsorted(self.breaks, th, side="right") - 1, 0, len(self.cums) - 1)
        out = np.empty_like(th)
        for j in np.unique(k):
            sel = k == j
            a, b = self.breaks[j], self.breaks[j + 1]
            u = 2 * (th[sel] - a) / (b - a) - 1
            out[sel] = self.starts[j] + C.chebval(u, self.cums[j])
        return out

    def nodes(self, n: int = 48) -> tuple[np.ndarray, np.ndarray]:
        """Gauss–Legendre nodes (n per piece) in theta mapped to x, with weights
        that include the density: sum(w * h(x)) ~ integral of h * pdf."""
        t, w = legendre.leggauss(n)
        a, b = self.breaks[:-1, None], self.breaks[1:, None]
        theta = (a + (b - a) * (t[None, :] + 1) / 2).ravel()
        ww = (w[None, :] * (b - a) / 2).ravel()
        x = self.lo + (self.hi - self.lo) * np.sin(theta / 2) ** 2
        return x, ww * self.g(theta)


class SpectralDistribution(ABC):
    """Base class of the limiting spectral laws (see the module docstring)."""

    #: a support reaching 0 is a 1/sqrt-type hard edge (eigenvalue laws); laws of
    #: spacings and ratios set this to False and evaluate their density at 0
    SINGULAR_AT_ZERO = True

    # -- hooks ---------------------------------------------------------------------
    @abstractmethod
    def _pdf(self, x: np.ndarray) -> np.ndarray:
        """Density of the continuous part at points ``x > 0`` (may be 0 outside)."""

    @abstractmethod
    def _support(self) -> list[tuple[float, float]]:
        """Support of the continuous part."""

    def _atoms(self) -> dict[float, float]:
        return {}

    # -- support, atoms ------------------------------------------------------------
    @cached_property
    def _support_cached(self) -> tuple[tuple[float, float], ...]:
        return tuple((float(a), float(b)) for a, b in self._support())

    def support(self) -> list[tuple[float, float]]:
        """Support of the continuous part: a list of ``(lo, hi)`` intervals."""
        return [tuple(iv) for iv in self._support_cached]  # type: ignore[misc]

    def atoms(self) -> dict[float, float]:
        """Point masses ``{location: mass}`` (only masses > 0)."""
        return {k: v for k, v in self._atoms().items() if v > 0}

    @property
    def atom_mass(self) -> float:
        return float(sum(self.atoms().values()))

    # -- density -------------------------------------------------------------------
    def pdf(self, x: Any) -> np.ndarray:
        """Density of the continuous part (0 outside the support, never NaN)."""
        x = np.asarray(x, dtype=float)
        if np.isnan(x).any():
            raise ParameterError("pdf got NaN input")
        out = np.zeros(x.shape)
        inside = np.zeros(x.shape, dtype=bool)
        for lo, hi in self._support_cached:
            inside |= (x >= lo) & (x <= hi)
        pos = inside & (x > 0)
        if pos.any():
            out[pos] = np.maximum(self._pdf(x[pos]), 0.0)
        zero = inside & (x == 0)
        if zero.any():
            out[zero] = np.inf if self.SINGULAR_AT_ZERO else np.maximum(self._pdf(x[zero]), 0.0)
        return out

    #: largest accepted |continuous mass + atoms - 1| before the law refuses to answer
    MASS_TOL = 1e-6

    @cached_property
    def _components(self) -> list[_Component]:
        comps = [_Component(self._pdf, lo, hi) for lo, hi in self._support_cached]
        total = sum(c.mass for c in comps) + self.atom_mass
        if not abs(total - 1) <= self.MASS_TOL:
            from rmttheory.errors import ConvergenceError

            raise ConvergenceError(
                f"{self!r}: total mass {total:.9f} != 1; the numerical solution is not "
                "trustworthy for these parameters (known hard regime: zeta/eta within "
                "~1e-3 of 1 with phi and psi both ~1e-3)"
            )
        return comps

    def continuous_mass(self) -> float:
        """Integral of :meth:`pdf` (should equal ``1 - atom_mass``)."""
        return float(sum(c.mass for c in self._components))

    def cdf(self, x: Any) -> np.ndarray:
        """P(lambda <= x), atoms included."""
        x = np.asarray(x, dtype=float)
        out = np.zeros(x.shape)
        for loc, mass in self.atoms().items():
            out += np.where(x >= loc, mass, 0.0)
        for comp in self._components:
            below = x >= comp.hi
            out += np.where(below, comp.mass, 0.0)
            mid = (x > comp.lo) & ~below
            if mid.any():
                out[mid] += comp.cdf(x[mid])
        return np.clip(out, 0.0, 1.0)

    def sf(self, x: Any) -> np.ndarray:
        """1 - cdf(x)."""
        return 1.0 - self.cdf(x)

    def ppf(self, q: Any) -> np.ndarray:
        """Quantile: the smallest x with cdf(x) >= q (vectorized bisection)."""
        q = np.asarray(q, dtype=float)
        if np.any((q < 0) | (q > 1)) or np.isnan(q).any():
            raise ParameterError("ppf needs 0 <= q <= 1")
        lo_all = min([lo for lo, _ in self._support_cached] + list(self.atoms()))
        hi_all = max([hi for _, hi in self._support_cached] + list(self.atoms()))
        a = np.full(q.shape, lo_all)
        b = np.full(q.shape, hi_all)
        for _ in range(100):
            mid = 0.5 * (a + b)
            go_left = self.cdf(mid) >= q
            b = np.where(go_left, mid, b)
            a = np.where(go_left, a, mid)
        res = b
        # atoms: a quantile inside an atom's jump is the atom's location
        for loc in self.atoms():
            res = np.where(np.abs(res - loc) <= 1e-12 * max(1.0, abs(hi_all)), loc, res)
        return res

    def rvs(
        self, size: int | tuple[int, ...] = 1, random_state: np.random.Generator | int | None = None
    ) -> np.ndarray:
        """Independent draws by inverse-transform sampling (seeded)."""
        rng = np.random.default_rng(random_state)
        return self.ppf(rng.random(size))

    def ks_distance(self, sample: Any) -> float:
        """Kolmogorov–Smirnov distance sup |F_n - F| between the empirical cdf of
        ``sample`` and :meth:`cdf`, evaluated on both sides of every jump (ties in
        the sample and atoms of the law are handled exactly)."""
        x = np.sort(np.asarray(sample, dtype=float))
        u, counts = np.unique(x, return_counts=True)
        right = np.cumsum(counts) / x.size  # F_n(u)
        left = right - counts / x.size  # F_n(u-)
        F = self.cdf(u)
        atoms = self.atoms()
        F_left = F - np.array([atoms.get(float(v), 0.0) for v in u])
        return float(max(np.max(np.abs(right - F)), np.max(np.abs(left - F_left))))

    # -- moments -------------------------------------------------------------------
    def quadrature(self, n: int = 48) -> tuple[np.ndarray, np.ndarray]:
        """Nodes and weights of the whole law: atoms (weight = mass) then Gauss–Legendre
        nodes in the smoothing angle, ``n`` per adaptive piece, so that
        ``sum(w * h(x))`` approximates E[h(lambda)] (exactly for the atoms)."""
        atoms = self.atoms()
        xs = [np.array(list(atoms), dtype=float)]
        ws = [np.array(list(atoms.values()), dtype=float)]
        for comp in self._components:
            x, w = comp.nodes(n)
            xs.append(x)
            ws.append(w)
        return np.concatenate(xs), np.concatenate(ws)

    def expect(self, func: Callable[[np.ndarray], np.ndarray]) -> float:
        """E[func(lambda)] over the whole law (atoms included)."""
        x, w = self.quadrature()
        return float(np.sum(w * func(x)))

    def moment(self, k: int) -> float:
        """Raw moment E[lambda^k] (atoms included)."""
        if k == 0:
            return 1.0
        return self.expect(lambda x: x**k)

    def mean(self) -> float:
        return self.moment(1)

    def var(self) -> float:
        return self.moment(2) - self.mean() ** 2

    # -- transforms ----------------------------------------------------------------
    def stieltjes(self, z: Any) -> np.ndarray:
        """G(z) = E[1/(z - lambda)] by quadrature (subclasses may do better)."""
        z = np.asarray(z, dtype=complex)
        flat = z.reshape(-1)
        out = np.zeros(flat.shape, dtype=complex)
        for loc, mass in self.atoms().items():
            out += mass / (flat - loc)
        for comp in self._components:
            x, w = comp.nodes()
            out += (w[None, :] / (flat[:, None] - x[None, :])).sum(axis=1)
        return out.reshape(z.shape)

    # -- figure --------------------------------------------------------------------
    def plot(self, ax: Any = None, n: int = 600, **kwargs: Any) -> Any:
        """Draw the density (and atoms as labelled markers) on ``ax`` (created if None)."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(5, 3.2))
        label = kwargs.pop("label", type(self).__name__)
        first = True
        for lo, hi in self._support_cached:
            t = np.linspace(0, np.pi, n)
            x = lo + (hi - lo) * np.sin(t / 2) ** 2
            y = self.pdf(x)
            y = np.where(np.isfinite(y), y, np.nan)
            ax.plot(x, y, label=label if first else None, **kwargs)
            first = False
        for loc, mass in self.atoms().items():
            ax.annotate(
                f"atom {mass:.3g}",
                (loc, 0),
                xytext=(loc, ax.get_ylim()[1] * 0.8),
                arrowprops={"arrowstyle": "->"},
                fontsize=8,
            )
        ax.set_xlabel(r"$\lambda$")
        ax.set_ylabel("density")
        return ax
