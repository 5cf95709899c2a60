"""Number variance: theory against its large-L asymptotics and against sampled ensembles."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rmttheory.errors import ParameterError
from rmttheory.local_statistics.ensembles import sample_spectrum
from rmttheory.local_statistics.rigidity import number_variance, number_variance_theory
from rmttheory.local_statistics.unfolding import unfold

from .conftest import mc_tolerance

EULER = 0.5772156649015329


@pytest.mark.parametrize("ens, k, shift", [("goe", 2, math.pi**2 / 8), ("gue", 1, 0.0)])
def test_theory_matches_large_L_asymptotics(ens, k, shift):
    """Independent check: (k/pi^2)(ln 2 pi L + gamma + 1 - shift) + O(1/L) (Mehta)."""
    for L in (30.0, 60.0):
        asym = k / math.pi**2 * (math.log(2 * math.pi * L) + EULER + 1 - shift)
        assert float(number_variance_theory(ens, L)) == pytest.approx(asym, abs=2 / L**2 + 1e-7)
    small = number_variance_theory(ens, [1e-3])[0]
    assert small == pytest.approx(1e-3, rel=1e-3)  # Sigma^2(L) ~ L for L -> 0


@pytest.mark.parametrize("ens", ["goe", "gue"])
def test_sampled_ensembles(ens, rng):
    L = np.array([0.5, 1.0, 2.0, 4.0])
    vals = np.array(
        [number_variance(unfold(sample_spectrum(ens, 800, rng), "fit")[0], L) for _ in range(12)]
    )
    th = number_variance_theory(ens, L)
    for j in range(L.size):
        # 5 SE over the 12 spectra + 2% for the degree-9 unfolding and finite n
        assert abs(vals[:, j].mean() - th[j]) <= mc_tolerance(vals[:, j]) + 0.02 * th[j]
    # rigid: far below the Poisson line at L = 4
    assert vals[:, -1].mean() < 0.25 * 4


def test_poisson_process(rng):
    L = np.array([1.0, 5.0])
    vals = np.array([number_variance(np.cumsum(rng.exponential(size=2000)), L) for _ in range(12)])
    np.testing.assert_allclose(number_variance_theory("poisson", L), L)
    for j in range(L.size):
        assert abs(vals[:, j].mean() - L[j]) <= mc_tolerance(vals[:, j]) + 0.02 * L[j]


def test_bad_input():
    with pytest.raises(ParameterError):
        number_variance_theory("gse", 1.0)
    with pytest.raises(ParameterError):
        number_variance_theory("goe", -1.0)
    with pytest.raises(ParameterError):
        number_variance(np.arange(10.0), 20.0)


def _quadrature(ens, L):
    """Independent: Sigma^2 = L - 2 int_0^L (L - r) Y2(r) dr by Gauss-Legendre on unit pieces."""
    from scipy.special import sici

    t, w = np.polynomial.legendre.leggauss(60)
    total = 0.0
    edges = np.linspace(0.0, L, max(1, math.ceil(L)) + 1)
    for a, b in zip(edges[:-1], edges[1:]):
        r = a + (b - a) * (t + 1) / 2
        s = np.sinc(r)
        y2 = s * s
        if ens == "goe":
            ds = np.where(r > 1e-8, (np.cos(np.pi * r) - s) / np.maximum(r, 1e-300), 0.0)
            y2 = y2 + ds * (0.5 - sici(np.pi * r)[0] / np.pi)
        total += float(np.sum(w * (L - r) * y2)) * (b - a) / 2
    return L - 2 * total


@pytest.mark.parametrize("ens", ["goe", "gue"])
def test_closed_form_against_quadrature_and_at_huge_L(ens):
    for L in (1e-3, 0.37, 1.0, 2.5, 17.3, 400.2, 2000.0):  # 2000: past the asymptotic switch
        assert float(number_variance_theory(ens, L)) == pytest.approx(
            _quadrature(ens, L), abs=1e-11
        )
    k, shift = (2, math.pi**2 / 8) if ens == "goe" else (1, 0.0)
    for L in (1e7, 1e12):  # constant cost; the large-L law to O(1/L)
        asym = k / math.pi**2 * (math.log(2 * math.pi * L) + EULER + 1 - shift)
        assert float(number_variance_theory(ens, L)) == pytest.approx(asym, abs=1e-6)
    assert float(number_variance_theory(ens, 0.0)) == 0.0


def _d3_quadrature(ens, L):
    """Independent: Delta3 = (2/L^4) int_0^L (L^3 - 2L^2 r + r^3) Sigma^2(r) dr, with
    Sigma^2 from the cluster-function quadrature above (Gauss-Legendre, 12 nodes)."""
    t, w = np.polynomial.legendre.leggauss(12)
    edges = np.linspace(0.0, L, max(1, math.ceil(L)) + 1)
    total = 0.0
    for a, b in zip(edges[:-1], edges[1:]):
        for r, wr in zip(a + (b - a) * (t + 1) / 2, w * (b - a) / 2):
            total += wr * (L**3 - 2 * L * L * r + r**3) * _quadrature(ens, r)
    return 2 * total / L**4


@pytest.mark.parametrize("ens", ["goe", "gue"])
def test_rigidity_theory(ens):
    from rmttheory.local_statistics import spectral_rigidity_theory as d3

    for L in (0.7, 3.0, 12.5):
        assert float(d3(ens, L)) == pytest.approx(_d3_quadrature(ens, L), abs=1e-10)
    # past the switch to the large-L law: continuous to 1e-7, and the law itself
    below, above = d3(ens, [2000 - 1e-7, 2000 + 1e-7])
    assert abs(below - above) < 1e-7
    k, shift = (1.0, math.pi**2 / 8) if ens == "goe" else (0.5, 0.0)
    asym = k / math.pi**2 * (math.log(2 * math.pi * 1e9) + EULER - 1.25 - shift)
    assert float(d3(ens, 1e9)) == pytest.approx(asym, abs=1e-8)
    assert float(d3("poisson", 7.5)) == 0.5 and float(d3(ens, 0.0)) == 0.0
    with pytest.raises(ParameterError):
        d3("gse", 1.0)


def _semicircle_unfold(lam):
    """Exact limit unfolding n F(λ) of a spectrum on [-2, 2] (semicircle cdf)."""
    x = np.clip(lam, -2, 2)
    F = 0.5 + x * np.sqrt(4 - x * x) / (4 * math.pi) + np.arcsin(x / 2) / math.pi
    return lam.size * F


def test_sampled_rigidity():
    """GOE and GUE spectra (n = 1000, 16 each, unfolded by the exact semicircle cdf, central
    half): Delta3 within the normal quantile (α = 1e-3) of the replicates' standard error;
    the other ensemble's theory and Poisson's are rejected by the same check."""
    from scipy import stats

    from rmttheory.local_statistics import beta_hermite, spectral_rigidity
    from rmttheory.local_statistics import spectral_rigidity_theory as d3

    L = np.array([2.0, 8.0])
    z = stats.norm.isf(5e-4)
    for beta, ens, other in ((1, "goe", "gue"), (2, "gue", "goe")):
        rng = np.random.default_rng(beta)
        vals = np.array(
            [
                spectral_rigidity(
                    _semicircle_unfold(beta_hermite(1000, beta, rng=rng)), L, trim=0.25, stride=0.5
                )  # fmt: skip
                for _ in range(16)
            ]
        )
        se = vals.std(axis=0, ddof=1) / math.sqrt(len(vals))
        mean = vals.mean(axis=0)
        assert np.all(np.abs(mean - d3(ens, L)) <= z * se), (mean, d3(ens, L), se)
        assert np.any(np.abs(mean - d3(other, L)) > z * se)
        assert np.all(np.abs(mean - d3("poisson", L)) > z * se)
    poisson = np.sort(np.random.default_rng(0).uniform(0, 3000, 3000))
    assert float(spectral_rigidity(poisson, 8.0)[0]) == pytest.approx(8 / 15, rel=0.15)
