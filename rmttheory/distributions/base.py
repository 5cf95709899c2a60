r"""The distribution protocol of every limiting law (scipy.stats method names).

scipy's ``rv_continuous`` cannot hold an atom, and our laws have one at 0, so
every law of the package derives from :class:`SpectralDistribution`, which
implements the public methods (``pdf``, ``cdf``, ``sf``, ``ppf``, ``rvs``,
``moment``, ``stieltjes``, ``support``, ``atoms``...) from small hooks:

* ``_pdf(x)``: density of the continuous part at points inside the support;
* ``_support()``: the support of the continuous part, a list of ``(lo, hi)``;
* ``_atoms()``: ``{location: mass}`` (default none);
* optional exact hooks ``_cdf(x)``, ``_stieltjes(z)``, ``_moment(k)``;
* ``_lower()``: the lower bound of the spectrum (0 for Gram matrices), where a
  support component that starts there is a power-law hard edge when
  ``SINGULAR_AT_LOWER``.

Conventions shared by all laws:

* ``pdf`` is the density of the *continuous part*: it integrates to
  ``1 - sum(atoms)``; it is 0 (never NaN) outside the support and ``inf`` at a
  hard edge;
* ``cdf(x) = P(lambda <= x)`` includes the atoms;
* ``stieltjes(z) = E[1/(z - lambda)]`` (atoms included), so ``stieltjes(z) ~ 1/z``
  at infinity, ``Im stieltjes(z) < 0`` when ``Im z > 0``, and on the real axis
  the value is ``G(x + i0)`` (real outside the support);
* NaN, strings or complex numbers where a real is expected raise
  :class:`~rmttheory.errors.ParameterError`; nothing returns a silent NaN.

Integrals use the piecewise-Chebyshev model of
:mod:`rmttheory._numerics.chebyshev` on each support component.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from functools import cached_property
from typing import Any

import numpy as np

from rmttheory import _params
from rmttheory._numerics.chebyshev import ComponentModel, model_check, model_density
from rmttheory.distributions.quantiles import QuantileMethods
from rmttheory.errors import ConvergenceError, ParameterError

__all__ = ["SpectralDistribution"]

#: points per block of ``pdf``; the density model's angles (theta0, pi - theta0); the
#: number of points of a pdf call that builds the density model
_PDF_CHUNK, _MODEL_THETA0, _MODEL_MIN_POINTS = 1 << 14, 1e-3, 2048

#: largest |k| of ``moment(k)`` (higher powers overflow a float for most laws)
MAX_ORDER = 200


class SpectralDistribution(QuantileMethods, ABC):
    """Base class of the limiting spectral laws (see the module docstring).

    Examples
    --------
    >>> from rmttheory.distributions import MarchenkoPastur
    >>> law = MarchenkoPastur(0.25)
    >>> law.support(), law.atoms()
    ([(0.25, 2.25)], {})
    >>> float(law.cdf(2.25))
    1.0
    """

    #: a component starting at the lower bound is a power-law hard edge (eigenvalue
    #: laws); laws of spacings and ratios set this to False
    SINGULAR_AT_LOWER = True
    #: largest accepted |continuous mass + atoms - 1| before the law refuses to answer
    MASS_TOL = 1e-6
    #: ``_pdf`` is a closed form valid on the whole line, 0 off the support (no masks)
    PDF_EVERYWHERE = False
    #: ``pdf`` may evaluate the checked density model instead of ``_pdf`` (a root solver)
    PDF_FROM_MODEL = False
    #: largest model-vs-solver difference, relative to the largest density, accepted
    PDF_MODEL_TOL = 1e-10
    MODEL_CALL_POINTS = 0  #: points a density call may take in the model's build (0: a level)
    #: a first component starting within this fraction of its width above the lower bound
    #: is modelled from the bound (a near-hard edge: n1 = m(1 + d), edge ~ d^2; above it the
    #: model from the soft edge is the more accurate, and below it fails at phi = 0.01)
    NEAR_HARD = 1e-8

    # -- hooks ---------------------------------------------------------------------
    @abstractmethod
    def _pdf(self, x: np.ndarray) -> np.ndarray:
        """Density of the continuous part at points inside the support (may be 0 outside)."""

    @abstractmethod
    def _support(self) -> list[tuple[float, float]]:
        """Support of the continuous part."""

    def _atoms(self) -> dict[float, float]:
        return {}

    def _lower(self) -> float:
        return 0.0

    def _cdf(self, x: np.ndarray) -> np.ndarray | None:
        """Exact cdf (atoms included) or None for the generic integral."""
        return None

    def _stieltjes(self, z: np.ndarray) -> np.ndarray:
        """G at points with Im z >= 0 (exact where a law can); default: quadrature."""
        return self._stieltjes_quadrature(z)

    def _moment(self, k: int) -> float | None:
        """Exact raw moment, or None for quadrature."""
        return None

    # -- support, atoms ------------------------------------------------------------
    @cached_property
    def _support_cached(self) -> tuple[tuple[float, float], ...]:
        return tuple((float(a), float(b)) for a, b in self._support())

    def support(self) -> list[tuple[float, float]]:
        """Support of the continuous part: a list of ``(lo, hi)`` intervals."""
        return [(lo, hi) for lo, hi in self._support_cached]

    def atoms(self) -> dict[float, float]:
        """Point masses ``{location: mass}`` (only masses > 0)."""
        return {float(k): float(v) for k, v in self._atoms().items() if v > 0}

    @property
    def atom_mass(self) -> float:
        """Total mass of the atoms."""
        return float(sum(self.atoms().values()))

    @property
    def hard_edge(self) -> bool:
        """True when a support component starts at the lower bound with a diverging density."""
        return self.SINGULAR_AT_LOWER and self._support_cached[0][0] == self._lower()

    # -- density -------------------------------------------------------------------
    def pdf(self, x: Any) -> np.ndarray:
        """Density of the continuous part (0 outside the support, ``inf`` at a hard edge).

        Parameters
        ----------
        x
            Real points (any shape); NaN, strings and complex input raise.

        Returns
        -------
        numpy.ndarray
        """
        x = _params.real_array(x, "x")
        if x.size <= _PDF_CHUNK:
            return self._pdf(x) if self._pdf_everywhere else self._pdf_block(x)
        # blocks that stay in cache (10^6 points in one call were 3.3x slower: temporaries)
        flat, out = x.ravel(), np.empty(x.size)
        for i in range(0, flat.size, _PDF_CHUNK):
            block = slice(i, i + _PDF_CHUNK)
            if self._pdf_everywhere:  # straight into the output (no copy pass)
                self._pdf_into(flat[block], out[block])
            else:
                out[block] = self._pdf_block(flat[block])
        return out.reshape(x.shape)

    @cached_property
    def _pdf_everywhere(self) -> bool:  # _pdf is a closed form at every real point: no masks
        return self.PDF_EVERYWHERE and not self.hard_edge

    def _pdf_into(self, x: np.ndarray, out: np.ndarray) -> None:
        """``out[...] = _pdf(x)`` (a closed form may write into ``out`` directly)."""
        out[...] = self._pdf(x)

    def _pdf_block(self, x: np.ndarray) -> np.ndarray:
        out = np.zeros(x.shape)
        inside = self._in_support(x)
        edge = inside & (x == self._lower()) & self.hard_edge
        regular = inside & ~edge
        near = np.zeros(x.shape, dtype=bool)
        if self._edge_gap is not None:
            # within 1e-4 of the width of a (near-)hard edge, root solvers lose digits: use
            # the density model's continuation there (ComponentModel, EdgeFit)
            lo, hi = self._lower(), self._support_cached[0][1]
            near = regular & (x - lo < 1e-4 * (hi - lo))
            if near.any():
                with np.errstate(over="ignore"):
                    out[near] = self._components[0].density(x[near])
        regular &= ~near
        if regular.any():
            out[regular] = np.maximum(self._pdf_regular(x[regular]), 0.0)
        out[edge] = np.inf
        return out

    def _pdf_regular(self, x: np.ndarray) -> np.ndarray:
        """The density inside the support, away from a hard edge: the checked density model
        (:func:`~rmttheory._numerics.chebyshev.model_density`) where ``PDF_FROM_MODEL`` and
        the model exists (built here for calls of at least ``_MODEL_MIN_POINTS`` points) and
        passed its check (:attr:`pdf_model_error`); the root solver elsewhere."""
        usable = self.PDF_FROM_MODEL and (
            "_components" in self.__dict__ or x.size >= _MODEL_MIN_POINTS
        )
        if not (usable and self.pdf_model_error is not None):
            return self._pdf(x)
        out = model_density(self._components, x, _MODEL_THETA0)
        rest = np.isnan(out)  # within ~2.5e-7 of the width of an edge: the solver
        if rest.any():
            out[rest] = self._pdf(x[rest])
        return out

    @cached_property
    def pdf_model_error(self) -> float | None:
        """Largest difference between the density model and the root solver, relative to
        the largest density, at the check points of
        :func:`~rmttheory._numerics.chebyshev.model_check`; None when the model is not used
        (no ``PDF_FROM_MODEL``, no model, or that difference above ``PDF_MODEL_TOL``: then
        ``pdf`` always calls the solver)."""
        if not self.PDF_FROM_MODEL:
            return None
        try:
            err = model_check(self._components, self._pdf, _MODEL_THETA0)
        except (ConvergenceError, FloatingPointError, ValueError):
            return None
        return err if err <= self.PDF_MODEL_TOL else None

    @cached_property
    def _edge_gap(self) -> float | None:
        """0 at a hard edge; ``lo - lower`` for a first component within ``NEAR_HARD`` of
        its width above the lower bound (modelled from the bound: ComponentModel's ``gap``)."""
        (lo, hi), low = self._support_cached[0], self._lower()
        near = self.SINGULAR_AT_LOWER and 0 <= lo - low <= self.NEAR_HARD * (hi - lo)
        return lo - low if near else None

    @cached_property
    def _components(self) -> list[ComponentModel]:
        low, gap, spec = self._lower(), self._edge_gap, self.MODEL_CALL_POINTS
        check = _MODEL_THETA0 if self.PDF_FROM_MODEL else None  # checked in the build's calls
        comps = [
            ComponentModel(self._pdf, lo, hi, False, spec, check)
            if k or gap is None
            else ComponentModel(self._pdf, low, hi, True, spec, check, gap)
            for k, (lo, hi) in enumerate(self._support_cached)
        ]
        total = sum(c.mass for c in comps) + self.atom_mass
        if not abs(total - 1) <= self.MASS_TOL:
            raise ConvergenceError(
                f"{self!r}: total mass {total:.9f} != 1; the numerical solution is not "
                "trustworthy for these parameters"
            )
        return comps

    def continuous_mass(self) -> float:
        """Integral of :meth:`pdf` (equals ``1 - atom_mass`` within ``MASS_TOL``)."""
        return float(sum(c.mass for c in self._components))

    def cdf(self, x: Any) -> np.ndarray:
        """:math:`P(\\lambda \\le x)`, atoms included (NaN input raises)."""
        x = _params.real_array(x, "x")
        exact = self._cdf(x)
        if exact is not None:
            return np.clip(exact, 0.0, 1.0)
        out = np.zeros(x.shape)
        for loc, mass in self.atoms().items():
            out += np.where(x >= loc, mass, 0.0)
        for comp in self._components:
            above = x >= comp.hi
            out += np.where(above, comp.mass, 0.0)
            mid = (x > comp.lo) & ~above
            if mid.any():
                out[mid] += comp.cdf(x[mid])
        out[x >= self._range()[1]] = 1.0  # the models' mass is 1 within MASS_TOL
        return np.clip(out, 0.0, 1.0)

    def sf(self, x: Any) -> np.ndarray:
        """Survival function :math:`1 - F(x)`."""
        return 1.0 - self.cdf(x)

    def _range(self) -> tuple[float, float]:
        ends = [v for iv in self._support_cached for v in iv] + list(self.atoms())
        return min(ends), max(ends)

    # -- moments -------------------------------------------------------------------
    def quadrature(self, n: int = 48) -> tuple[np.ndarray, np.ndarray]:
        """Nodes and weights of the whole law: atoms (weight = mass), then Gauss–Legendre
        nodes, ``n`` per Chebyshev piece, so that ``sum(w * h(x))`` approximates
        :math:`E[h(\\lambda)]` (exactly for the atoms)."""
        n = _params.integer(n, "n", minimum=1)
        atoms = self.atoms()
        xs = [np.array(list(atoms), dtype=float)]
        ws = [np.array(list(atoms.values()), dtype=float)]
        for comp in self._components:
            x, w = comp.nodes(n)
            xs.append(x)
            ws.append(w)
        return np.concatenate(xs), np.concatenate(ws)

    def expect(self, func: Callable[[np.ndarray], np.ndarray]) -> float:
        """:math:`E[func(\\lambda)]` over the whole law (atoms included)."""
        x, w = self.quadrature()
        return float(np.sum(w * func(x)))

    def moment(self, k: int) -> float:
        """Raw moment :math:`E[\\lambda^k]` (atoms included), for an integer ``k``.

        Negative ``k`` raises :class:`ParameterError` when the integral diverges
        (an atom at 0, or a hard edge at 0 with density exponent ``e`` and
        ``k + e <= -1``).
        """
        k = _params.integer(k, "k", minimum=-MAX_ORDER, maximum=MAX_ORDER)
        if k == 0:
            return 1.0
        exact = self._moment(k)
        if exact is not None:
            return float(exact)
        if k < 0:
            if any(loc == 0 for loc in self.atoms()):
                raise ParameterError(f"moment({k}) is infinite: the law has an atom at 0")
            first = self._components[0]
            expo = first.edge_exponent
            if self._support_cached[0][0] == 0.0 and (expo is None or k + expo <= -1 + 1e-3):
                raise ParameterError(
                    f"moment({k}) is infinite: the density behaves like x^"
                    f"{expo if expo is not None else 0:.3g} at 0"
                )
        return self.expect(lambda x: x**k)

    def mean(self) -> float:
        """:math:`E[\\lambda]`."""
        return self.moment(1)

    def var(self) -> float:
        """Variance of the law."""
        return self.moment(2) - self.mean() ** 2

    # -- transforms ----------------------------------------------------------------
    def stieltjes(self, z: Any) -> np.ndarray:
        """:math:`G(z) = E[1/(z - \\lambda)]` (atoms included) for any complex ``z``.

        ``G(conj z) = conj G(z)``; on the real axis the value is ``G(x + i0)``
        (real outside the support, :math:`-i\\pi\\rho(x)` its imaginary part
        inside).  At an atom, or at a hard edge, ``G`` is infinite and a
        :class:`ParameterError` is raised.
        """
        z = _params.complex_array(z, "z")
        flip = z.imag < 0
        zz = np.empty(z.size, dtype=complex)  # upper half plane, Im z = +0.0 on the axis
        zz.real = z.real.reshape(-1)
        zz.imag = np.abs(z.imag).reshape(-1)
        on_axis = zz.imag == 0
        bad = on_axis & (
            np.isin(zz.real, list(self.atoms())) | ((zz.real == self._lower()) & self.hard_edge)
        )
        if bad.any():
            raise ParameterError(
                f"G is infinite at z = {zz[bad][0].real:g} (an atom or a hard edge of the law)"
            )
        infinite = ~np.isfinite(zz)  # G(z) -> 0 as |z| -> infinity
        zz[infinite] = 1.0
        G = np.asarray(self._stieltjes(zz), dtype=complex)
        G[infinite] = 0.0
        G = np.where(on_axis & ~self._in_support(zz.real), G.real + 0j, G)
        G = G.reshape(z.shape)
        return np.where(flip, np.conj(G), G)

    def _in_support(self, x: np.ndarray) -> np.ndarray:
        inside = np.zeros(x.shape, dtype=bool)
        for lo, hi in self._support_cached:
            inside |= (x >= lo) & (x <= hi)
        return inside

    def _stieltjes_quadrature(self, z: np.ndarray) -> np.ndarray:
        """G from the atoms and the Cauchy integral of each component's density model
        (:meth:`ComponentModel.cauchy <rmttheory._numerics.chebyshev.ComponentModel.cauchy>`:
        pole subtracted, mesh graded towards ``Re z``), for ``Im z >= 0``."""
        flat = np.asarray(z, dtype=complex).reshape(-1)
        out = np.zeros(flat.shape, dtype=complex)
        for loc, mass in self.atoms().items():
            with np.errstate(divide="ignore", invalid="ignore"):
                out += mass / (flat - loc)
        for comp in self._components:
            out += comp.cauchy(flat)
        return out

    # -- figure --------------------------------------------------------------------
    def plot(self, ax: Any = None, n: int = 600, **kwargs: Any) -> Any:
        """Draw the density (atoms as labelled arrows) on ``ax`` (created if None):
        :func:`rmttheory.plot.law_axes`.

        Returns
        -------
        matplotlib.axes.Axes
        """
        from rmttheory.plot import law_axes

        return law_axes(self, ax, n, **kwargs)
