r"""The exact finite-size mean of a sampled Gram spectrum, for bias-free trace checks.

With Gaussian :math:`W` (variance :math:`\sigma_w^2/n_0`) and Gaussian :math:`X`
(variance :math:`\sigma_x^2`), an entry :math:`w_i\cdot x_j` given :math:`x_j` is
exactly :math:`\mathcal N(0, \sigma_w^2\lVert x_j\rVert^2/n_0)`, and
:math:`\lVert x_j\rVert^2/(n_0\sigma_x^2) = r` has the law
:math:`\chi^2_{n_0}/n_0`.  Hence, for :math:`Y = f(WX) - c`,

.. math:: \mathbb E\,\frac{\operatorname{tr} M}{n_1} = \mathbb E\,Y_{ij}^2
          = \mathbb E_r\Big[\operatorname{Var} f(\sigma\sqrt r\,z)
          + \big(\mathbb E f(\sigma\sqrt r\,z) - c\big)^2\Big],\qquad
          \sigma = \sigma_w\sigma_x,

exactly at every :math:`n_0` (no expansion): :math:`c` is the limit mean
:math:`\mathbb E f(\sigma z)` for a centered sample and 0 otherwise.  The outer
expectation is a Gauss–Legendre quadrature over the Gamma law of :math:`r`
(its central :math:`1 - 2\\cdot 10^{-15}`), the inner ones :func:`rmttheory.gaussian_constants` (float64 path).
As :math:`n_0\to\infty` it tends to :math:`\eta` (centered) or
:math:`\eta + \text{mean}^2`.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import numpy as np

from rmttheory import _disk_cache, _params
from rmttheory.activation import activation
from rmttheory.constants import gaussian_constants

__all__ = ["expected_trace", "expected_ntk_trace"]


def _chi2_nodes(n0: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights of r ~ chi^2(n0)/n0 = Gamma(n0/2, scale 2/n0): Gauss-Legendre
    on its central 1 - 2e-15 (the integrands are smooth in r: 64 nodes reach rounding)."""
    from scipy import special  # not scipy.stats: its import costs ~1 s of a fresh process

    k, scale = n0 / 2.0, 2.0 / n0
    lo, hi = special.gammaincinv(k, 1e-15) * scale, special.gammainccinv(k, 1e-15) * scale
    t, w = np.polynomial.legendre.leggauss(64)
    r = lo + (hi - lo) * (t + 1) / 2
    pdf = np.exp((k - 1) * np.log(r / scale) - r / scale - special.gammaln(k)) / scale
    w = w * (hi - lo) / 2 * pdf
    return r, w / w.sum()


@lru_cache(maxsize=256)
def _expected_trace(key: str, act: Any, n0: int, sigma_w: float, sigma_x: float, center: bool):
    # 65 float64 constants (~0.5 s): kept on disk for a fresh process (rmttheory._disk_cache)
    disk_key = repr((key, n0, sigma_w, sigma_x, center)) if act.is_symbolic else None
    if disk_key is not None:
        hit = _disk_cache.load("expected_trace", disk_key)
        if isinstance(hit, float) and math.isfinite(hit):
            return hit
    out = _expected_trace_computed(act, n0, sigma_w, sigma_x, center)
    if disk_key is not None:
        _disk_cache.store("expected_trace", disk_key, out)
    return out


def _expected_trace_computed(act: Any, n0: int, sigma_w: float, sigma_x: float, center: bool):
    r, w = _chi2_nodes(n0)
    limit = gaussian_constants(act, sigma_w, sigma_x, digits=15)
    c = limit.mean if center else 0.0
    vals = []
    for ri in r:
        g = gaussian_constants(act, sigma_w * math.sqrt(ri), sigma_x, digits=15)
        vals.append(g.eta + (g.mean - c) ** 2)
    return float(np.sum(w * np.array(vals)))


def expected_trace(
    act: Any, n0: int, sigma_w: float = 1.0, sigma_x: float = 1.0, *, center: bool = True
) -> float:
    """:math:`\\mathbb E[\\operatorname{tr}(M)/n_1]` of a sampled Gram matrix at input dimension ``n0``.

    Parameters
    ----------
    act
        The activation.
    n0
        Input dimension (>= 1).
    sigma_w, sigma_x
        Scales of the Gaussian entries of W and X.
    center
        True when the sample subtracts the limit mean :math:`\\mathbb E f(\\sigma z)`.

    Returns
    -------
    float
        Exact for Gaussian W and X at this ``n0`` (module docstring).

    Examples
    --------
    >>> round(expected_trace("relu", 300, center=False), 12)  # E relu(s z)^2 = s^2/2, E r = 1
    0.5
    >>> from rmttheory import gaussian_constants
    >>> expected_trace("tanh", 10**6) - gaussian_constants("tanh").eta < 1e-6
    True
    """
    n0 = _params.integer(n0, "n0", minimum=1)
    sw = _params.real(sigma_w, "sigma_w", positive=True)
    sx = _params.real(sigma_x, "sigma_x", positive=True)
    a = activation(act)
    return _expected_trace(a.key, a, n0, sw, sx, bool(center))


@lru_cache(maxsize=64)
def _expected_ntk_trace(key: str, act: Any, n0: int, sigma_w: float, sigma_x: float) -> float:
    from rmttheory.errors import NotIntegrableError

    deriv = act.derivative
    if deriv.has(__import__("sympy").DiracDelta):
        raise NotIntegrableError(f"activation {act.name!r} has jumps: its NTK is not defined")
    fprime = activation(deriv)
    r, w = _chi2_nodes(n0)
    second = []
    for ri in r:  # E f'(s z)^2 = Var f'(s z) + (E f'(s z))^2 at s = sigma sqrt(r)
        g = gaussian_constants(fprime, sigma_w * math.sqrt(ri), sigma_x, digits=15)
        second.append(ri * (g.eta + g.mean**2))
    first = _expected_trace(key, act, n0, sigma_w, sigma_x, True)
    return first + sigma_w**2 * sigma_x**2 * float(np.sum(w * np.array(second)))


def expected_ntk_trace(act: Any, n0: int, sigma_w: float = 1.0, sigma_x: float = 1.0) -> float:
    """:math:`\\mathbb E[\\operatorname{tr}(\\Theta)/m]` of a sampled one-hidden-layer NTK.

    With the convention of :mod:`rmttheory.kernels.ntk` (centered f, output weights
    :math:`a_i^2 = 1`), :math:`\\Theta_{jj} = \\frac1{n_1}\\sum_i[(f(u_{ij}) - c)^2
    + \\sigma_w^2 r_j\\sigma_x^2 f'(u_{ij})^2]` with :math:`u_{ij}\\mid x_j \\sim
    \\mathcal N(0, \\sigma^2 r_j)`, :math:`r_j = \\lVert x_j\\rVert^2/(n_0\\sigma_x^2)`, so
    the expectation is :func:`expected_trace` plus
    :math:`\\sigma^2\\,\\mathbb E_r[r\\,\\mathbb E f'(\\sigma\\sqrt r z)^2]`, exactly.

    Parameters
    ----------
    act
        The activation (no jumps).
    n0
        Input dimension.
    sigma_w, sigma_x
        Scales.

    Returns
    -------
    float

    Examples
    --------
    >>> # relu' = 1 on half the line: E f'(s z)^2 = 1/2 at every s, and E r = 1
    >>> round(expected_ntk_trace("relu", 100) - expected_trace("relu", 100), 12)
    0.5
    """
    n0 = _params.integer(n0, "n0", minimum=1)
    sw = _params.real(sigma_w, "sigma_w", positive=True)
    sx = _params.real(sigma_x, "sigma_x", positive=True)
    a = activation(act)
    return _expected_ntk_trace(a.key, a, n0, sw, sx)
