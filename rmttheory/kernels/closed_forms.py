r"""Closed-form expected kernels in cache-sized blocks (:mod:`rmttheory.kernels.expected`).

The formulas are those of :mod:`rmttheory.kernels.expected` (module docstring there).  The
:math:`n_1\times n_2` matrix is computed in row blocks of at most ``_BLOCK_ENTRIES`` entries,
so that every pass over a block hits the cache; for one data matrix only the blocks on and
above the diagonal are computed and the rest is mirrored by square tiles (half the
transcendental work); :math:`\arcsin` is evaluated as :math:`\arctan(x/\sqrt{1-x^2})`
(numpy's arctan is twice as fast as its arcsin).  ``tests/test_expected_kernel.py::
test_closed_forms_in_blocks_equal_the_plain_formulas`` checks the result against the plain
whole-matrix formulas.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rmttheory.errors import ParameterError

__all__: list[str] = []


def _variances(
    X: np.ndarray, X2: np.ndarray | None, sigma_w: float
) -> tuple[np.ndarray, np.ndarray]:
    """Variances a (n1) and b (n2) of the pre-activations."""
    a = sigma_w**2 * np.einsum("ij,ij->j", X, X) / X.shape[0]
    b = a if X2 is None else sigma_w**2 * np.einsum("ij,ij->j", X2, X2) / X.shape[0]
    if np.any(a == 0) or np.any(b == 0):
        raise ParameterError("a data column is zero: its pre-activation is not random")
    return a, b


def _root(x: np.ndarray) -> np.ndarray:
    """sqrt(1 - x^2) for |x| <= 1, as a new array."""
    s = np.multiply(x, x)
    np.subtract(1.0, s, out=s)
    return np.sqrt(s, out=s)


def _arcsin(x: np.ndarray, root: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """arcsin x = arctan(x / sqrt(1 - x^2)) for |x| <= 1, ``root`` = :func:`_root` of ``x``
    (into ``out``; a new array if None).  numpy's arctan is twice as fast as its arcsin (40
    vs 80 ns a value here), and at |x| = 1 the quotient is +-inf and the value +-pi/2
    exactly; near it the error is eps / sqrt(1 - x^2), the conditioning of arcsin itself."""
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.divide(x, root, out=out)
    return np.arctan(q, out=q)


def _relu_kernel(
    a: np.ndarray, b: np.ndarray, rho: np.ndarray, out: np.ndarray | None = None
) -> np.ndarray:
    r""":math:`\sqrt{ab}/(2\pi)\,(\sqrt{1-\rho^2} + (\pi/2 + \arcsin\rho)\rho)` (the
    arc-cosine kernel, :math:`\pi - \arccos\rho = \pi/2 + \arcsin\rho`), in place:
    two new arrays besides ``rho``, which is overwritten; the last pass writes ``out``."""
    s = _root(rho)
    t = _arcsin(rho, s)
    t += np.pi / 2
    t *= rho
    t += s
    t *= (np.sqrt(a) / (2 * np.pi))[:, None]
    return np.multiply(t, np.sqrt(b)[None, :], out=out)


def _column_scales(
    name: str, a: np.ndarray, b: np.ndarray, scale: float
) -> tuple[np.ndarray, np.ndarray]:
    r"""Scales u (of the columns of X) and v (of Y) such that the block product
    :math:`u_i v_j x_i^\top y_j` is what the form starts from: :math:`\rho_{ij}` for ReLU,
    :math:`2c_{ij}/\sqrt{(1+2a_i)(1+2b_j)}` for erf, :math:`c_{ij}` otherwise (two passes of
    each block saved; the data are scaled once, d x n entries)."""
    r = np.sqrt(scale)
    if name == "relu":
        return r / np.sqrt(a), r / np.sqrt(b)
    if name == "erf":
        return r * np.sqrt(2 / (1 + 2 * a)), r * np.sqrt(2 / (1 + 2 * b))
    return np.full(a.shape, r), np.full(b.shape, r)


def _closed(
    name: str,
    params: dict[str, Any],
    a: np.ndarray,
    b: np.ndarray,
    xy: np.ndarray,
    diagonal: bool,
    out: np.ndarray,
) -> None:
    r"""The closed form (module docstring) of one block into ``out``, from the product ``xy``
    of the data scaled by :func:`_column_scales` (overwritten); :math:`\rho = c/\sqrt{a_ib_j}`
    only where the form needs it.  ``diagonal``: the block's first column is its first row's
    own sample (rho = 1 exactly on that diagonal)."""
    if name in ("relu", "leaky_relu", "abs"):
        if name == "relu":
            rho = xy
        else:  # (c is needed afterwards)
            rho = np.multiply(xy, (1 / np.sqrt(a))[:, None])
            rho *= (1 / np.sqrt(b))[None, :]
        np.clip(rho, -1.0, 1.0, out=rho)
        if diagonal:
            rho[np.arange(a.size), np.arange(a.size)] = 1.0
        if name == "relu":
            _relu_kernel(a, b, rho, out=out)
        elif name == "leaky_relu":  # slope c + (1 - slope)^2 K_relu
            slope = float(params.get("slope", 0.01))
            K = _relu_kernel(a, b, rho)
            K *= (1 - slope) ** 2
            xy *= slope
            np.add(K, xy, out=out)
        else:  # abs: 4 K_relu - c
            K = _relu_kernel(a, b, rho)
            K *= 4.0
            np.subtract(K, xy, out=out)
    elif name == "linear":
        out[...] = xy
    elif name == "erf":  # 2/pi arcsin(2c / sqrt((1 + 2a)(1 + 2b)))
        np.clip(xy, -1.0, 1.0, out=xy)
        root = _root(xy)
        K = _arcsin(xy, root, out=root)
        np.multiply(K, 2 / np.pi, out=out)
    elif name in ("sin", "cos"):  # e^{-(a + b)/2} sinh c or cosh c
        (np.sinh if name == "sin" else np.cosh)(xy, out=xy)
        xy *= np.exp(-a / 2)[:, None]
        np.multiply(xy, np.exp(-b / 2)[None, :], out=out)
    else:
        raise ParameterError(f"no closed-form kernel for {name!r}")  # pragma: no cover


#: entries per block of the closed forms (a block's arrays stay near the 1 MB L2 cache;
#: of 2^13..2^17 at n = 1,797, 2^16 and 2^17 were best, within 5%)
_BLOCK_ENTRIES = 2**17
#: side of the square tiles of the mirror copy
_TILE = 128
_STRICTLY_LOWER = np.tri(_TILE, k=-1, dtype=bool)


def _closed_kernel(
    name: str, params: dict[str, Any], X: np.ndarray, X2: np.ndarray | None, sigma_w: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The closed-form kernel in row blocks that stay in cache (every pass over a block
    is then a cache hit, not a trip to memory), and for one data matrix only the blocks on
    and above the diagonal (the rest is their mirror image: half the transcendental work).
    Returns (K, a, b).  (Two threads over the blocks were slower on 2 cores: BLAS threads
    inside each block's product and the GIL between short loops.)"""
    a, b = _variances(X, X2, sigma_w)
    Y = X if X2 is None else X2
    n1, n2 = X.shape[1], Y.shape[1]
    K = np.empty((n1, n2))
    rows = max(1, _BLOCK_ENTRIES // n2)
    if X2 is None:  # at least 8 blocks: the triangle then costs ~(1 + 1/8)/2 of the square
        rows = min(rows, -(-n1 // 8))
    u, v = _column_scales(name, a, b, sigma_w**2 / X.shape[0])
    Xs = X * u
    Ys = Xs if X2 is None else Y * v
    for i0 in range(0, n1, rows):
        i1 = min(i0 + rows, n1)
        j0 = i0 if X2 is None else 0
        xy = Xs[:, i0:i1].T @ Ys[:, j0:]
        _closed(name, params, a[i0:i1], b[j0:], xy, X2 is None, K[i0:i1, j0:])
    if X2 is None:  # the lower triangle: transposed square tiles (both in cache)
        for i0 in range(0, n1, _TILE):
            for j0 in range(i0 + _TILE, n1, _TILE):
                K[j0 : j0 + _TILE, i0 : i0 + _TILE] = K[i0 : i0 + _TILE, j0 : j0 + _TILE].T
            tile = K[i0 : i0 + _TILE, i0 : i0 + _TILE]
            m = tile.shape[0]
            np.copyto(tile, tile.T, where=_STRICTLY_LOWER[:m, :m])
    return K, a, b
