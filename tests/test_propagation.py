"""Spectrum propagation through layers: theory vs PW quartic, exact MP cases, sampling."""

import math

import numpy as np
import pytest

from rmttheory.distributions import MarchenkoPastur, PenningtonWorah, SilversteinLaw
from rmttheory.errors import ParameterError
from rmttheory.kernels import propagate_spectrum
from rmttheory.validation.compare import ks_distance
from rmttheory.validation.kernel_sampling import deep_kernel_eigenvalues


def test_silverstein_law_with_point_population_is_marchenko_pastur():
    law = SilversteinLaw(np.array([2.0]), np.array([1.0]), 0.4)
    mp = MarchenkoPastur(0.4, 2.0)
    x = np.linspace(0.1, 5.5, 50)
    # continuation stops at Im z = 1e-10 of the scale: ~4e-9 relative next to an edge
    np.testing.assert_allclose(law.pdf(x), mp.pdf(x), rtol=1e-8, atol=1e-12)


def test_layer_one_equals_pennington_worah():
    """K_1 = Y^T Y/n1 and M = Y Y^T/m share nonzero eigenvalues: E_K[l^k] = c^(1-k) m_k(M)."""
    res = propagate_spectrum("tanh", 1, [1.0, 0.5])  # n0 = m, n1 = m/2: phi = 1, psi = 2
    pw = PenningtonWorah.from_activation("tanh", 1.0, 2.0)
    k, c = res[1]["law"], 0.5
    for j in (1, 2, 3):
        # 600 quantile nodes for the population: ~1e-4 relative accuracy
        assert k.moment(j) == pytest.approx(c ** (1 - j) * pw.moment(j), rel=2e-4)


def test_zeta_zero_preserves_the_spectrum():
    """PW's observation: zeta = 0 keeps white data's (normalized) MP spectrum at any depth."""
    res = propagate_spectrum("abs", 2, 1.0)
    for r in res:
        law = r["law"]
        assert law.moment(2) / law.mean() ** 2 == pytest.approx(2.0, rel=1e-6)  # MP(1)


def test_spectrum_spreads_with_zeta_over_eta():
    spread = []
    for act in ("abs", "erf", "tanh"):  # zeta/eta = 0, 0.91, 0.93
        law = propagate_spectrum(act, 2, 1.0)[-1]["law"]
        spread.append(law.moment(2) / law.mean() ** 2)
    assert spread[0] < spread[1] < spread[2]


@pytest.mark.parametrize("act", ["tanh", "abs"])
def test_propagation_against_sampled_networks(act):
    """KS of pooled sampled eigenvalues at layer 2 within the DKW bound (alpha = 1e-3)."""
    res = propagate_spectrum(act, 2, 1.0)
    eig = np.concatenate([deep_kernel_eigenvalues(act, 2, 400, 1.0, rng=s)[2] for s in range(3)])
    tol = math.sqrt(math.log(2 / 1e-3) / (2 * eig.size))
    assert ks_distance(res[2]["law"], eig) <= tol
    # and the theory's normalized spread against the sample's (5% = several SE at this size)
    lam = eig / eig.mean()
    assert np.mean(lam**2) == pytest.approx(res[2]["law"].moment(2) / res[2]["q"] ** 2, rel=0.05)


def test_bad_arguments():
    with pytest.raises(ParameterError):
        propagate_spectrum("tanh", 0, 1.0)
    with pytest.raises(ParameterError):
        propagate_spectrum("tanh", 2, [1.0, 1.0])
    with pytest.raises(ParameterError):
        propagate_spectrum("tanh", 1, -1.0)
