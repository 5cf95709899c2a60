"""Soft edges and Tracy–Widom scaling: closed forms (semicircle, Marchenko–Pastur,
Johnstone), the density's behaviour at the edge, refusals, and sampled largest
eigenvalues with the finite-n centrings."""

import math

import numpy as np
import pytest
from scipy import stats

from rmttheory.algebra import marchenko_pastur, semicircle
from rmttheory.distributions import (
    MarchenkoPastur,
    PenningtonWorah,
    TracyWidom,
    edge_scaling,
    hermite_edge,
    laguerre_edge,
    soft_edge,
)
from rmttheory.distributions.edge import stieltjes_derivative
from rmttheory.errors import ParameterError
from rmttheory.local_statistics import beta_hermite, beta_laguerre


@pytest.mark.parametrize("c", [0.25, 0.5, 2.0])
def test_marchenko_pastur_edges(c):
    """ρ = √((b - x)(x - a))/(2π c x): c_edge = √(b - a)/(2 c b) = c^(-3/4)/b at the top,
    c^(-3/4)/a at the bottom; G(b+) = 2/(b - 1 + c)."""
    a, b = (1 - math.sqrt(c)) ** 2, (1 + math.sqrt(c)) ** 2
    for law, tol in ((MarchenkoPastur(c), 1e-10), (marchenko_pastur(c), 2e-9)):
        e = soft_edge(law)
        assert e.location == pytest.approx(b, abs=1e-12)
        assert e.constant == pytest.approx(c**-0.75 / b, rel=tol)
        assert e.stieltjes == pytest.approx(2 / (b - 1 + c), abs=1e-11)
    if c < 1:
        e = soft_edge(MarchenkoPastur(c), "left")
        assert e.constant == pytest.approx(c**-0.75 / a, rel=1e-9)
        assert e.stieltjes == pytest.approx(2 / (a - 1 + c), abs=1e-10)
    else:  # an atom at 0 below the bottom edge
        with pytest.raises(ParameterError, match="atom"):
            soft_edge(MarchenkoPastur(c), "left")


def test_semicircle_edge_and_johnstone():
    e = soft_edge(semicircle(1))
    assert (e.location, e.constant, e.stieltjes) == pytest.approx((2.0, 1.0, 1.0), abs=1e-9)
    for p, n in ((500, 1000), (200, 2000), (900, 1000)):
        s = edge_scaling(MarchenkoPastur(p / n), p)
        sigma = (math.sqrt(n) + math.sqrt(p)) * (1 / math.sqrt(n) + 1 / math.sqrt(p)) ** (1 / 3)
        assert s.scale == pytest.approx(sigma / n, rel=1e-10)
        assert s.location == pytest.approx((1 + math.sqrt(p / n)) ** 2, rel=1e-14)
    assert edge_scaling(semicircle(1), 1000, beta=2).scale == pytest.approx(1e-2, rel=1e-9)


def test_constant_is_the_density_at_the_edge():
    """c = lim π ρ(E - h)/√h, read off the density by Richardson extrapolation in h, for a
    Pennington–Worah law (whose edge and G come from its own solver)."""
    law = PenningtonWorah.from_activation("tanh", 0.5, 0.5)
    e = soft_edge(law)
    w = e.location - law.support()[-1][0]
    h = w * 1e-4 * np.array([1.0, 0.5, 0.25])
    g = math.pi * law.pdf(e.location - h) / np.sqrt(h)  # = c + a h + b h^2 ...
    r1 = 2 * g[1:] - g[:-1]
    extrapolated = (4 * r1[1] - r1[0]) / 3
    assert extrapolated == pytest.approx(e.constant, rel=1e-7)
    assert abs(g[0] / e.constant - 1) > 1e-5  # the extrapolation mattered


def test_refusals():
    with pytest.raises(ParameterError, match="hard edge"):
        soft_edge(MarchenkoPastur(1.0), "left")
    with pytest.raises(ParameterError):
        soft_edge("semicircle")
    with pytest.raises(ParameterError):
        edge_scaling(MarchenkoPastur(0.5), 100, beta=3)
    with pytest.raises(ParameterError):
        stieltjes_derivative(MarchenkoPastur(0.5), 1.0)  # inside the support


def test_stieltjes_derivative():
    law = MarchenkoPastur(0.5)
    x = np.array([3.0, 5.0, -1.0])
    c = 0.5
    root = np.sqrt((x - law.lower) * (x - law.upper))
    G = (x - 1 + c - np.sign(x) * root) / (2 * c * x)
    # implicit derivative of c x G^2 - (x - 1 + c) G + 1 = 0
    dG = -(c * G * G - G) / (2 * c * x * G - (x - 1 + c))
    assert np.allclose(stieltjes_derivative(law, x), dG, rtol=1e-12)


def _ks_and_tol(sample, law):
    return law.ks_distance(sample), stats.kstwo.ppf(1 - 1e-3, len(sample))


def test_finite_n_centrings_remove_the_bias():
    """GOE at n = 100: the limit-law centring is off by ~0.1 TW units (rejected with 4,000
    samples), n - 1/2 is not; real Wishart with (n - 1/2, m - 1/2); complex Wishart plain."""
    rng = np.random.default_rng(2)
    n, K = 100, 4000
    top = np.array([beta_hermite(n, 1, largest=1, rng=rng)[0] for _ in range(K)])
    tw1 = TracyWidom(1)
    ks, tol = _ks_and_tol(hermite_edge(n, 1).standardize(top), tw1)
    assert ks < tol
    ks_plain, _ = _ks_and_tol(edge_scaling(semicircle(1), n, 1).standardize(top), tw1)
    assert ks_plain > tol
    p, m = 100, 200
    top = np.array([beta_laguerre(p, m, 1, largest=1, rng=rng)[0] for _ in range(K)])
    assert _ks_and_tol(laguerre_edge(p, m, 1).standardize(top), tw1)[0] < tol
    top = np.array([beta_laguerre(p, m, 2, largest=1, rng=rng)[0] for _ in range(K)])
    s = laguerre_edge(p, m, 2).standardize(top)
    assert _ks_and_tol(s, TracyWidom(2))[0] < tol
    limit = edge_scaling(MarchenkoPastur(p / m), p, 2)
    assert limit.location == pytest.approx(laguerre_edge(p, m, 2).location, rel=1e-12)
    assert limit.scale == pytest.approx(laguerre_edge(p, m, 2).scale, rel=1e-9)


def test_bottom_edge_scaling():
    """The smallest eigenvalue of a Wishart matrix at the soft bottom edge: a - σ TW_2."""
    rng = np.random.default_rng(9)
    p, m, K = 100, 400, 3000
    low = np.array([beta_laguerre(p, m, 2, rng=rng)[0] for _ in range(K)])
    s = edge_scaling(MarchenkoPastur(p / m), p, 2, side="left").standardize(low)
    ks, tol = _ks_and_tol(s, TracyWidom(2))
    assert ks < tol and _ks_and_tol(s, TracyWidom(1))[0] > tol
