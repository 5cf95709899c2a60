"""Unfolding and spacing laws: Gaudin's exact GOE law against series and simulation."""

import math

import numpy as np
import pytest

from rmttheory.distributions import GaudinGOE, WignerSurmise
from rmttheory.distributions.spacing import gap_probability_goe
from rmttheory.errors import ParameterError
from rmttheory.local_statistics import sample_spectrum, spacings, unfold


class _Semicircle:
    """cdf of the semicircle of radius R (the GOE tridiagonal model: R = sqrt(2 n))."""

    def __init__(self, R):
        self.R = R

    def cdf(self, x):
        t = np.clip(np.asarray(x) / self.R, -1, 1)
        return 0.5 + (t * np.sqrt(1 - t * t) + np.arcsin(t)) / math.pi


def test_gaudin_normalization_and_small_s_series():
    g = GaudinGOE()
    assert g.continuous_mass() == pytest.approx(1, abs=1e-8)
    assert g.mean() == pytest.approx(1, abs=1e-8)
    s = np.array([0.01, 0.05, 0.1])
    # E_1(0; s) = 1 - s + pi^2 s^3 / 36 + O(s^4) (p_1(s) ~ pi^2 s / 6)
    np.testing.assert_allclose(
        gap_probability_goe(s), 1 - s + math.pi**2 * s**3 / 36, atol=2 * s.max() ** 4
    )
    # the exact law is close to, but not the same as, the surmise
    x = np.linspace(0.05, 3, 60)
    diff = np.max(np.abs(g.pdf(x) - WignerSurmise("goe").pdf(x)))
    assert 0.005 < diff < 0.03


@pytest.mark.parametrize("ens", ["goe", "gue", "poisson"])
def test_surmise_normalized(ens):
    w = WignerSurmise(ens)
    assert w.continuous_mass() == pytest.approx(1, abs=1e-12)
    assert w.mean() == pytest.approx(1, abs=1e-12)


def test_simulated_goe_spacings_follow_gaudin():
    """80,000 central spacings of n = 2000 GOE matrices, unfolded by the exact semicircle:
    KS to the Gaudin law within sqrt(ln(2/alpha)/(2N)), alpha = 1e-3."""
    n = 2000
    spectra = [sample_spectrum("goe", n, np.random.default_rng([3, k])) for k in range(40)]
    x = unfold(spectra, method="density", law=_Semicircle(math.sqrt(2 * n)))
    s = spacings(x, trim=0.25)
    assert GaudinGOE().ks_distance(s) <= math.sqrt(math.log(2 / 1e-3) / (2 * s.size))


@pytest.mark.parametrize("method", ["fit", "pool"])
def test_unfolding_methods_agree_with_density(method):
    """Pool unfolding adds the pool's own fluctuations (spacing variance 0.33 with 8
    spectra, 0.30 with 20, -> 0.286 as the pool grows); 30 spectra here."""
    n = 1000
    spectra = [sample_spectrum("goe", n, np.random.default_rng([5, k])) for k in range(30)]
    ref = spacings(unfold(spectra, "density", law=_Semicircle(math.sqrt(2 * n))), trim=0.2)
    got = spacings(unfold(spectra, method), trim=0.2)
    assert abs(np.var(got) - np.var(ref)) < 0.03  # GOE spacing variance ~0.286
    with pytest.raises(ParameterError):
        unfold(spectra, "nonsense")
