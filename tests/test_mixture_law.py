"""MixtureSilversteinLaw: one type is Silverstein's law (exact references), the stated
numerical error bounds the real one, the free-energy cdf agrees with the density, and a
two-type mixture matches sampled matrices where the one-type law of the mean profile fails."""

from __future__ import annotations

import numpy as np
import pytest

from rmttheory.distributions import MarchenkoPastur, MixtureSilversteinLaw, SilversteinLaw
from rmttheory.errors import ParameterError
from rmttheory.validation.compare import ks_distance
from rmttheory.validation.tolerance import ks_tolerance


@pytest.mark.parametrize("gamma", [0.25, 1.0, 2.0])
def test_one_type_is_marchenko_pastur_within_the_stated_error(gamma):
    """Closed-form reference: the cdf everywhere (hard edge at gamma = 1, atom at gamma = 2)
    within the law's own numerical_error, which is below its target 1e-5; G to 1e-10."""
    law = MixtureSilversteinLaw(np.ones((1, 50)), gamma)
    ref = MarchenkoPastur(gamma)
    x = np.linspace(1e-4, 7.0, 20000)
    err = np.max(np.abs(law.cdf(x) - ref.cdf(x)))
    assert err <= law.numerical_error <= 2e-5
    z = np.array([0.5 + 0.3j, 2.0 + 0.01j, 3.0 + 1j, -1.0 + 0j, 8.0 + 0j])
    np.testing.assert_allclose(law.stieltjes(z), ref.stieltjes(z), atol=1e-10)
    assert law.atoms() == ref.atoms() or abs(law.atom_mass - ref.atom_mass) < 1e-12


@pytest.mark.parametrize("gamma", [0.5, 1.0, 3.0])
def test_one_type_is_silverstein_with_a_spread_population(gamma):
    rng = np.random.default_rng(0)
    tau = rng.gamma(2.0, 1.0, 300)
    law = MixtureSilversteinLaw(tau[None, :], gamma)
    ref = SilversteinLaw(tau, np.full(300, 1 / 300), gamma)
    x = np.geomspace(1e-3, 40, 3000)
    assert np.max(np.abs(law.cdf(x) - ref.cdf(x))) <= max(law.numerical_error, 1e-5)
    assert law.mean() == pytest.approx(tau.mean(), rel=1e-12)
    z = np.array([0.7 + 0.2j, 5.0 + 0.05j])
    np.testing.assert_allclose(law.stieltjes(z), ref.stieltjes(z), rtol=1e-9)


def test_free_energy_cdf_agrees_with_the_density():
    """The cdf comes from Im Omega, the density from Im s: integrating the tabulated density
    over the table recovers the cdf's increase (two independent outputs of the solver)."""
    E = np.vstack([np.linspace(0.2, 2.0, 200), np.linspace(2.0, 0.2, 200)])
    law = MixtureSilversteinLaw(E, 0.5)
    x, F, dens = law.table
    integral = np.concatenate([[0], np.cumsum(np.diff(x) * (dens[1:] + dens[:-1]) / 2)])
    assert np.max(np.abs((F - F[0]) - integral)) < 2e-3  # trapezoid on the grid
    assert np.all(np.diff(F) >= 0) and F[-1] == pytest.approx(1.0, abs=1e-6)


def test_two_types_match_sampled_matrices():
    """Rows sigma = diag(profile)^(1/2) g, g ~ N(0, I), the profile drawn from two types
    (0.3 t and 1.7 t) with equal probability: the mixture law passes the Wishart-calibrated
    KS tolerance; the one-type law of the mean profile t (what LLC would say) is rejected."""
    rng = np.random.default_rng(1)
    n, N, trials = 400, 800, 6
    t = np.linspace(0.5, 2.0, n)
    E = np.vstack([0.3 * t, 1.7 * t])
    law = MixtureSilversteinLaw(E, n / N)
    one = SilversteinLaw(t, np.full(n, 1 / n), n / N)
    eig = []
    for _ in range(trials):
        types = rng.integers(0, 2, N)
        S = rng.standard_normal((N, n)) * np.sqrt(E[types])
        eig.append(np.linalg.eigvalsh(S.T @ S / N))
    eig = np.concatenate(eig)
    tol = ks_tolerance(n, N, trials).value + law.numerical_error
    assert ks_distance(law, eig) <= tol
    assert ks_distance(one, eig) > tol


@pytest.mark.parametrize(
    "call",
    [
        lambda: MixtureSilversteinLaw(np.ones(5), 1.0),
        lambda: MixtureSilversteinLaw(-np.ones((2, 5)), 1.0),
        lambda: MixtureSilversteinLaw(np.zeros((2, 5)), 1.0),
        lambda: MixtureSilversteinLaw(np.ones((2, 5)), 0.0),
        lambda: MixtureSilversteinLaw(np.full((2, 5), np.nan), 1.0),
    ],
)
def test_bad_input(call):
    with pytest.raises(ParameterError):
        call()
