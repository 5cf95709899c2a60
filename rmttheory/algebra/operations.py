r"""Operations on algebraic laws: each maps the polynomials of its inputs to the
polynomial of its output by substitution or a resultant (Rao & Edelman 2008).

Conventions (all transforms :math:`G(z) = \int d\mu(\lambda)/(z-\lambda)`, sizes of
matrices are ratios of dimensions):

==============================================  ==============================================================
operation                                       output law, and how its polynomial is obtained
==============================================  ==============================================================
:func:`scale` ``(law, a)``                      :math:`a\lambda` (:math:`a\ne 0`): :math:`G_a(z) = G(z/a)/a`
:func:`shift` ``(law, b)``                      :math:`\lambda + b`: :math:`G_b(z) = G(z - b)`
:func:`invert` ``(law)``                        :math:`1/\lambda` (no atom at 0): :math:`G(1/z) = z - z^2 G_{inv}(z)`
:func:`change_size` ``(law, r)``                the same nonzero eigenvalues in a matrix :math:`1/r` times as large
                                                (:math:`AA^\top\leftrightarrow A^\top A`, :math:`r` = old size / new size):
                                                :math:`G_{new} = r\,G + (1-r)/z`
:func:`free_add` ``(a, b)``                     :math:`A + OBO^\top` (:math:`O` Haar): :math:`R_{a\boxplus b} = R_a + R_b`,
                                                :math:`G^{-1}(w) = R(w) + 1/w`; a resultant
:func:`free_multiply` ``(a, b)``                :math:`A^{1/2} O B O^\top A^{1/2}` (both on :math:`[0,\infty)`):
                                                :math:`S_{a\boxtimes b} = S_a S_b`; a resultant
:func:`wishart` ``(population, c)``             :math:`T^{1/2} X X^\top T^{1/2}/n`, :math:`X` :math:`p\times n`, :math:`c = p/n`:
                                                :math:`G_T(w) = G(z)(1 - c + czG)`, :math:`w = z/(1 - c + czG)`
:func:`information_plus_noise` ``(h, c, s2)``   :math:`(R + \sigma X)(R + \sigma X)^\top/N`, :math:`R` :math:`p\times N`,
                                                :math:`RR^\top/N\to h`, :math:`c = p/N`, :math:`\sigma^2` = ``s2``
                                                (Dozier & Silverstein 2007): :math:`G = \alpha G_h(w)`,
                                                :math:`\alpha = 1 - \sigma^2 c G`, :math:`w = \alpha^2 z - \alpha\sigma^2(1-c)`
==============================================  ==============================================================

Atoms are carried explicitly: scaling and shifts move them, :func:`change_size`
adds :math:`1 - r` at 0, :func:`free_add` has an atom at :math:`a + b` of mass
:math:`\mu(\{a\}) + \nu(\{b\}) - 1` when positive (Bercovici & Voiculescu),
:func:`free_multiply` has mass :math:`\max(\mu(\{0\}), \nu(\{0\}))` at 0 (and
:math:`\mu(\{a\}) + \nu(\{b\}) - 1` at :math:`ab \neq 0`), :func:`wishart` and
:func:`information_plus_noise` (with :math:`\sigma > 0`) keep only the rank
deficiency at 0.  Every operation is checked against sampled matrices in
``tests/test_algebra_sampling.py``.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from rmttheory.algebra.law import (
    AlgebraicLaw,
    G,
    Z,
    as_poly,
    exact,
    exact_positive,
    short,
    takes_laws,
)
from rmttheory.errors import ParameterError

__all__ = [
    "scale",
    "shift",
    "invert",
    "change_size",
    "free_add",
    "free_multiply",
    "wishart",
    "information_plus_noise",
]


def _sub(law: AlgebraicLaw, g_expr: sp.Expr, z_expr: sp.Expr) -> sp.Expr:
    """L(g_expr, z_expr) as an expression (for substitutions with auxiliary symbols)."""
    return law.polynomial.subs({G: g_expr, Z: z_expr}, simultaneous=True)


def _compose(law: AlgebraicLaw, gn: Any, gd: Any, zn: Any, zd: Any) -> sp.Poly:
    r"""The numerator of :math:`L(g_n/g_d, z_n/z_d)`, by polynomial arithmetic:
    :math:`\sum a_{ij} g_n^i g_d^{D-i} z_n^j z_d^{E-j}` (expanding the substituted
    expression instead is 10-100 times slower on the derived laws)."""
    P = law.poly
    D, E = P.degree(G), P.degree(Z)

    def powers(x: Any, n: int) -> list[sp.Poly]:
        base = as_poly(x)
        out = [as_poly(sp.Integer(1))]
        for _ in range(n):
            out.append(out[-1] * base)
        return out

    gp, gq, zp, zq = powers(gn, D), powers(gd, D), powers(zn, E), powers(zd, E)
    total = as_poly(sp.Integer(0))
    for (i, j), c in P.terms():
        total = total + gp[i] * gq[D - i] * zp[j] * zq[E - j] * c
    return total


def _zero_mass(law: AlgebraicLaw) -> sp.Expr:
    return sum((m for a, m in law.atoms.items() if sp.sympify(a) == 0), sp.Integer(0))


@takes_laws("law")
def scale(law: AlgebraicLaw, a: Any) -> AlgebraicLaw:
    r"""The law of :math:`a\lambda`, :math:`a \neq 0`: :math:`L(aG, z/a) = 0`.

    Parameters
    ----------
    law
        The law of :math:`\lambda`.
    a
        The factor (number or symbol; a negative factor reverses the law).

    Returns
    -------
    AlgebraicLaw

    Examples
    --------
    >>> from rmttheory.algebra import marchenko_pastur
    >>> scale(marchenko_pastur(1), 2).moments(2)
    [2, 8]
    """
    a = exact(a, "a")
    if a.is_number and a == 0:
        raise ParameterError("scale: a must be nonzero")
    atoms = {sp.sympify(t) * a: m for t, m in law.atoms.items()}
    nonneg = law.nonnegative and a.is_positive is True
    mean = None if law.mean_hint is None else law.mean_hint * a
    poly = _compose(law, a * G, 1, Z, a)
    return AlgebraicLaw(poly, atoms, nonneg, f"{short(a)}*({law.name})", mean)


@takes_laws("law")
def shift(law: AlgebraicLaw, b: Any) -> AlgebraicLaw:
    r"""The law of :math:`\lambda + b`: :math:`L(G, z - b) = 0`.

    Parameters
    ----------
    law
        The law of :math:`\lambda`.
    b
        The shift.

    Returns
    -------
    AlgebraicLaw

    Examples
    --------
    >>> from rmttheory.algebra import semicircle
    >>> shift(semicircle(1), 3).moments(2)
    [3, 10]
    """
    b = exact(b, "b")
    atoms = {sp.sympify(t) + b: m for t, m in law.atoms.items()}
    nonneg = law.nonnegative and (b.is_nonnegative is True)
    return AlgebraicLaw(_compose(law, G, 1, Z - b, 1), atoms, nonneg, f"({law.name}) + {short(b)}")


@takes_laws("law")
def invert(law: AlgebraicLaw) -> AlgebraicLaw:
    r"""The law of :math:`1/\lambda` for a law without an atom at 0:
    :math:`G_{inv}(z) = (1 - G(1/z)/z)/z`, so :math:`L(z - z^2 G, 1/z) = 0`.

    The numeric law checks that the result has mass 1 (a law whose density does not
    vanish at 0 has no finite inverse moments and is refused there).

    Parameters
    ----------
    law
        The law of :math:`\lambda`, without an atom at 0.

    Returns
    -------
    AlgebraicLaw

    Examples
    --------
    >>> from rmttheory.algebra import marchenko_pastur
    >>> invert(marchenko_pastur(sp.Rational(1, 2))).moments(1)  # E[1/lambda] = 1/(1 - c)
    [2]
    """
    m0 = _zero_mass(law)
    if m0 != 0:
        raise ParameterError(f"invert: {law.name} has an atom at 0 (mass {m0})")
    atoms = {1 / sp.sympify(t): m for t, m in law.atoms.items()}
    return AlgebraicLaw(
        _compose(law, Z - Z**2 * G, 1, 1, Z), atoms, law.nonnegative, f"inverse({law.name})"
    )


@takes_laws("law")
def change_size(law: AlgebraicLaw, ratio: Any) -> AlgebraicLaw:
    r"""The same nonzero eigenvalues in a matrix :math:`1/r` times the size.

    If :math:`A` is :math:`p\times n` and ``law`` is the law of the :math:`p\times p`
    matrix :math:`AA^\top`, then ``change_size(law, p / n)`` is the law of the
    :math:`n\times n` matrix :math:`A^\top A`: :math:`G_{new} = rG + (1-r)/z`, the mass
    at 0 becomes :math:`r\mu(\{0\}) + 1 - r` (which must be >= 0).

    Parameters
    ----------
    law
        The law of the smaller (or larger) Gram matrix.
    ratio
        :math:`r` = old size / new size.

    Returns
    -------
    AlgebraicLaw

    Examples
    --------
    >>> from rmttheory.algebra import marchenko_pastur
    >>> law = change_size(marchenko_pastur(sp.Rational(1, 2)), sp.Rational(1, 2))
    >>> law.atoms  # the 2n x 2n matrix has half its eigenvalues at 0
    {0: 1/2}
    """
    r = exact_positive(ratio, "change_size: ratio")
    atoms: dict[Any, Any] = {}
    for t, m in law.atoms.items():
        if sp.sympify(t) != 0:
            atoms[t] = r * m
    zero = sp.simplify(r * _zero_mass(law) + 1 - r)
    if zero.is_number and zero < 0:
        raise ParameterError(
            f"change_size: a matrix of relative size {r} cannot hold the rank of {law.name}"
        )
    atoms[sp.Integer(0)] = sp.Max(0, zero)
    mean = None if law.mean_hint is None else r * law.mean_hint
    return AlgebraicLaw(
        _compose(law, Z * G - (1 - r), r * Z, Z, 1), atoms, law.nonnegative,
        f"resize({law.name}, {short(r)})", mean,
    )  # fmt: skip


@takes_laws("a", "b")
def free_add(a: AlgebraicLaw, b: AlgebraicLaw) -> AlgebraicLaw:
    r"""Free additive convolution :math:`a \boxplus b`: the law of :math:`A + OBO^\top`.

    With :math:`G^{-1}(w) = R(w) + 1/w`: :math:`L_a(g, r_a + 1/g) = 0`,
    :math:`L_b(g, r_b + 1/g) = 0` and :math:`z = r_a + r_b + 1/g`, so the output is
    :math:`\operatorname{Res}_{r}\big(L_a(g, z - r),\, L_b(g, r + 1/g)\big)`.

    Parameters
    ----------
    a, b
        The two laws.

    Returns
    -------
    AlgebraicLaw

    Examples
    --------
    >>> from rmttheory.algebra import semicircle
    >>> free_add(semicircle(1), semicircle(3)).polynomial  # semicircle of variance 4
    4*G**2 - G*z + 1
    """
    r = sp.Dummy("r")
    pa = sp.expand(_sub(a, G, Z - r))
    pb = sp.numer(sp.together(sp.expand(_sub(b, G, r + 1 / G))))
    res = sp.resultant(sp.Poly(pa, r), sp.Poly(sp.expand(pb), r)).as_expr()
    atoms: dict[Any, Any] = {}
    for ta, ma in a.atoms.items():
        for tb, mb in b.atoms.items():
            # zero masses are dropped by AlgebraicLaw
            atoms[sp.sympify(ta) + sp.sympify(tb)] = sp.Max(0, sp.sympify(ma) + sp.sympify(mb) - 1)
    mean = a.moments(1)[0] + b.moments(1)[0]
    nonneg = a.nonnegative and b.nonnegative
    return AlgebraicLaw(res, atoms, nonneg, f"({a.name}) [+] ({b.name})", mean)


@takes_laws("a", "b")
def free_multiply(a: AlgebraicLaw, b: AlgebraicLaw) -> AlgebraicLaw:
    r"""Free multiplicative convolution :math:`a \boxtimes b` of two laws on :math:`[0, \infty)`.

    With :math:`\psi(y) = G(1/y)/y - 1` (moment series), :math:`\chi = \psi^{-1}` and
    :math:`S(w) = \chi(w)(1 + w)/w`: a point :math:`(G, z)` of a law corresponds to
    :math:`w = zG - 1`, :math:`S = G/(zG - 1)`, so each law gives a relation
    :math:`L(sw, (1 + w)/(sw)) = 0` between :math:`s` and :math:`w`, and the output is
    the resultant in :math:`s_a` of those of ``a`` (at :math:`s_a`) and ``b`` (at
    :math:`s/s_a`), evaluated at :math:`w = zG - 1`, :math:`s = G/(zG - 1)`.

    Parameters
    ----------
    a, b
        The two laws, both on :math:`[0, \infty)`.

    Returns
    -------
    AlgebraicLaw

    Examples
    --------
    >>> from rmttheory.algebra import marchenko_pastur
    >>> law = free_multiply(marchenko_pastur(sp.Rational(1, 2)), marchenko_pastur(sp.Rational(1, 4)))
    >>> law.moments(2)  # m2 = 1 + c1 + c2
    [1, 7/4]
    """
    if not (a.nonnegative and b.nonnegative):
        raise ParameterError("free_multiply: both laws must live on [0, inf) (Gram matrices)")
    sa, s, w = sp.Dummy("sa"), sp.Dummy("s"), sp.Dummy("w")
    rel_a = sp.numer(sp.together(sp.expand(_sub(a, sa * w, (1 + w) / (sa * w)))))
    sb = s / sa
    rel_b = sp.numer(sp.together(sp.expand(_sub(b, sb * w, (1 + w) / (sb * w)))))
    res = sp.resultant(sp.Poly(sp.expand(rel_a), sa), sp.Poly(sp.expand(rel_b), sa)).as_expr()
    out = res.subs({w: Z * G - 1, s: G / (Z * G - 1)}, simultaneous=True)
    atoms: dict[Any, Any] = {}
    za, zb = _zero_mass(a), _zero_mass(b)
    if za != 0 or zb != 0:
        atoms[sp.Integer(0)] = sp.Max(za, zb)
    for ta, ma in a.atoms.items():
        for tb, mb in b.atoms.items():
            if sp.sympify(ta) != 0 and sp.sympify(tb) != 0:  # zero masses are dropped
                atoms[sp.sympify(ta) * sp.sympify(tb)] = sp.Max(
                    0, sp.sympify(ma) + sp.sympify(mb) - 1
                )
    mean = a.moments(1)[0] * b.moments(1)[0]
    return AlgebraicLaw(out, atoms, True, f"({a.name}) [x] ({b.name})", mean)


@takes_laws("population")
def wishart(population: AlgebraicLaw, ratio: Any) -> AlgebraicLaw:
    r"""The sample covariance law of a population: :math:`T^{1/2}XX^\top T^{1/2}/n`,
    :math:`X` a :math:`p\times n` standard Gaussian matrix, :math:`T\to` ``population``,
    ``ratio`` :math:`c = p/n` (Marchenko & Pastur 1967, Silverstein 1995).

    Silverstein's equation :math:`z = w(1 - c + cwG_T(w))` with
    :math:`w = -1/\underline s` and :math:`\underline s = -(1-c)/z - cG` is a
    substitution: :math:`G_T(w) = G(1 - c + czG)` at :math:`w = z/(1 - c + czG)`.
    Equal to ``free_multiply(population, marchenko_pastur(c))``
    (``tests/test_algebra.py::test_wishart_is_free_multiplication_by_mp``). Mass at 0:
    :math:`\max(T(\{0\}), 1 - 1/c)`.

    Parameters
    ----------
    population
        The law of :math:`T` (on :math:`[0, \infty)`).
    ratio
        :math:`c = p/n > 0`.

    Returns
    -------
    AlgebraicLaw

    Examples
    --------
    >>> from rmttheory.algebra import point_mass
    >>> wishart(point_mass(1), sp.Rational(1, 2)).polynomial  # Marchenko-Pastur(1/2)
    G**2*z - 2*G*z + G + 2
    """
    if not population.nonnegative:
        raise ParameterError("wishart: the population must live on [0, inf)")
    c = exact_positive(ratio, "wishart: ratio")
    den = 1 - c + c * Z * G
    out = _compose(population, G * den, 1, Z, den)
    mass = sp.Max(_zero_mass(population), 1 - 1 / c, 0)
    mean = population.moments(1)[0]
    return AlgebraicLaw(
        out, {sp.Integer(0): mass}, True, f"wishart({population.name}, {short(c)})", mean
    )


@takes_laws("signal")
def information_plus_noise(signal: AlgebraicLaw, ratio: Any, noise: Any) -> AlgebraicLaw:
    r"""The law of :math:`(R + \sigma X)(R + \sigma X)^\top/N` (Dozier & Silverstein 2007).

    Parameters
    ----------
    signal
        Law of :math:`RR^\top/N` (:math:`p\times p`).
    ratio
        :math:`c = p/N`.
    noise
        :math:`\sigma^2 \ge 0`, the variance of the entries of the noise (:math:`X`
        standard Gaussian).

    Returns
    -------
    AlgebraicLaw

    Notes
    -----
    Dozier–Silverstein's equation :math:`m = \int dH(t)/(t/(1 + \sigma^2cm) -
    (1 + \sigma^2 cm)z + \sigma^2(1 - c))` with :math:`m = -G` is
    :math:`G = \alpha\,G_H(w)`, :math:`\alpha = 1 - \sigma^2 cG`,
    :math:`w = \alpha^2 z - \alpha\sigma^2(1-c)`: a substitution.  Mass at 0 (for
    :math:`\sigma > 0`): :math:`\max(0, 1 - 1/c)`.

    Examples
    --------
    >>> from rmttheory.algebra import point_mass
    >>> information_plus_noise(point_mass(0), sp.Rational(1, 2), 1).polynomial  # pure noise: MP
    G**2*z - 2*G*z + G + 2
    """
    if not signal.nonnegative:
        raise ParameterError("information_plus_noise: the signal law must live on [0, inf)")
    c = exact_positive(ratio, "information_plus_noise: ratio")
    s2 = exact(noise, "noise")
    if s2.is_number and s2 < 0:
        raise ParameterError(f"information_plus_noise: noise variance must be >= 0, got {s2}")
    if s2.is_number and s2 == 0:
        return signal
    alpha = 1 - s2 * c * G
    out = _compose(signal, G, alpha, alpha**2 * Z - alpha * s2 * (1 - c), 1)
    mass = sp.Max(0, 1 - 1 / c)
    mean = signal.moments(1)[0] + s2
    name = f"info+noise({signal.name}, {short(c)}, {short(s2)})"
    return AlgebraicLaw(out, {sp.Integer(0): mass}, True, name, mean)
