r"""Classical laws as :class:`~rmttheory.algebra.law.AlgebraicLaw` objects.

Parameters may be numbers (kept exact) or sympy symbols.  Normalizations (each pinned
against sampled matrices in ``tests/test_algebra_sampling.py``):

* :func:`marchenko_pastur` ``(c, v)``: :math:`v\,XX^\top/n`, :math:`X` :math:`p\times n`
  standard Gaussian, :math:`c = p/n`; :math:`cvzG^2 - (z - v(1-c))G + 1 = 0`, atom
  :math:`\max(0, 1 - 1/c)` at 0, mean :math:`v`.
* :func:`semicircle` ``(v)``: Wigner matrices with off-diagonal variance :math:`v/n`;
  :math:`vG^2 - zG + 1 = 0` on :math:`[-2\sqrt v, 2\sqrt v]`.
* :func:`free_poisson` ``(rate, jump)``: R-transform :math:`\lambda\alpha/(1 - \alpha w)`,
  i.e. ``scale(marchenko_pastur(1/rate), rate * jump)``.
* :func:`point_mass`, :func:`discrete`: :math:`G = \sum_i w_i/(z - t_i)` (degree 1 in
  :math:`G`; no continuous part) — population spectra.
* :func:`wachter` ``(c1, c2)``: the MANOVA law of :math:`(A + B)^{-1}A`,
  :math:`A = X_1X_1^\top`, :math:`B = X_2X_2^\top`, :math:`X_k` :math:`p\times n_k`,
  :math:`c_k = p/n_k`, :math:`c_2 < 1`; derived by the operations:
  :math:`t/(1+t)` of :math:`t = (c_2/c_1)\,\mathrm{MP}(c_1)\boxtimes\mathrm{MP}(c_2)^{-1}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy as sp

from rmttheory.algebra.law import AlgebraicLaw, G, Z, exact, exact_positive, short
from rmttheory.algebra.operations import free_multiply, invert, scale, shift
from rmttheory.errors import ParameterError

__all__ = [
    "marchenko_pastur",
    "semicircle",
    "free_poisson",
    "point_mass",
    "discrete",
    "wachter",
]


def marchenko_pastur(ratio: Any, variance: Any = 1) -> AlgebraicLaw:
    r"""Marchenko–Pastur law of ratio :math:`c = p/n` and scale :math:`v` (module docstring).

    Parameters
    ----------
    ratio
        :math:`c = p/n > 0` (number or symbol).
    variance
        :math:`v > 0`, the variance of the entries (the law's mean).

    Returns
    -------
    AlgebraicLaw

    Examples
    --------
    >>> marchenko_pastur(sp.Rational(1, 4)).moments(3)
    [1, 5/4, 29/16]
    """
    c = exact_positive(ratio, "ratio")
    v = exact_positive(variance, "variance")
    poly = c * v * Z * G**2 - (Z - v * (1 - c)) * G + 1
    rank = 1 - 1 / c
    return AlgebraicLaw(poly, {sp.Integer(0): sp.Max(0, rank)}, True, f"MP({short(c)}, {short(v)})")


def semicircle(variance: Any = 1) -> AlgebraicLaw:
    r"""Wigner's semicircle of variance :math:`v` on :math:`[-2\sqrt v, 2\sqrt v]`.

    Parameters
    ----------
    variance
        :math:`v > 0`.

    Returns
    -------
    AlgebraicLaw

    Examples
    --------
    >>> semicircle(2).moments(4)
    [0, 2, 0, 8]
    """
    v = exact_positive(variance, "variance")
    return AlgebraicLaw(v * G**2 - Z * G + 1, {}, False, f"semicircle({short(v)})")


def free_poisson(rate: Any, jump: Any = 1) -> AlgebraicLaw:
    r"""Free Poisson law of rate :math:`\lambda` and jump :math:`\alpha`:
    :math:`R(w) = \lambda\alpha/(1 - \alpha w)`; mass :math:`\max(0, 1 - \lambda)` at 0.

    Parameters
    ----------
    rate
        :math:`\lambda > 0`.
    jump
        :math:`\alpha > 0`.

    Returns
    -------
    AlgebraicLaw

    Examples
    --------
    >>> free_poisson(2).moments(2)  # free cumulants are all lambda * alpha^k
    [2, 6]
    """
    lam = exact_positive(rate, "rate")
    alpha = exact_positive(jump, "jump")
    return scale(marchenko_pastur(1 / lam), lam * alpha)


def point_mass(location: Any = 1) -> AlgebraicLaw:
    r"""The law :math:`\delta_t`: :math:`(z - t)G - 1 = 0` (e.g. an isotropic population).

    Parameters
    ----------
    location
        :math:`t`.

    Returns
    -------
    AlgebraicLaw

    Examples
    --------
    >>> point_mass(2).moments(2)
    [2, 4]
    """
    t = exact(location, "location")
    nonneg = bool(t.is_nonnegative)
    return AlgebraicLaw((Z - t) * G - 1, {t: 1}, nonneg, f"delta({short(t)})")


def discrete(spectrum: Mapping[Any, Any]) -> AlgebraicLaw:
    r"""A discrete law :math:`\sum_i w_i\delta_{t_i}` from ``{t_i: w_i}`` (weights > 0,
    summing to 1): :math:`G\prod_i(z - t_i) - \sum_i w_i\prod_{j\ne i}(z - t_j) = 0`.

    Parameters
    ----------
    spectrum
        ``{location: weight}`` (numbers are kept exact: ``0.5`` is ``1/2``).

    Returns
    -------
    AlgebraicLaw

    Examples
    --------
    >>> law = discrete({1: 0.5, 4: 0.5})  # half the variances 1, half 4
    >>> law.moments(2)
    [5/2, 17/2]
    """
    if not isinstance(spectrum, Mapping) or not spectrum:
        raise ParameterError("a discrete spectrum is a non-empty {location: weight} mapping")
    pts = [(exact(t, "location"), exact(w, "weight")) for t, w in spectrum.items()]
    for t, w in pts:
        if w.is_number and not w > 0:
            raise ParameterError(f"weights must be > 0, got {w} at {t}")
    total = sp.nsimplify(sum(w for _, w in pts))
    if total.is_number and total != 1:
        raise ParameterError(f"weights must sum to 1, got {total}")
    prod = sp.Mul(*[Z - t for t, _ in pts])
    poly = G * prod - sum(w * sp.cancel(prod / (Z - t)) for t, w in pts)
    nonneg = all(t.is_nonnegative for t, _ in pts)
    name = "discrete{" + ", ".join(f"{short(t)}: {short(w)}" for t, w in pts) + "}"
    return AlgebraicLaw(poly, {t: w for t, w in pts}, nonneg, name)


def wachter(ratio1: Any, ratio2: Any) -> AlgebraicLaw:
    r"""The Wachter (MANOVA) law of :math:`(A + B)^{-1}A` (module docstring), on
    :math:`[0, 1]`, :math:`c_1 = p/n_1`, :math:`c_2 = p/n_2 < 1`.

    Parameters
    ----------
    ratio1, ratio2
        :math:`c_1 > 0` and :math:`0 < c_2 < 1`.

    Returns
    -------
    AlgebraicLaw

    Examples
    --------
    >>> wachter(sp.Rational(1, 2), sp.Rational(1, 4)).moments(1)  # n1 / (n1 + n2)
    [1/3]
    """
    c1 = exact_positive(ratio1, "ratio1")
    c2 = exact_positive(ratio2, "ratio2")
    if c2.is_number and not c2 < 1:
        raise ParameterError(f"wachter: B is singular unless ratio2 = p/n2 < 1, got {c2}")
    f = free_multiply(marchenko_pastur(c1), invert(marchenko_pastur(c2)))
    t = scale(f, c2 / c1)  # B^{-1} A = (n1/n2) F
    # t/(1+t) = 1 - 1/(1+t)
    law = shift(scale(invert(shift(t, 1)), -1), 1)
    return AlgebraicLaw(
        law.polynomial, law.atoms, True, f"wachter({short(c1)}, {short(c2)})", law.moments(1)[0]
    )
