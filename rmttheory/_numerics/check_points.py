"""Where and how a piecewise-Chebyshev density model is checked against the density
(:func:`model_check`; the points fixed in advance for every candidate piece, so that a
model's build can evaluate them in its own density calls), and the density read from the
model (:func:`model_density`).  Both take :class:`rmttheory._numerics.chebyshev.ComponentModel`
objects (re-exported there)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["model_density", "model_check"]

#: the degree of the model's pieces (rmttheory._numerics.chebyshev takes it from here)
_DEG = 32
#: where model_check compares a piece's interpolant with the density: three interior
#: extrema of T_33 (near each end and the middle), where the interpolation error of a
#: smooth function peaks; the midpoint (u = 0) is itself a node of chebpts1(33)
_CHECK_U = np.cos(np.pi * np.array([1, _DEG // 2, _DEG]) / (_DEG + 1))


def _edge_check_theta(theta0: float, hard_edge: bool) -> np.ndarray:
    """Check angles near the two edges (from 1.5 theta0; beyond 0.03 at a hard edge, where
    the power-law continuation ends)."""
    near = theta0 * np.array([1.5, 10.0, 100.0])
    return np.concatenate([near + 0.03 if hard_edge else near, np.pi - near])


def _check_theta(breaks: np.ndarray, theta0: float, hard_edge: bool) -> np.ndarray:
    """model_check's angles for a component with these piece boundaries."""
    a, b = breaks[:-1, None], breaks[1:, None]
    th = np.concatenate([(a + (b - a) * (_CHECK_U[None, :] + 1) / 2).ravel(),
                         _edge_check_theta(theta0, hard_edge)])  # fmt: skip
    return th[(th > theta0) & (th < np.pi - theta0)]


def model_density(comps: list[Any], x: np.ndarray, theta0: float) -> np.ndarray:
    """The density at ``x`` from the components' piecewise-Chebyshev models,
    :math:`g(\\theta) / (\\tfrac12 (hi - lo) \\sin\\theta)`, for points at angle
    :math:`\\theta \\in (\\theta_0, \\pi - \\theta_0)` of their component; NaN elsewhere (near
    an edge, where dividing by :math:`\\sin\\theta` costs digits, and outside every component).

    Examples
    --------
    >>> from rmttheory._numerics.chebyshev import ComponentModel
    >>> m = ComponentModel(lambda x: 0.75 * (1 - x * x), -1.0, 1.0)
    >>> round(float(model_density([m], np.array([0.5]), 1e-3)[0]), 12)
    0.5625
    """
    out = np.full(x.shape, np.nan)
    for comp in comps:
        sel = np.flatnonzero((x >= comp.lo) & (x <= comp.hi))
        th = comp.theta(x[sel])
        ok = (th > theta0) & (th < np.pi - theta0)
        th = th[ok]
        g = comp.g_model(th) * comp.shape(x[sel[ok]])
        out[sel[ok]] = g / (0.5 * (comp.hi - comp.lo) * np.sin(th))
    return out


def model_check(comps: list[Any], pdf: Callable[[np.ndarray], np.ndarray], theta0: float) -> float:
    """Largest :math:`|model - pdf|` relative to the largest density, at three points of
    every piece between its interpolation nodes (``_CHECK_U``: extrema of :math:`T_{33}`
    near each end and the middle, where the interpolation error peaks) and three points
    near each edge (from :math:`1.5\\theta_0`; at a hard edge beyond :math:`\\theta = 0.03`,
    where the density's power-law continuation takes over); ``inf`` where the density is 0
    at every check point.  A component built with ``check_theta0 = theta0`` brings the
    density's values at these points from its build's calls (the same values a call here
    would give); others call ``pdf``.

    Examples
    --------
    >>> f = lambda x: 0.75 * (1 - x * x)
    >>> from rmttheory._numerics.chebyshev import ComponentModel
    >>> model_check([ComponentModel(f, -1.0, 1.0)], f, 1e-3) < 1e-13
    True
    """
    err, top = 0.0, 0.0
    for comp in comps:
        if comp.checked is not None and comp.check_theta0 == theta0:
            th, rho = comp.checked  # of the modelled function: times the shape below
            rho = rho * comp.shape(comp.lo + (comp.hi - comp.lo) * np.sin(th / 2) ** 2)
        else:
            th = _check_theta(comp.breaks, theta0, comp.edge_exponent is not None)
            rho = pdf(comp.lo + (comp.hi - comp.lo) * np.sin(th / 2) ** 2)
        xs = comp.lo + (comp.hi - comp.lo) * np.sin(th / 2) ** 2
        model = model_density([comp], xs, theta0)
        exact = np.maximum(rho, 0.0)
        err = max(err, float(np.max(np.abs(model - exact), initial=0.0)))
        top = max(top, float(np.max(exact, initial=0.0)))
    return err / top if top > 0 else float("inf")
