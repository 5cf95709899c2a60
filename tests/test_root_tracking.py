"""The numerics behind an algebraic law's density (issue 23, the build of its model): the
second-order predictor of the root continuation, Pellet's one-root test at the starting
height, and the density model's build with several refinement levels per density call.
Each faster path is compared with the path it replaced (same values to rounding, same
pieces), and each test is shown able to fail."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from rmttheory._numerics import chebyshev, check_points
from rmttheory._numerics.chebyshev import ComponentModel
from rmttheory._numerics.continuation import track_root
from rmttheory._numerics.hard_edge import EdgeFit
from rmttheory._numerics.polyroots import one_root_in_disk
from rmttheory.algebra import deep_nonlinear_gram, marchenko_pastur
from rmttheory.errors import ConvergenceError

R = sp.Rational


@pytest.fixture(scope="module")
def structured():
    """tanh on structured data (degree 6 in G): the benchmark's law."""
    law = deep_nonlinear_gram(["tanh"], R(1, 2), [R(4, 5)], data_spectrum={1: R(1, 2), 4: R(1, 2)})
    return law.distribution()


def _grid(dist, n=400):
    lo, hi = dist.support()[0][0], dist.support()[-1][1]
    x = np.linspace(lo - 0.2 * (hi - lo), hi * 1.2, n)
    return x[np.min(np.abs(x[:, None] - dist._candidates[None, :]), axis=1) > 1e-6]


def test_second_order_predictor_equals_first_order_in_fewer_steps(structured):
    """G(x + i0) and G(x + 0.01i) with the second-order predictor (coefficients' second
    z-derivative given) equal the first-order continuation's to 1e-12, in at most 60% of
    its steps (measured: 24 against 62 iterations on 33 points)."""
    dist = structured
    x = _grid(dist)
    for y in (0.0, 1e-2):
        z = x + 1j * y
        counts, results = {}, {}
        for order in (1, 2):
            calls = [0]

            def cdz(zz, order=order, calls=calls):
                calls[0] += 1
                return dist.__class__._coeffs_dz(dist, zz)[: order + 1]

            dist._coeffs_dz = cdz
            try:
                results[order] = dist._transform(z)
            finally:
                del dist._coeffs_dz
            counts[order] = calls[0]
        g1, g2 = results[1], results[2]
        assert np.max(np.abs(g1 - g2) / np.abs(g1)) < 1e-12
        assert counts[2] <= 0.6 * counts[1], counts


def test_second_order_predictor_on_a_closed_form():
    """v^2 - z (z - 2) = 0 followed from x + 3i down to x + i0 with the second-order
    predictor: the root sqrt(z (z - 2)) on the branch ~ z at infinity (the Marchenko-Pastur
    kind of square root), to 1e-13; a wrong second derivative (sign flipped) still gives
    the right root (the corrector) but in more steps."""
    x = np.linspace(-1.05, 3.05, 42)  # not at the branch points 0 and 2
    z0 = x + 3j

    def branch(z):
        s = np.sqrt(z * (z - 2))
        return np.where(np.abs(s - (z - 1)) < np.abs(-s - (z - 1)), s, -s)

    def tables(sign):
        def cdz(z):
            one, zero = np.ones_like(z), np.zeros_like(z)
            co = np.stack([one, zero, -z * (z - 2)], axis=-1)
            co_z = np.stack([zero, zero, -(2 * z - 2)], axis=-1)
            co_zz = np.stack([zero, zero, -2 * sign * one], axis=-1)
            return co, co_z, co_zz

        return cdz

    def coeffs(z):
        return tables(1)(z)[0]

    # x + i0: the boundary value from above (the root with Im v > 0 inside (0, 2))
    exact = branch(x + 1e-300j)
    inside = (x > 0) & (x < 2)
    exact[inside] = 1j * np.sqrt(x[inside] * (2 - x[inside]))
    steps = {}
    for sign in (1, -1):
        calls = [0]

        def counted(z, sign=sign, calls=calls):
            calls[0] += 1
            return tables(sign)(z)

        got = track_root(coeffs, x, 3.0, 0.0, branch(z0), coeffs_dz=counted, scale=3.0)
        assert np.max(np.abs(got - exact)) < 1e-13
        steps[sign] = calls[0]
    assert steps[-1] > 1.3 * steps[1], steps


def test_pellet_test_is_sound_and_sharp():
    """Against all roots (numpy.roots, well-conditioned random polynomials): wherever the
    test says one root, the disk holds exactly one (never a wrong True over 4,000 cases);
    it says True for a disk of radius r around a root whose nearest other root is 6 r
    away, and False for every disk that holds two roots (its power)."""
    gen = np.random.default_rng(3)
    wrong, trues = 0, 0
    for _ in range(4000):
        d = int(gen.integers(2, 9))
        roots = gen.normal(size=d) + 1j * gen.normal(size=d)
        co = np.poly(roots)[None, :]
        center = roots[0] + 0.1 * (gen.normal() + 1j * gen.normal())
        radius = abs(gen.exponential(0.5))
        ok = one_root_in_disk(co, np.array([center]), np.array([radius]))[0]
        inside = int(np.sum(np.abs(roots - center) < radius))
        trues += ok
        wrong += ok and inside != 1
    assert wrong == 0 and trues > 400
    # sharp enough: an isolated root is proven with a disk of 1/6 of its separation
    for d in range(2, 9):
        roots = np.concatenate(
            [[0.3 + 0.2j], 0.3 + 0.2j + 6.0 * np.exp(2j * np.pi * np.arange(d - 1) / (d - 1))]
        )
        co = np.poly(roots)[None, :]
        assert one_root_in_disk(co, np.array([0.3 + 0.2j]), np.array([1.0]))[0]
        two = np.poly(np.concatenate([roots[:1], roots[:1] + 0.5, roots[2:]]))[None, :]
        assert not one_root_in_disk(two, np.array([0.3 + 0.2j]), np.array([1.0]))[0]


def test_proven_start_equals_the_companion_eigenvalue_rule(structured, monkeypatch):
    """The starting root proven by Newton + Pellet equals the one chosen among all
    companion eigenvalues (the rule it replaced) to 1e-13; with Pellet's test failing
    everywhere (forced) the eigenvalue rule answers alone, with the same values; at a
    height too low for the branch bound (|z| < R) the start is refused."""
    dist = structured
    x = _grid(dist, 200)
    y = 3.0 * dist.radius
    fast = dist._start(x, y)
    roots = dist._all_roots(x + 1j * y)
    picked = roots[np.arange(x.size), np.argmin(np.abs(roots - 1 / (x + 1j * y)[:, None]), axis=1)]
    assert np.max(np.abs(fast - picked) / np.abs(picked)) < 1e-13
    import rmttheory.algebra.distribution as module

    monkeypatch.setattr(module, "one_root_in_disk", lambda co, w, r: np.zeros(len(w), bool))
    slow = dist._start(x, y)
    assert np.max(np.abs(fast - slow) / np.abs(slow)) < 1e-13
    with pytest.raises(ConvergenceError):
        dist._start(x, 0.1 * dist.radius)


def _kinked(x):
    return np.sqrt(np.clip(x * (1 - x), 0, None)) * (1 + np.abs(x - 0.3) ** 2.5)


@pytest.mark.parametrize("hard_edge", [False, True])
def test_model_pieces_do_not_depend_on_levels_per_call(hard_edge):
    """The density model built with several refinement levels per density call has the
    same pieces and coefficients (bit for bit) as the one built a level a call, in fewer
    calls; the refinement here is 6 levels deep (a kink of order 2.5 at 0.3)."""
    density = (lambda x: _kinked(x) / np.maximum(x, 1e-300)) if hard_edge else _kinked
    models, calls = {}, {}
    for spec in (0, 512):
        n = [0]

        def counted(x, n=n):
            n[0] += 1
            return density(x)

        models[spec] = ComponentModel(counted, 0.0, 1.0, hard_edge, spec)
        calls[spec] = n[0]
    a, b = models[0], models[512]
    assert a.pieces == b.pieces >= 8
    np.testing.assert_array_equal(a.breaks, b.breaks)
    np.testing.assert_array_equal(np.array(a.coefs), np.array(b.coefs))
    assert calls[512] < calls[0] / 2, calls
    if hard_edge:
        assert b.edge_exponent == pytest.approx(-0.5, abs=1e-6)
    assert b.mass == pytest.approx(a.mass, rel=0, abs=1e-15)


def test_model_piece_cap_holds_with_levels_per_call(monkeypatch):
    """A density with a jump never converges; the piece cap still bounds the model."""
    monkeypatch.setattr(ComponentModel, "MAX_PIECES", 40)
    m = ComponentModel(lambda x: np.where(x < 1 / 3, 1.0, 2.0), 0.0, 1.0, False, 512)
    assert m.pieces <= 40


def test_hard_edge_fit_in_one_call_and_one_at_a_time():
    """The power-law fit at a hard edge: every candidate distance in one call; where that
    call raises (a solver that cannot get within 1e-9 of the edge), one distance at a time,
    skipping those that raise: the same exponent, fitted further out."""
    density = lambda x: (1 + x) / np.sqrt(np.maximum(x, 1e-300))  # noqa: E731

    def shy(x):
        if np.any(x < 1e-9):
            raise ConvergenceError("too close")
        return density(x)

    fit, fit2 = EdgeFit(density, 0.0, 1.0), EdgeFit(shy, 0.0, 1.0)
    ext, expo, ext2, expo2 = fit.density, fit.exponent, fit2.density, fit2.exponent
    assert expo == pytest.approx(-0.5, abs=1e-9)
    assert expo2 == pytest.approx(-0.5, abs=1e-6)
    x = np.array([1e-13, 1e-11])
    np.testing.assert_allclose(ext(x), density(x), rtol=1e-9)
    np.testing.assert_allclose(ext2(x), density(x), rtol=1e-6)


def test_marchenko_pastur_law_through_the_faster_paths():
    """End to end: the algebraic Marchenko-Pastur law (ratio 1/4) through the proven start,
    the second-order continuation and the model built several levels a call: pdf on 4,096
    points (the model) equals the closed form to 1e-11 of its maximum, the cdf at the
    median of the closed form is 1/2 to 1e-10."""
    from rmttheory.distributions import MarchenkoPastur

    law = marchenko_pastur(R(1, 4)).distribution()
    ref = MarchenkoPastur(0.25)
    x = np.linspace(0.25, 2.25, 4098)[1:-1]
    got, exact = law.pdf(x), ref.pdf(x)
    assert law.pdf_model_error is not None
    assert np.max(np.abs(got - exact)) < 1e-11 * exact.max()
    assert float(law.cdf(ref.ppf(0.5))) == pytest.approx(0.5, abs=1e-10)


@pytest.mark.parametrize("hard_edge", [False, True])
def test_check_values_from_the_build_equal_a_separate_check(hard_edge):
    """A model built with check_theta0 brings the density at model_check's points from its own
    calls: the same points and values as the check's separate call, so the same error; the
    build takes no extra call (levels per call 0 and 1024), and the check is no weaker: a
    model of a 2% wrong density is caught by it (error ~2e-2, not ~1e-12)."""
    density = (lambda x: _kinked(x) / np.maximum(x, 1e-300)) if hard_edge else _kinked
    for spec in (0, 1024):
        calls = [0]

        def counted(x, calls=calls):
            calls[0] += 1
            return density(x)

        plain = ComponentModel(density, 0.0, 1.0, hard_edge, spec)
        built = ComponentModel(counted, 0.0, 1.0, hard_edge, spec, check_theta0=1e-3)
        assert plain.checked is None and built.checked is not None
        np.testing.assert_array_equal(plain.breaks, built.breaks)
        th, rho = built.checked
        want = check_points._check_theta(built.breaks, 1e-3, hard_edge)
        np.testing.assert_allclose(np.sort(th), np.sort(want), rtol=0, atol=1e-15)
        x = np.sin(th / 2) ** 2
        np.testing.assert_array_equal(rho, density(x))
        n_build = calls[0]
        err = chebyshev.model_check([built], counted, 1e-3)
        assert calls[0] == n_build  # the check called nothing
        assert err == pytest.approx(chebyshev.model_check([plain], density, 1e-3), rel=1e-6)
        assert err < 1e-10
        wrong = ComponentModel(lambda x: 1.02 * density(x), 0.0, 1.0, hard_edge, spec)
        assert chebyshev.model_check([wrong], density, 1e-3) > 1e-2


def test_check_points_that_raise_leave_the_check_to_its_own_call():
    """Where the build's call with the check points raises (here: a density failing at the
    check's edge points alone), the build goes on without them, and the check calls the
    density itself."""
    bad = np.sin(check_points._edge_check_theta(1e-3, False) / 2) ** 2

    def shy(x):
        if np.any(np.abs(x[:, None] - bad[None, :]) < 1e-15):
            raise ConvergenceError("not here")
        return _kinked(x)

    m = ComponentModel(shy, 0.0, 1.0, False, 1024, check_theta0=1e-3)
    assert m.checked is None
    ref = ComponentModel(_kinked, 0.0, 1.0, False, 1024)
    np.testing.assert_array_equal(m.breaks, ref.breaks)
    with pytest.raises(ConvergenceError):
        chebyshev.model_check([m], shy, 1e-3)
