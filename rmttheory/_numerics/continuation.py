r"""Predictor–corrector tracking of one root of a polynomial along a vertical path in z.

A spectral law given by a polynomial equation :math:`P(v; z) = 0` has one
physical root :math:`v(z)` on the upper half plane, identified where it is
unambiguous (far from the real axis).  :func:`track_root` follows that root down
the vertical path :math:`z = x + iy`, :math:`y` from ``y_start`` to
``y_target >= 0``, vectorized over many ``x``: an Euler predictor
:math:`v' = -P_z/P_v` and Newton correctors, with per-point adaptive steps in
:math:`y` (a step is accepted when Newton converges and the corrected root stays
within a fraction of the step of the prediction, which is how a jump to another
root is detected; rejected steps are shortened).  At ``y_target = 0`` the path
ends at :math:`x + i0`: the boundary value inside the support, the real root
outside.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from rmttheory._numerics.polyroots import polyval_rows
from rmttheory.errors import ConvergenceError

__all__ = ["track_root"]


def track_root(
    coeffs: Callable[[np.ndarray], np.ndarray],
    x: np.ndarray,
    y_start: np.ndarray | float,
    y_target: np.ndarray | float,
    v_start: np.ndarray,
    *,
    scale: float = 1.0,
    max_steps: int = 400,
    coeffs_dz: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]] | None = None,
) -> np.ndarray:
    """Follow the root ``v_start`` of ``coeffs(x + i y_start)`` to ``x + i y_target``.

    Parameters
    ----------
    coeffs
        ``coeffs(z)`` for complex ``z`` of shape ``(N,)`` returns the polynomial
        coefficients in ``v``, shape ``(N, d + 1)``, highest degree first.
    x, y_start, y_target
        The path, one per point (``y_start > y_target >= 0``).
    v_start
        The physical root at ``x + i y_start``.
    scale
        Scale of ``z`` (sets the finite-difference step and the floor of ``y``).
    max_steps
        Largest number of steps per point.
    coeffs_dz
        Optional ``coeffs_dz(z) -> (coeffs(z), d coeffs / dz)``: the exact derivative for
        the predictor.  Without it :math:`P_z` is a central difference with step
        1e-6 min(scale, |z|) (relative to ``|z|`` so that a path
        ending near a pole at ``z = 0``, a hard edge, keeps its digits).

    Returns
    -------
    numpy.ndarray
        The root at ``x + i y_target`` (complex).

    Raises
    ------
    ConvergenceError
        If a point does not reach its target within ``max_steps``.

    Examples
    --------
    >>> # v^2 - z = 0, root sqrt(z): follow it from 1 + 1i down to z = 1
    >>> v0 = np.sqrt(np.array([1 + 1j]))
    >>> f = lambda z: np.stack([np.ones_like(z), 0 * z, -z], axis=-1)
    >>> np.round(track_root(f, np.array([1.0]), 1.0, 0.0, v0), 12)
    array([1.+0.j])
    """
    x = np.asarray(x, dtype=float).reshape(-1)
    n = x.size
    y = np.broadcast_to(np.asarray(y_start, dtype=float), (n,)).copy()
    yt = np.broadcast_to(np.asarray(y_target, dtype=float), (n,)).copy()
    v = np.asarray(v_start, dtype=complex).reshape(-1).copy()
    q = np.full(n, 0.5)  # next y - yt = q * (y - yt)
    floor = 1e-15 * scale
    stuck = np.zeros(n, dtype=bool)
    h = 1e-6 * scale
    active = y > yt
    for _ in range(max_steps):
        if not active.any():
            break
        idx = np.nonzero(active)[0]
        xa, ya, yta, va = x[idx], y[idx], yt[idx], v[idx]
        gap = ya - yta
        y_new = np.where(gap * q[idx] < floor, yta, yta + gap * q[idx])
        z_old = xa + 1j * ya
        z_new = xa + 1j * y_new
        # Euler predictor: dv/dz = -P_z / P_v (P_z by a central difference in z)
        if coeffs_dz is not None:
            co, co_z = coeffs_dz(z_old)
            p, dp, _ = polyval_rows(co, va[:, None])
            pz = polyval_rows(co_z, va[:, None])[0]
        else:
            co = coeffs(z_old)
            p, dp, _ = polyval_rows(co, va[:, None])
            hz = np.maximum(h * np.minimum(1.0, np.abs(z_old) / scale), floor)[:, None]
            pz = (
                polyval_rows(coeffs(z_old + hz[:, 0]), va[:, None])[0]
                - polyval_rows(coeffs(z_old - hz[:, 0]), va[:, None])[0]
            ) / (2 * hz)
        with np.errstate(divide="ignore", invalid="ignore"):
            dv = -pz[:, 0] / dp[:, 0]
        pred = va + dv * (z_new - z_old)
        pred = np.where(np.isfinite(pred), pred, va)
        # Newton correctors at z_new
        co_new = coeffs(z_new)
        w = pred.copy()
        conv = np.zeros(idx.size, dtype=bool)
        for _ in range(6):
            p, dp, sc = polyval_rows(co_new, w[:, None])
            with np.errstate(divide="ignore", invalid="ignore"):
                step = p[:, 0] / dp[:, 0]
            step = np.where(np.isfinite(step), step, 0.0)
            w = w - step
            # converged: a step at rounding level, or a residual at rounding level
            res = np.abs(p[:, 0]) / np.where(sc[:, 0] > 0, sc[:, 0], 1.0)
            conv = (np.abs(step) <= 1e-12 * np.maximum(np.abs(w), 1e-300)) | (res <= 1e-14)
            if conv.all():
                break
        moved = np.abs(pred - va)
        ok = conv & np.isfinite(w) & (np.abs(w - pred) <= 0.3 * moved + 1e-8 * np.abs(w))
        acc = idx[ok]
        v[acc] = w[ok]
        y[acc] = y_new[ok]
        q[acc] = np.maximum(q[acc] ** 2, 0.02)
        rej = idx[~ok]
        q[rej] = np.sqrt(q[rej])
        stuck[rej[q[rej] > 1 - 1e-9]] = True
        active = (y > yt) & ~stuck
    if (y > yt).any():
        raise ConvergenceError(
            f"root continuation did not reach its target at {int((y > yt).sum())} point(s) "
            f"(first x = {x[y > yt][0]:.6g})"
        )
    return v
