"""Where a piecewise-Chebyshev density model is checked against the density
(:func:`rmttheory._numerics.chebyshev.model_check`): fixed in advance for every candidate
piece, so that a model's build can evaluate them in its own density calls."""

from __future__ import annotations

import numpy as np

__all__: list[str] = []

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
