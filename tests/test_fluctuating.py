"""The fluctuating random-features equivalent (delta(w) kept inside the expectation).

- its errors are exact derivatives of its own resolvents: the training error against central
  differences in z, the test error against the epsilon-derivative of the resolvent of
  training and test features together (an independent implementation below);
- the correction of the weights for the sampled matrix: estimates at 4N and 8N draws agree,
  the uncorrected estimate does not;
- against sampled random features on digits, where the Louart–Liao–Couillet equivalent fails
  the same tolerance (the power of the improvement);
- the spectrum's diagonal reduction against the full equivalent's Stieltjes transform.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from rmttheory.data import design_matrix
from rmttheory.errors import ParameterError
from rmttheory.regression import RandomFeaturesEquivalent
from rmttheory.regression.fluctuating import _replicate, debiased_weights, fluctuating_errors
from rmttheory.regression.sampler import FeatureSampler
from rmttheory.validation.features import sample_features
from rmttheory.validation.tolerance import ks_tolerance, mean_check


def _resolvent(U: np.ndarray, Zdiag: np.ndarray, width: int, e0: np.ndarray) -> np.ndarray:
    """Debiased fixed point for rows U (M × p) and -z = Zdiag (p): plain damped iteration
    (independent of the package's Anderson solver), returns the resolvent."""
    M = U.shape[0]
    e = e0.copy()
    for _ in range(20000):
        g, _ = debiased_weights(e, width, M)
        R = np.linalg.inv((U.T * g) @ U / M + np.diag(Zdiag))
        new = np.einsum("mi,ij,mj->m", U, R, U)
        if np.max(np.abs(new - e)) < 1e-13 * np.max(e):
            return R
        e = 0.5 * (e + new)
    raise AssertionError("no convergence")


@pytest.fixture(scope="module")
def small():
    rng = np.random.default_rng(0)
    d, n, nt, M, N = 6, 30, 20, 150, 25
    X, Xt = rng.standard_normal((d, n)), rng.standard_normal((d, nt))
    W = rng.standard_normal((M, d)) / math.sqrt(d)
    return {"S": np.tanh(W @ X), "St": np.tanh(W @ Xt), "Y": rng.standard_normal((n, 2)),
            "Yt": rng.standard_normal((nt, 2)), "N": N, "lam": 0.05}  # fmt: skip


def test_training_error_is_the_derivative_of_its_resolvent(small):
    S, Y, N, lam = small["S"], small["Y"], small["N"], small["lam"]
    n = S.shape[1]
    out = _replicate(S, None, Y, None, lam, N, np.full(S.shape[0], 5.0), 1e-12)
    h = 1e-4 * lam

    def trace(ridge: float) -> float:
        R = _resolvent(S, np.full(n, ridge), N, np.full(S.shape[0], 5.0))
        return float(np.sum(Y * (R @ Y)))

    deriv = (trace(lam - h) - trace(lam + h)) / (2 * h)  # d/dz at z = -lam
    assert out["train"] == pytest.approx(lam**2 * deriv / n, rel=1e-6)


def test_test_error_is_the_epsilon_derivative_of_the_joint_resolvent(small):
    """Rows [sigma; sigma_hat], -z = lam on the training block and 1/|eps| on the test block
    (eps < 0): R_11 = Q - eps T + O(eps^2), R_21 = eps C Q + O(eps^2); E_test =
    (|Yt|^2 - 2 tr(Yt^T C Q Y) + tr(Y^T T Y)) / n_test, by Richardson over eps and 2 eps."""
    S, St, Y, Yt, N, lam = (small[k] for k in ("S", "St", "Y", "Yt", "N", "lam"))
    n, nt = S.shape[1], St.shape[1]
    out = _replicate(S, St, Y, Yt, lam, N, np.full(S.shape[0], 5.0), 1e-12)
    U = np.hstack([S, St])
    e0 = np.full(S.shape[0], 5.0)
    Q = _resolvent(S, np.full(n, lam), N, e0)

    def parts(eps: float):
        R = _resolvent(U, np.concatenate([np.full(n, lam), np.full(nt, -1 / eps)]), N, e0)
        return (Q - R[:n, :n]) / eps, R[n:, :n] / eps

    h = 1e-5
    (T1, C1), (T2, C2) = parts(-h), parts(-2 * h)
    T, CQ = 2 * T1 - T2, 2 * C1 - C2
    test = (np.sum(Yt**2) - 2 * np.sum(Yt * (CQ @ Y)) + np.sum(Y * (T @ Y))) / nt
    assert out["test"] == pytest.approx(test, rel=1e-5)


@pytest.fixture(scope="module")
def digits():
    return design_matrix("digits", 300, n_test=200)


def test_errors_do_not_depend_on_the_number_of_draws(digits):
    """tanh on digits (n = 300), N = 300, ridge 1e-3 (the most sensitive error): the corrected
    estimates at M = 4N and 8N agree within 4 combined standard errors; without the
    correction the estimate at 4N is far off (the O(n/M) bias of a sampled matrix)."""
    eq = RandomFeaturesEquivalent.from_data("tanh", digits.X, seed=3)
    runs = {}
    for M, debias in ((1200, True), (2400, True), (1200, False), (2400, False)):
        runs[(M, debias)] = fluctuating_errors(eq.sampler, digits.Y, None, 1e-3, 300,
                                               start=eq.quadratic_forms, samples=M,
                                               replicates=4, debias=debias)  # fmt: skip

    def z(a, b):
        return abs(a.train - b.train) / math.hypot(a.train_se, b.train_se)

    assert z(runs[(1200, True)], runs[(2400, True)]) < 4
    assert z(runs[(1200, False)], runs[(2400, False)]) > 5
    assert z(runs[(1200, False)], runs[(2400, True)]) > 5


@pytest.mark.parametrize("act", ["tanh", "relu"])
def test_digits_errors_and_spectrum_against_sampling(digits, act):
    """n = N = 300 on digits, 16 draws of W: the fluctuating equivalent's spectrum passes the
    Wishart-calibrated KS tolerance (no allowance for d) and its errors the trials' Student
    tolerance with the numerical standard error; for tanh the LLC equivalent's training error
    fails the same tolerance (the improvement has power)."""
    N, lam, trials = 300, 1e-3, 16
    eq = RandomFeaturesEquivalent.from_data(act, digits.X, digits.X_test, seed=4,
                                            spectrum_samples=1000)  # fmt: skip
    sim = sample_features(act, digits, N, [lam], trials=trials, seed=11)
    law = eq.spectrum(N)
    from rmttheory.validation.compare import ks_distance

    tol = ks_tolerance(digits.n, N, trials).value + law.numerical_error
    assert ks_distance(law, sim["eigenvalues"].ravel()) <= tol
    e = eq.errors(digits.Y, digits.Y_test, lam, N)
    for kind in ("train", "test"):
        chk = mean_check(sim[kind][str(lam)], getattr(e, kind), 0.0,
                         numerical_se=getattr(e, kind + "_se"))  # fmt: skip
        assert chk["pass"], (kind, chk)
    if act == "tanh":
        llc = eq.with_method("llc").train_mse(digits.Y, lam, N)
        assert not mean_check(sim["train"][str(lam)], llc, 0.0)["pass"]


def test_spectrum_reduction_matches_the_full_equivalent():
    """The mixture law's Stieltjes transform (diagonal in the eigenbasis of Phi) against the
    full equivalent's (1/n) tr Qhat(z) from the debiased fixed point at complex z (digits,
    n = N = 150; 3e-3 relative: the reduction's error is 1e-3 on the measured points)."""
    dm = design_matrix("digits", 150)
    eq = RandomFeaturesEquivalent.from_data("tanh", dm.X, seed=6, spectrum_samples=2000)
    N = 150
    law = eq.spectrum(N)
    S, _ = eq.sampler.draw(1200, 0)
    M, n = S.shape
    for z in (-1e-2 + 0j, 0.05 + 0.05j, 0.5 + 0.2j):
        e = eq.quadratic_forms(S, 0.1, N).astype(complex)
        for _ in range(3000):
            b = 1 + e / N
            root = np.sqrt(b * b - 4 * e / M)
            root = np.where((root * np.conj(b)).real < 0, -root, root)
            g = 2 / (b + root)
            Q = np.linalg.inv((S.T * g) @ S / M - z * np.eye(n))
            new = np.einsum("mi,ij,mj->m", S, Q, S)
            if np.max(np.abs(new - e)) < 1e-10 * np.max(np.abs(e)):
                break
            e = 0.5 * (e + new)
        full = -np.trace(Q) / n  # the package's G = -s
        assert law.stieltjes(np.array([z]))[0] == pytest.approx(full, rel=3e-3)


def test_bad_input(digits):
    eq = RandomFeaturesEquivalent.from_data("relu", digits.X, seed=0)
    with pytest.raises(ParameterError):
        fluctuating_errors(eq.sampler, digits.Y, None, 0.1, 300, start=eq.quadratic_forms,
                           samples=200)  # fmt: skip
    with pytest.raises(ParameterError):
        RandomFeaturesEquivalent(np.eye(3), method="fluctuating")
    with pytest.raises(ParameterError):
        eq.errors(digits.Y, None, -1.0, 10)
    with pytest.raises(ParameterError):
        FeatureSampler("exp(x**2)", digits.X * 30).draw(10, 0)
