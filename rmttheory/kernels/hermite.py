"""Gaussian quadrature for expected kernels: Hermite coefficients of f(s z) for many scales at
once, and the 2-D expectation E f(u) f(v) of a correlated Gaussian pair.

Both use composite Gauss–Legendre panels of width 1/2 split at the kinks of the activation
(two rules, 24 and 16 nodes per panel, whose difference is the error estimate).
:mod:`rmttheory.kernels.expected` builds kernels from them.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from rmttheory import _params
from rmttheory.activation import activation
from rmttheory.errors import ActivationError, ParameterError
from rmttheory.resources import require_bytes

__all__ = ["hermite_coefficients", "pair_quadrature"]

_Z_MAX = 37.5  # |z| beyond which the Gaussian weight is below 1e-300
_PANEL = 0.5


def _nodes(points: np.ndarray, rule: tuple, z_max: float) -> tuple[np.ndarray, np.ndarray]:
    """Composite Gauss–Legendre nodes z (rows × q) and weights on [-z_max, z_max]: panels of
    width 1/2 (their ends include 0), each row also split at its own ``points`` (rows × m)."""
    base = np.linspace(-z_max, z_max, int(round(2 * z_max / _PANEL)) + 1)
    rows = points.shape[0]
    cuts = np.repeat(base[None, :], rows, axis=0)
    if points.shape[1]:
        cuts = np.sort(np.concatenate([cuts, np.clip(points, -z_max, z_max)], 1), 1)
    lo, hi = cuts[:, :-1, None], cuts[:, 1:, None]
    t, w = rule
    z = (lo + (hi - lo) * (t[None, None, :] + 1) / 2).reshape(rows, -1)
    wz = ((hi - lo) / 2 * w[None, None, :]).reshape(rows, -1)
    return z, wz


def _hermite_functions(z: np.ndarray, order: int) -> np.ndarray:
    """psi_k(z) = He_k(z)/sqrt(k!) * sqrt(phi(z)), k = 0..order (axis -1); bounded for all k."""
    out = np.empty((*z.shape, order + 1))
    prev, cur = np.zeros_like(z), np.exp(-z * z / 4) / (2 * math.pi) ** 0.25
    for k in range(order + 1):
        out[..., k] = cur
        prev, cur = cur, (z * cur - math.sqrt(k) * prev) / math.sqrt(k + 1)
    return out


def hermite_coefficients(act: Any, scales: Any, order: int) -> dict[str, np.ndarray]:
    """Normalized Hermite coefficients of :math:`f(s z)` for many scales at once.

    Parameters
    ----------
    act
        Activation (name, expression, :class:`Activation` or callable).
    scales
        Positive scales :math:`s` (1-D).
    order
        Largest index :math:`K` (at most 2000).

    Returns
    -------
    dict
        ``c`` (``len(s) × (K+1)``): :math:`c_k(s) = \\mathbb E[f(sz)He_k(z)]/\\sqrt{k!}`,
        ``m2``: :math:`\\mathbb E f(sz)^2`, ``err``: per scale, the largest
        difference of any of them between the 24- and 16-node rules.

    Notes
    -----
    Composite Gauss–Legendre on :math:`|z|\\le 37.5` (panels of width 1/2, split at the
    kinks of :math:`f(sz)`); the Hermite functions :math:`He_k\\sqrt{\\varphi}/\\sqrt{k!}`
    are computed by their stable three-term recurrence.  When every kink of
    :math:`f` is at 0 the nodes are shared by all scales and the coefficients are one
    matrix product.

    Examples
    --------
    >>> r = hermite_coefficients("relu", [1.0], 2)
    >>> [round(float(v), 12) for v in r["c"][0]]  # 1/sqrt(2 pi), 1/2, 1/(2 sqrt(pi))
    [0.398942280401, 0.5, 0.282094791774]
    """
    act = activation(act)
    s = _params.real_array(scales, "scales", allow_empty=False, finite=True, positive=True)
    if s.ndim != 1:
        raise ParameterError("scales must be 1-D")
    order = _params.integer(order, "order", minimum=0, maximum=2000)
    f = act.numpy()
    kinks = [k for k in (act.kinks() if act.is_symbolic else []) if k != 0.0]
    out = []
    for rule in (np.polynomial.legendre.leggauss(24), np.polynomial.legendre.leggauss(16)):
        q = int(2 * _Z_MAX / _PANEL) * rule[0].size
        shared = not kinks
        rows = s.size if not shared else 1
        require_bytes(8 * (5 * s.size * q + rows * q * (order + 2)), "Hermite coefficients")
        scale = s[:rows] if shared else s
        z, wz = _nodes(np.array([k / scale for k in kinks]).reshape(-1, rows).T, rule, _Z_MAX)
        with np.errstate(over="ignore", invalid="ignore"):
            fz = np.asarray(f(s[:, None] * z), dtype=float)
        if not np.all(np.isfinite(fz[:, np.abs(z[0]) < 12] if shared else fz[np.abs(z) < 12])):
            raise ActivationError(f"activation {act.name!r} is not finite on the quadrature nodes")
        fz = np.where(np.isfinite(fz), fz, 0.0)
        g = np.exp(-z * z / 2) / math.sqrt(2 * math.pi)
        m2 = np.sum(fz * fz * (wz * g), axis=1)
        weight = fz * wz * np.exp(-z * z / 4) / (2 * math.pi) ** 0.25  # f w sqrt(phi)
        if shared:
            c = weight @ _hermite_functions(z[0], order)
        else:  # per-scale nodes: the recurrence on all rows at once
            c = np.empty((s.size, order + 1))
            prev, cur = np.zeros_like(z), np.exp(-z * z / 4) / (2 * math.pi) ** 0.25
            for k in range(order + 1):
                c[:, k] = np.einsum("ij,ij->i", weight, cur)
                prev, cur = cur, (z * cur - math.sqrt(k) * prev) / math.sqrt(k + 1)
        out.append((c, m2))
    (c, m2), (c16, m16) = out
    err = np.maximum(np.max(np.abs(c - c16), axis=1), np.abs(m2 - m16))
    err = err + 1e-15 * np.maximum(m2, 1e-300)
    return {"c": c, "m2": m2, "err": err}


def pair_quadrature(
    f: Any, kinks: list[float], si: Any, sj: Any, rho: Any, rule: tuple
) -> np.ndarray:
    """:math:`\\mathbb E f(s_iz_1) f(s_j(\\rho z_1 + \\sqrt{1-\\rho^2}z_2))` per pair.

    Nested composite Gauss–Legendre on :math:`|z|\\le 12` (panels of 1/2), the outer
    split at the kinks over :math:`s_i`, the inner at the :math:`z_2` where the argument
    crosses a kink (so kinked activations converge fast).

    Parameters
    ----------
    f
        The activation as a numpy function.
    kinks
        Its kinks (points where it is not smooth).
    si, sj, rho
        Scales and correlations, one per pair (1-D arrays).
    rule
        Gauss–Legendre nodes and weights per panel (``numpy.polynomial.legendre.leggauss(k)``).

    Returns
    -------
    numpy.ndarray
        One expectation per pair.

    Examples
    --------
    >>> import numpy as np
    >>> relu = lambda x: np.maximum(x, 0.0)
    >>> v = pair_quadrature(relu, [0.0], np.ones(1), np.ones(1), np.zeros(1),
    ...                     np.polynomial.legendre.leggauss(24))
    >>> round(float(v[0]) * 2 * np.pi, 12)  # independent: (E relu z)^2 = 1/(2 pi)
    1.0
    """
    zmax = 12.0
    all_kinks = sorted({0.0, *kinks})
    out = np.empty(rho.size)
    for p in range(rho.size):
        z1, w1 = _nodes(np.array([[k / si[p] for k in all_kinks if k != 0.0]]), rule, zmax)
        z1, w1 = z1[0], w1[0] * np.exp(-(z1[0] ** 2) / 2) / math.sqrt(2 * math.pi)
        r = math.sqrt(max(1.0 - rho[p] ** 2, 0.0))
        if r < 1e-12:
            inner = f(sj[p] * rho[p] * z1)
        else:
            # per outer node, the inner panels split where the argument crosses a kink
            cut = np.stack([(k / sj[p] - rho[p] * z1) / r for k in all_kinks], 1)
            z2, w2 = _nodes(cut, rule, zmax)
            w2 = w2 * np.exp(-z2 * z2 / 2) / math.sqrt(2 * math.pi)
            inner = np.sum(f(sj[p] * (rho[p] * z1[:, None] + r * z2)) * w2, axis=1)
        out[p] = np.sum(w1 * f(si[p] * z1) * inner)
    return out
