"""Spacing ratios: reference laws (mpmath), sampled ensembles, degeneracies, CLI."""

import json
import math

import mpmath as mp
import numpy as np
import pytest

from rmttheory.cli import main
from rmttheory.distributions import RatioLaw
from rmttheory.errors import ParameterError
from rmttheory.local_statistics import (
    MEAN_R_TILDE,
    closest_ensemble,
    sample_spectrum,
    spacing_ratios,
)

SURMISE_MEAN = {  # closed forms of the 3x3 surmise means (Atas et al. 2013)
    "goe": 4 - 2 * math.sqrt(3),
    "gue": 2 * math.sqrt(3) / math.pi - 0.5,
    "poisson": 2 * math.log(2) - 1,
}


@pytest.mark.parametrize("ens", ["goe", "gue", "gse", "poisson"])
def test_ratio_laws_normalized_and_mpmath_mean(ens):
    law = RatioLaw(ens)
    assert law.continuous_mass() == pytest.approx(1, abs=1e-12)
    # independent 30-digit quadrature of r * 2P(r) on [0, 1]
    beta = {"goe": 1, "gue": 2, "gse": 4}.get(ens)
    with mp.workdps(30):
        if beta is None:
            dens = lambda r: 2 / (1 + r) ** 2  # noqa: E731
        else:
            Z = {
                1: mp.mpf(8) / 27,
                2: 4 * mp.pi / (81 * mp.sqrt(3)),
                4: 4 * mp.pi / (729 * mp.sqrt(3)),
            }[beta]
            dens = lambda r: (
                2 * (r + r * r) ** beta / (Z * (1 + r + r * r) ** (1 + mp.mpf(3) * beta / 2))
            )  # noqa: E731
        ref = mp.quad(lambda r: r * dens(r), [0, 1])
    assert law.mean() == pytest.approx(float(ref), rel=1e-12)
    if ens in SURMISE_MEAN:
        assert law.mean() == pytest.approx(SURMISE_MEAN[ens], rel=1e-12)


@pytest.mark.parametrize(
    "ens,target", [("goe", 0.5307), ("poisson", 2 * math.log(2) - 1), ("gue", 0.5996)]
)
def test_sampled_mean_r_tilde(ens, target):
    """<r~> of sampled spectra (n = 1000) against the large-N value.

    The issue's criterion (10 samples, within 0.005) is only ~2 standard errors
    (SE ~ 0.0026), so it fails for about 1 seed in 20; here 40 samples give
    SE ~ 0.0013 and the tolerance is 4 SE computed from the sample (~0.005).
    """
    eig = np.array([sample_spectrum(ens, 1000, np.random.default_rng([7, s])) for s in range(40)])
    stats = spacing_ratios(eig)
    se = stats.r_tilde.std(ddof=1) / math.sqrt(stats.n_ratios)
    assert 4 * se <= 0.006  # the test keeps its teeth: ~the 0.005
    assert abs(stats.mean_r_tilde - target) <= 4 * se
    assert closest_ensemble(stats)["closest"] == ens


@pytest.mark.parametrize("ens,beta", [("goe", 1), ("gue", 2), ("gse", 4)])
def test_sampler_normalization_is_semicircle(ens, beta):
    """Density |Delta|^beta exp(-sum l^2/2): E[l^2] = beta n/2 (+O(1)), radius sqrt(2 beta n)."""
    n = 2000
    lam = sample_spectrum(ens, n, 1)
    assert np.mean(lam**2) / n == pytest.approx(beta / 2, rel=0.02)
    assert np.max(np.abs(lam)) / math.sqrt(2 * beta * n) < 1.05


def test_degenerate_and_near_zero_eigenvalues():
    rng = np.random.default_rng(0)
    lam = np.concatenate(
        [np.zeros(50), 1e-13 * rng.standard_normal(20), sample_spectrum("goe", 200, rng)]
    )
    lam = np.concatenate([lam, lam[-5:]])  # exact degeneracies
    st = spacing_ratios(lam)
    assert st.cutoff > 0 and st.n_used == 205 and st.n_degenerate >= 5
    assert np.all(np.isfinite(st.r_tilde)) and np.all((st.r_tilde >= 0) & (st.r_tilde <= 1))
    with pytest.raises(ParameterError):
        spacing_ratios([1.0, np.nan, 3.0])
    with pytest.raises(ParameterError):
        spacing_ratios(lam, trim=0.6)


def test_trim_and_mean_constants():
    st = spacing_ratios(sample_spectrum("poisson", 500, 3), trim=0.1)
    assert st.n_used == 400 and st.n_ratios == 398
    assert MEAN_R_TILDE["poisson"] == pytest.approx(0.38629, abs=1e-5)


def test_ratios_cli(capsys):
    assert main(["ratios", "--ensemble", "goe", "--n", "400", "--samples", "4", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    for key in ("mean_r_tilde", "n_ratios", "closest", "ks"):
        assert key in d
    assert d["n_ratios"] == 4 * 398 and d["closest"] == "goe"
    with pytest.raises(SystemExit) as exc:
        raise SystemExit(main(["ratios", "--ensemble", "goe", "--n", "2"]))
    assert exc.value.code == 2
