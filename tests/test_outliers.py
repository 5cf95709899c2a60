"""Outliers and eigenvector overlaps: closed forms (BBP, Paul, Benaych-Georges–Nadakuditi)
and sampled spiked matrices, above and below threshold."""

import math

import numpy as np
import pytest
from scipy import stats

from rmttheory.algebra import marchenko_pastur, outliers, semicircle
from rmttheory.distributions import MarchenkoPastur
from rmttheory.errors import ParameterError


@pytest.mark.parametrize("law", [semicircle(1), semicircle(1).distribution()])
def test_spiked_goe_closed_form(law):
    out = outliers(law, [1.5, 3.0, -2.0, 0.9, -0.5])
    for o in out[:3]:
        t = o.spike
        assert o.location == pytest.approx(t + 1 / t, abs=1e-10)
        assert o.overlap == pytest.approx(1 - 1 / t**2, abs=1e-10)
    assert out[0].threshold == pytest.approx(1.0, abs=1e-10)
    assert out[2].threshold == pytest.approx(-1.0, abs=1e-10)
    assert out[3].location is None and out[3].overlap == 0 and out[4].location is None


@pytest.mark.parametrize("law", [MarchenkoPastur(0.5), marchenko_pastur(0.5)])
def test_spiked_covariance_closed_form(law):
    c = 0.5
    out = outliers(law, [2.0, 4.0, 0.6, -0.8], model="covariance")
    for o in (out[0], out[1], out[3]):
        t = o.spike
        assert o.location == pytest.approx((1 + t) * (1 + c / t), abs=1e-10)
        assert o.overlap == pytest.approx((1 - c / t**2) / (1 + c / t), abs=1e-10)
    assert out[0].threshold == pytest.approx(math.sqrt(c), abs=1e-10)
    assert out[2].location is None  # 0.6 < sqrt(1/2)


@pytest.mark.parametrize("c", [0.25, 0.5, 1.0])
def test_rectangular_closed_form(c):
    out = outliers(MarchenkoPastur(c), [1.5, 3.0, 0.6 * c**0.25], model="rectangular", ratio=c)
    for o in out[:2]:
        t = o.spike
        assert o.location == pytest.approx((1 + t * t) * (c + t * t) / t**2, abs=1e-10)
        assert o.overlap == pytest.approx(1 - c * (1 + t * t) / (t * t * (t * t + c)), abs=1e-9)
        assert o.overlap_right == pytest.approx(1 - (c + t * t) / (t * t * (t * t + 1)), abs=1e-9)
    assert out[0].threshold == pytest.approx(c**0.25, abs=1e-9)
    assert out[2].location is None


def _mean_check(values, target):
    """|mean - target| within the Student quantile (α = 1e-3) of the standard error."""
    v = np.asarray(values)
    se = v.std(ddof=1) / math.sqrt(v.size)
    return abs(v.mean() - target) <= stats.t.isf(5e-4, v.size - 1) * se, se


def _top(M):
    w, v = np.linalg.eigh(M)
    return w[-1], v[:, -1]


def test_sampled_spiked_goe_and_covariance():
    """Spiked GOE, n = 600, 24 draws; spiked covariance, p = 300, N = 600, 100 draws:
    outlier and overlap means within the Student quantile (α = 1e-3) of their standard
    errors; a 5% error in θ is rejected; below threshold the top eigenvalue stays at the
    edge (within the TW range) and the overlap is O(1/n)."""
    rng = np.random.default_rng(0)
    n, K = 600, 24
    for t in (1.5, 3.0):
        lam, ov = [], []
        for _ in range(K):
            A = rng.standard_normal((n, n))
            H = (A + A.T) / math.sqrt(2 * n)
            H[0, 0] += t
            w, v = _top(H)
            lam.append(w)
            ov.append(v[0] ** 2)
        o = outliers(semicircle(1), t)[0]
        assert _mean_check(lam, o.location)[0] and _mean_check(ov, o.overlap)[0]
        assert not _mean_check(lam, outliers(semicircle(1), 1.05 * t)[0].location)[0]
    lam, ov = [], []
    for _ in range(K):
        A = rng.standard_normal((n, n))
        H = (A + A.T) / math.sqrt(2 * n)
        H[0, 0] += 0.5
        w, v = _top(H)
        lam.append(w)
        ov.append(v[0] ** 2)
    assert max(lam) < 2 + 6 * n ** (-2 / 3) and np.mean(ov) < 20 / n
    p, N = 300, 600
    for t in (2.0, 4.0):
        lam, ov = [], []
        for _ in range(100):
            Z = rng.standard_normal((p, N))
            Z[0] *= math.sqrt(1 + t)
            w, v = _top(Z @ Z.T / N)
            lam.append(w)
            ov.append(v[0] ** 2)
        o = outliers(MarchenkoPastur(p / N), t, model="covariance")[0]
        assert _mean_check(lam, o.location)[0] and _mean_check(ov, o.overlap)[0]
        if t == 4.0:  # the location moves by 0.19 there, 6 standard errors of 100 draws
            wrong = outliers(MarchenkoPastur(p / N), 1.05 * t, model="covariance")[0]
            assert not _mean_check(lam, wrong.location)[0]


def test_sampled_rectangular_and_population():
    rng = np.random.default_rng(1)
    n, m, K = 300, 600, 24
    t = 1.5
    lam, ou, ov = [], [], []
    for _ in range(K):
        X = rng.standard_normal((n, m)) / math.sqrt(m)
        X[0, 0] += t  # u = e_1, v = e_1
        U, s, Vt = np.linalg.svd(X, full_matrices=False)
        lam.append(s[0] ** 2)
        ou.append(U[0, 0] ** 2)
        ov.append(Vt[0, 0] ** 2)
    o = outliers(MarchenkoPastur(n / m), t, model="rectangular", ratio=n / m)[0]
    for values, target in ((lam, o.location), (ou, o.overlap), (ov, o.overlap_right)):
        assert _mean_check(values, target)[0]
    # population: a fixed Wishart realization (law MP(1/4)) with its top eigenvalue moved
    # to ell; sample covariance with N = 2p samples
    p, N = 300, 600
    Z0 = rng.standard_normal((p, 4 * p))
    T = np.linalg.eigvalsh(Z0 @ Z0.T / (4 * p))
    for ell in (3.5, 5.0):
        T[-1] = ell
        lam, ov = [], []
        for _ in range(K):
            Y = np.sqrt(T)[:, None] * rng.standard_normal((p, N))
            w, v = _top(Y @ Y.T / N)
            lam.append(w)
            ov.append(v[-1] ** 2)
        o = outliers(MarchenkoPastur(0.25), ell, model="population", ratio=p / N)[0]
        assert _mean_check(lam, o.location)[0] and _mean_check(ov, o.overlap)[0]
    assert outliers(MarchenkoPastur(0.25), 2.5, model="population", ratio=0.5)[0].location is None


def test_bad_input():
    law = MarchenkoPastur(0.5)
    with pytest.raises(ParameterError):
        outliers(law, 0.0)
    with pytest.raises(ParameterError):
        outliers(law, -1.5, model="covariance")
    with pytest.raises(ParameterError):
        outliers(law, 1.5, model="rectangular")
    with pytest.raises(ParameterError):
        outliers(law, 1.5, model="rectangular", ratio=2.0)
    with pytest.raises(ParameterError):
        outliers(law, 1.5, ratio=0.5)
    with pytest.raises(ParameterError):
        outliers(law, 1.5, model="other")
    with pytest.raises(ParameterError):
        outliers("mp", 1.5)
    with pytest.raises(ParameterError):
        outliers(law, [[1.0, 2.0]])
    with pytest.raises(ParameterError):
        outliers(law, float("nan"))
