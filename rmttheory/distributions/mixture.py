r"""Sample-covariance laws whose rows come from a mixture of populations that share one basis.

:class:`MixtureSilversteinLaw` is the limiting spectral law of

.. math:: K = \frac1N\sum_{i=1}^N \sigma_i\sigma_i^\top \qquad (n\times n),

where the rows :math:`\sigma_i` are independent and each is drawn from one of
:math:`M` equally likely *types*; a row of type :math:`m` has second moment
:math:`\operatorname{diag}(E_{m1},\dots,E_{mn})` in a basis shared by all types
(the *energy profile* of the type).  The ratio is :math:`\gamma = n/N`.
:class:`~rmttheory.distributions.SilversteinLaw` is the case :math:`M = 1`.

**Equation** (the deterministic equivalent of a mixture, Couillet & Benaych-Georges
2016, written per type).  For :math:`z\in\mathbb C^+`, with
:math:`s(z) = \int d\mu(\lambda)/(\lambda - z)` (the sign with
:math:`\operatorname{Im} s > 0`),

.. math::
    a_k = \frac1M\sum_m\frac{E_{mk}}{1+\delta_m},\qquad
    \delta_m = \frac{\gamma}{n}\sum_k\frac{E_{mk}}{a_k - z},\qquad
    s(z) = \frac1n\sum_k\frac1{a_k - z}.

Each type keeps its own :math:`\delta_m`: this is what the random-features
equivalent on data of small dimension needs (:mod:`rmttheory.regression.fluctuating`),
where the quadratic form :math:`\delta(w)` of a row does not concentrate.

**Solver.**  Anderson-accelerated fixed-point iteration on :math:`a\in\mathbb C^n`
(depth 5, steps that would leave :math:`\operatorname{Im} a\le 0` replaced by the
plain step), vectorized over the evaluation points, continued from
:math:`\operatorname{Im} z = x` down to :math:`10^{-6}x` in seven stages (each
iterated to a relative change of :math:`10^{-11}`).  Values on the real axis are the
limit :math:`\operatorname{Im} z\to 0` by Richardson extrapolation of the last two
stages (the error of :math:`\varepsilon x` smoothing is linear in :math:`\varepsilon`).

**Distribution function without integrating the density.**  With the free energy

.. math::
    \Omega(z) = \frac1n\sum_k\log(a_k - z)
      + \frac1{\gamma M}\sum_m\Big(\log(1+\delta_m) - \frac{\delta_m}{1+\delta_m}\Big),

the equations make :math:`\Omega' = -s` (the terms from the derivatives of
:math:`a` and :math:`\delta` cancel), so :math:`\Omega(z) = \int\log(\lambda - z)\,d\mu`
and :math:`F(x) = -\operatorname{Im}\Omega(x + i0)/\pi`, atoms included.  The law
is tabulated on a geometric grid over its support (refined where the cdf jumps),
and ``cdf``/``pdf`` interpolate the table (monotone cubic in :math:`\log x` for the
cdf, linear for the density); :attr:`MixtureSilversteinLaw.numerical_error` is the
largest difference between the interpolated and the directly solved cdf at the
refinement checks, plus the Richardson correction.  ``stieltjes`` solves at the
requested points themselves.

**Atoms** at 0: mass :math:`\max(1 - 1/\gamma, \#\{k: E_{\cdot k}\equiv 0\}/n)`.

``tests/test_mixture_law.py``: with one type it equals
:class:`~rmttheory.distributions.SilversteinLaw` (cdf to 1e-6, Stieltjes transform
to 1e-9); two types against sampled matrices.

Examples
--------
>>> import numpy as np
>>> law = MixtureSilversteinLaw(np.ones((1, 50)), 0.25)  # one type: Marchenko–Pastur(0.25)
>>> [round(float(v), 4) for v in law.cdf([0.25, 1.0, 2.25])]
[0.0, 0.5534, 1.0]
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from rmttheory import _params
from rmttheory.distributions.base import SpectralDistribution
from rmttheory.errors import ConvergenceError, ParameterError
from rmttheory.resources import require_bytes

__all__ = ["MixtureSilversteinLaw"]

#: relative imaginary parts of the continuation stages (the last two are extrapolated)
_STAGES = (1e-3, 1e-5, 1e-6)
_ANDERSON_DEPTH = 5


class MixtureSilversteinLaw(SpectralDistribution):
    """Law of a sample covariance with rows from a mixture of populations (module docstring).

    Parameters
    ----------
    profiles
        Energy profiles :math:`E` (``M × n``, nonnegative): row ``m`` is the diagonal of
        the second moment of a row of type ``m`` in the shared basis.
    gamma
        :math:`n/N` (> 0).
    grid
        Points of the first geometric grid over the support (refined afterwards).
    tol
        Target accuracy of the tabulated cdf (refinement threshold).

    Examples
    --------
    >>> import numpy as np
    >>> E = np.vstack([np.full(40, 0.5), np.full(40, 1.5)])  # two types, mean profile 1
    >>> law = MixtureSilversteinLaw(E, 0.5)
    >>> round(law.mean(), 12), law.atoms()
    (1.0, {})
    """

    MASS_TOL = 1e-5
    SINGULAR_AT_LOWER = False  # a tabulated law: the density near a hard edge is interpolated

    def __init__(self, profiles: Any, gamma: float, *, grid: int = 480, tol: float = 1e-5):
        E = _params.real_array(profiles, "profiles", allow_empty=False, finite=True)
        if E.ndim != 2:
            raise ParameterError(f"profiles must be a 2-D array (types × dimension), got {E.shape}")
        if np.any(E < 0):
            raise ParameterError("profiles must be nonnegative (they are second moments)")
        self.gamma = _params.real(gamma, "gamma", positive=True)
        self._grid_points = _params.integer(grid, "grid", minimum=32, maximum=20000)
        self.tol = _params.real(tol, "tol", positive=True, high=0.1)
        M, n = E.shape
        require_bytes(8 * 6 * M * n, f"mixture law of {M} types × {n} dimensions")
        self.types, self.n = int(M), int(n)
        mean = E.mean(axis=0)
        if not np.any(mean > 0):
            raise ParameterError("every profile is zero: the law is a point mass at 0")
        self._E = np.ascontiguousarray(E)
        self._Et = np.ascontiguousarray(E.T)
        self.population = mean  # the mean profile: the law's first moment is its average
        self.zero_mass = float(np.mean(mean == 0))
        self.scale = float(mean.max())
        self.numerical_error = 0.0
        self._table: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def __repr__(self) -> str:
        return f"MixtureSilversteinLaw(types={self.types}, n={self.n}, gamma={self.gamma:g})"

    # -- the fixed point -----------------------------------------------------------
    def _map(self, a: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """One step a -> a_new (rows: points); also returns delta (points × types)."""
        q = 1.0 / (a - z[:, None])
        delta = (q.real @ self._Et + 1j * (q.imag @ self._Et)) * (self.gamma / self.n)
        g = 1.0 / (1.0 + delta)
        a_new = (g.real @ self._E + 1j * (g.imag @ self._E)) / self.types
        return a_new, delta

    def _solve(self, z: np.ndarray, a0: np.ndarray, tol: float = 1e-11) -> np.ndarray:
        """Anderson-accelerated fixed point at each z (Im z > 0), from a0 (points × n)."""
        a = a0.copy()
        todo = np.arange(z.size)
        xs: list[np.ndarray] = []
        rs: list[np.ndarray] = []
        for _ in range(3000):
            if todo.size == 0:
                return a
            x = a[todo]
            g, _ = self._map(x, z[todo])
            r = g - x
            size = np.max(np.abs(r), axis=1) / np.maximum(np.max(np.abs(x), axis=1), 1e-300)
            done = size < tol
            if done.any():
                a[todo[done]] = g[done]
                keep = ~done
                todo = todo[keep]
                x, g, r = x[keep], g[keep], r[keep]
                xs = [h[keep] for h in xs]
                rs = [h[keep] for h in rs]
                if todo.size == 0:
                    return a
            xs.append(x)
            rs.append(r)
            if len(xs) > _ANDERSON_DEPTH:
                xs.pop(0)
                rs.pop(0)
            new = g
            if len(xs) > 1:
                dX = np.stack([xs[j + 1] - xs[j] for j in range(len(xs) - 1)], axis=1)
                dR = np.stack([rs[j + 1] - rs[j] for j in range(len(rs) - 1)], axis=1)
                H = np.einsum("pjk,plk->pjl", dR.conj(), dR)
                b = np.einsum("pjk,pk->pj", dR.conj(), r)
                reg = 1e-14 * np.einsum("pjj->p", H).real[:, None, None] + 1e-300
                coef = np.linalg.solve(H + reg * np.eye(H.shape[1]), b[..., None])[..., 0]
                cand = x + r - np.einsum("pj,pjk->pk", coef, dX + dR)
                ok = np.all(cand.imag <= 0, axis=1) & np.all(np.isfinite(cand), axis=1)
                new = np.where(ok[:, None], cand, g)
            a[todo] = new
        raise ConvergenceError(
            f"{self!r}: the fixed point did not converge at {todo.size} points "
            f"(z = {z[todo[0]]:.6g}, ...)"
        )

    def _omega_s(self, a: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Free energy Omega and s at the solution a (points × n)."""
        q = 1.0 / (a - z[:, None])
        delta = (q.real @ self._Et + 1j * (q.imag @ self._Et)) * (self.gamma / self.n)
        omega = np.mean(np.log(a - z[:, None]), axis=1)
        omega = omega + np.mean(np.log1p(delta) - delta / (1 + delta), axis=1) / self.gamma
        return omega, q.mean(axis=1)

    @property
    def _one_type(self) -> Any:
        """The one-type (Silverstein) law of the mean profile."""
        from rmttheory.distributions.silverstein import SilversteinLaw

        if not hasattr(self, "_one"):
            pos = self.population > 0
            self._one = SilversteinLaw(self.population[pos], np.full(int(pos.sum()), 1 / pos.sum()),
                                       self.gamma * pos.mean())  # fmt: skip
        return self._one

    def _start(self, z: np.ndarray) -> np.ndarray:
        """Initial guess: the one-type (Silverstein) solution of the mean profile at z,
        :math:`a_k = \\bar E_k/(1+\\delta(z))` (a close start: the types perturb it)."""
        delta = self._one_type._delta(z.real, z.imag)
        return self.population[None, :] / (1 + delta[:, None])

    def _on_axis(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
        """cdf, density at x + i0 (Richardson over the last two stages) and the size of the
        extrapolation (largest correction)."""
        x = np.asarray(x, dtype=float)
        scale = np.maximum(np.abs(x), 1e-12 * self.scale)
        a = self._start(x + 1j * _STAGES[0] * scale)
        vals = []
        for eps in _STAGES:
            z = x + 1j * eps * scale
            a = self._solve(z, a)
            vals.append(self._omega_s(a, z))
        (om1, s1), (om2, s2) = vals[-2], vals[-1]
        r = _STAGES[-2] / _STAGES[-1]
        F1, F2 = -om1.imag / np.pi, -om2.imag / np.pi
        cdf = F2 - (F1 - F2) / (r - 1)
        dens = (s2.imag - (s1.imag - s2.imag) / (r - 1)) / np.pi
        return (
            np.clip(cdf, 0.0, 1.0),
            np.maximum(dens, 0.0),
            float(np.max(np.abs(F1 - F2)) / (r - 1)),
        )

    # -- the table -----------------------------------------------------------------
    def _range(self) -> tuple[float, float]:
        x, _, _ = self.table
        return float(x[0]), float(x[-1])

    @property
    def table(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(x, cdf, density)`` on the refined grid (built on first use)."""
        if self._table is None:
            self._table = self._build_table()
        return self._table

    def _build_table(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        from scipy.interpolate import PchipInterpolator  # here: ~0.5 s to import

        atom = self._atom_mass()
        hi = self.scale * (1 + math.sqrt(self.gamma)) ** 2 * 1.5
        for _ in range(60):  # an upper bound of the support
            if self._on_axis(np.array([hi]))[0][0] >= 1 - 1e-9:
                break
            hi *= 2
        # below the one-type law's lower edge by a factor 4 (the types move edges far less);
        # a hard edge (gamma (1 - zero mass) = 1) is followed down to 1e-12 of the scale
        edge = self._one_type.support()[0][0]
        lo = edge / 4 if edge > 1e-9 * hi else hi * 1e-12
        x = np.geomspace(lo, hi, max(64, self._grid_points // 3))
        F, _, _ = self._on_axis(x)
        inside = np.nonzero((F > atom + 1e-10) & (F < 1 - 1e-10))[0]
        if inside.size == 0:  # pragma: no cover - a law with mass has an increasing cdf
            raise ConvergenceError(f"{self!r}: no support found")
        a, b = x[max(inside[0] - 1, 0)], x[min(inside[-1] + 1, x.size - 1)]
        x = np.geomspace(a, b, self._grid_points // 2)
        F, dens, rich = self._on_axis(x)
        # every cell is checked at its midpoint against the interpolation of its ends; cells
        # off by more than tol/4 are split and their halves checked again.  The stated error
        # comes from the largest check of the final table (a cell's check at a coarser level
        # bounds it from above) plus the Richardson correction.
        cells = np.arange(x.size - 1)
        cell_err = np.zeros(x.size - 1)
        for _ in range(8):
            mid = np.sqrt(x[cells] * x[cells + 1])
            Fm, dm, rm = self._on_axis(mid)
            rich = max(rich, rm)
            e = np.abs(PchipInterpolator(np.log(x), F)(np.log(mid)) - Fm)
            cell_err[cells] = e
            bad = e > self.tol / 4
            # merge: each checked cell becomes two, both inheriting its error
            x_new = np.concatenate([x, mid])
            order = np.argsort(x_new)
            pos = np.searchsorted(x_new[order], mid)  # index of each midpoint in the merged grid
            F = np.concatenate([F, Fm])[order]
            dens = np.concatenate([dens, dm])[order]
            owner = np.searchsorted(x, x_new[order][:-1], side="right") - 1
            cell_err = cell_err[owner]
            x = x_new[order]
            cells = np.sort(np.concatenate([pos[bad] - 1, pos[bad]]))
            if cells.size == 0 or x.size > 8 * self._grid_points:
                break
        F = np.maximum.accumulate(F)  # the cdf is nondecreasing; remove round-off wiggles
        # a midpoint check under-reads the largest error of its cell near a square-root edge
        # (by up to 3x on Marchenko-Pastur laws, tests/test_mixture_law.py): state four times it
        err = 4 * float(cell_err.max()) + rich
        mass = F[-1]
        if not abs(mass - 1) <= self.MASS_TOL:
            raise ConvergenceError(
                f"{self!r}: the cdf reaches {mass:.9f} at the top of the support, not 1"
            )
        self.numerical_error = float(err + abs(1 - mass))
        return x, F, dens

    # -- hooks ---------------------------------------------------------------------
    def _atom_mass(self) -> float:
        mass = self.zero_mass
        if self.gamma > 1:
            mass = max(mass, 1 - 1 / self.gamma)
        return mass

    def _atoms(self) -> dict[float, float]:
        mass = self._atom_mass()
        return {0.0: mass} if mass > 0 else {}

    def _support(self) -> list[tuple[float, float]]:
        x, F, _ = self.table
        atom = self._atom_mass()
        inside = np.nonzero((F > atom + 1e-9) & (F < 1 - 1e-9))[0]
        return [(float(x[max(inside[0] - 1, 0)]), float(x[min(inside[-1] + 1, x.size - 1)]))]

    def _cdf(self, x: np.ndarray) -> np.ndarray:
        xt, F, _ = self.table
        x = np.asarray(x, dtype=float)
        out = np.where(x >= 0, self._atom_mass(), 0.0)
        inside = (x > xt[0]) & (x < xt[-1])
        out = np.where(x >= xt[-1], 1.0, out)
        if inside.any():
            from scipy.interpolate import PchipInterpolator

            out[inside] = PchipInterpolator(np.log(xt), F)(np.log(x[inside]))
        low = (x > 0) & (x <= xt[0])
        if low.any():  # below the table: a square-root ramp to the first value
            out[low] += (F[0] - self._atom_mass()) * np.sqrt(x[low] / xt[0])
        return out

    def _pdf(self, x: np.ndarray) -> np.ndarray:
        xt, _, dens = self.table
        x = np.asarray(x, dtype=float)
        out = np.zeros(x.shape)
        inside = (x >= xt[0]) & (x <= xt[-1])
        out[inside] = np.interp(np.log(x[inside]), np.log(xt), dens)
        return out

    def _stieltjes(self, z: np.ndarray) -> np.ndarray:
        z = np.asarray(z, dtype=complex).reshape(-1)
        out = np.empty(z.shape, dtype=complex)
        up = z.imag > 0
        if up.any():
            zz = z[up]
            a = self._start(zz.real + 1j * np.maximum(np.abs(zz.real), zz.imag))
            for eps in _STAGES:  # continue down to the requested height
                h = np.maximum(eps * np.maximum(np.abs(zz.real), self.scale * 1e-12), zz.imag)
                a = self._solve(zz.real + 1j * h, a)
            out[up] = -self._omega_s(a, zz)[1]
        if (~up).any():  # on the axis: the limit from above
            x = z[~up].real
            scale = np.maximum(np.abs(x), 1e-12 * self.scale)
            a = self._start(x + 1j * _STAGES[0] * scale)
            vals = []
            for eps in _STAGES:
                zz = x + 1j * eps * scale
                a = self._solve(zz, a)
                vals.append(self._omega_s(a, zz)[1])
            r = _STAGES[-2] / _STAGES[-1]
            out[~up] = -(vals[-1] - (vals[-2] - vals[-1]) / (r - 1))
        return out

    def _moment(self, k: int) -> float | None:
        if k == 1:
            return float(np.mean(self.population))
        return None

    def continuous_mass(self) -> float:
        """Mass of the continuous part (from the table: 1 - atoms within ``MASS_TOL``)."""
        _, F, _ = self.table
        return float(F[-1] - self._atom_mass())

    def quadrature(self, n: int = 48) -> tuple[np.ndarray, np.ndarray]:
        """Nodes and weights from the table: the atoms, then the midpoint (in log x) of
        every table cell with its cdf increment (``n`` is not used: the table sets the
        resolution)."""
        x, F, _ = self.table
        atoms = self.atoms()
        mid = np.sqrt(x[:-1] * x[1:])
        w = np.diff(F)
        first = F[0] - self._atom_mass()
        nodes = np.concatenate([list(atoms), [x[0] / 2], mid])
        weights = np.concatenate([list(atoms.values()), [first], w])
        return nodes, weights
