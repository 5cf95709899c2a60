"""The algebra of spectral laws: exact identities between derivations, the numeric
solver against independent solvers and mpmath, conventions, bad input.

Sampling checks of every operation are in ``test_algebra_sampling.py``."""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest
import sympy as sp

from rmttheory.algebra import (
    AlgebraicLaw,
    branch_factor,
    change_size,
    deep_nonlinear_gram,
    discrete,
    free_add,
    free_multiply,
    free_poisson,
    information_plus_noise,
    invert,
    marchenko_pastur,
    nonlinear_gram,
    point_mass,
    scale,
    semicircle,
    shift,
    wachter,
    wishart,
)
from rmttheory.algebra.law import G, Z
from rmttheory.distributions import MarchenkoPastur, PenningtonWorah
from rmttheory.equation import ETA, PHI, PSI, ZETA, PenningtonWorahEquation
from rmttheory.errors import ConvergenceError, ParameterError

R = sp.Rational


def same(a: AlgebraicLaw, b: AlgebraicLaw) -> bool:
    return sp.expand(a.polynomial - b.polynomial) == 0


# -- Pennington-Worah as a derived result ---------------------------------------------
def test_derived_polynomial_is_pennington_worah():
    law = nonlinear_gram(phi=PHI, psi=PSI, eta=ETA, zeta=ZETA)
    pw = PenningtonWorahEquation().g_polynomial.as_expr()
    assert sp.cancel(law.polynomial / pw) in (1, -1)  # proportional, and normalized equal
    assert law.degree == 4
    assert sp.simplify(law.atoms[0] - sp.Max(0, 1 - PSI / PHI)) == 0


def test_derived_moments_are_the_equations_moments():
    law = nonlinear_gram(phi=PHI, psi=PSI, eta=ETA, zeta=ZETA)
    ours = law.moments(3)
    theirs = PenningtonWorahEquation().moments(3)
    assert all(sp.simplify(a - b) == 0 for a, b in zip(ours, theirs))


def test_derived_special_cases_reduce_like_the_equation():
    # zeta = 0: Marchenko-Pastur of ratio phi/psi scaled by eta
    law = nonlinear_gram(phi=R(1, 2), psi=R(1, 4), eta=3, zeta=0)
    assert same(law, marchenko_pastur(2, 3))
    # eta = zeta: the linear network W X X^T W^T / m (no noise term)
    lin = nonlinear_gram(phi=R(1, 2), psi=R(1, 4), eta=1, zeta=1)
    ref = change_size(scale(wishart(marchenko_pastur(R(1, 2)), R(1, 4)), 4), R(1, 4))
    assert same(lin, ref)


def test_structured_data_changes_the_law_and_isotropic_data_does_not():
    iso = nonlinear_gram(phi=R(1, 2), psi=R(4, 5), eta=R(2, 5), zeta=R(1, 3))
    one = nonlinear_gram(phi=R(1, 2), psi=R(4, 5), eta=R(2, 5), zeta=R(1, 3), data_spectrum={1: 1})
    assert same(iso, one)
    two = nonlinear_gram(
        phi=R(1, 2), psi=R(4, 5), eta=R(2, 5), zeta=R(1, 3), data_spectrum={1: 0.5, 4: 0.5}
    )
    assert two.degree == 6 and not same(iso, two)


# -- identities between operations ---------------------------------------------------------
def test_wishart_is_free_multiplication_by_mp():
    pop = discrete({1: R(1, 2), 3: R(1, 2)})
    assert same(wishart(pop, R(1, 3)), free_multiply(pop, marchenko_pastur(R(1, 3))))
    c1, c2 = sp.symbols("c1 c2", positive=True)
    assert same(
        wishart(marchenko_pastur(c1), c2), free_multiply(marchenko_pastur(c1), marchenko_pastur(c2))
    )


def test_free_additive_convolution_adds_free_cumulants():
    assert same(free_add(semicircle(1), semicircle(3)), semicircle(4))
    # semicircle(v) + MP(c): kappa_1 = 1, kappa_2 = c + v, kappa_3 = c^2
    law = free_add(semicircle(R(1, 3)), marchenko_pastur(R(1, 2)))
    k1, k2, k3 = 1, R(1, 2) + R(1, 3), R(1, 4)
    assert law.moments(3) == [k1, k2 + k1**2, k3 + 3 * k1 * k2 + k1**3]
    # free Poisson: all free cumulants lambda alpha^k
    lam, alpha = R(3), R(1, 2)
    m = free_poisson(lam, alpha).moments(3)
    k = [lam * alpha, lam * alpha**2, lam * alpha**3]
    assert m == [k[0], k[1] + k[0] ** 2, k[2] + 3 * k[0] * k[1] + k[0] ** 3]


def test_free_multiplication_moments():
    a, b = marchenko_pastur(R(1, 2), 2), discrete({1: R(1, 4), 2: R(3, 4)})
    m = free_multiply(a, b).moments(2)
    ma, mb = a.moments(2), b.moments(2)
    assert m[0] == ma[0] * mb[0]
    assert m[1] == ma[1] * mb[0] ** 2 + ma[0] ** 2 * mb[1] - ma[0] ** 2 * mb[0] ** 2


def test_wishart_of_a_point_mass_is_marchenko_pastur():
    assert same(wishart(point_mass(3), R(2, 5)), marchenko_pastur(R(2, 5), 3))


def test_inverse_scale_shift_resize_are_invertible():
    law = marchenko_pastur(R(1, 3), 2)
    assert same(invert(invert(law)), law)
    assert same(scale(scale(law, 5), R(1, 5)), law)
    assert same(shift(shift(semicircle(2), 3), -3), semicircle(2))
    big = change_size(law, R(1, 2))
    back = change_size(big, 2)
    assert same(back, law) and back.atoms == {}
    assert big.atoms == {0: R(1, 2)}


def test_inverse_wishart_moments():
    c = R(1, 4)
    m = invert(marchenko_pastur(c)).moments(2)
    assert m == [1 / (1 - c), 1 / (1 - c) ** 3]  # E tr S^-1 / p, E tr S^-2 / p


def test_wachter_mean_and_support_in_unit_interval():
    law = wachter(R(1, 2), R(1, 4))
    assert law.moments(1) == [R(1, 3)]
    d = law.distribution()
    lo, hi = d.support()[0]
    assert 0 < lo < hi < 1
    assert d.continuous_mass() == pytest.approx(1, abs=1e-9)


def test_information_plus_noise_limits():
    assert same(information_plus_noise(point_mass(0), R(1, 2), 3), marchenko_pastur(R(1, 2), 3))
    h = discrete({1: R(1, 2), 2: R(1, 2)})
    assert information_plus_noise(h, R(1, 2), 0) is h
    # the mean adds the noise variance
    assert information_plus_noise(h, R(1, 2), R(1, 3)).moments(1) == [R(3, 2) + R(1, 3)]


# -- branch selection ----------------------------------------------------------------------
def test_branch_factor_picks_the_one_over_z_branch_and_refuses_ambiguity():
    assert sp.expand(branch_factor((G * Z - 1) * (G - 2) * Z).as_expr() - (G * Z - 1)) == 0
    with pytest.raises(ParameterError, match="0 factors"):
        branch_factor(G - 2)
    with pytest.raises(ParameterError, match="2 factors"):
        branch_factor((G * Z - 1) * (G * (Z - 1) - 1))


# -- the numeric law -------------------------------------------------------------------------
PW_GRID = [
    (1.0, 0.5, 0.5, 0.5),
    (0.394294490397841, 0.366879164362411, 0.5, 0.5),  # tanh
    (1.0, 0.3, 1.0, 1.0),  # hard edge at 0
    (1.0, 0.9, 0.05, 0.1),  # two components
    (1.0, 0.5, 2.0, 0.5),  # atom 3/4 at 0
    (15.0, 9.0, 0.2, 0.2),  # x^3
]


@pytest.mark.parametrize("eta, zeta, phi, psi", PW_GRID)
def test_numeric_law_matches_the_dedicated_solver(eta, zeta, phi, psi):
    ours = nonlinear_gram(phi=phi, psi=psi, eta=eta, zeta=zeta).distribution()
    ref = PenningtonWorah(eta, zeta, phi, psi)
    s1, s2 = ours.support(), ref.support()
    assert len(s1) == len(s2)
    assert np.allclose(np.ravel(s1), np.ravel(s2), rtol=1e-10, atol=1e-12)
    lo, hi = s1[0][0], s1[-1][1]
    x = np.linspace(lo, hi, 41)[1:-1]
    assert np.max(np.abs(ours.cdf(x) - ref.cdf(x))) < 1e-9
    assert ours.atoms().keys() == ref.atoms().keys()
    for k in ours.atoms():
        assert ours.atoms()[k] == pytest.approx(ref.atoms()[k], abs=1e-15)


def test_numeric_law_against_mpmath_closed_forms():
    mp.mp.dps = 40
    c = mp.mpf(1) / 4
    d = marchenko_pastur(R(1, 4)).distribution()
    lo, hi = (1 - mp.sqrt(c)) ** 2, (1 + mp.sqrt(c)) ** 2
    assert d.support()[0] == pytest.approx((float(lo), float(hi)), rel=1e-14)
    for x in [0.3, 0.9, 1.7, 2.2]:
        exact = mp.sqrt((hi - x) * (x - lo)) / (2 * mp.pi * c * x)
        assert float(d.pdf(x)) == pytest.approx(float(exact), rel=1e-12)
    s = semicircle(2).distribution()
    for x in [-2.5, 0.1, 2.0]:
        exact = mp.sqrt(8 - mp.mpf(x) ** 2) / (4 * mp.pi)
        assert float(s.pdf(x)) == pytest.approx(float(exact), rel=1e-12)
    mp.mp.dps = 15


def test_stieltjes_two_routes_and_mpmath_roots():
    """Root tracking against the Cauchy integral of the density (independent), and the
    tracked value is a root of L(., z) evaluated in 40-digit mpmath."""
    law = nonlinear_gram("tanh", 0.5, 0.8, data_spectrum={1: 0.5, 4: 0.5})
    d = law.distribution()
    z = np.array([0.5 + 0.3j, 2.0 + 0.01j, -1.0 + 0.5j, 5.0 + 0j])
    tracked = d.stieltjes(z)
    quad = d._stieltjes_quadrature(z)
    assert np.max(np.abs(tracked - quad) / np.abs(tracked)) < 1e-8
    assert np.all(tracked[:3].imag < 0)  # Im G < 0 on the upper half plane
    mp.mp.dps = 40
    poly = sp.Poly(law.polynomial, G)

    def mp_value(coef: sp.Expr, zi: complex) -> mp.mpc:
        cz = [mp.mpf(c.p) / c.q for c in sp.Poly(coef, Z).all_coeffs()]
        return mp.polyval(cz, mp.mpc(zi.real, zi.imag))

    for zi, gi in zip(z, tracked):
        co = [mp_value(c_, complex(zi)) for c_ in poly.all_coeffs()]
        roots = mp.polyroots(co, maxsteps=200, extraprec=200)
        best = min(roots, key=lambda r: abs(r - mp.mpc(gi)))
        assert abs(complex(best) - gi) < 1e-11 * abs(gi)
    mp.mp.dps = 15


def test_convention_g_over_z_at_infinity_and_mean_check():
    d = wachter(R(1, 2), R(1, 4)).distribution()
    z = 1e6 + 1e6j
    assert d.stieltjes(z) * z == pytest.approx(1, rel=1e-6)
    assert d.mean() == pytest.approx(1 / 3, abs=1e-15)  # exact, from the series
    x, w = d.quadrature()
    assert float(np.sum(w * x)) == pytest.approx(1 / 3, abs=1e-10)


def test_derived_moments_pinned_against_quadrature():
    d = deep_nonlinear_gram(["tanh", "relu"], 0.5, [0.5, 1.25]).distribution()
    x, w = d.quadrature()
    for k in (1, 2, 3):
        assert float(np.sum(w * x**k)) == pytest.approx(d.moment(k), rel=1e-9)


def test_mp_constructor_matches_the_closed_form_law():
    d = marchenko_pastur(2.0).distribution()  # atom 1/2 at 0
    ref = MarchenkoPastur(2.0)
    x = np.linspace(0.1, 5.7, 30)
    assert np.max(np.abs(d.cdf(x) - ref.cdf(x))) < 1e-10
    assert d.atoms() == pytest.approx({0.0: 0.5})


# -- bad input ------------------------------------------------------------------------------
def test_bad_input_is_refused_clearly():
    with pytest.raises(ParameterError, match="symbolic"):
        nonlinear_gram().distribution()
    with pytest.raises(ParameterError, match="ratio must be > 0"):
        marchenko_pastur(-1)
    with pytest.raises(ParameterError, match="singular"):
        wachter(R(1, 2), 2)
    with pytest.raises(ParameterError, match="atom at 0"):
        invert(marchenko_pastur(2))
    with pytest.raises(ParameterError, match="zeta <= eta"):
        nonlinear_gram(phi=1, psi=1, eta=1, zeta=2)
    with pytest.raises(ParameterError, match="sum to 1"):
        discrete({1: 0.5, 2: 0.6})
    with pytest.raises(ParameterError, match="finite real"):
        marchenko_pastur(float("nan"))
    with pytest.raises(ParameterError, match="both laws"):
        free_multiply(semicircle(1), marchenko_pastur(1))
    with pytest.raises(ParameterError, match="cannot hold"):
        change_size(marchenko_pastur(R(1, 2)), 3)
    with pytest.raises(ParameterError, match="no parameter"):
        nonlinear_gram().subs(alpha=1)


def test_symbolic_subs_equals_numeric_derivation():
    law = nonlinear_gram().subs(phi=0.5, psi=0.8, eta=0.4, zeta=0.3)
    direct = nonlinear_gram(phi=0.5, psi=0.8, eta=0.4, zeta=0.3)
    assert same(law, direct)


def test_mass_check_raises_rather_than_returning_wrong_numbers():
    law = marchenko_pastur(R(1, 4))
    bad = AlgebraicLaw(law.polynomial, {0: R(1, 10)}, True, "MP with a wrong atom")
    with pytest.raises(ConvergenceError, match="mass"):
        bad.distribution().cdf(1.0)


def test_docs_page_examples_run():
    import doctest
    import pathlib

    path = pathlib.Path(__file__).parents[1] / "docs" / "algebra.md"
    res = doctest.testfile(
        str(path), module_relative=False, optionflags=doctest.NORMALIZE_WHITESPACE
    )
    assert res.attempted > 5 and res.failed == 0


def test_free_sum_with_atoms():
    """A point mass is a shift; two Bernoulli(1/4) laws: the free sum keeps an atom of
    mass 3/4 + 3/4 - 1 = 1/2 at 0 (Bercovici-Voiculescu), and its mass and mean add up."""
    assert same(free_add(point_mass(2), semicircle(1)), shift(semicircle(1), 2))
    b = discrete({0: R(3, 4), 1: R(1, 4)})
    law = free_add(b, b)
    assert law.atoms == {0: R(1, 2)} and law.moments(1) == [R(1, 2)]
    d = law.distribution()
    assert d.atoms() == {0.0: 0.5}
    assert d.continuous_mass() == pytest.approx(0.5, abs=1e-9)
    assert d.mean() == pytest.approx(0.5, abs=1e-12)


def test_density_near_a_pole_against_mpmath():
    """Near a root of the leading coefficient (here x = 2, where a 1/sqrt edge meets a
    pole of the polynomial) the coefficients are evaluated in x - 2: full accuracy."""
    law = free_multiply(discrete({1: R(3, 4), 2: R(1, 4)}), discrete({1: R(3, 4), 3: R(1, 4)}))
    d = law.distribution()
    poly = sp.Poly(law.polynomial, G)
    mp.mp.dps = 50
    for u in (1e-3, 1e-7, 1e-11):
        xf = 2.0 - u  # the float itself, exactly, in mpmath
        co = [mp.mpf(sp.Poly(c, Z).eval(sp.Rational(xf))) for c in poly.all_coeffs()]
        exact = max(-mp.im(r) / mp.pi for r in mp.polyroots(co, maxsteps=500, extraprec=500))
        assert float(d.pdf(xf)) == pytest.approx(float(exact), rel=1e-12)
    mp.mp.dps = 15


@pytest.mark.parametrize(("phi", "psi"), [(0.8, 0.8), (0.5, 0.5), (1.0, 2.0), (0.8, 0.4)])
def test_cdf_and_ppf_of_derived_laws_at_hard_edges_and_atoms(phi, psi):
    """Square shapes (n1 = m: a hard edge at 0, density ~ x^(-1/2)), shapes with an atom
    at 0 and soft edges: cdf and ppf everywhere.  Independent check: the cdf between two
    interior points equals adaptive quadrature (scipy.integrate.quad) of the pdf, and near a
    hard edge cdf(x) ~ 2 x pdf(x) (the -1/2 power law) and the density 1e-10 of the width
    from the edge equals the 50-digit mpmath root (phi = psi = 0.5 raised ConvergenceError
    before the predictor's z-derivative became exact: the central difference's step
    exceeded |z| there)."""
    from scipy.integrate import quad

    d = nonlinear_gram("tanh", phi=phi, psi=psi, data_spectrum={1: 0.5, 4: 0.5}).distribution()
    (lo, hi), atom = d.support()[0], d.atoms().get(0.0, 0.0)
    a, b = lo + 0.1 * (hi - lo), lo + 0.6 * (hi - lo)
    ref, _ = quad(lambda x: float(d.pdf(x)), a, b, epsabs=1e-12, epsrel=1e-11, limit=200)
    assert float(d.cdf(b) - d.cdf(a)) == pytest.approx(ref, abs=1e-9)
    q = np.array([0.01, 0.25, 0.5, 0.75, 0.99])
    q = q[q > atom]
    assert np.allclose(d.cdf(d.ppf(q)), q, atol=1e-10, rtol=0)
    assert float(d.cdf(hi)) == pytest.approx(1.0, abs=1e-10)
    if d.hard_edge:  # the examples: phi = psi (n1 = m)
        x = 1e-6 * hi
        assert float(d.cdf(x)) == pytest.approx(2 * x * float(d.pdf(x)), rel=1e-3)
        xf = 1e-10 * hi
        poly = sp.Poly(d.law.polynomial, G)
        mp.mp.dps = 50
        co = [mp.mpf(sp.Poly(c, Z).eval(sp.Rational(xf))) for c in poly.all_coeffs()]
        exact = max(-mp.im(r) / mp.pi for r in mp.polyroots(co, maxsteps=500, extraprec=500))
        mp.mp.dps = 15
        assert float(d.pdf(xf)) == pytest.approx(float(exact), rel=1e-10)


@pytest.mark.parametrize(
    "phi,psi,data",
    [
        (sp.Rational(1, 2), sp.Rational(4, 5), {1: sp.Rational(1, 2), 4: sp.Rational(1, 2)}),
        (sp.Rational(1, 2), sp.Rational(5, 4), {sp.Rational(1, 2): sp.Rational(1, 4), 2: sp.Rational(3, 4)}),
        (sp.Integer(1), sp.Integer(1), {1: 1}),  # square: a hard edge at 0
    ],
)  # fmt: skip
def test_pdf_of_many_points_from_the_checked_density_model(phi, psi, data):
    """Issue 23: a pdf call of >= 2,048 points evaluates the law's piecewise-Chebyshev model
    (732x the plain numpy.roots loop) after checking it against the root solver.  Here: the
    model's values equal the solver's to 1e-11 of the largest density on 4,096 points
    (random, not the check's points), pdf_model_error is set and small; a model that fails
    its check (PDF_MODEL_TOL = 0) is not used, and pdf then returns the solver's values."""
    law = nonlinear_gram("tanh", phi, psi, data_spectrum=data)
    dist = law.distribution()
    lo, hi = dist.support()[0][0], dist.support()[-1][1]
    x = np.sort(np.random.default_rng(5).uniform(lo, hi, 4096))
    x = x[x - lo > 1e-4 * (hi - lo)]  # (within 1e-4 of a hard edge: its power-law model)
    fast = dist.pdf(x)
    assert dist.pdf_model_error is not None and dist.pdf_model_error < 1e-10
    solver = np.maximum(dist._pdf(x), 0.0)
    scale = solver.max()
    assert np.max(np.abs(fast - solver)) < 1e-11 * scale
    # power: the check is sharp enough to see a model off by 1e-9 of the density's scale
    assert np.max(np.abs(fast * (1 + 1e-9) - solver)) > 1e-11 * scale
    strict = nonlinear_gram("tanh", phi, psi, data_spectrum=data).distribution()
    assert strict is not dist
    strict.PDF_MODEL_TOL = 0.0
    got = strict.pdf(x)
    assert strict.pdf_model_error is None
    np.testing.assert_array_equal(got, solver)


def test_points_at_an_atom_or_edge_to_rounding_are_answered():
    """Float parameters (the spike check's bulk: a Marchenko-Pastur law scaled by zeta and
    shifted by eta - zeta, tanh constants in float64) give edge candidates 3e-15 apart (the
    atom and a discriminant root); the support's midpoint between them is within rounding
    of both and is treated as at them: the path stops at the usual height, not at 1e-10 of
    a 1.6e-15 distance (which did not converge: ConvergenceError in the quick report)."""
    import math

    from rmttheory.algebra import marchenko_pastur, scale, shift
    from rmttheory.constants import gaussian_constants

    c = gaussian_constants("tanh", 1.0, math.sqrt(1 + 0.5 / 100), digits=15)
    d = shift(scale(marchenko_pastur(2), c.zeta), c.eta - c.zeta).distribution()
    gaps = np.diff(d._candidates)
    assert gaps.min() < 1e-12  # the near-duplicate candidates of the failure
    (lo, hi), atom = d.support()[0], c.eta - c.zeta
    ((loc, mass),) = d.atoms().items()
    assert loc == pytest.approx(atom, abs=1e-12) and mass == pytest.approx(0.5, abs=1e-12)
    x = np.array([atom, np.nextafter(atom, 1.0), 0.5 * (lo + hi), hi])
    assert np.allclose(d.cdf(x), [0.5, 0.5, float(d.cdf(0.5 * (lo + hi))), 1.0], atol=1e-9)
    assert 0.5 < float(d.cdf(0.5 * (lo + hi))) < 1.0
