r"""Fredholm determinants of the Airy kernel: the Tracy–Widom distribution functions.

Private numerics of :class:`rmttheory.distributions.TracyWidom`: :func:`log_distribution`
gives :math:`\log F_\beta(s)`, :math:`\log(1 - F_\beta(s))` and :math:`F_\beta'(s)` for
:math:`F_1(s) = \det(I - B_s)`, :math:`F_2(s) = \det(I - B_s)\det(I + B_s)` and
:math:`G_4(s) = \tfrac12(\det(I - B_s) + \det(I + B_s))`, with
:math:`B_s(x, y) = \mathrm{Ai}(x + y + s)` on :math:`L^2(0, \infty)`.

**Numerics.**  The determinants are evaluated by the Gauss–Legendre Nyström method on
:math:`(0, L(s))`, where :math:`\mathrm{Ai}(L + s)` has fallen by :math:`e^{-45}`
relative to its value at the start, with :data:`NODES` nodes: the discretized
:math:`B_s` is a symmetric matrix with eigenvalues :math:`b_k`, and

* :math:`\log F_1 = \sum\log(1 - b_k)`, :math:`\log F_2 = \sum\log(1 - b_k^2)`, and the
  survival functions :math:`1 - F = -\mathrm{expm1}(\log F)` keep full relative precision
  in the right tail; for β = 4, :math:`1 - F_4 = -\sum_{j \ge 1} e_{2j}(b)` (elementary
  symmetric functions: the leading terms of the two determinants cancel);
* densities are exact derivatives of the discretized determinants,
  :math:`\partial_s b_k = v_k^\top B_s' v_k` with :math:`B_s'(x,y) = \mathrm{Ai}'(x+y+s)`.

In the left tail the determinants lose relative precision (an eigenvalue :math:`b_k`
tends to 1).  Below :data:`LEFT_TAIL` the package uses the asymptotic expansions that
follow from the Hastings–McLeod solution :math:`q` of Painlevé II,
:math:`q(s) \sim \sqrt{-s/2}\sum_n a_n (-s)^{-3n}` (coefficients by recursion, exact
rationals),

.. math::
    \log F_2(s) = -\frac{|s|^3}{12} - \frac18\log|s| + \tfrac1{24}\log 2 + \zeta'(-1)
    + \sum_{n\ge2} \frac{-c_n}{2}\,\frac{|s|^{3-3n}}{(3-3n)(2-3n)},\qquad
    \mu(s) = \int_s^\infty q = \frac{\sqrt2}{3}|s|^{3/2} + \tfrac12\log 2
    + \sum_{n\ge1}\frac{a_n}{\sqrt2}\frac{|s|^{3/2-3n}}{3/2-3n},

with :math:`c_n` the coefficients of :math:`(\sum a_n u^n)^2`, and
:math:`\log F_1 = \tfrac12(\log F_2 - \mu)`, :math:`\log\det(I + B_s) = \tfrac12(\log F_2
+ \mu)` (the constants are those of Deift–Its–Krasovsky and Baik–Buckingham–DiFranco).

**Accuracy** (measured against a 30-digit mpmath Nyström evaluation, converged in the
number of nodes to 1e-18; ``tests/test_tracy_widom.py``): absolute error of the cdf
below 2e-14 everywhere; relative error of the cdf below 1e-12 for s ≥ −4 and of the
survival function below 1e-12 in the whole right tail; in the left tail the relative
error grows to at most ~1e-9 near the switch to the expansions (:data:`LEFT_TAIL`)
and falls again below it (1e-12 at s = −8).
"""

from __future__ import annotations

import math
from fractions import Fraction
from functools import lru_cache

import numpy as np

__all__ = ["log_distribution", "NODES", "LEFT_TAIL", "ZETA_PRIME_MINUS_1"]

#: Gauss–Legendre nodes of the Nyström discretization: 32 where the kernel is smooth on the
#: interval (s >= -1), 56 where Ai oscillates over part of it (measured against 32-digit
#: mpmath: fewer lose digits, more gain nothing but rounding)
NODES = {"smooth": 32, "oscillating": 56}
#: below these points (in s) the cdf and pdf come from the left-tail expansions: where the
#: expansions' error (falling with |s|) meets the determinants' rounding error (rising),
#: both ~4e-10 relative for β = 1 and 2, 3e-11 for β = 4 (against 30-digit mpmath)
LEFT_TAIL = {1: -6.75, 2: -7.0, 4: -7.5}
#: terms of the left-tail expansions (near the optimal truncation at |s| = 7)
_TERMS = 11
#: zeta'(-1) (checked against mpmath in the tests)
ZETA_PRIME_MINUS_1 = -0.16542114370045092921
#: zeta'(-1) (checked against mpmath in the tests)
ZETA_PRIME_MINUS_1 = -0.16542114370045092921


@lru_cache(maxsize=1)
def _painleve_coefficients() -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Coefficients ``a_n`` of :math:`q = \\sqrt{t/2}\\sum a_n t^{-3n}` (t = −s) and
    ``c_n`` of its square, exact rationals rounded once."""
    a = [Fraction(1)]
    for k in range(1, _TERMS + 2):
        a.append(Fraction(0))
        cube = sum(a[i] * a[j] * a[k - i - j] for i in range(k + 1) for j in range(k + 1 - i))
        a[k] = ((9 * (k - 1) ** 2 - Fraction(1, 4)) * a[k - 1] - cube) / 2
    c = [sum(a[i] * a[k - i] for i in range(k + 1)) for k in range(len(a))]
    return tuple(float(v) for v in a), tuple(float(v) for v in c)


def left_tail(s: np.ndarray) -> tuple[np.ndarray, ...]:
    """``(log F2, d log F2/ds, mu, d mu/ds)`` from the Painlevé II expansions (s < 0)."""
    a, c = _painleve_coefficients()
    t = -s
    logf2 = -(t**3) / 12 + c[1] / 2 * np.log(t) + math.log(2) / 24 + ZETA_PRIME_MINUS_1
    dlogf2 = -(t**2) / 4 + c[1] / (2 * t)  # d/dt
    mu = math.sqrt(2) / 3 * t**1.5 + 0.5 * math.log(2)
    dmu = np.sqrt(t / 2)  # d/dt: q(s)
    for n in range(2, _TERMS + 1):
        k = (3 - 3 * n) * (2 - 3 * n)
        logf2 = logf2 - c[n] / 2 * t ** (3 - 3 * n) / k
        dlogf2 = dlogf2 - c[n] / 2 * (3 - 3 * n) * t ** (2 - 3 * n) / k
    for n in range(1, _TERMS + 1):
        mu = mu + a[n] / math.sqrt(2) * t ** (1.5 - 3 * n) / (1.5 - 3 * n)
        dmu = dmu + a[n] / math.sqrt(2) * t ** (0.5 - 3 * n)
    return logf2, -dlogf2, mu, -dmu


def _interval(s: np.ndarray) -> np.ndarray:
    """Length L with Ai(L + s) <= e^-45 Ai(max(s, 0)) (WKB decay of Ai): the kernel
    Ai(x + y + s) is negligible once either variable is past L."""
    start = np.maximum(s, 0.0)
    return (67.5 + start**1.5) ** (2 / 3) - s


def nystrom(s: np.ndarray, nodes: int) -> tuple[np.ndarray, np.ndarray]:
    r"""The discretized :math:`B_s` and :math:`B_s' = \partial_s B_s` (Gauss–Legendre Nyström
    with ``nodes`` nodes, symmetrized by the square roots of the weights), one matrix per
    point."""
    from scipy.special import airy

    x, w = np.polynomial.legendre.leggauss(nodes)
    L = _interval(s)[:, None]
    x = (x[None, :] + 1) * L / 2
    sw = np.sqrt(w[None, :] * L / 2)
    i, j = np.triu_indices(nodes)  # a symmetric (Hankel) kernel: half the Airy calls
    arg = x[:, i] + x[:, j] + s[:, None]
    # past L + s the kernel is below e^-45 of its largest entry: exact zeros there
    needed = arg < (L + s[:, None])
    ai = np.zeros(arg.shape)
    aip = np.zeros(arg.shape)
    ai[needed], aip[needed], _, _ = airy(arg[needed])
    scale = sw[:, i] * sw[:, j]
    mat = np.empty((s.size, nodes, nodes))
    der = np.empty((s.size, nodes, nodes))
    mat[:, i, j] = mat[:, j, i] = ai * scale
    der[:, i, j] = der[:, j, i] = aip * scale
    return mat, der


def _trace_solve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """tr(a^-1 b) for stacks of matrices."""
    return np.trace(np.linalg.solve(a, b), axis1=1, axis2=2)


def _elementary_even(b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``1 - F4 = -sum_{j>=1} e_2j(b)`` and its derivative weights ``O_k``: the odd part
    of :math:`\\prod_{i \\ne k}(1 + b_i)`, so that :math:`F_4' = \\sum_k O_k\\,\\partial b_k`."""
    p, m = b.shape
    e = np.zeros((p, m + 1))
    e[:, 0] = 1.0
    for i in range(m):  # multiply by (1 + b_i x)
        e[:, 1 : i + 2] = e[:, 1 : i + 2] + b[:, i : i + 1] * e[:, 0 : i + 1]
    sf = -e[:, 2::2].sum(axis=1)
    # leave-one-out: e^(k)_j = e_j - b_k e^(k)_{j-1}, recursively in j
    odd = np.zeros((p, m))
    loo = np.ones((p, m))  # e^(k)_0
    for j in range(1, m):
        loo = e[:, j : j + 1] - b * loo
        if j % 2 == 1:
            odd = odd + loo
    return sf, odd


def log_distribution(
    beta: int, s: np.ndarray, density: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(log F, log(1 - F), F')`` of :math:`F_1`, :math:`F_2` or :math:`G_4` (``beta`` 1, 2,
    4) at finite points ``s`` (flat); without ``density`` the derivative is left as zeros
    (the determinants' derivatives are not computed)."""
    logcdf = np.empty(s.shape)
    logsf = np.empty(s.shape)
    pdf = np.zeros(s.shape)
    left = s < LEFT_TAIL[beta]
    if left.any():
        lf2, dlf2, mu, dmu = left_tail(s[left])
        if beta == 1:
            lf, dlf = (lf2 - mu) / 2, (dlf2 - dmu) / 2
        elif beta == 2:
            lf, dlf = lf2, dlf2
        else:  # F4 = (F1 + F1+)/2 = exp(lf2/2) cosh(mu/2)
            lf = lf2 / 2 + mu / 2 + np.log1p(np.exp(-mu)) - math.log(2)
            dlf = dlf2 / 2 + dmu / 2 * np.tanh(mu / 2)
        logcdf[left] = lf
        logsf[left] = np.log1p(-np.exp(lf))
        pdf[left] = np.exp(lf) * dlf
    with np.errstate(divide="ignore"):  # log(0): a survival function below 1e-308
        for nodes, group in (
            (NODES["oscillating"], ~left & (s < -1.0)), (NODES["smooth"], s >= -1.0)
        ):  # fmt: skip
            _determinants(beta, s, group, nodes, density, logcdf, logsf, pdf)
    return logcdf, logsf, np.maximum(pdf, 0.0)


def _determinants(
    beta: int, s: np.ndarray, group: np.ndarray, nodes: int, density: bool, *out: np.ndarray
) -> None:
    """Fill ``log cdf, log sf, pdf`` at ``s[group]`` from the Nyström determinants."""
    logcdf, logsf, pdf = out
    chunk = 256  # bounded memory: nodes^2 Airy values per point
    idx = np.flatnonzero(group)
    eye = np.eye(nodes)
    for start in range(0, idx.size, chunk):
        sel = idx[start : start + chunk]
        B, dB = nystrom(s[sel], nodes)
        b = np.linalg.eigvalsh(B)
        lm, lp = np.log1p(-b).sum(axis=1), np.log1p(b).sum(axis=1)
        if beta == 1:  # (log det(I - B))' = -tr((I - B)^-1 B')
            lf = lm
            lsf = np.log(-np.expm1(lm))
            if density:
                dlf = -_trace_solve(eye - B, dB)
        elif beta == 2:  # log F2 = log det(I - B^2): no cancellation in the tail
            lf = np.log1p(-(b * b)).sum(axis=1)
            lsf = np.log(-np.expm1(lf))
            if density:
                dlf = -_trace_solve(eye - B @ B, B @ dB + dB @ B)
        else:
            f4 = 0.5 * (np.exp(lm) + np.exp(lp))
            lf = np.log(f4)
            lsf = np.log1p(-f4)
            if density:
                dm, dp = -_trace_solve(eye - B, dB), _trace_solve(eye + B, dB)
                dlf = 0.5 * (np.exp(lm) * dm + np.exp(lp) * dp) / f4
            upper = f4 > 0.5  # right tail: the determinants' leading terms cancel
            if upper.any():
                bu, v = np.linalg.eigh(B[upper])
                sf4, odd = _elementary_even(bu)
                lsf[upper] = np.log(sf4)
                if density:
                    d = np.sum(v * (dB[upper] @ v), axis=1)  # Hellmann-Feynman: b_k'
                    dlf[upper] = (odd * d).sum(axis=1) / f4[upper]
        logcdf[sel] = lf
        logsf[sel] = lsf
        if density:
            pdf[sel] = np.exp(lf) * dlf
