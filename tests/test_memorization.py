"""Memorization loss: quadrature of the law vs 50-digit algebra vs sampled ridge regressions."""

import mpmath as mp
import numpy as np
import pytest
import sympy as sp

from rmttheory.distributions import PenningtonWorah
from rmttheory.equation import PenningtonWorahEquation
from rmttheory.errors import ParameterError
from rmttheory.regression.memorization import ridge_training_loss
from rmttheory.validation.risk import sampled_ridge_training_loss as sampled_training_loss


def _mp_loss(eta, zeta, phi, psi, gamma, near):
    """1 - c - c gamma^2 G'(-gamma), G from mpmath roots of the G-polynomial at 50 digits,
    G' by implicit differentiation of the same polynomial."""
    R = lambda v: sp.Rational(repr(float(v)))  # noqa: E731
    eq = PenningtonWorahEquation(R(eta), R(zeta), R(phi), R(psi))
    Gs, zs = sp.Symbol("G"), sp.Symbol("z")
    F = eq.g_polynomial.as_expr()
    zv = -R(gamma)
    poly = sp.Poly(F.subs(zs, zv), Gs)
    with mp.workdps(50):
        roots = mp.polyroots(
            [mp.mpf(str(sp.N(c, 60))) for c in poly.all_coeffs()], maxsteps=200, extraprec=200
        )
        g = min(roots, key=lambda r: abs(complex(r) - near))
        Fz = sp.lambdify((Gs, zs), sp.diff(F, zs), "mpmath")
        FG = sp.lambdify((Gs, zs), sp.diff(F, Gs), "mpmath")
        dG = -Fz(g, mp.mpf(str(zv))) / FG(g, mp.mpf(str(zv)))
        c = mp.mpf(repr(phi)) / mp.mpf(repr(psi))
        return float(mp.re(1 - c - c * mp.mpf(repr(gamma)) ** 2 * dG))


@pytest.mark.parametrize("act,phi,psi", [("tanh", 0.5, 0.5), ("relu", 1.0, 2.0), ("erf", 2.0, 0.5)])
@pytest.mark.parametrize("gamma", [0.05, 0.5])
def test_loss_quadrature_matches_50_digit_algebra(act, phi, psi, gamma):
    law = PenningtonWorah.from_activation(act, phi, psi)
    ours = float(ridge_training_loss(law, gamma))
    G_near = law.expect(lambda x: 1.0 / (-gamma - x))  # G(-gamma), to pick the root
    # 1e-8: the quadrature of 1/(x + gamma)^2 against a 1/sqrt(x) hard edge (n1 = m)
    # is accurate to ~2e-9 at gamma = 0.05; elsewhere it is ~1e-12
    assert ours == pytest.approx(_mp_loss(law.eta, law.zeta, phi, psi, gamma, G_near), rel=1e-8)


def test_limits():
    law = PenningtonWorah(1.0, 0.5, 0.5, 1.0)  # c = 0.5
    assert float(ridge_training_loss(law, 1e8)) == pytest.approx(1.0, abs=1e-7)
    assert float(ridge_training_loss(law, 1e-7)) == pytest.approx(0.5, abs=1e-5)
    g = np.logspace(-3, 3, 13)
    assert np.all(np.diff(ridge_training_loss(law, g)) > 0)
    with pytest.raises(ParameterError):
        ridge_training_loss(law, -1)


@pytest.mark.parametrize("act,phi,psi", [("tanh", 0.5, 0.5), ("relu", 1.0, 2.0), ("abs", 0.5, 2.0)])
def test_loss_against_sampled_ridge_regressions(act, phi, psi):
    """Richardson-extrapolated sampled loss (sizes n, 2n; replicate standard errors)."""
    gamma, n, reps = 0.1, 150, 6
    law = PenningtonWorah.from_activation(act, phi, psi)
    theory = float(ridge_training_loss(law, gamma))
    stats = []
    for n0, r in ((n, 2 * reps), (2 * n, reps)):
        v = np.array(
            [sampled_training_loss(act, n0, phi, psi, gamma, seed=[n0, s]) for s in range(r)]
        )
        stats.append((v.mean(), v.std(ddof=1) / np.sqrt(r)))
    (t1, s1), (t2, s2) = stats
    t_inf, se = 2 * t2 - t1, np.sqrt(4 * s2**2 + s1**2)
    assert 4 * se < 0.1 * theory
    assert abs(t_inf - theory) <= 4 * se, (t_inf, theory, se)


def test_memorization_improves_as_zeta_over_eta_decreases():
    """Same eta, smaller zeta/eta (more nonlinear features) memorizes better (lower loss)."""
    losses = [
        float(ridge_training_loss(PenningtonWorah(1.0, z, 0.5, 0.5), 0.1))
        for z in (0.0, 0.5, 0.9, 1.0)
    ]
    assert np.all(np.diff(losses) > 0)
