"""β-ensemble samplers: exact finite-n moments, dense matrices of the same law, the
largest eigenvalues alone, sizes up to 10^6, bad input."""

import math

import numpy as np
import pytest
from scipy import stats

from rmttheory.errors import ParameterError, ResourceError
from rmttheory.local_statistics import beta_hermite, beta_laguerre


def _z(values, target):
    values = np.asarray(values)
    return abs(values.mean() - target) / (values.std(ddof=1) / math.sqrt(values.size))


Z = stats.norm.isf(1e-3 / 2)  # two-sided, false-alarm 1e-3 per check


@pytest.mark.parametrize("beta", [0.5, 1.0, 2.0, 4.0])
def test_hermite_second_moment_is_exact(beta):
    """E tr H^2 / n = (n - 1 + 2/β)/n (diagonal variance 2/(βn), chi-square off-diagonals);
    a 2% error in the normalization is rejected."""
    n, K = 50, 4000
    rng = np.random.default_rng(int(beta * 10))
    m2 = [np.mean(beta_hermite(n, beta, rng=rng) ** 2) for _ in range(K)]
    exact = (n - 1 + 2 / beta) / n
    assert _z(m2, exact) < Z
    assert _z(m2, 1.02 * exact) > Z


@pytest.mark.parametrize("beta", [1.0, 2.0])
def test_laguerre_moments_are_exact(beta):
    """W = XX*/m: E tr W/n = 1, E tr W^2/n = (n + m + 2/β - 1)/m (real: n + m + 1; complex:
    n + m), for n <= m and n > m."""
    rng = np.random.default_rng(int(beta))
    for n, m in ((30, 60), (60, 30)):
        lam = [beta_laguerre(n, m, beta, rng=rng) for _ in range(3000)]
        assert _z([x.mean() for x in lam], 1.0) < Z
        exact = (n + m + 2 / beta - 1) / m
        assert _z([np.mean(x**2) for x in lam], exact) < Z
        assert _z([np.mean(x**2) for x in lam], 1.03 * exact) > Z


def test_same_law_as_dense_matrices():
    """Largest eigenvalues: tridiagonal GOE against dense GOE, bidiagonal complex Wishart
    against dense complex Wishart (two-sample KS, α = 1e-3)."""
    rng = np.random.default_rng(5)
    n, K = 60, 1500
    dense = []
    for _ in range(K):
        A = rng.standard_normal((n, n))
        dense.append(np.linalg.eigvalsh((A + A.T) / math.sqrt(2 * n))[-1])
    tri = [beta_hermite(n, 1.0, largest=1, rng=rng)[0] for _ in range(K)]
    assert stats.ks_2samp(dense, tri).pvalue > 1e-3
    wrong = [beta_hermite(n, 2.0, largest=1, rng=rng)[0] for _ in range(K)]
    assert stats.ks_2samp(dense, wrong).pvalue < 1e-3  # the test has power
    p, m = 40, 80
    dense = []
    for _ in range(K):
        X = (rng.standard_normal((p, m)) + 1j * rng.standard_normal((p, m))) / math.sqrt(2)
        dense.append(np.linalg.eigvalsh(X @ X.conj().T / m)[-1])
    bi = [beta_laguerre(p, m, 2.0, largest=1, rng=rng)[0] for _ in range(K)]
    assert stats.ks_2samp(dense, bi).pvalue > 1e-3


def test_largest_are_the_top_of_the_spectrum():
    full = beta_hermite(300, 2.0, rng=3)
    top = beta_hermite(300, 2.0, largest=5, rng=3)
    assert np.allclose(top, full[-5:], rtol=0, atol=1e-13)
    full = beta_laguerre(100, 40, 1.0, rng=4)  # n > m: 60 zeros
    assert np.sum(full == 0) == 60
    assert np.allclose(beta_laguerre(100, 40, 1.0, largest=3, rng=4), full[-3:], atol=1e-13)
    assert np.allclose(beta_laguerre(100, 40, 1.0, largest=45, rng=4), full[-45:], atol=1e-13)


def test_a_million_levels():
    top = beta_hermite(10**6, 2.0, largest=2, rng=0)
    s = (top - 2) * 1e4  # n^(2/3) = 1e4
    assert top[0] < top[1] and np.all(np.abs(s) < 8)  # TW_2 has P(|s| > 8) < 1e-12


def test_bad_input():
    with pytest.raises(ParameterError):
        beta_hermite(10, 0.0)
    with pytest.raises(ParameterError):
        beta_hermite(0, 1.0)
    with pytest.raises(ParameterError):
        beta_hermite(10, 1.0, largest=11)
    with pytest.raises(ParameterError):
        beta_laguerre(10, 0, 1.0)
    with pytest.raises(ResourceError):
        beta_hermite(10**6, 1.0)  # the whole spectrum: O(n^2)
    with pytest.raises(ParameterError):
        beta_hermite(10, float("nan"))


def test_many_matrices_at_once():
    """size=K: the largest eigenvalue of K matrices by vectorized Sturm bisection equals
    LAPACK's on the same tridiagonal matrices (to 1e-12), and the batch has the law of the
    one-at-a-time draws (two-sample KS, α = 1e-3)."""
    from scipy.linalg import eigvalsh_tridiagonal

    from rmttheory.local_statistics.beta_ensembles import _top_bisect

    rng = np.random.default_rng(4)
    d, e = rng.standard_normal((40, 200)), rng.standard_normal((40, 199))
    ref = [eigvalsh_tridiagonal(d[i], e[i])[-1] for i in range(40)]
    assert np.allclose(_top_bisect(d, e), ref, rtol=0, atol=1e-12)
    for n, m in ((60, 120), (120, 60)):
        batch = beta_laguerre(n, m, 1.0, largest=1, size=1500, rng=1)
        single = [beta_laguerre(n, m, 1.0, largest=1, rng=k)[0] for k in range(1500)]
        assert stats.ks_2samp(batch, single).pvalue > 1e-3
    batch = beta_hermite(80, 2.0, largest=1, size=1500, rng=2)
    single = [beta_hermite(80, 2.0, largest=1, rng=k)[0] for k in range(1500)]
    assert stats.ks_2samp(batch, single).pvalue > 1e-3
    with pytest.raises(ParameterError):
        beta_hermite(80, 2.0, largest=2, size=10)
