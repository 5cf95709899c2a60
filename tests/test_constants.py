"""Gaussian constants: closed forms, quadrature, Monte Carlo, properties, bad input."""

import math

import mpmath as mp
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rmttheory import derivative_moments, gaussian_constants
from rmttheory.errors import ActivationError, NotIntegrableError, ParameterError

from .conftest import mc_tolerance

SIGMAS = [0.3, 1.0, 1.7, 3.0]


def _mp_expect(f, sigma, breaks=(0,)):
    """Independent reference: E g(sigma z) by mpmath quadrature at 40 digits."""
    with mp.workdps(40):
        s = mp.mpf(repr(sigma))
        pts = [-mp.inf, *sorted(mp.mpf(b) / s for b in breaks), mp.inf]
        return mp.quad(lambda z: f(s * z) * mp.exp(-z * z / 2), pts) / mp.sqrt(2 * mp.pi)


def _mp_constants(f, sigma, breaks=(0,)):
    """(mean, eta, zeta) from the definitions, computed in the test only."""
    with mp.workdps(40):
        mean = _mp_expect(f, sigma, breaks)
        m2 = _mp_expect(lambda x: f(x) ** 2, sigma, breaks)
        c1 = _mp_expect(lambda x: x / sigma * f(x), sigma, breaks)
        return mean, m2 - mean**2, c1**2


# Closed forms from the conventions file (section 2), as functions of sigma.
CONVENTIONS = {
    "relu": (
        lambda x: mp.mpf(max(x, 0)) if not isinstance(x, mp.mpf) else (x if x > 0 else mp.mpf(0)),
        lambda s: s / mp.sqrt(2 * mp.pi),
        lambda s: s**2 * (mp.mpf(1) / 2 - 1 / (2 * mp.pi)),
        lambda s: s**2 / 4,
    ),
    "sin": (
        mp.sin,
        lambda s: 0,
        lambda s: (1 - mp.exp(-2 * s**2)) / 2,
        lambda s: s**2 * mp.exp(-(s**2)),
    ),
    "erf": (
        mp.erf,
        lambda s: 0,
        lambda s: 2 / mp.pi * mp.asin(2 * s**2 / (1 + 2 * s**2)),
        lambda s: 4 * s**2 / (mp.pi * (1 + 2 * s**2)),
    ),
    "abs": (abs, lambda s: s * mp.sqrt(2 / mp.pi), lambda s: s**2 * (1 - 2 / mp.pi), lambda s: 0),
    "x**3": (lambda x: x**3, lambda s: 0, lambda s: 15 * s**6, lambda s: 9 * s**6),
}


@pytest.mark.parametrize("sigma", SIGMAS)
@pytest.mark.parametrize("name", sorted(CONVENTIONS))
def test_conventions_closed_forms(name, sigma):
    f, mean, eta, zeta = CONVENTIONS[name]
    c = gaussian_constants(name, sigma_w=sigma)
    assert c.exact, c.reason
    with mp.workdps(40):
        s = mp.mpf(repr(sigma))  # scales are the decimals they print as
        ref = [mean(s), eta(s), zeta(s)]
        quad = _mp_constants(f, sigma)
    for ours, formula, q in zip((c.mean, c.eta, c.zeta), ref, quad):
        scale = max(abs(float(formula)), 1e-300)
        assert abs(ours - float(formula)) <= 1e-12 * scale + 1e-300
        assert abs(float(q) - float(formula)) <= 1e-12 * scale + 1e-30  # the formula itself
    # the full-precision strings agree with the formula to ~30 digits
    with mp.workdps(40):
        assert abs(mp.mpf(c.values["eta"]) - ref[1]) <= mp.mpf(10) ** -28 * max(abs(ref[1]), 1)


@pytest.mark.parametrize("sigma", [0.5, 1.0, 2.0])
def test_gelu_and_leaky_closed_forms_against_quadrature(sigma):
    gelu = lambda x: x * (1 + mp.erf(x / mp.sqrt(2))) / 2
    leaky = lambda x: x if x > 0 else x / 10
    for name, f in (("gelu", gelu), ("leaky_relu:0.1", leaky), ("cos", mp.cos)):
        spec = "leaky_relu" if name.startswith("leaky") else name
        kw = {"slope": 0.1} if name.startswith("leaky") else {}
        from rmttheory import activation

        c = gaussian_constants(activation(spec, **kw), sigma_w=sigma)
        assert c.exact, (name, c.reason)
        ref = _mp_constants(f, sigma)
        for ours, q in zip((c.mean, c.eta, c.zeta), ref):
            assert abs(ours - float(q)) <= 1e-12 * max(abs(float(q)), 1e-3)


def test_gelu_sigma1_closed_form_from_conventions():
    c = gaussian_constants("gelu")
    ref = mp.mpf(1) / 3 + 1 / (2 * mp.pi * mp.sqrt(3)) - 1 / (4 * mp.pi)
    assert abs(c.eta - float(ref)) < 1e-15
    assert c.mean == pytest.approx(1 / (2 * math.sqrt(math.pi)), rel=1e-15)


# Reference values from the conventions file (30-digit quadrature, rounded to 12+ digits).
REFERENCE = {
    "tanh": (mp.tanh, 0.0, 0.394294490397841, 0.366879164362411, 1e-15),
    "softplus": (lambda x: mp.log(1 + mp.exp(x)), 0.806059183347, 0.271514501801, 0.25, 5e-13),
    "silu": (lambda x: x / (1 + mp.exp(-x)), 0.206620964142, 0.313083296994, 0.25, 5e-13),
    "gelu": (
        lambda x: x * (1 + mp.erf(x / mp.sqrt(2))) / 2,
        0.282094791774,
        0.345644011024,
        0.25,
        5e-13,
    ),
}


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_reference_values_twelve_digits(name):
    f, mean, eta, zeta, tol = REFERENCE[name]
    c = gaussian_constants(name)
    for ours, ref in zip((c.mean, c.eta, c.zeta), (mean, eta, zeta)):
        assert abs(ours - ref) <= tol
    # and against the test's own quadrature to 25 digits
    ref = _mp_constants(f, 1.0)
    with mp.workdps(40):
        assert abs(mp.mpf(c.values["eta"]) - ref[1]) < mp.mpf(10) ** -25
        assert abs(mp.mpf(c.values["zeta"]) - ref[2]) < mp.mpf(10) ** -25


@pytest.mark.parametrize("name", ["tanh", "relu", "gelu", "sin", "abs", "softplus"])
def test_monte_carlo(name, rng):
    """Constants against 2e6 Gaussian samples; tolerance = 5 standard errors."""
    from rmttheory import activation

    sigma = 1.3
    c = gaussian_constants(name, sigma_x=sigma)
    z = rng.standard_normal(2_000_000)
    fz = activation(name).numpy()(sigma * z)
    assert abs(fz.mean() - c.mean) <= mc_tolerance(fz)
    assert abs(np.mean(fz**2) - c.second_moment) <= mc_tolerance(fz**2)
    assert abs(np.mean(z * fz) - math.copysign(math.sqrt(c.zeta), c.hermite[1])) <= mc_tolerance(
        z * fz
    )


def test_hermite_coefficients_parseval_and_known_values():
    c = gaussian_constants("x**3", hermite_order=5)
    # x^3 = He_3 + 3 He_1 -> c_1 = 3, c_3 = sqrt(6)
    np.testing.assert_allclose(c.hermite, [0, 3, 0, math.sqrt(6), 0, 0], atol=1e-25)
    t = gaussian_constants("tanh", hermite_order=21, digits=15)
    assert sum(h**2 for h in t.hermite[1:]) == pytest.approx(t.eta, rel=1e-3)
    assert sum(h**2 for h in t.hermite[1:]) <= t.eta


@pytest.mark.parametrize("name", ["tanh", "gelu", "softplus", "sin", "erf"])
def test_zeta_equals_stein_derivative_form(name):
    """zeta = (E z f)^2 must equal (sigma E f')^2 computed from the derivative."""
    sigma = 0.8
    c = gaussian_constants(name, sigma_w=sigma)
    d = derivative_moments(name, sigma_w=sigma)
    assert (sigma * d["fprime_mean"]) ** 2 == pytest.approx(c.zeta, rel=1e-14, abs=1e-16)


def test_derivative_moments_relu_closed():
    d = derivative_moments("relu")
    assert d["fprime_sq"] == pytest.approx(0.5, rel=1e-15)
    assert d["f_fprime"] == pytest.approx(1 / math.sqrt(2 * math.pi), rel=1e-15)
    with pytest.raises(NotIntegrableError, match="jumps"):
        derivative_moments("sign(x)")


def test_callable_numeric_path():
    c = gaussian_constants(np.tanh, digits=12)
    assert not c.exact and c.method == "quadrature"
    assert c.eta == pytest.approx(0.394294490397841, abs=1e-12)


def test_cache_returns_same_object():
    assert gaussian_constants("tanh") is gaussian_constants("tanh")


def test_no_time_budget_means_quadrature():
    from rmttheory import activation

    c = gaussian_constants(activation("Max(x, 0) + x**2/7"), time_budget=0.0)
    assert not c.exact and "time budget" in c.reason
    ref = _mp_constants(lambda x: (x if x > 0 else 0) + x**2 / 7, 1.0)
    assert c.eta == pytest.approx(float(ref[1]), rel=1e-14)


# ----------------------------------------------------------------- properties
_BASE = ["relu", "tanh", "sin", "abs", "erf", "softplus", "sigmoid", "gelu", "hardtanh", "cos"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    a=st.sampled_from(_BASE),
    b=st.sampled_from(_BASE),
    wa=st.floats(-2, 2, allow_nan=False),
    wb=st.floats(-2, 2, allow_nan=False),
    scale=st.floats(0.2, 2.5),
)
def test_property_zeta_between_zero_and_eta(a, b, wa, wb, scale):
    from rmttheory import activation

    wa, wb = round(wa, 3), round(wb, 3)
    act = activation(f"{wa}*{a}({round(scale, 3)}*x) + {wb}*{b}(x)")
    c = gaussian_constants(act, digits=15, exact=False, hermite_order=1)
    assert -1e-14 <= c.zeta <= c.eta * (1 + 1e-12) + 1e-14


@settings(max_examples=20, deadline=None)
@given(
    sigma=st.floats(0.05, 8.0), which=st.sampled_from(["relu", "leaky", "abs", "cube", "linear"])
)
def test_property_homogeneous_scaling(sigma, which):
    """f(a x) = a^k f(x)  =>  eta(sigma) = sigma^(2k) eta(1), same for zeta, mean ~ sigma^k."""
    from rmttheory import activation

    spec, k = {
        "relu": ("relu", 1),
        "leaky": ("Piecewise((x, x > 0), (-3*x/10, True))", 1),
        "abs": ("abs", 1),
        "cube": ("x**3", 3),
        "linear": ("2*x", 1),
    }[which]
    act = activation(spec)
    one = gaussian_constants(act, digits=15, exact=False)
    c = gaussian_constants(act, sigma_w=sigma, digits=15, exact=False)
    assert c.eta == pytest.approx(sigma ** (2 * k) * one.eta, rel=1e-12)
    assert c.zeta == pytest.approx(sigma ** (2 * k) * one.zeta, rel=1e-12, abs=1e-300)
    assert c.mean == pytest.approx(sigma**k * one.mean, rel=1e-12, abs=1e-14)


# ----------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "spec,err,match",
    [
        ("exp(x**2)", NotIntegrableError, "infinite"),
        ("exp(x**2/4)", NotIntegrableError, "infinite"),
        ("1/x", NotIntegrableError, "singular"),
        ("log(x)", ActivationError, "not real"),
        ("sqrt(x)", ActivationError, "not real"),
    ],
)
def test_not_integrable(spec, err, match):
    with pytest.raises(err, match=match):
        gaussian_constants(spec)


def test_moderate_growth_is_integrable():
    c = gaussian_constants("exp(x**2/5)", digits=15)
    # E exp(2 z^2/5) = 1/sqrt(1 - 4/5) = sqrt(5); mean = 1/sqrt(1 - 2/5)
    assert c.second_moment == pytest.approx(math.sqrt(5), rel=1e-12)
    assert c.mean == pytest.approx(1 / math.sqrt(0.6), rel=1e-12)


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan"), float("inf"), "abc"])
def test_bad_sigma(bad):
    with pytest.raises(ParameterError):
        gaussian_constants("relu", sigma_w=bad)
    with pytest.raises(ParameterError):
        gaussian_constants("relu", sigma_x=bad)


def test_bad_digits():
    with pytest.raises(ParameterError):
        gaussian_constants("relu", digits=2)


@pytest.mark.parametrize("name", ["tanh", "softplus"])
def test_float64_path_matches_30_digits_over_sigma(name):
    """The fast path for sweeps (digits <= 15) against the mpmath path, to round-off."""
    for sigma in (0.7, 1.9):
        fast = gaussian_constants(name, sigma_w=sigma, digits=15)
        ref = gaussian_constants(name, sigma_w=sigma, digits=30)
        for k in ("mean", "eta", "zeta"):
            assert abs(getattr(fast, k) - getattr(ref, k)) <= 4e-16 * max(1.0, abs(ref.eta)), k
        # power: the neighbouring sigma (1e-6 away) is told apart
        other = gaussian_constants(name, sigma_w=sigma * (1 + 1e-6), digits=15)
        assert abs(other.eta - ref.eta) > 1e-9 * ref.eta
