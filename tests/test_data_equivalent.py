"""Random features on fixed data: the Louart–Liao–Couillet equivalent's Gaussian-data special
case against Pennington–Worah and the random-features risk, its internal identities, and both
equivalents against sampled random features on digits; data loading; bad input.  The
fluctuating equivalent's own checks are in tests/test_fluctuating.py."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from rmttheory.data import design_matrix
from rmttheory.distributions import MixtureSilversteinLaw, PenningtonWorah, SilversteinLaw
from rmttheory.errors import ParameterError
from rmttheory.regression.data_equivalent import RandomFeaturesEquivalent
from rmttheory.regression.random_features import RandomFeaturesRidge
from rmttheory.validation.features import features_point, isotropic_equivalent
from rmttheory.validation.tolerance import ks_tolerance


@pytest.mark.parametrize("method", ["llc", "fluctuating"])
@pytest.mark.parametrize("act", ["relu", "tanh"])
def test_gaussian_data_law_is_pennington_worah(act, method):
    """On iid N(0, 1) data the equivalent's law of K = Sigma^T Sigma/N equals the
    Pennington–Worah law of M = Sigma Sigma^T/n mapped to K: n (1 - F_K(x)) = N (1 - F_M(xN/n)).

    Phi is a function of X^T X, so the equivalent inherits the finite-size fluctuation of a
    Wishart n × d spectrum: tolerance = the calibrated Wishart KS null at (n, d), nothing else
    (measured: 0.0011-0.0021 against 0.0096).  Power: Pennington–Worah with eta 2% larger fails."""
    rng = np.random.default_rng(0)
    n, d, N = 800, 400, 1200
    X = rng.standard_normal((d, n))
    law = RandomFeaturesEquivalent.from_data(act, X, method=method).spectrum(N)
    pw = PenningtonWorah.from_activation(act, d / n, d / N)
    x = np.linspace(1e-4, 1.02 * law.support()[-1][1], 3000)
    F = law.cdf(x)

    def mapped(p):
        return 1 - (N / n) * (1 - p.cdf(x * N / n))

    tol = ks_tolerance(n, d, 1).value + float(getattr(law, "numerical_error", 0.0))
    assert np.abs(F - mapped(pw)).max() <= tol
    wrong = PenningtonWorah(pw.eta * 1.02, pw.zeta, d / n, d / N)
    assert np.abs(F - mapped(wrong)).max() > tol


def test_gaussian_data_risks_are_random_features_ridge():
    """Linear target y = x^T beta + noise on Gaussian data: the equivalent's train/test errors,
    averaged over 8 independent data sets, equal RandomFeaturesRidge at psi1 = N/d, psi2 = n/d
    and its ridge lam_rf = lam N/n (its loss is (1/n)|y - F a|^2 + lam_rf |a|^2), within the
    two-sided Student quantile (alpha = 1e-3) of the spread over data sets (the LLC closed
    forms: the identity is theirs)."""
    rng = np.random.default_rng(1)
    n, d, nt, snr, noise = 600, 300, 600, 1.0, 0.1
    rf = RandomFeaturesRidge.from_activation("relu")
    points = [(150, 1e-3), (600, 1e-1), (2400, 1e-3)]
    vals: dict = {p: [] for p in points}
    for _ in range(8):
        X, Xt = rng.standard_normal((d, n)), rng.standard_normal((d, nt))
        beta = rng.standard_normal(d)
        beta *= math.sqrt(snr) / np.linalg.norm(beta)
        y = X.T @ beta + math.sqrt(noise) * rng.standard_normal(n)
        yt = Xt.T @ beta + math.sqrt(noise) * rng.standard_normal(nt)
        eq = RandomFeaturesEquivalent.from_data("relu", X, Xt, method="llc")
        for N, lam in points:
            vals[(N, lam)].append((eq.train_mse(y, lam, N), eq.test_mse(y, yt, lam, N)))
    t = stats.t.ppf(1 - 5e-4, 7)
    for (N, lam), v in vals.items():
        v = np.asarray(v)
        th = rf.risk(N / d, n / d, lam * N / n, snr=snr, noise=noise)
        for j, key in enumerate(("train", "test")):
            se = v[:, j].std(ddof=1) / math.sqrt(len(v))
            assert abs(v[:, j].mean() - float(th[key])) <= t * se, (N, lam, key)


def test_training_error_is_the_derivative_of_the_resolvent():
    """E_train = lam^2/n d/dz tr(Y^T Qbar(z) Y) at z = -lam, by central differences of the
    equivalent's own Qbar (an identity independent of the kappa formula)."""
    rng = np.random.default_rng(2)
    X = rng.standard_normal((30, 120))
    Y = rng.standard_normal((120, 2))
    eq = RandomFeaturesEquivalent.from_data("tanh", X, method="llc")
    t, u = eq.population(), np.linalg.eigh(eq.phi)[1]
    e = np.sum((u.T @ Y) ** 2, axis=1)

    def trace(lam: float, N: int) -> float:
        d = eq.delta(lam, N)
        return float(np.sum(e / (t / (1 + d) + lam)))

    for N, lam in [(60, 0.05), (240, 0.2)]:
        h = 1e-4 * lam
        deriv = (trace(lam - h, N) - trace(lam + h, N)) / (2 * h)  # d/dz at z = -lam
        assert eq.train_mse(Y, lam, N) == pytest.approx(lam**2 * deriv / 120, rel=1e-6)


def test_delta_solves_its_equation():
    rng = np.random.default_rng(3)
    eq = RandomFeaturesEquivalent.from_data("relu", rng.standard_normal((20, 50)))
    t = eq.population()
    for lam, N in [(1e-6, 10), (1e-2, 50), (10.0, 500)]:
        d = eq.delta(lam, N)
        assert d == pytest.approx(np.sum(t / (t / (1 + d) + lam)) / N, rel=1e-12)


@pytest.mark.parametrize(("method", "kind"), [("llc", SilversteinLaw),
                                             ("fluctuating", MixtureSilversteinLaw)])  # fmt: skip
def test_law_conventions(method, kind):
    """Atom 1 - N/n at 0 for N < n; mean tr(Phi)/n; LLC's is the Silverstein law of spec(Phi),
    the fluctuating one a mixture law of energy profiles with the same ratio n/N."""
    rng = np.random.default_rng(4)
    eq = RandomFeaturesEquivalent.from_data("tanh", rng.standard_normal((40, 200)), method=method)
    law = eq.spectrum(50)
    assert law.atom_mass == pytest.approx(0.75, abs=1e-12)
    assert law.mean() == pytest.approx(eq.mean_eigenvalue(), rel=1e-6)
    assert isinstance(law, kind) and law.gamma == 4.0
    assert eq.spectrum(400).atom_mass == 0.0


@pytest.fixture(scope="module")
def digits():
    return design_matrix("digits", 300, n_test=200)


@pytest.mark.parametrize(("act", "N"), [("tanh", 150), ("relu", 600)])
def test_digits_against_sampled_random_features(digits, act, N):
    """Sampled K = Sigma^T Sigma/N and ridge errors on digits (n = 300) against the (default,
    fluctuating) equivalent, with the calibrated tolerances of rmttheory.validation.features;
    the theory that ignores the data's structure (isotropic data) is rejected by the same
    checks."""
    eq = RandomFeaturesEquivalent.from_data(act, digits.X, digits.X_test, spectrum_samples=1000)
    iso = isotropic_equivalent(act, digits, 1.0, seed=5)
    p = features_point(act, digits, eq, N, [1e-2], trials=6, seed=7,
                       alternatives={"isotropic data": iso})  # fmt: skip
    assert p["ks"]["pass"], p["ks"]
    assert all(r["pass"] for r in p["risks"]), p["risks"]
    iso_ks = next(r for r in p["ks"]["power"] if r["perturbation"] == "isotropic data")
    assert iso_ks["reject"]
    assert any(
        r["reject"] for q in p["risks"] for r in q["power"] if r["perturbation"] == "isotropic data"
    )


def test_design_matrix_conventions(tmp_path):
    dm = design_matrix("digits", 100, n_test=20)
    from sklearn.datasets import load_digits

    raw = load_digits().data
    raw = raw[:, raw.std(0) > 0]
    full = (raw - raw.mean(0)) / raw.std(0)  # over the whole data set
    np.testing.assert_allclose(dm.X, full[:100].T)
    np.testing.assert_allclose(dm.X_test, full[100:120].T)
    assert dm.Y.shape == (100, 10) and np.all(dm.Y.sum(1) == 1)
    # files and arrays
    rng = np.random.default_rng(0)
    x = rng.standard_normal((50, 7))
    np.save(tmp_path / "x.npy", x)
    a = design_matrix(tmp_path / "x.npy", 30)
    assert a.Y is None and a.X.shape == (7, 30) and a.n_test == 20
    np.savez(tmp_path / "xy.npz", x=x, y=rng.integers(0, 3, 50))
    b = design_matrix(str(tmp_path / "xy.npz"), 30, n_test=10)
    assert b.Y.shape == (30, 3) and b.Y_test.shape == (10, 3)


@pytest.mark.parametrize(
    "call",
    [
        lambda: design_matrix("nope", 10),
        lambda: design_matrix("digits", 5000),
        lambda: design_matrix("digits", 100, n_test=5000),
        lambda: design_matrix(np.ones((10, 3)), 5),  # constant features
        lambda: design_matrix(np.ones(10), 5),
        lambda: RandomFeaturesEquivalent(np.array([[1.0, 2.0], [0.0, 1.0]])),  # not symmetric
        lambda: RandomFeaturesEquivalent(-np.eye(3)),  # not PSD
        lambda: RandomFeaturesEquivalent(np.eye(3)).delta(0.0, 3),
        lambda: RandomFeaturesEquivalent(np.eye(3)).test_mse(np.ones(3), np.ones(3), 0.1, 3),
        lambda: RandomFeaturesEquivalent(np.eye(3)).train_mse(np.ones(4), 0.1, 3),
        lambda: RandomFeaturesEquivalent(np.eye(3)).spectrum(0),
    ],
)
def test_bad_input(call):
    with pytest.raises(ParameterError):
        call()


def test_silverstein_exact_edges():
    """alpha = 0 support from the inverse companion map: Marchenko–Pastur edges exactly, and for
    a spread population every gap has zero density and every component positive density."""
    for g in (0.25, 1.0, 4.0):
        (lo, hi), *_ = SilversteinLaw(np.array([1.0]), np.array([1.0]), g).support()
        assert lo == pytest.approx((1 - math.sqrt(g)) ** 2, abs=1e-12)
        assert hi == pytest.approx((1 + math.sqrt(g)) ** 2, rel=1e-12)
    t = np.array([0.2, 0.21, 1.0, 5.0, 30.0])
    law = SilversteinLaw(t, np.full(5, 0.2), 0.02)
    sup = law.support()
    assert len(sup) == 4  # 0.2 and 0.21 merge, the others are isolated
    mids = np.array([(a + b) / 2 for a, b in sup])
    gaps = np.array([(sup[k][1] + sup[k + 1][0]) / 2 for k in range(len(sup) - 1)])
    assert np.all(law.pdf(mids) > 0) and np.all(law.pdf(gaps) == 0)
    assert law.continuous_mass() == pytest.approx(1.0, abs=1e-6)


def test_silverstein_edges_of_a_large_population_against_a_density_scan():
    """Issue 23: for a population of 1,000 close nodes the gap search skips the intervals
    where the two neighbouring nodes alone keep h > 1 (a lower bound), 1.5 s -> 0.014 s.
    Independent check: the solver's density on a 2,000-point grid is positive exactly on
    the components found (up to the grid points next to an edge), zero in every gap."""
    rng = np.random.default_rng(0)
    law = SilversteinLaw(rng.gamma(2.0, 1.0, 1000), np.full(1000, 1e-3), 0.5)
    sup = law.support()
    assert len(sup) == 6
    x = np.linspace(sup[0][0] - 0.5, sup[-1][1] + 0.5, 2000)
    dens = law._pdf(x)
    inside = np.zeros(x.size, dtype=bool)
    for lo, hi in sup:
        inside |= (x > lo) & (x < hi)
    near = np.min(np.abs(x[:, None] - np.array(sup).ravel()[None, :]), axis=1) < 1e-3
    peak = dens.max()
    assert np.all(dens[inside & ~near] > 1e-8 * peak)
    assert np.all(dens[~inside & ~near] < 1e-9 * peak)
