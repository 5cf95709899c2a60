"""Expected random-feature kernels: closed forms and Hermite series against 30-digit quadrature
and Monte Carlo over the weights; bad input."""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest

from rmttheory import activation
from rmttheory.errors import ParameterError
from rmttheory.kernels.expected import (
    CLOSED_FORMS,
    expected_kernel,
    expected_kernel_diagonal,
)
from rmttheory.kernels.hermite import hermite_coefficients


def _pair_data(a: float, b: float, rho: float) -> np.ndarray:
    """Two samples in d = 2 whose pre-activations (sigma_w = 1) have variances a, b and
    correlation rho."""
    x1 = math.sqrt(2 * a) * np.array([1.0, 0.0])
    x2 = math.sqrt(2 * b) * np.array([rho, math.sqrt(1 - rho * rho)])
    return np.stack([x1, x2], 1)


def _smoothed(name: str, m, tau):
    """E_z g(m + tau z), z ~ N(0, 1), for the activations with closed forms: one-variable
    Gaussian-smoothing identities (not the two-variable kernel formulas under test)."""
    Phi = lambda x: mp.ncdf(x)  # noqa: E731
    phi = lambda x: mp.npdf(x)  # noqa: E731

    def relu(mm):
        return mm * Phi(mm / tau) + tau * phi(mm / tau)

    if name == "relu":
        return relu(m)
    if name == "abs":
        return relu(m) + relu(-m)
    if name == "leaky_relu":  # default slope 1/100: x/100 + (99/100) relu(x)
        return m / 100 + mp.mpf(99) / 100 * relu(m)
    if name == "erf":
        return mp.erf(m / mp.sqrt(1 + 2 * tau * tau))
    if name == "sin":
        return mp.sin(m) * mp.exp(-tau * tau / 2)
    if name == "cos":
        return mp.cos(m) * mp.exp(-tau * tau / 2)
    raise AssertionError(name)


def _mp_kernel(name: str, a: float, b: float, rho: float, dps: int = 30):
    """E f(u) f(v) for (u, v) with variances a, b and correlation rho, at ``dps`` digits:
    v = sqrt(b) (rho z1 + r z2); the z2-expectation by a one-variable smoothing identity and
    the z1-integral by mpmath quadrature (split at 0)."""
    f = activation(name).mpmath()
    with mp.workdps(dps + 10):
        sa, sb, rh = mp.sqrt(mp.mpf(a)), mp.sqrt(mp.mpf(b)), mp.mpf(rho)
        tau = sb * mp.sqrt(1 - rh * rh)
        return mp.quad(lambda z: f(sa * z) * _smoothed(name, sb * rh * z, tau) * mp.npdf(z),
                       [-mp.inf, 0, mp.inf])  # fmt: skip


def _float_kernel(name: str, a: float, b: float, rho: float) -> float:
    """E f(u) f(v) by nested adaptive scipy quadrature (absolute tolerance ~1e-13), split at
    the kinks: the independent reference of the series method."""
    from scipy import integrate

    act = activation(name)
    f = act.numpy()
    kinks = act.kinks()
    sa, sb = math.sqrt(a), math.sqrt(b)
    r = math.sqrt(1 - rho * rho)
    g = lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi)  # noqa: E731

    def inner(z1: float) -> float:
        pts = sorted({(k / sb - rho * z1) / r for k in kinks} | {-rho * z1 / r})
        edges = [-12.0, *[p for p in pts if -12 < p < 12], 12.0]
        return sum(integrate.quad(lambda z2: float(f(np.array(sb * (rho * z1 + r * z2))))
                                  * g(z2), lo, hi, epsabs=1e-14, epsrel=1e-13, limit=200)[0]
                   for lo, hi in zip(edges[:-1], edges[1:]))  # fmt: skip

    pts = sorted({k / sa for k in kinks} | {0.0})
    edges = [-12.0, *[p for p in pts if -12 < p < 12], 12.0]
    return sum(integrate.quad(lambda z1: float(f(np.array(sa * z1))) * inner(z1) * g(z1), lo, hi,
                              epsabs=1e-14, epsrel=1e-13, limit=200)[0]
               for lo, hi in zip(edges[:-1], edges[1:]))  # fmt: skip


pytestmark = pytest.mark.filterwarnings("ignore::scipy.integrate.IntegrationWarning")

TRIPLES = [(1.0, 1.0, 0.3), (0.5, 2.0, -0.7), (1.7, 0.8, 0.95)]


@pytest.mark.parametrize("name", [n for n in CLOSED_FORMS if n != "linear"])
def test_closed_forms_match_30_digit_quadrature(name):
    for a, b, rho in TRIPLES:
        k = expected_kernel(name, _pair_data(a, b, rho))
        assert k.method == "closed"
        ref = float(_mp_kernel(name, a, b, rho))
        assert abs(k.matrix[0, 1] - ref) <= 1e-12, (name, a, b, rho, k.matrix[0, 1], ref)


def test_closed_form_diagonals_are_second_moments():
    X = _pair_data(1.3, 0.4, 0.2)
    for name in CLOSED_FORMS:
        k = expected_kernel(name, X).matrix
        f = activation(name).mpmath()
        for i, s2 in enumerate((1.3, 0.4)):
            with mp.workdps(30):
                s = mp.sqrt(mp.mpf(s2))
                ref = mp.quad(lambda z, f=f, s=s: f(s * z) ** 2 * mp.exp(-z * z / 2),
                              [-mp.inf, 0, mp.inf])  # fmt: skip
                ref /= mp.sqrt(2 * mp.pi)
            assert abs(k[i, i] - float(ref)) <= 1e-12, (name, i)
        np.testing.assert_allclose(expected_kernel_diagonal(name, X), np.diag(k), rtol=1e-13)


@pytest.mark.parametrize(
    ("name", "triples"),
    [("tanh", TRIPLES[1:]), ("gelu", TRIPLES[:1]),
     pytest.param("hardtanh", TRIPLES[2:], marks=pytest.mark.slow)],
)  # fmt: skip
def test_series_meets_its_error_bound(name, triples):
    """Hermite series (tanh, gelu) and its quadrature fallback (hardtanh has kinks at ±1 and
    a slowly converging series) against nested adaptive quadrature, within the stated bound."""
    for a, b, rho in triples:
        k = expected_kernel(name, _pair_data(a, b, rho), tol=1e-11)
        assert k.method == "series"
        ref = _float_kernel(name, a, b, rho)
        err = abs(k.matrix[0, 1] - ref)
        # the reference is accurate to ~1e-14 (its tolerances)
        assert err <= k.error_bound + 2e-13, (name, rho, err, k.error_bound)
        assert k.error_bound <= 1e-10


def test_series_equals_closed_forms_on_data():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((20, 40)) * rng.uniform(0.3, 3.0, 40)  # norms 0.3..3
    X[:, 1] = X[:, 0] * 1.5 + 0.05 * rng.standard_normal(20)  # a correlated pair
    for name in ("relu", "erf", "abs", "sin"):
        closed = expected_kernel(name, X)
        series = expected_kernel(name, X, method="series", tol=1e-11)
        err = np.abs(closed.matrix - series.matrix).max()
        assert err <= series.error_bound + 1e-13, (name, err, series.error_bound)


def test_hermite_coefficients_against_mpmath():
    s, K = 1.7, 12
    r = hermite_coefficients("tanh", [s], K)
    with mp.workdps(30):
        for k in range(K + 1):
            ref = mp.quad(lambda z, k=k: mp.tanh(s * z) * mp.hermite(k, z / mp.sqrt(2))
                          * mp.exp(-z * z / 2), [-mp.inf, 0, mp.inf])  # fmt: skip
            # He_k(z) = 2^{-k/2} H_k(z/sqrt 2)
            ref = ref / mp.sqrt(2 * mp.pi) / mp.sqrt(2) ** k / mp.sqrt(mp.factorial(k))
            assert abs(r["c"][0, k] - float(ref)) <= 1e-13, k
    assert r["err"][0] < 1e-13


@pytest.mark.parametrize("name", ["relu", "tanh", "sin"])
def test_kernels_against_monte_carlo(name):
    """Phi = E_w f(X^T w) f(w^T X), w ~ N(0, sigma_w^2 I/d): mean of 800,000 draws, each entry
    within 4.9 standard errors (two-sided, Bonferroni over the 10 entries: false alarm < 1e-5)."""
    rng = np.random.default_rng(11)
    d, n, sigma_w = 5, 4, 1.3
    X = rng.standard_normal((d, n)) * np.array([0.5, 1.0, 2.0, 1.0])
    theory = expected_kernel(name, X, sigma_w=sigma_w).matrix
    f = activation(name).numpy()
    acc = np.zeros((n, n))
    acc2 = np.zeros((n, n))
    draws = 800_000
    for _ in range(8):
        W = rng.standard_normal((draws // 8, d)) * sigma_w / math.sqrt(d)
        F = f(W @ X)
        P = F[:, :, None] * F[:, None, :]
        acc += P.sum(0)
        acc2 += (P * P).sum(0)
    mean = acc / draws
    se = np.sqrt((acc2 / draws - mean**2) / draws)
    iu = np.triu_indices(n)
    z = np.abs(mean - theory)[iu] / se[iu]
    assert z.max() < 4.9, (name, z.max())
    # power: a kernel 2% off is rejected
    z_wrong = np.abs(mean - 1.02 * theory)[iu] / se[iu]
    assert z_wrong.max() > 4.9


def test_closed_forms_in_blocks_equal_the_plain_formulas():
    """Issue 23: the closed forms run in row blocks (only those on and above the diagonal
    for one data matrix, then mirrored) with arcsin as arctan(x / sqrt(1 - x^2)).  Here
    several blocks (n = 700: 490,000 entries against blocks of 2^17), against the plain
    whole-matrix formulas in numpy (arccos, arcsin) to 1e-14, for one and two data
    matrices."""
    rng = np.random.default_rng(5)
    X = rng.standard_normal((30, 700)) * rng.uniform(0.3, 3.0, 700)
    X[:, 1] = X[:, 0] * 1.5  # an exactly parallel pair: rho = 1 off the diagonal
    X2 = rng.standard_normal((30, 300))
    for Y in (None, X2):
        Z = X if Y is None else Y
        a = np.einsum("ij,ij->j", X, X) / 30
        b = np.einsum("ij,ij->j", Z, Z) / 30
        c = X.T @ Z / 30
        rho = np.clip(c / np.sqrt(np.outer(a, b)), -1, 1)
        relu = np.sqrt(np.outer(a, b)) / (2 * np.pi) * (
            np.sqrt(1 - rho**2) + (np.pi - np.arccos(rho)) * rho)  # fmt: skip
        erf = 2 / np.pi * np.arcsin(2 * c / np.sqrt(np.outer(1 + 2 * a, 1 + 2 * b)))
        for name, ref in (("relu", relu), ("erf", erf), ("abs", 4 * relu - c)):
            k = expected_kernel(name, X, Y).matrix
            assert np.abs(k - ref).max() <= 1e-14 * max(1.0, np.abs(ref).max()), name
            if Y is None:
                assert np.array_equal(k, k.T)


def test_cross_kernel_and_symmetry():
    rng = np.random.default_rng(0)
    X, X2 = rng.standard_normal((6, 5)), rng.standard_normal((6, 3))
    full = expected_kernel("tanh", np.concatenate([X, X2], 1)).matrix
    cross = expected_kernel("tanh", X2, X).matrix
    np.testing.assert_allclose(cross, full[5:, :5], atol=1e-10)
    k = expected_kernel("tanh", X).matrix
    assert np.array_equal(k, k.T)
    assert np.linalg.eigvalsh(k).min() > -1e-12


@pytest.mark.parametrize(
    "call",
    [
        lambda: expected_kernel("relu", np.ones(4)),  # not 2-D
        lambda: expected_kernel("relu", np.zeros((3, 2))),  # zero columns
        lambda: expected_kernel("relu", np.ones((3, 2)), np.ones((4, 2))),  # dimensions
        lambda: expected_kernel("tanh", np.eye(3), method="closed"),  # no closed form
        lambda: expected_kernel("relu", np.eye(3), method="fast"),
        lambda: expected_kernel("relu", np.array([[np.nan, 1.0]])),
        lambda: expected_kernel("relu", np.eye(3), sigma_w=-1),
        lambda: hermite_coefficients("tanh", [0.0], 3),
        lambda: hermite_coefficients("tanh", [1.0], 5000),
    ],
)
def test_bad_input(call):
    with pytest.raises(ParameterError):
        call()
