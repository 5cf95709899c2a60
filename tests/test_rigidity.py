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
