r"""Algebraic spectral laws: a Stieltjes transform that solves a bivariate polynomial.

A law :math:`\mu` is *algebraic* (Rao & Edelman, "The polynomial method for random
matrices", 2008) when its Stieltjes transform

.. math:: G(z) = \int \frac{d\mu(\lambda)}{z - \lambda}
          \qquad (G(z)\sim 1/z \text{ at infinity},\ \operatorname{Im} G < 0
          \text{ on } \operatorname{Im} z > 0)

is a root of a polynomial :math:`L(G, z) = \sum_{i,j} a_{ij} G^i z^j` whose
coefficients are exact: rationals, or polynomials in sympy symbols (the
parameters).  :class:`AlgebraicLaw` carries

* the polynomial, irreducible, primitive (content removed) and with a positive
  leading coefficient, so that two derivations of the same law give *equal*
  polynomials (``tests/test_algebra.py`` checks the Pennington–Worah one this way);
* the atoms :math:`\{\text{location}: \text{mass}\}` as exact or symbolic
  expressions (the polynomial alone cannot say which of its poles carry mass);
* whether the law lives on :math:`[0,\infty)` (Gram matrices: a component that
  starts at 0 is then a hard edge).

The operations of :mod:`rmttheory.algebra.operations` map laws to laws; their
result is reduced to the one irreducible factor that the physical branch
satisfies (:func:`branch_factor`: the factor with a branch :math:`G = 1/z + O(z^{-2})`
at infinity).  :meth:`AlgebraicLaw.moments` expands that branch in :math:`1/z`,
exactly; :meth:`AlgebraicLaw.distribution` solves the polynomial numerically
(:class:`rmttheory.algebra.distribution.AlgebraicDistribution`).
"""

from __future__ import annotations

import functools
import inspect
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import sympy as sp

from rmttheory import _params
from rmttheory.equation import G, Z
from rmttheory.errors import ParameterError

__all__ = ["AlgebraicLaw", "exact", "exact_positive", "short", "branch_factor", "G", "Z"]

_Y, _H = sp.symbols("y h")


def exact(value: Any, name: str = "value") -> sp.Expr:
    """A parameter as an exact sympy object: symbols and expressions pass through,
    integers stay integers and floats become the rational of their shortest decimal
    (``0.8`` is ``4/5``), so that the algebra stays exact.

    Parameters
    ----------
    value
        A number or a sympy expression (NaN, infinities, complex numbers and booleans raise).
    name
        Its name in error messages.

    Returns
    -------
    sympy.Expr

    Examples
    --------
    >>> exact(0.8), exact(3), exact(sp.Symbol("phi"))
    (4/5, 3, phi)
    """
    if isinstance(value, sp.Basic):
        if value.is_number:
            if not value.is_real:
                raise ParameterError(f"{name} must be real, got {value}")
            return sp.Rational(str(value)) if isinstance(value, sp.Float) else value
        return value
    if isinstance(value, bool):
        raise ParameterError(f"{name} must be a number or a sympy expression, got {value!r}")
    if isinstance(value, int):
        return sp.Integer(value)
    v = _params.real(value, name)
    return sp.Rational(repr(v))


def exact_positive(value: Any, name: str) -> sp.Expr:
    """:func:`exact`, refusing a number that is not > 0 (symbols pass).

    Parameters
    ----------
    value
        A number or a sympy expression.
    name
        Its name in error messages.

    Returns
    -------
    sympy.Expr

    Examples
    --------
    >>> exact_positive(0.5, "ratio")
    1/2
    """
    x = exact(value, name)
    if x.is_number and not x > 0:
        raise ParameterError(f"{name} must be > 0, got {x}")
    return x


def short(value: Any) -> str:
    """A parameter for a law's name: long rationals as 6 significant digits.

    Parameters
    ----------
    value
        A number or expression.

    Returns
    -------
    str

    Examples
    --------
    >>> short(sp.Rational(1, 2)), short(sp.Rational(123456789, 10**9)), short(sp.Symbol("psi"))
    ('1/2', '0.123457', 'psi')
    """
    x = sp.sympify(value)
    if x.is_Rational and (abs(x.p) > 10**4 or x.q > 10**4):
        return f"{float(x):.6g}"
    if x.is_number and not x.is_Rational:
        return f"{float(x):.6g}"
    return str(x)


def _numer(expr: sp.Expr) -> sp.Expr:
    return sp.expand(sp.numer(sp.together(sp.expand(expr))))


def as_poly(expr: Any) -> sp.Poly:
    """A polynomial in (G, z) as a ``sympy.Poly`` (a rational expression: its numerator)."""
    if isinstance(expr, sp.Poly):
        return expr if expr.gens == (G, Z) else sp.Poly(expr.as_expr(), G, Z)
    expr = sp.sympify(expr)
    try:
        return sp.Poly(expr, G, Z)
    except sp.PolynomialError:
        return sp.Poly(_numer(expr), G, Z)


def _at_infinity(factor: sp.Poly) -> list[tuple[int, int, sp.Expr]]:
    """Terms ``(i, e, c)`` of ``Q(h, y) = y^K F(y h, 1/y) = sum c h^i y^e`` (lowest e = 0)."""
    terms = [(i, i - j, c) for (i, j), c in factor.terms()]
    low = min(e for _, e, _ in terms)
    return [(i, e - low, c) for i, e, c in terms]


def _q0(terms: list[tuple[int, int, sp.Expr]], at: Any = 1) -> sp.Expr:
    return sp.expand(sum((c * sp.sympify(at) ** i for i, e, c in terms if e == 0), sp.Integer(0)))


def branch_factor(expr: Any, mean: sp.Expr | None = None) -> sp.Poly:
    r"""The irreducible factor of ``expr`` (a polynomial in :data:`G`, :data:`Z`) with a
    branch :math:`G = 1/z + O(z^{-2})` at infinity.

    Substituting :math:`G = yh`, :math:`z = 1/y` turns each factor into :math:`Q(h, y)`;
    the physical branch has :math:`h(0) = 1`, so its factor has :math:`Q(1, 0) = 0`.
    Resultants also produce factors of unphysical branch combinations; if more than
    one factor passes, the one whose first moment equals ``mean`` is taken.

    Parameters
    ----------
    expr
        A polynomial in :data:`G`, :data:`Z` (expression, string or ``sympy.Poly``; a
        rational expression stands for its numerator).
    mean
        The known first moment of the law, to choose between several candidates.

    Returns
    -------
    sympy.Poly
        The irreducible factor.

    Raises
    ------
    ParameterError
        If no factor, or more than one, has the physical branch.

    Examples
    --------
    >>> branch_factor((G * Z - 1) * (G - 2)).as_expr()
    G*z - 1
    """
    _, factors = as_poly(expr).factor_list()
    good = []
    for f, _mult in factors:
        if f.degree(G) == 0:
            continue
        if sp.simplify(_q0(_at_infinity(f))) == 0:
            good.append(f)
    if len(good) > 1 and mean is not None:
        good = [f for f in good if sp.simplify(_series(f, 1)[0] - mean) == 0]
    if len(good) != 1:
        raise ParameterError(
            f"{len(good)} factors of the derived polynomial have a branch G ~ 1/z at infinity; "
            "the physical one cannot be identified"
        )
    return good[0]


def _series(factor: sp.Poly, order: int) -> list[sp.Expr]:
    """Moments m_1..m_order of the branch h(0) = 1 (G = sum_k m_k z^{-k-1}), solved order
    by order: the coefficient of y^j in Q(h(y), y) is linear in h_j with slope Q_h(1, 0)."""
    terms = _at_infinity(factor)
    dq = sp.simplify(sum((i * c for i, e, c in terms if e == 0), sp.Integer(0)))
    if dq == 0:
        raise ParameterError(
            "the branch at infinity is a multiple root: moments need another route"
        )
    top = max(i for i, _, _ in terms)
    h: list[sp.Expr] = [sp.Integer(1)] + [sp.Integer(0)] * order
    for j in range(1, order + 1):
        # powers of the truncated series h (coefficients 0..j), h_j still 0
        powers = [[sp.Integer(1)] + [sp.Integer(0)] * j]
        for _ in range(top):
            prev = powers[-1]
            powers.append(
                [sp.expand(sum((prev[k] * h[n - k] for k in range(n + 1)), sp.Integer(0)))
                 for n in range(j + 1)]
            )  # fmt: skip
        cj = sum((c * powers[i][j - e] for i, e, c in terms if e <= j), sp.Integer(0))
        h[j] = sp.factor(sp.cancel(-cj / dq))
    return h[1:]


@dataclass(frozen=True)
class AlgebraicLaw:
    r"""A spectral law given by a polynomial in its Stieltjes transform (module docstring).

    Parameters
    ----------
    polynomial
        :math:`L(G, z)` as a sympy expression in :data:`G` and :data:`Z`; it is reduced
        to its physical factor (:func:`branch_factor`) and normalized.
    atoms
        ``{location: mass}`` (exact numbers or sympy expressions); masses may be
        symbolic, e.g. ``Max(0, 1 - 1/c)``.
    nonnegative
        The law lives on :math:`[0, \infty)` (eigenvalues of a Gram matrix).
    name
        A description (kept through the operations, e.g. ``'wishart(MP(1/2), 1/4)'``).

    Examples
    --------
    >>> law = AlgebraicLaw(G**2 - Z * G + 1, name="semicircle")  # variance 1
    >>> law.moments(4)
    [0, 1, 0, 2]
    >>> law.polynomial
    G**2 - G*z + 1
    """

    polynomial: sp.Expr
    atoms: Mapping[Any, Any] = field(default_factory=dict)
    nonnegative: bool = False
    name: str = "law"
    mean_hint: sp.Expr | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        factor = branch_factor(self.polynomial, self.mean_hint)
        object.__setattr__(self, "polynomial", _normalize(factor))
        atoms: dict[sp.Expr, sp.Expr] = {}
        for loc, mass in dict(self.atoms).items():
            loc, mass = exact(loc, "atom location"), exact(mass, "atom mass")
            if mass.is_number and mass == 0:
                continue
            if mass.is_number and not 0 < mass <= 1:
                raise ParameterError(f"atom mass must be in (0, 1], got {mass}")
            atoms[loc] = atoms.get(loc, sp.Integer(0)) + mass
        object.__setattr__(self, "atoms", atoms)

    # -- views ---------------------------------------------------------------------
    @property
    def poly(self) -> sp.Poly:
        """The polynomial as a ``sympy.Poly`` in :data:`G`, :data:`Z`."""
        if "_poly" not in self.__dict__:
            object.__setattr__(self, "_poly", sp.Poly(self.polynomial, G, Z))
        return self.__dict__["_poly"]

    @property
    def degree(self) -> int:
        """Degree in :math:`G` (the number of branches)."""
        return int(sp.degree(self.polynomial, G))

    @property
    def parameters(self) -> set[sp.Symbol]:
        """Free symbols other than :data:`G`, :data:`Z` (empty for a numeric law)."""
        syms = set(self.polynomial.free_symbols)
        for loc, mass in self.atoms.items():
            syms |= set(sp.sympify(loc).free_symbols) | set(sp.sympify(mass).free_symbols)
        return syms - {G, Z}

    @property
    def is_numeric(self) -> bool:
        """True when no parameter is symbolic (the law can be solved numerically)."""
        return not self.parameters

    def subs(self, values: Mapping[Any, Any] | None = None, **kw: Any) -> AlgebraicLaw:
        """The law with parameters replaced (``{symbol: value}`` or ``name=value``)."""
        pairs = dict(values or {})
        names = {s.name: s for s in self.parameters}
        for k, v in kw.items():
            if k not in names:
                raise ParameterError(f"{self.name} has no parameter {k!r} (has {sorted(names)})")
            pairs[names[k]] = v
        pairs = {k: exact(v, str(k)) for k, v in pairs.items()}
        atoms = {
            sp.sympify(a).subs(pairs): sp.sympify(m).subs(pairs) for a, m in self.atoms.items()
        }
        mean = None if self.mean_hint is None else sp.sympify(self.mean_hint).subs(pairs)
        return AlgebraicLaw(self.polynomial.subs(pairs), atoms, self.nonnegative, self.name, mean)

    # -- exact quantities -----------------------------------------------------------
    def moments(self, k: int = 4) -> list[sp.Expr]:
        r"""Raw moments :math:`m_1, \dots, m_k` (atoms included), exact in the parameters:
        the coefficients of the branch :math:`G = \sum_j m_j z^{-j-1}` at infinity."""
        k = _params.integer(k, "k", minimum=1, maximum=40)
        known = self.__dict__.get("_moments", [])
        if len(known) < k:  # every operation asks for the mean of its inputs: keep them
            known = _series(self.poly, k)
            object.__setattr__(self, "_moments", known)
        return list(known[:k])

    def atom_masses(self) -> dict[float, float]:
        """Atoms as floats (numeric laws only), zero masses dropped."""
        if not self.is_numeric:
            raise ParameterError(
                f"{self.name} has symbolic parameters {sorted(map(str, self.parameters))}"
            )
        out: dict[float, float] = {}
        for loc, mass in self.atoms.items():
            m = float(sp.N(mass, 30))
            if m > 0:
                out[float(sp.N(loc, 30))] = out.get(float(sp.N(loc, 30)), 0.0) + m
        return out

    def distribution(self) -> Any:
        """The law as a :class:`~rmttheory.distributions.SpectralDistribution`
        (pdf, cdf, moments, stieltjes...): :class:`~rmttheory.algebra.distribution.AlgebraicDistribution`
        (built once per law and kept)."""
        if "_distribution" not in self.__dict__:
            from rmttheory.algebra.distribution import AlgebraicDistribution

            object.__setattr__(self, "_distribution", AlgebraicDistribution(self))
        return self.__dict__["_distribution"]

    def support(self) -> list[tuple[float, float]]:
        """Support of the continuous part (numeric laws): edges are real branch points
        (roots of the discriminant in :math:`G`, or poles), classified by the solver."""
        return self.distribution().support()

    # -- export --------------------------------------------------------------------
    def latex(self) -> str:
        """LaTeX of :math:`L(G, z) = 0`."""
        return sp.latex(sp.Eq(self.polynomial, 0))

    def to_json(self) -> dict[str, Any]:
        """Name, polynomial (sympy string), degrees, atoms and parameters, as JSON types."""
        return {
            "name": self.name,
            "polynomial": sp.sstr(self.polynomial),
            "degree_G": self.degree,
            "degree_z": int(sp.degree(self.polynomial, Z)),
            "atoms": [[sp.sstr(a), sp.sstr(m)] for a, m in self.atoms.items()],
            "nonnegative": self.nonnegative,
            "parameters": sorted(map(str, self.parameters)),
            "convention": "G(z) = E[1/(z - lambda)], G ~ 1/z at infinity, Im G < 0 for Im z > 0",
        }

    def __str__(self) -> str:
        atoms = ", ".join(f"{a}: {m}" for a, m in self.atoms.items()) or "none"
        return f"{self.name}: {sp.sstr(self.polynomial)} = 0  (atoms: {atoms})"

    def dumps(self) -> str:
        """:meth:`to_json` as a JSON string."""
        return json.dumps(self.to_json(), indent=2)


def _normalize(factor: sp.Poly) -> sp.Expr:
    """Primitive polynomial in (G, z) (integer content removed; an irreducible factor has
    no content in the parameters) with a positive leading coefficient, as an expression."""
    syms = sorted(factor.free_symbols - {G, Z}, key=str)
    poly = sp.Poly(factor.as_expr(), G, Z, *syms)
    _, prim = poly.primitive()
    if prim.LC() < 0:
        prim = -prim
    return prim.as_expr()


F = TypeVar("F", bound=Callable[..., Any])


def takes_laws(*names: str) -> Callable[[F], F]:
    """Refuse (ParameterError, one sentence) anything but an AlgebraicLaw for ``names``."""

    def deco(fn: F) -> F:
        sig = inspect.signature(fn)

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            bound = sig.bind_partial(*args, **kwargs).arguments
            for n in names:
                if n in bound and not isinstance(bound[n], AlgebraicLaw):
                    raise ParameterError(
                        f"{fn.__name__}: {n} must be an AlgebraicLaw (rmttheory.algebra), got "
                        f"{type(bound[n]).__name__}"
                    )
            return fn(*args, **kwargs)

        return cast(F, wrapper)

    return deco
