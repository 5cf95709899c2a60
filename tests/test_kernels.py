"""CK and NTK spectra: reductions, an mpmath solution of the fixed point, sampling, the CLI."""

from __future__ import annotations

import json
import math

import mpmath as mp
import numpy as np
import pytest

from rmttheory.cli import main
from rmttheory.constants import derivative_moments, gaussian_constants
from rmttheory.distributions import MarchenkoPastur, SilversteinLaw
from rmttheory.errors import ParameterError
from rmttheory.kernels import ntk_spectrum, propagate_spectrum
from rmttheory.validation.kernel_sampling import deep_kernel_eigenvalues, ntk_eigenvalues
from rmttheory.validation.tolerance import ks_tolerance

X = np.linspace(0.05, 3.5, 40)


@pytest.mark.parametrize("gamma", [0.5, 2.0])
def test_reductions_to_marchenko_pastur(gamma):
    one = (np.array([1.0]), np.array([1.0]))
    mp_law = MarchenkoPastur(gamma)
    # alpha = v = 0: the Silverstein law; both solvers agree with the closed form
    for law in (SilversteinLaw(*one, gamma),):
        np.testing.assert_allclose(law.pdf(X), mp_law.pdf(X), atol=1e-7)
        assert law.atom_mass == pytest.approx(mp_law.atom_mass)
    # alpha t0 + v with a point population t0: t0 MP(gamma) shifted by alpha t0 + v
    if gamma <= 1:
        t0, alpha, v = 2.0, 0.5, -0.3
        shifted = SilversteinLaw(np.array([t0]), np.array([1.0]), gamma, alpha, v)
        y = t0 * X + alpha * t0 + v
        np.testing.assert_allclose(shifted.pdf(y), mp_law.pdf(X) / t0, atol=1e-7)


def test_fixed_point_against_mpmath():
    tau, w = np.array([0.3, 1.0, 2.5]), np.array([0.2, 0.5, 0.3])
    gamma, alpha, v = 0.7, 1.0, 0.2
    law = SilversteinLaw(tau, w, gamma, alpha, v)
    mp.mp.dps = 30
    for x in (0.9, 2.0, 3.5):
        z = mp.mpc(x, mp.mpf("1e-25"))

        def F(d, z=z):
            return d - gamma * mp.fsum(
                wi * ti / (ti / (1 + d) + alpha * ti + v - z) for ti, wi in zip(tau, w)
            )

        d = mp.findroot(F, mp.mpc(0.2, 0.3))  # the root is unique here (checked from 4 seeds)
        if mp.im(d) < 0:  # the physical root has Im delta > 0
            d = mp.findroot(F, mp.mpc(mp.re(d), -mp.im(d)))
        G = mp.fsum(wi / (ti / (1 + d) + alpha * ti + v - z) for ti, wi in zip(tau, w))
        assert float(mp.im(G)) / math.pi == pytest.approx(float(law.pdf(x)), rel=1e-9, abs=1e-12)


def test_ntk_law_against_sampling_and_its_exact_mean():
    r = ntk_spectrum("tanh", 1.0, 1.0)
    law = r["law"]
    c = gaussian_constants("tanh")
    dm = derivative_moments("tanh")
    # E tr(Theta)/m = eta + sigma^2 E f'^2 exactly (diagonal of the NTK)
    assert law.mean() == pytest.approx(c.eta + float(dm["fprime_sq"]), rel=1e-5)
    assert law.continuous_mass() == pytest.approx(1.0, abs=1e-5)
    m = 600
    ev = ntk_eigenvalues("tanh", m, 1.0, 1.0, rng=3)
    assert law.ks_distance(ev) < math.sqrt(math.log(2 / 1e-3) / (2 * m))
    # the NTK is not the CK: their laws differ by far more than sampling noise
    assert r["ck"].ks_distance(ev) > 0.2


def test_wide_layers_ck_against_sampling():
    """n_l > m (gamma < 1): regression test for the companion atom of the Silverstein solver."""
    layers = propagate_spectrum("tanh", 2, 2.0)
    ev = deep_kernel_eigenvalues("tanh", 2, 300, 2.0, rng=4)
    for d, e in zip(layers, ev):
        assert d["law"].continuous_mass() + d["law"].atom_mass == pytest.approx(1, abs=1e-5)
        # calibrated tolerance (Wishart null at m = 300, n = 600, plus 3 eigenvalues)
        assert d["law"].ks_distance(e) < ks_tolerance(300, 600, 1).value


def test_bad_input(capsys):
    with pytest.raises(ParameterError):
        SilversteinLaw(np.array([1.0]), np.array([1.0]), -1.0)
    with pytest.raises(ParameterError):
        ntk_spectrum("tanh", 0.0, 1.0)
    for argv, msg in (
        (["--kernel", "ntk", "--depth", "2"], "one hidden layer: depth must be 1"),
        (["--kernel", "gp"], "kernel must be one of ck, ntk, got 'gp'"),
    ):
        assert main(["kernel-spectrum", "tanh", *argv]) == 2
        assert msg in capsys.readouterr().err
    assert main(["kernel-spectrum", "nosuchfn(x)"]) == 2
    assert "unknown function(s): nosuchfn" in capsys.readouterr().err


def test_kernel_spectrum_cli(tmp_path, capsys):
    png = tmp_path / "k.png"
    argv = ["kernel-spectrum", "tanh", "--kernel", "ntk", "--depth", "1", "--width-ratio", "1"]
    assert (
        main(argv + ["--simulate", "--m", "200", "--json", "--plot", str(png), "--points", "50"])
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert [l["name"] for l in out["laws"]] == ["CK layer 1", "NTK"]
    assert out["laws"][1]["ks_sampled"] < out["laws"][1]["ks_tol"]
    assert len(out["x"]) == 50 and png.stat().st_size > 10_000


def test_risk_cli(tmp_path, capsys):
    assert (
        main(
            [
                "risk",
                "--model",
                "ridge",
                "--ratio",
                "0.5,2",
                "--lam",
                "0",
                "--noise",
                "0.25",
                "--json",
            ]
        )
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert out["variance"] == pytest.approx([0.25, 0.25])  # sigma^2 g/(1-g), sigma^2/(g-1)
    png = tmp_path / "r.png"
    argv = ["risk", "--model", "rf", "--ratio", "0.5,2", "--simulate", "--n", "60", "--trials", "4"]
    assert main(argv + ["--json", "--plot", str(png)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out["simulated"]) == 2 and out["mu1"] > 0 and png.stat().st_size > 10_000
    capsys.readouterr()
    for argv, msg in (
        (["--model", "kernel"], "unknown model 'kernel'; choose ridge or rf"),
        (["--ratio", "1", "--lam", "0"], "the risk is infinite"),  # at the interpolation peak
        (["--grid", "a:b:c"], "--grid must be LO:HI:N"),
    ):
        assert main(["risk", *argv]) == 2
        assert msg in capsys.readouterr().err
