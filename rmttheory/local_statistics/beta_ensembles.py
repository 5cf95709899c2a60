r"""Gaussian and Laguerre β-ensembles for any β > 0, by tridiagonal models in O(n) memory.

**Hermite (Gaussian) β-ensemble** (Dumitriu–Edelman 2002), normalized so that the
semicircle law has support [−2, 2] for every β:

.. math::
    H = \frac{1}{\sqrt{\beta n}}\begin{pmatrix}
    \sqrt{2}\,g_1 & \chi_{(n-1)\beta} & & \\
    \chi_{(n-1)\beta} & \sqrt{2}\,g_2 & \chi_{(n-2)\beta} & \\
    & \ddots & \ddots & \ddots\end{pmatrix},\qquad g_i \sim N(0, 1),

whose eigenvalues have the joint density
:math:`\propto \prod_{i<j}|\lambda_i - \lambda_j|^\beta e^{-\beta n\sum\lambda_i^2/4}`:
for β = 1 the spectrum of a GOE matrix with off-diagonal variance 1/n and diagonal
variance 2/n, for β = 2 of a GUE matrix with :math:`E|H_{ij}|^2 = 1/n`.  The largest
eigenvalue is :math:`2 + n^{-2/3}\mathrm{TW}_\beta + o(n^{-2/3})`
(:class:`~rmttheory.distributions.TracyWidom`, with ``convention="beta-ensemble"`` for
β = 4).

**Laguerre β-ensemble** (Wishart): the eigenvalues of :math:`W = XX^*/m`, :math:`X` an
n × m matrix of independent standard (real β = 1, complex β = 2) Gaussians, are those of
:math:`BB^\top/(\beta m)` with :math:`B` lower bidiagonal,
:math:`B_{ii} = \chi_{\beta(m-i+1)}`, :math:`B_{i+1,i} = \chi_{\beta(n-i)}`
(i = 1 … n; Dumitriu–Edelman), for any β > 0.  The limit law is
``MarchenkoPastur(n/m)``; when n > m, n − m eigenvalues are exactly 0.

With ``largest=k`` only the k largest eigenvalues are computed, by bisection on the
tridiagonal matrix (LAPACK ``stebz``): O(nk) time and O(n) memory, which reaches
n = 10⁶ in about a second (``benchmarks/bench_tridiagonal.py``).  The whole spectrum is
O(n²) time.

Examples
--------
>>> lam = beta_hermite(400, 2.0, rng=0)
>>> lam.shape, bool(abs(lam.max() - 2) < 0.1)
((400,), True)
>>> top = beta_laguerre(1000, 2000, 1.0, largest=1, rng=0)
>>> bool(abs(top[0] - (1 + 0.5**0.5) ** 2) < 0.1)
True
"""

from __future__ import annotations

import math

import numpy as np

from rmttheory import _params
from rmttheory.errors import ParameterError, ResourceError

__all__ = ["beta_hermite", "beta_laguerre", "MAX_DIMENSION", "MAX_FULL_SPECTRUM"]

#: largest dimension of the tridiagonal models (a few arrays of n floats)
MAX_DIMENSION = 10**8
#: largest dimension whose whole spectrum is computed (O(n^2) work)
MAX_FULL_SPECTRUM = 50_000


def _checked(n: int, largest: int | None, name: str = "n") -> int | None:
    n = _params.integer(n, name, minimum=1, maximum=MAX_DIMENSION)
    if largest is None:
        if n > MAX_FULL_SPECTRUM:
            raise ResourceError(
                f"the whole spectrum of n = {n} takes O(n^2) = {float(n) ** 2:.1e} operations; "
                f"ask for largest=k eigenvalues, or n <= {MAX_FULL_SPECTRUM}"
            )
        return None
    return _params.integer(largest, "largest", minimum=1, maximum=n)


def _batch(size: int, largest: int | None, n: int) -> int:
    size = _params.integer(size, "size", minimum=1)
    if largest != 1:
        raise ParameterError("size (many matrices at once) needs largest=1")
    if size * n > 10**8:
        raise ResourceError(f"{size} matrices of size {n} hold {size * n:.1e} numbers; at most 1e8")
    return size


def _eigenvalues(diag: np.ndarray, off: np.ndarray, largest: int | None) -> np.ndarray:
    from scipy.linalg import eigvalsh_tridiagonal

    n = diag.size
    if n == 1:
        return diag.copy()
    if largest is None:
        return eigvalsh_tridiagonal(diag, off)
    return eigvalsh_tridiagonal(diag, off, select="i", select_range=(n - largest, n - 1))


def _top_bisect(diag: np.ndarray, off: np.ndarray) -> np.ndarray:
    """Largest eigenvalue of each symmetric tridiagonal matrix (rows of ``diag``, ``off``),
    by Sturm-count bisection vectorized over the matrices (LAPACK ``stebz``'s method, to
    4 ulp of the spectral radius)."""
    e2 = off * off
    radius = np.abs(diag).max(axis=1) + 2 * np.sqrt(e2.max(axis=1, initial=0.0))
    lo, hi = diag.min(axis=1) - radius, diag.max(axis=1) + radius
    n = diag.shape[1]
    pivmin = (
        np.maximum(e2.max(axis=1, initial=0.0), 1.0) * np.finfo(float).tiny / np.finfo(float).eps
    )
    tol = 4 * np.finfo(float).eps * np.maximum(np.abs(lo), np.abs(hi))
    for _ in range(200):
        active = hi - lo > tol
        if not active.any():
            break
        x = 0.5 * (lo + hi)
        q = diag[:, 0] - x
        q = np.where(np.abs(q) < pivmin, -pivmin, q)
        below = (q < 0).astype(int)
        for i in range(1, n):
            q = diag[:, i] - x - e2[:, i - 1] / q
            q = np.where(np.abs(q) < pivmin, -pivmin, q)
            below += q < 0
        top_above = below < n  # the largest eigenvalue is above x
        lo = np.where(active & top_above, x, lo)
        hi = np.where(active & ~top_above, x, hi)
    return 0.5 * (lo + hi)


def beta_hermite(
    n: int,
    beta: float = 1.0,
    *,
    largest: int | None = None,
    size: int | None = None,
    rng: _params.SeedLike = None,
) -> np.ndarray:
    """Eigenvalues of the n × n Gaussian β-ensemble on [−2, 2] (module docstring), ascending.

    Parameters
    ----------
    n
        Dimension (1 to :data:`MAX_DIMENSION`; the whole spectrum up to
        :data:`MAX_FULL_SPECTRUM`).
    beta
        Any β > 0 (1: GOE, 2: GUE, 4: GSE).
    largest
        Return only the ``largest`` largest eigenvalues (ascending).
    size
        With ``largest=1``: the largest eigenvalue of ``size`` independent matrices at once
        (Sturm bisection vectorized over them; a 1-D array).
    rng
        Seed or generator.

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> beta_hermite(5, 1.0, largest=2, rng=1).shape
    (2,)
    >>> beta_hermite(50, 2.0, largest=1, size=3, rng=0).shape
    (3,)
    """
    beta = _params.real(beta, "beta", low=1e-6)  # > 0; tinier overflows 2/(beta n)
    k = _checked(n, largest)
    n = int(n)
    rng = _params.generator(rng)
    if size is not None:
        size = _batch(size, k, n)
        diag = rng.standard_normal((size, n)) * math.sqrt(2.0 / (beta * n))
        off = np.sqrt(rng.chisquare(beta * np.arange(n - 1, 0, -1), size=(size, n - 1)))
        return _top_bisect(diag, off / math.sqrt(beta * n))
    diag = rng.standard_normal(n) * math.sqrt(2.0 / (beta * n))
    off = np.sqrt(rng.chisquare(beta * np.arange(n - 1, 0, -1))) / math.sqrt(beta * n)
    return _eigenvalues(diag, off, k)


def beta_laguerre(
    n: int,
    m: int,
    beta: float = 1.0,
    *,
    largest: int | None = None,
    size: int | None = None,
    rng: _params.SeedLike = None,
) -> np.ndarray:
    """Eigenvalues of :math:`W = XX^*/m` for an n × m Gaussian :math:`X` (β-Laguerre
    ensemble, module docstring), ascending; limit law ``MarchenkoPastur(n/m)``.

    Parameters
    ----------
    n, m
        Dimension and number of samples (each 1 to :data:`MAX_DIMENSION`).
    beta
        Any β > 0 (1: real, 2: complex Gaussian entries).
    largest
        Return only the ``largest`` largest eigenvalues (ascending).
    size
        With ``largest=1``: the largest eigenvalue of ``size`` independent matrices at once
        (a 1-D array).
    rng
        Seed or generator.

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> lam = beta_laguerre(300, 100, 2.0, rng=0)  # n > m: 200 exact zeros
    >>> int((lam == 0).sum())
    200
    """
    beta = _params.real(beta, "beta", low=1e-6)  # > 0; tinier overflows 2/(beta n)
    k = _checked(n, largest)
    m = _params.integer(m, "m", minimum=1, maximum=MAX_DIMENSION)
    n = int(n)
    rng = _params.generator(rng)
    if size is not None:
        size = _batch(size, k, min(n, m))
        p, q = min(n, m), max(n, m)  # the nonzero spectrum: (n/m) times the smaller problem's
        a = np.sqrt(rng.chisquare(beta * (q - np.arange(p)), size=(size, p)))
        b = np.sqrt(rng.chisquare(beta * (p - 1 - np.arange(p - 1)), size=(size, p - 1)))
        diag = a * a
        diag[:, 1:] += b * b
        top = _top_bisect(diag, a[:, :-1] * b) if p > 1 else diag[:, 0]
        return top / (beta * q) * (q / m)
    if n > m:  # the m nonzero eigenvalues of XX*/m are (n/m) times those of X*X/n
        if k is not None and k > m:
            inner = beta_laguerre(m, n, beta, rng=rng) * (n / m)
            return np.concatenate([np.zeros(k - m), inner])
        inner = beta_laguerre(m, n, beta, largest=k, rng=rng) * (n / m)
        return inner if k is not None else np.concatenate([np.zeros(n - m), inner])
    a = np.sqrt(rng.chisquare(beta * (m - np.arange(n))))
    b = np.sqrt(rng.chisquare(beta * (n - 1 - np.arange(n - 1))))
    diag = a * a
    diag[1:] += b * b
    return _eigenvalues(diag, a[:-1] * b, k) / (beta * m)
