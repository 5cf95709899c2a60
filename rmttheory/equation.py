r"""The Pennington–Worah self-consistent equation, as sympy objects.

Setup (conventions verified against sampling, ``docs/engine.md``):
:math:`W \in \mathbb R^{n_1\times n_0}` with iid :math:`\mathcal N(0,\sigma_w^2/n_0)`
entries, :math:`X \in \mathbb R^{n_0\times m}` with iid :math:`\mathcal N(0,\sigma_x^2)`
entries, :math:`Y = f(WX)` with :math:`f` centered, :math:`M = YY^\top/m`
(:math:`n_1\times n_1`), :math:`\phi = n_0/m`, :math:`\psi = n_0/n_1`.

The Stieltjes transform :math:`G(z) = \mathbb E[1/(z-\lambda)]` (so
:math:`G(z)\sim 1/z` at infinity and :math:`\operatorname{Im} G<0` for
:math:`\operatorname{Im} z>0`) of the limiting law of :math:`M` is

.. math::

    G(z) = \frac{\psi}{z} P\!\left(\frac{1}{z\psi}\right) + \frac{1-\psi}{z},

where :math:`P(t)` solves

.. math::

    P = 1 + (\eta-\zeta)\, t\, P_\phi P_\psi
          + \frac{P_\phi P_\psi\, t\,\zeta}{1 - P_\phi P_\psi\, t\,\zeta},
    \qquad P_\phi = 1 + (P-1)\phi,\quad P_\psi = 1 + (P-1)\psi .

Clearing the denominator gives a quartic in :math:`P`; substituting
:math:`P = (zG - 1 + \psi)/\psi` and :math:`t = 1/(z\psi)` gives a quartic in
:math:`G` (after removing a factor :math:`z^2`).  Expanding :math:`P` as a power
series in :math:`t` gives the moments: :math:`m_k = p_k\,\psi^{1-k}` where
:math:`P = 1 + \sum_k p_k t^k`.

Examples
--------
>>> from rmttheory.equation import PenningtonWorahEquation
>>> eq = PenningtonWorahEquation()
>>> eq.moments(2)[1]
eta**2*phi/psi + eta**2 + zeta**2/psi
>>> eq.marchenko_pastur().as_expr()
G**2*eta*phi*z + G*(-eta*phi + eta*psi - psi*z) + psi
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any

import sympy as sp

from rmttheory import _params
from rmttheory.constants import SIGMA, FromConstants, GaussianConstants
from rmttheory.errors import ParameterError

__all__ = [
    "PenningtonWorahEquation",
    "ETA",
    "ZETA",
    "PHI",
    "PSI",
    "Z",
    "T",
    "P",
    "G",
    "S",
    "numeric_companion",
    "numeric_discriminants",
    "numeric_g_polynomial",
]

ETA, ZETA, PHI, PSI = sp.symbols("eta zeta phi psi", positive=True)
Z, T, P, G = sp.symbols("z t P G")
#: the companion transform :math:`\underline s` (see :meth:`PenningtonWorahEquation.companion_polynomial`)
S = sp.Symbol("s")

_DOMAIN = {
    "eta": {"positive": True},
    "zeta": {"nonnegative": True},
    "phi": {"positive": True},
    "psi": {"positive": True},
}


def _param(value: Any, name: str) -> sp.Expr:
    if isinstance(value, sp.Basic) and not value.is_number:
        return value  # a symbol or a symbolic expression
    v = _params.real(value, name, **_DOMAIN[name])
    if isinstance(value, sp.Basic):
        return value
    # The shortest decimal of a float is what the user typed: keep it exact.
    return sp.Integer(value) if isinstance(value, int) else sp.Rational(repr(v))


def _mul_trunc(a: list[sp.Expr], b: list[sp.Expr], n: int) -> list[sp.Expr]:
    out = [sp.S.Zero] * (n + 1)
    for i, ai in enumerate(a[: n + 1]):
        if ai == 0:
            continue
        for j, bj in enumerate(b[: n + 1 - i]):
            out[i + j] += ai * bj
    return [sp.expand(c) for c in out]


@dataclass(frozen=True)
class PenningtonWorahEquation(FromConstants):
    r"""The self-consistent equation for parameters that may be symbols or numbers.

    Parameters
    ----------
    eta, zeta
        Activation constants (:func:`rmttheory.gaussian_constants`): the variance
        :math:`\eta` of :math:`f(\sigma z)` and :math:`\zeta=(\sigma\mathbb E f')^2`.
    phi, psi
        Aspect ratios :math:`\phi = n_0/m`, :math:`\psi = n_0/n_1`.

    Examples
    --------
    >>> eq = PenningtonWorahEquation(1, 0, phi=1, psi=1)  # zeta = 0: Marchenko-Pastur
    >>> [int(m) for m in eq.moments(3)]
    [1, 2, 5]
    """

    eta: sp.Expr = ETA
    zeta: sp.Expr = ZETA
    phi: sp.Expr = PHI
    psi: sp.Expr = PSI

    def __post_init__(self) -> None:
        for name in ("eta", "zeta", "phi", "psi"):
            object.__setattr__(self, name, _param(getattr(self, name), name))

    # -- construction ------------------------------------------------------------
    @classmethod
    def from_constants(
        cls, constants: GaussianConstants, phi: Any = PHI, psi: Any = PSI
    ) -> PenningtonWorahEquation:
        """The equation for computed constants: their closed forms at the exact
        :math:`\\sigma` when they are exact, else their decimal values at the
        constants' precision.  (``from_activation(act, phi, psi, *, sigma_w, sigma_x)``
        computes the constants first.)"""
        c = constants
        if c.exact:
            s = sp.Rational(repr(float(c.sigma_w))) * sp.Rational(repr(float(c.sigma_x)))
            eta = sp.sympify(c.eta_expr, locals={"sigma": SIGMA}).subs(SIGMA, s)
            zeta = sp.sympify(c.zeta_expr, locals={"sigma": SIGMA}).subs(SIGMA, s)
        else:
            eta = sp.Float(c.values["eta"], c.digits)
            zeta = sp.Float(c.values["zeta"], c.digits)
        return cls(sp.simplify(eta), sp.simplify(zeta), phi, psi)

    def subs(self, **values: Any) -> PenningtonWorahEquation:
        """A copy with some of ``eta``, ``zeta``, ``phi``, ``psi`` replaced."""
        unknown = set(values) - {"eta", "zeta", "phi", "psi"}
        if unknown:
            raise ParameterError(f"unknown parameters: {', '.join(sorted(unknown))}")
        cur = {k: getattr(self, k) for k in ("eta", "zeta", "phi", "psi")}
        cur.update(values)
        return PenningtonWorahEquation(**cur)

    @property
    def _symbols(self) -> dict[sp.Symbol, sp.Expr]:
        return {ETA: self.eta, ZETA: self.zeta, PHI: self.phi, PSI: self.psi}

    # -- the equations -----------------------------------------------------------
    @cached_property
    def p_equation(self) -> sp.Eq:
        """:math:`P = 1 + (\\eta-\\zeta) t P_\\phi P_\\psi + P_\\phi P_\\psi t\\zeta/(1 - P_\\phi P_\\psi t\\zeta)`."""
        Pphi = 1 + (P - 1) * self.phi
        Ppsi = 1 + (P - 1) * self.psi
        A = Pphi * Ppsi
        rhs = 1 + (self.eta - self.zeta) * T * A + A * T * self.zeta / (1 - A * T * self.zeta)
        return sp.Eq(P, rhs)

    @cached_property
    def quartic(self) -> sp.Poly:
        """The quartic in :math:`P` (coefficients polynomial in :math:`t`), equal to
        :math:`(P - 1 - (\\eta-\\zeta) t A)(1 - \\zeta t A) - \\zeta t A` with
        :math:`A = P_\\phi P_\\psi`."""
        A = (1 + (P - 1) * self.phi) * (1 + (P - 1) * self.psi)
        q = (P - 1 - (self.eta - self.zeta) * T * A) * (1 - A * T * self.zeta) - A * T * self.zeta
        return sp.Poly(sp.expand(q), P)

    @cached_property
    def g_polynomial(self) -> sp.Poly:
        """The polynomial in :math:`G` (coefficients polynomial in :math:`z`) whose
        physical root is the Stieltjes transform; degree 4 in general, with the
        factor :math:`z^2` and constant factors removed."""
        q = self.quartic.as_expr().subs(
            {P: (Z * G - 1 + self.psi) / self.psi, T: 1 / (Z * self.psi)}
        )
        num = sp.expand(sp.numer(sp.together(q)))
        return sp.Poly(self._strip(num), G)

    @staticmethod
    def _strip(expr: sp.Expr) -> sp.Expr:
        """Drop factors free of G (powers of z, constants) from a polynomial in G."""
        _, factors = sp.factor_list(expr)
        kept = [f**m for f, m in factors if f.has(G)]
        return sp.expand(sp.Mul(*kept))

    @cached_property
    def companion_polynomial(self) -> sp.Poly:
        r"""The G-polynomial written in the companion transform, which the solver solves.

        :math:`\underline s(z) = \int d\underline F(\lambda)/(\lambda - z)` is the
        Stieltjes transform (sign: :math:`\operatorname{Im}\underline s > 0` on
        :math:`\mathbb C^+`) of the :math:`m\times m` companion :math:`Y^\top Y/m`;
        with :math:`c = \phi/\psi`, :math:`\underline s = -cG - (1-c)/z`.  The
        numerator of :attr:`g_polynomial` after this substitution is divided by
        the factor free of :data:`S` that makes its constant coefficient equal to
        :math:`c` (it is :math:`\psi^5 z^2` when :math:`\eta = 1`), so the polynomial
        in :math:`u = 1/\underline s` has the leading coefficient :math:`c`.
        """
        c = self.phi / self.psi
        num = sp.numer(sp.together(self.g_polynomial.as_expr().subs(G, -(S + (1 - c) / Z) / c)))
        poly = sp.Poly(sp.expand(num), S)
        factor = sp.cancel(poly.coeff_monomial(1) / c)
        if factor.has(S) or factor == 0:  # pragma: no cover - the algebra guarantees this
            raise ParameterError("the companion polynomial has no constant term")
        return sp.Poly(sp.expand(sp.cancel(num / factor)), S)

    def stieltjes_from_p(self, p_of_t: sp.Expr) -> sp.Expr:
        """:math:`G(z) = (\\psi/z) P(1/(z\\psi)) + (1-\\psi)/z` for an expression of ``T``."""
        return self.psi / Z * p_of_t.subs(T, 1 / (Z * self.psi)) + (1 - self.psi) / Z

    # -- special cases -------------------------------------------------------------
    def _special(self, case: dict[sp.Symbol, sp.Expr]) -> sp.Poly:
        """Reduce the generic G-polynomial under ``case``, then substitute our values."""
        generic = PenningtonWorahEquation().g_polynomial.as_expr()
        reduced = self._strip(generic.subs(case))
        values = {k: v for k, v in self._symbols.items() if k not in case}
        return sp.Poly(self._strip(sp.expand(reduced.subs(values))), G)

    def marchenko_pastur(self) -> sp.Poly:
        r"""The G-polynomial at :math:`\zeta=0`, derived by the engine and reduced.

        The textbook Marchenko–Pastur equation of :math:`\eta` times a Wishart
        matrix of ratio :math:`c = n_1/m = \phi/\psi` is
        :math:`\eta c z G^2 - (z - \eta(1-c))G + 1 = 0`; this polynomial is
        :math:`\psi` times it.
        """
        return self._special({ZETA: sp.S.Zero})

    def linear(self) -> sp.Poly:
        r"""The G-polynomial at :math:`\eta=\zeta` (a linear network), reduced to a
        cubic: the law of :math:`\zeta\, W X X^\top W^\top/m` with unit-variance
        entries (uses this equation's :math:`\zeta`)."""
        return self._special({ETA: ZETA})

    # -- moments -------------------------------------------------------------------
    def p_series(self, order: int) -> list[sp.Expr]:
        """Coefficients :math:`p_0=1, p_1, \\dots, p_{order}` of :math:`P(t)` at :math:`t=0`."""
        if not (isinstance(order, int) and order >= 1):
            raise ParameterError(f"order must be a positive integer, got {order!r}")
        eta, zeta, phi, psi = self.eta, self.zeta, self.phi, self.psi
        p = [sp.S.One] + [sp.S.Zero] * order
        for _ in range(order):
            pm1 = [sp.S.Zero] + p[1:]
            Pphi = [sp.S.One] + [phi * c for c in pm1[1:]]
            Ppsi = [sp.S.One] + [psi * c for c in pm1[1:]]
            A = _mul_trunc(Pphi, Ppsi, order)
            tA = [sp.S.Zero] + A[:order]  # t * A
            u = [zeta * c for c in tA]  # zeta t A, starts at order 1
            geom = [sp.S.Zero] * (order + 1)  # u + u^2 + ...
            power = u
            while any(c != 0 for c in power):
                geom = [g + c for g, c in zip(geom, power)]
                power = _mul_trunc(power, u, order)
            p = [
                sp.expand(sp.S.One * (k == 0) + (eta - zeta) * tA[k] + geom[k])
                for k in range(order + 1)
            ]
        return p

    def moments(self, k: int = 6) -> list[sp.Expr]:
        r"""The first ``k`` moments :math:`m_j = \int \lambda^j d\mu(\lambda)`, :math:`j=1..k`,
        of the limiting law of :math:`M` (atom at 0 included), exact in the parameters.

        :math:`m_1 = \eta`; :math:`m_2 = \eta^2(1 + \phi/\psi) + \zeta^2/\psi`.
        """
        p = self.p_series(k)
        return [sp.expand(p[j] * self.psi ** (1 - j)) for j in range(1, k + 1)]

    # -- export --------------------------------------------------------------------
    def latex(self) -> str:
        """LaTeX of the P-equation, the map to G, and the G-polynomial."""
        g = sp.latex(sp.Eq(self.g_polynomial.as_expr(), 0))
        pe = sp.latex(self.p_equation)
        return (
            f"{pe}, \\quad G(z) = \\frac{{{sp.latex(self.psi)}}}{{z}} "
            f"P\\left(\\frac{{1}}{{z {sp.latex(self.psi)}}}\\right) + "
            f"\\frac{{1 - {sp.latex(self.psi)}}}{{z}}; \\qquad {g}"
        )

    def __str__(self) -> str:
        return (
            f"P-equation: {self.p_equation.lhs} = {self.p_equation.rhs}\n"
            f"G(z) = ({self.psi})/z * P(1/(z*{self.psi})) + (1 - {self.psi})/z\n"
            f"G-polynomial: {self.g_polynomial.as_expr()} = 0"
        )


# ---------------------------------------------------------------------------------
# the equation emitted for numerics (generated by rmttheory.codegen, shipped)
# ---------------------------------------------------------------------------------
def _generated():
    from rmttheory._generated import pennington_worah

    return pennington_worah


@cache
def numeric_companion() -> list:
    """Coefficients of :attr:`PenningtonWorahEquation.companion_polynomial` in
    :math:`u = 1/\\underline s` (``u^4`` first) at :math:`\\eta = 1`, as numpy functions of
    ``(z, a2, b2, phi, psi)`` with ``a2 = zeta/eta`` and ``b2 = 1 - a2``: what the
    solver solves (generated code, see :func:`rmttheory.codegen.numeric_expressions`)."""
    return list(_generated().COMPANION)


@cache
def numeric_discriminants() -> dict[str, list]:
    """Coefficients (in z, highest first) of the factors of the discriminant of the
    companion polynomial that locate support edges, as numpy functions of
    ``(zeta, phi, psi)`` at eta = 1, for ``"general"``, ``"linear"`` (zeta = eta, a
    cubic) and ``"mp"`` (zeta = 0, a quadratic) (generated code, see
    :func:`rmttheory.codegen.numeric_expressions`)."""
    g = _generated()
    return {"general": list(g.DISC_GENERAL), "linear": list(g.DISC_LINEAR), "mp": list(g.DISC_MP)}


@cache
def numeric_g_polynomial() -> list:
    """Coefficients of :attr:`PenningtonWorahEquation.g_polynomial` (``G^4`` first) at
    eta = 1 as numpy functions of ``(z, a2, b2, phi, psi)`` (generated code, see
    :func:`numeric_expressions`)."""
    return list(_generated().G_POLYNOMIAL)
