"""Ridge, random-features and gradient-descent risks: mpmath, closed forms, Monte Carlo."""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest

from rmttheory import gaussian_constants
from rmttheory.distributions import PenningtonWorah
from rmttheory.errors import ParameterError
from rmttheory.regression import (
    RidgeSpectrum,
    effective_regularization,
    gradient_flow_risk,
    ridge_risk,
)
from rmttheory.regression.memorization import ridge_training_loss
from rmttheory.regression.random_features import RandomFeaturesRidge
from rmttheory.validation.risk import (
    simulate_gradient_descent,
    simulate_random_features,
    simulate_ridge,
)

from .conftest import mc_tolerance


def _mp_risk(s, a, gamma, lam, noise, dps=40):
    """Independent 40-digit evaluation: kappa by mpmath.findroot, then the formulas."""
    mp.mp.dps = dps
    s = [mp.mpf(x) for x in s]
    a = [mp.mpf(x) for x in a]
    p = len(s)
    g, lm = mp.mpf(gamma), mp.mpf(lam)
    h = lambda k: k - lm - g * k * mp.fsum(x / (x + k) for x in s) / p
    k = mp.findroot(h, (lm, lm + g * mp.fsum(s) / p), solver="anderson")
    df2 = g * mp.fsum((x / (x + k)) ** 2 for x in s) / p
    bias = k**2 * mp.fsum(ai * x / (x + k) ** 2 for x, ai in zip(s, a)) / p / (1 - df2)
    var = noise * df2 / (1 - df2)
    test = bias + var + noise
    return k, test, (lm / k) ** 2 * test


@pytest.mark.parametrize("gamma, lam", [(0.3, 0.01), (1.0, 0.001), (1.0, 0.5), (4.0, 0.1)])
def test_against_mpmath_power_law(gamma, lam):
    spec = RidgeSpectrum.power_law(40, 1.3, 1.8)
    k, test, train = _mp_risk(spec.s, spec.a, gamma, lam, 0.3)
    r = ridge_risk(spec, gamma, lam, noise=0.3)
    assert float(r["kappa"]) == pytest.approx(float(k), rel=1e-12)
    assert float(r["test"]) == pytest.approx(float(test), rel=1e-11)
    assert float(r["train"]) == pytest.approx(float(train), rel=1e-11)


def test_isotropic_closed_forms():
    iso = RidgeSpectrum.isotropic(2.0)
    g, lam = np.array([0.3, 1.0, 3.0]), 0.2
    k = effective_regularization(iso, g, lam)
    b = 1 - g - lam
    np.testing.assert_allclose(k, (-b + np.sqrt(b * b + 4 * lam)) / 2, rtol=1e-13)
    # ridgeless: variance sigma^2 g/(1-g) below, bias r^2(1-1/g) and variance sigma^2/(g-1) above
    r = ridge_risk(iso, [0.5, 2.0, 4.0], 0.0, noise=0.5)
    np.testing.assert_allclose(r["variance"], [0.5, 0.5, 0.5 / 3], rtol=1e-12)
    np.testing.assert_allclose(r["bias"], [0.0, 1.0, 1.5], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(r["train"], [0.5 * 0.5, 0.0, 0.0], atol=1e-12)


def test_double_descent_peak_and_bad_input():
    iso = RidgeSpectrum.isotropic(1.0)
    g = np.array([0.8, 0.95, 0.99, 1.01, 1.05, 1.25])
    test = ridge_risk(iso, g, 0.0, noise=0.2)["test"]
    assert np.argmax(test) in (2, 3) and test.max() > 10 * test.min()
    with pytest.raises(ParameterError, match="infinite"):
        ridge_risk(iso, 1.0, 0.0)
    for bad in ((-1.0, 0.1), (1.0, -0.1), (np.nan, 0.1)):
        with pytest.raises(ParameterError):
            ridge_risk(iso, *bad)
    with pytest.raises(ParameterError):
        RidgeSpectrum([1.0, 2.0], [0.5, 0.6], [1.0, 1.0])


@pytest.mark.parametrize(
    "kind, gamma, lam",
    [
        ("iso", 0.5, 0.0),
        ("iso", 1.0, 0.1),
        ("iso", 2.0, 0.0),
        ("pow", 0.5, 1e-3),
        ("pow", 2.0, 1e-3),
    ],
)
def test_ridge_monte_carlo(kind, gamma, lam):
    n = 300
    p = int(gamma * n)
    spec = RidgeSpectrum.isotropic(1.0) if kind == "iso" else RidgeSpectrum.power_law(p, 1.0, 1.5)
    sim = simulate_ridge(spec, n, p, lam, noise=0.25, trials=24, rng=11)
    th = ridge_risk(spec, gamma, lam, noise=0.25)
    for key in ("test", "train"):
        # 5 standard errors of the trial mean + the O(1/n) finite-size correction (3/n relative)
        # + float64 rounding (an interpolator's training error is 0 up to ~1e-29)
        tol = mc_tolerance(sim[key]) + 3 / n * float(th[key]) + 1e-12
        assert abs(sim[key].mean() - float(th[key])) <= tol, key


@pytest.mark.parametrize("act", ["tanh", "relu"])
def test_random_features_equal_pennington_worah_memorization(act):
    """Two independent derivations: the PW quartic law vs the Gaussian-equivalent ridge DE."""
    c = gaussian_constants(act)
    rf = RandomFeaturesRidge.from_activation(act)
    assert rf.mu1**2 == pytest.approx(c.zeta) and rf.mu_star**2 == pytest.approx(c.eta - c.zeta)
    for phi, psi in [(0.5, 2.0), (2.0, 1.0), (0.5, 0.5)]:
        law = PenningtonWorah(c.eta, c.zeta, phi, psi)
        for lam in (0.01, 0.3):
            pw = float(ridge_training_loss(law, lam))
            de = float(rf.risk(1 / psi, 1 / phi, lam, snr=0.0, noise=1.0)["train"])
            assert de == pytest.approx(pw, rel=1e-8, abs=1e-9)


@pytest.mark.parametrize("N", [100, 200, 400])  # N = n = 200 is the interpolation peak
def test_random_features_monte_carlo_and_linear_equivalent(N):
    d = n = 200
    lam = 1e-2
    rf = RandomFeaturesRidge.from_activation("tanh")
    th = rf.risk(N / d, n / d, lam, snr=1.0, noise=0.1)
    consts = (rf.mu0, rf.mu1, rf.mu_star)
    for equivalent in (False, True):
        sim = simulate_random_features(
            "tanh", d, N, n, lam, snr=1.0, noise=0.1, trials=12, rng=5,
            equivalent=equivalent, constants=consts,
        )  # fmt: skip
        for key in ("test", "train"):
            tol = mc_tolerance(sim[key]) + 5 / min(n, N) * float(th[key])
            assert abs(sim[key].mean() - float(th[key])) <= tol, (key, equivalent)


def test_linear_equivalent_spectrum_and_where_it_fails(rng):
    """Same Gram spectrum for f(WX) and mu0 + mu1 WX + mu* Z; the mean term mu0 is needed for the outlier."""
    from rmttheory.validation.compare import ks_distance

    d, N, n = 300, 300, 600
    rf = RandomFeaturesRidge.from_activation("relu")
    W = rng.standard_normal((N, d))
    X = rng.standard_normal((d, n))
    pre = W @ X / math.sqrt(d)
    F = np.maximum(pre, 0)
    E = rf.mu0 + rf.mu1 * pre + rf.mu_star * rng.standard_normal(pre.shape)
    lf, le = np.linalg.eigvalsh(F @ F.T / n), np.linalg.eigvalsh(E @ E.T / n)
    # bulk: both follow the PW law of the centred features (top eigenvalue removed)
    c = gaussian_constants("relu")
    law = PenningtonWorah(c.eta, c.zeta, d / n, d / N)
    dkw = math.sqrt(math.log(2 / 1e-3) / (2 * (N - 1)))
    assert ks_distance(law, lf[:-1]) < dkw and ks_distance(law, le[:-1]) < dkw
    # outlier from the mean: mu0^2 N (+ eta) in both, absent without the mu0 term
    spike = rf.mu0**2 * N + c.eta
    assert abs(lf[-1] / spike - 1) < 0.05 and abs(le[-1] / spike - 1) < 0.05
    E0 = E - rf.mu0
    assert np.linalg.eigvalsh(E0 @ E0.T / n)[-1] < 0.1 * spike


def test_scaling_law_exponent():
    """Ridgeless, noiseless, s_j = j^-a, s_j beta_j^2 ~ j^-b: test error ~ n^-(b-1) for b < 2a + 1."""
    a, b, p = 1.5, 2.0, 4000
    spec = RidgeSpectrum.power_law(p, a, b)
    ns = np.array([25, 50, 100, 200, 400])
    de = ridge_risk(spec, p / ns, 0.0)["test"]
    slope_de = np.polyfit(np.log(ns), np.log(de), 1)[0]
    assert abs(slope_de - (-(b - 1))) < 0.1
    sims = np.array(
        [simulate_ridge(spec, int(n), p, 0.0, trials=6, rng=int(n))["test"].mean() for n in ns]
    )
    slope_sim = np.polyfit(np.log(ns), np.log(sims), 1)[0]
    np.testing.assert_allclose(sims, de, rtol=0.25)
    assert abs(slope_sim - slope_de) < 0.15


def test_gradient_descent_dynamics():
    n, p, eta = 200, 300, 0.2
    steps = np.array([0, 5, 25, 100, 400])
    sim = simulate_gradient_descent(n, p, steps, eta, snr=1.0, noise=0.3, trials=16, rng=9)
    th = gradient_flow_risk(p / n, steps * eta, snr=1.0, noise=0.3, step=eta)
    for key in ("test", "train"):
        for j in range(steps.size):
            col = sim[key][:, j]
            tol = mc_tolerance(col) + 3 / n * th[key][j] + 1e-12
            assert abs(col.mean() - th[key][j]) <= tol, (key, steps[j])
    # long-time limit is the ridgeless interpolator; flow and small-step descent agree
    flow = gradient_flow_risk(1.5, [1e6], snr=1.0, noise=0.3)["test"][0]
    assert flow == pytest.approx(
        float(ridge_risk(RidgeSpectrum.isotropic(1.0), 1.5, 0.0, noise=0.3)["test"]), rel=1e-6
    )
    gd = gradient_flow_risk(1.5, [2.0], snr=1.0, noise=0.3, step=1e-4)["test"][0]
    assert gd == pytest.approx(
        gradient_flow_risk(1.5, [2.0], snr=1.0, noise=0.3)["test"][0], rel=1e-3
    )


def test_oversize_simulation_is_refused_before_allocating():
    from rmttheory.errors import ResourceError

    with pytest.raises(ResourceError, match="GiB"):
        simulate_ridge(RidgeSpectrum.isotropic(1.0), 3_000_000, 4_500_000, 0.1)
    with pytest.raises(ResourceError, match="GiB"):
        simulate_random_features("tanh", 10**6, 10**6, 10**6, 0.1)
