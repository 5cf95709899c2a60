"""Tolerances of the checks (rmttheory.validation.tolerance, finite_size, gram, power).

Each piece is checked against an independent computation: the Wishart null
against dense Gaussian matrices diagonalized by numpy, the Gumbel quantile
against the empirical quantile of the same replicates, the two-way standard
error against the spread of independent Gram samples, and the exact finite-n0
trace against a plain Monte Carlo average.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from rmttheory.distributions import MarchenkoPastur
from rmttheory.errors import ParameterError
from rmttheory.validation.finite_size import expected_trace
from rmttheory.validation.gram import gram_sample, trace_stats
from rmttheory.validation.power import Perturbation, smallest_rejected, spectral_power
from rmttheory.validation.sampling import GramSpec
from rmttheory.validation.tolerance import (
    ALPHA,
    ks_null,
    ks_tolerance,
    mean_check,
    trace_check,
    z_quantile,
)


def test_wishart_null_matches_dense_matrices():
    """ks_null (bidiagonal Laguerre model) has the law of the KS distance of dense
    Wishart spectra: two-sample KS test between 150 replicates of each, p > 1e-3."""
    n, m, R = 60, 120, 150
    rng = np.random.default_rng(5)
    law = MarchenkoPastur(n / m)
    dense = []
    for _ in range(R):
        Z = rng.standard_normal((n, m))
        dense.append(law.ks_distance(np.linalg.eigvalsh(Z @ Z.T / m)))
    ours = ks_null(n, m, replicates=R, seed=1)
    assert stats.ks_2samp(ours, dense).pvalue > 1e-3
    # and the statistic lives on the rigid scale ~ 1/n, far below DKW's 1/sqrt(n)
    assert 1 / n < np.mean(ours) < 4 / n


def test_gumbel_quantile_is_conservative():
    """The fitted 1 - alpha quantile is above the empirical one of many replicates
    (alpha = 0.01 here, so 2,000 replicates resolve it), and not absurdly so."""
    n, m = 80, 80
    many = ks_null(n, m, replicates=2000, seed=3)
    tol = ks_tolerance(n, m, 1, alpha=0.01, allowance=0.0, replicates=300)
    q_emp = float(np.quantile(many, 0.99))
    assert q_emp <= tol.null_quantile <= 1.3 * q_emp
    assert np.mean(many > tol.value) <= 0.01 * 1.6  # false-alarm rate as stated
    assert tol.value == tol.null_quantile  # no allowance asked
    assert ks_tolerance(n, m, 1, alpha=0.01, replicates=300).allowance == pytest.approx(3 / n)


def test_tolerance_rejects_a_wrong_law_and_accepts_the_right_one():
    n, m = 1000, 2000
    rng = np.random.default_rng(9)
    Z = rng.standard_normal((n, m))
    ev = np.linalg.eigvalsh(Z @ Z.T / m)
    tol = ks_tolerance(n, m, 1).value
    assert MarchenkoPastur(0.5).ks_distance(ev) <= tol
    assert MarchenkoPastur(0.5 * 1.05).ks_distance(ev) > tol  # ratio off by 5%
    assert MarchenkoPastur(0.5, 1.02).ks_distance(ev) > tol  # scale off by 2%


def test_quantiles():
    assert z_quantile(ALPHA) == pytest.approx(3.2905267, rel=1e-6)
    assert z_quantile(ALPHA, 9) == pytest.approx(stats.t.isf(5e-4, 9))
    with pytest.raises(ParameterError):
        ks_tolerance(1, 10)


def test_trace_check_and_mean_check_decide_by_their_quantile():
    se = 0.01
    assert trace_check(1 + 3.28 * se, se, 1.0)["pass"]
    assert not trace_check(1 + 3.30 * se, se, 1.0)["pass"]
    t = stats.t.isf(5e-4, 3)
    x = np.array([1.0, 1.1, 0.9, 1.0])
    se4 = np.std(x, ddof=1) / 2
    assert mean_check(x, 1.0 + 0.99 * t * se4, 0.0)["pass"]
    assert not mean_check(x, 1.0 + 1.01 * t * se4, 0.0)["pass"]
    with pytest.raises(ParameterError):
        mean_check([1.0], 1.0, 0.0)


def test_two_way_standard_error_matches_replicates():
    """trace_stats' variance of the mean of Y^2 against the spread over 60 independent
    samples (ratio within the chi-square 99.9% band of a 60-sample variance)."""
    spec = GramSpec("tanh", 40, 0.5, 0.5)
    samples = [gram_sample(spec, rng=[7, s]) for s in range(60)]
    traces = np.array([s.trace for s in samples])
    predicted = np.mean([s.trace_var for s in samples])
    lo, hi = stats.chi2.ppf([5e-4, 1 - 5e-4], 59) / 59
    assert lo <= traces.var(ddof=1) / predicted <= hi
    assert trace_stats(np.ones((3, 4))) == (1.0, 0.0)


def test_expected_trace_against_monte_carlo():
    """E tr(M)/n1 at n0 = 5 (far from the limit eta) by a plain average of f(w.x)^2."""
    n0 = 5
    rng = np.random.default_rng(2)
    W = rng.standard_normal((400_000, n0)) / math.sqrt(n0)
    X = rng.standard_normal((400_000, n0))
    v = np.tanh(np.sum(W * X, axis=1)) ** 2
    se = v.std() / math.sqrt(v.size)
    assert abs(v.mean() - expected_trace("tanh", n0)) <= 4 * se
    # and it differs from the limit by much more than that (the finite-n0 term matters)
    from rmttheory import gaussian_constants

    assert abs(expected_trace("tanh", n0) - gaussian_constants("tanh").eta) > 20 * se


def test_power_rows():
    law = MarchenkoPastur(0.5)
    sample = law.ppf((np.arange(2000) + 0.5) / 2000)
    rows = spectral_power(
        law,
        lambda p: MarchenkoPastur(0.5, 1 + p.relative),
        sample,
        0.002,
        perturbations=[Perturbation("eta", r) for r in (0.001, -0.001, 0.02, -0.02)],
    )
    assert [r["reject"] for r in rows] == [False, False, True, True]
    assert smallest_rejected(rows, "eta") == 0.02
    assert Perturbation("argument").name == "P(1/z)"
