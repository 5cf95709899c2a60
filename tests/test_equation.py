"""The self-consistent equation: special cases, moments, and sampled traces."""

import numpy as np
import pytest
import sympy as sp

from rmttheory.equation import ETA, PHI, PSI, ZETA, G, P, PenningtonWorahEquation, T, Z
from rmttheory.validation.gram import gram_eigenvalues
from rmttheory.validation.sampling import GramSpec


def test_quartic_is_the_cleared_p_equation():
    eq = PenningtonWorahEquation()
    assert eq.quartic.degree() == 4
    lhs_minus_rhs = eq.p_equation.lhs - eq.p_equation.rhs
    A = (1 + (P - 1) * PHI) * (1 + (P - 1) * PSI)
    assert sp.simplify(lhs_minus_rhs * (1 - A * T * ZETA) - eq.quartic.as_expr()) == 0


def test_g_polynomial_is_the_p_equation_in_g():
    eq = PenningtonWorahEquation()
    assert eq.g_polynomial.degree() == 4
    # substituting the map back gives zero on the quartic's zero set: check the
    # G polynomial equals z^2 psi^k * quartic(P(G), t(z)) up to a constant factor
    q = eq.quartic.as_expr().subs({P: (Z * G - 1 + PSI) / PSI, T: 1 / (Z * PSI)})
    ratio = sp.simplify(sp.together(q) / eq.g_polynomial.as_expr())
    assert not ratio.has(G)


def test_marchenko_pastur_special_case_is_textbook():
    eq = PenningtonWorahEquation()
    c = PHI / PSI  # n1/m
    textbook = ETA * c * Z * G**2 - (Z - ETA * (1 - c)) * G + 1
    assert sp.simplify(eq.marchenko_pastur().as_expr() - PSI * textbook) == 0


def _wishart_product_polynomial(zeta, phi, psi):
    """Textbook law of zeta * W X X^T W^T / m from free multiplicative convolution.

    On the n0-dimensional side, A = X X^T/m is Marchenko-Pastur of ratio phi
    (S_A(w) = 1/(1 + phi w)) and B = W^T W is (1/psi) times Marchenko-Pastur of
    ratio psi (S_B(w) = psi/(1 + psi w)); S_AB = S_A S_B / zeta-scaling.  With
    w = z G_AB - 1, chi(w) = S(w) w/(1 + w) = 1/z, and G_M = psi G_AB + (1 - psi)/z.
    """
    S = psi / ((1 + phi * ZETA_W) * (1 + psi * ZETA_W)) / zeta
    w = (Z * G - 1) / psi  # from G_AB = (G - (1 - psi)/z)/psi
    eq = sp.together(Z * S.subs(ZETA_W, w) * w - (1 + w))
    return sp.expand(sp.numer(eq))


ZETA_W = sp.Symbol("w")


def test_linear_special_case_is_product_of_wisharts():
    eq = PenningtonWorahEquation()
    engine = eq.linear().as_expr()
    textbook = _wishart_product_polynomial(ZETA, PHI, PSI)
    assert sp.Poly(engine, G).degree() == 3
    ratio = sp.simplify(engine / textbook)
    assert not ratio.has(G) and not ratio.has(Z)


def test_moments_match_conventions_and_first_is_eta():
    m = PenningtonWorahEquation().moments(6)
    c, u = PHI / PSI, 1 / PSI
    assert m[0] == ETA
    assert sp.simplify(m[1] - (ETA**2 * (1 + c) + u * ZETA**2)) == 0
    m3 = ETA**3 * (1 + 3 * c + c**2) + 3 * u * ETA * ZETA**2 * (1 + c) + u**2 * ZETA**3
    assert sp.simplify(m[2] - m3) == 0
    assert len(m) == 6 and all(isinstance(x, sp.Expr) for x in m)


def test_moments_special_cases():
    # zeta = 0: Marchenko-Pastur moments eta^k sum_j N(k, j) c^(j-1) (Narayana numbers)
    c = sp.Rational(2, 3)
    eq = PenningtonWorahEquation(eta=1, zeta=0, phi=c, psi=1)
    narayana = [
        sum(sp.binomial(k, j) * sp.binomial(k, j - 1) / k * c ** (j - 1) for j in range(1, k + 1))
        for k in range(1, 7)
    ]
    assert [sp.nsimplify(x) for x in eq.moments(6)] == [sp.nsimplify(x) for x in narayana]


def test_moments_from_g_polynomial_expansion():
    """Independent route: expand the physical root of the G polynomial at infinity."""
    vals = {
        ETA: sp.Rational(1, 2),
        ZETA: sp.Rational(1, 5),
        PHI: sp.Rational(1, 3),
        PSI: sp.Rational(3, 4),
    }
    eq = PenningtonWorahEquation(*vals.values())
    poly = eq.g_polynomial.as_expr()
    y = sp.Symbol("y")  # y = 1/z
    g = y  # G ~ 1/z
    # Newton iteration on power series in y
    f = sp.expand(poly.subs(Z, 1 / y) * y**4)
    for _ in range(4):  # Newton doubles the number of correct orders
        num = f.subs(G, g)
        den = sp.diff(f, G).subs(G, g)
        g = sp.series(g - num / den, y, 0, 7).removeO()
    coeffs = [g.coeff(y, k + 1) for k in range(1, 6)]
    moments = PenningtonWorahEquation(*vals.values()).moments(5)
    assert [sp.nsimplify(sp.expand(a)) for a in coeffs] == [sp.nsimplify(b) for b in moments]


def test_from_activation_substitutes_exact_constants():
    eq = PenningtonWorahEquation.from_activation("relu", phi=0.5, psi=2)
    assert eq.eta == (sp.pi - 1) / (2 * sp.pi)
    assert eq.zeta == sp.Rational(1, 4)
    assert eq.phi == sp.Rational(1, 2)


def test_latex_export():
    tex = PenningtonWorahEquation().latex()
    assert "\\zeta" in tex and "\\psi" in tex and "G^{4}" in tex


# ------------------------------------------------------- moments vs sampled traces
def _richardson_check(act, phi, psi, n_small, reps, kmax=4, max_rel_tol=0.15):
    """tr(M^k)/n1 against the exact moments, with a sample-size-derived tolerance.

    Finite-size corrections to tr(M^k)/n1 are O(1/n), so the Richardson
    extrapolation t_inf = 2 t(2n) - t(n) removes them; its standard error comes
    from the replicates, SE = sqrt(4 se(2n)^2 + se(n)^2), and the check is
    |t_inf - m_k| <= 4 SE.  A tolerance above ``max_rel_tol`` of the moment is
    reported as a useless test rather than passed.
    """
    from rmttheory import gaussian_constants

    c = gaussian_constants(act)
    exact = [float(m) for m in PenningtonWorahEquation(c.eta, c.zeta, phi, psi).moments(kmax)]
    stats = []
    for n0, r in ((n_small, 2 * reps), (2 * n_small, reps)):
        spec = GramSpec(act, n0, phi, psi)
        rows = []
        for seed in range(r):
            lam = gram_eigenvalues(spec, np.random.default_rng([n0, seed]))
            rows.append([np.mean(lam**k) for k in range(1, kmax + 1)])
        rows = np.array(rows)
        stats.append((rows.mean(axis=0), rows.std(axis=0, ddof=1) / np.sqrt(r)))
    (t1, se1), (t2, se2) = stats
    t_inf = 2 * t2 - t1
    se = np.sqrt(4 * se2**2 + se1**2)
    for k in range(kmax):
        tol = 4 * se[k]
        assert tol < max_rel_tol * exact[k], "tolerance too loose to mean anything"
        assert abs(t_inf[k] - exact[k]) <= tol, (k + 1, t_inf[k], exact[k], tol)


@pytest.mark.parametrize("act", ["tanh", "relu", "erf"])
@pytest.mark.parametrize("phi,psi", [(0.5, 0.8), (1.5, 1.25)])
def test_moments_against_sampled_traces(act, phi, psi):
    _richardson_check(act, phi, psi, n_small=300, reps=8)


@pytest.mark.slow
@pytest.mark.parametrize("phi,psi", [(0.5, 0.8), (1.0, 0.5)])
def test_moments_against_sampled_traces_cubic(phi, psi):
    """x^3 has large O(1/n) corrections (6% on m2 at n0=600): larger sizes."""
    _richardson_check("x**3", phi, psi, n_small=800, reps=6, kmax=3, max_rel_tol=0.25)


def test_solver_polynomial_is_the_equation_and_silverstein():
    """The solver's quartic is generated from the equation (same polynomial), and that
    polynomial is Silverstein's quartic for a sample covariance whose population is
    a2 WW^T + b2 (Gaussian equivalence), written here independently."""
    from rmttheory.equation import S, numeric_companion
    from rmttheory.solver import PenningtonWorahSolver

    comp = PenningtonWorahEquation(eta=1).companion_polynomial
    # Silverstein, typed independently: m = a2 s (c - 1 - z s)/c, w = -(1 + b2 s)/(a2 s),
    # c' w m^2 + (w - 1 + c') m + 1 = 0, with c = phi/psi, c' = 1/psi
    s = S
    a2, b2, c, cp = ZETA, 1 - ZETA, PHI / PSI, 1 / PSI
    m = a2 * s * (c - 1 - Z * s) / c
    w = -(1 + b2 * s) / (a2 * s)
    silverstein = sp.numer(sp.together(cp * w * m**2 + (w - 1 + cp) * m + 1))
    ratio = sp.cancel(comp.as_expr() / silverstein)
    assert not ratio.has(s) and not ratio.has(Z)
    # the solver evaluates exactly these coefficients (generated, not typed)
    vals = {
        Z: sp.Rational(7, 10),
        ZETA: sp.Rational(3, 8),
        PHI: sp.Rational(1, 2),
        PSI: sp.Rational(5, 4),
    }
    exact = [float(cf.subs(vals)) for cf in comp.all_coeffs()[::-1]]
    fns = numeric_companion()
    got = [float(f(0.7, 0.375, 0.625, 0.5, 1.25)) for f in fns]
    np.testing.assert_allclose(got, exact, rtol=1e-14)
    solver = PenningtonWorahSolver(1.0, 0.375, 0.5, 1.25)
    np.testing.assert_allclose(solver._poly(np.array([0.7]))[0], exact, rtol=1e-14)


def test_generated_code_is_the_derivation():
    """The numeric solver's shipped code (rmttheory/_generated/pennington_worah.py) is the
    symbolic engine's derivation: every coefficient agrees with the freshly derived
    expression at random points to rounding, and the list lengths (degrees) match; a
    change to the equation without ``write_generated_module()`` fails here."""
    import mpmath

    from rmttheory._generated import pennington_worah as gen
    from rmttheory.codegen import numeric_expressions

    rng = np.random.default_rng(3)
    with mpmath.workdps(50):
        for name, (args, exprs) in numeric_expressions().items():
            shipped = getattr(gen, name.upper())
            assert len(shipped) == len(exprs), name
            pts = [
                [sp.Rational(int(v), 1000) for v in row]
                for row in rng.integers(100, 3000, (5, len(args)))
            ]
            for f, e in zip(shipped, exprs, strict=True):
                for pt in pts:
                    # exact rational value of the derivation; the shipped code in 50-digit
                    # arithmetic (it is plain +, *, /, ** of its arguments)
                    want = e.subs(dict(zip(args, pt, strict=True)))
                    got = f(*[mpmath.mpf(v.p) / v.q for v in pt])
                    assert abs(got - mpmath.mpf(sp.N(want, 60))) <= mpmath.mpf(10) ** -40 * (
                        1 + abs(got)
                    ), (name, e)
