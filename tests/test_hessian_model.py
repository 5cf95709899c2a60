"""The GOE-bulk + degenerate-block + outliers model of network Hessians."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rmttheory.errors import ParameterError
from rmttheory.hessians.model import HessianModel, count_outliers
from rmttheory.local_statistics.ratios import MEAN_R_TILDE, closest_ensemble, spacing_ratios

from .conftest import mc_tolerance


def _semicircle_cdf(x, c, s):
    t = np.clip((x - c) / (2 * s), -1, 1)
    return 0.5 + (t * np.sqrt(1 - t**2) + np.arcsin(t)) / math.pi


def test_atom_outliers_and_bulk_density():
    m = HessianModel(600, 400, spikes=(0.5, 2.0, 3.0), sigma=1.0, shift_sd=0.3)
    diffs, ks = [], []
    for seed in range(20):
        o = m.sample(seed)
        lam, c = o["eigenvalues"], o["shift"]
        zero = np.abs(lam) < 1e-12
        assert int(zero.sum()) == 600 - 400  # the degenerate block, exactly
        assert m.atom_mass == pytest.approx(1 / 3)
        nz = np.sort(lam[~zero])
        diffs.append(nz[-2:] - m.outlier_locations(c))  # spike 0.5 < sigma sticks to the edge
        bulk = nz[:-2]
        ecdf = np.arange(1, bulk.size + 1) / bulk.size
        ks.append(np.max(np.abs(ecdf - _semicircle_cdf(bulk, c, 1.0))))
        assert count_outliers(lam) == 2
    diffs = np.array(diffs)
    # BBP locations: sampled mean within 5 SE plus the O(1/r) finite-size bias
    for k in range(2):
        assert abs(diffs[:, k].mean()) < mc_tolerance(diffs[:, k]) + 3 / 400
    # bulk is the shifted semicircle: KS below the DKW 99.9% bound for 398 points
    assert np.median(ks) < math.sqrt(math.log(2 / 1e-3) / (2 * 398))
    # ... while the whole spectrum is far from any semicircle (atom of mass 1/3)
    lam = m.sample(0)["eigenvalues"]
    whole = np.arange(1, lam.size + 1) / lam.size - _semicircle_cdf(lam, 0.0, 1.0)
    assert np.max(np.abs(whole)) > 0.15


def test_local_statistics_stay_goe():
    m = HessianModel(500, 300, spikes=(2.0, 4.0), sigma=0.7, shift_sd=1.0)
    eig = np.array([m.sample(s)["eigenvalues"] for s in range(30)])
    st = spacing_ratios(eig, trim=0.05)
    assert st.n_used == 30 * (300 - 2 * 15)
    tol = mc_tolerance(st.r_tilde, z=4)
    assert abs(st.mean_r_tilde - MEAN_R_TILDE["goe"]) < tol + 0.003  # + finite-N offset
    assert closest_ensemble(st)["closest"] == "goe"


def test_matrix_form_has_the_same_spectrum():
    m = HessianModel(120, 80, spikes=(3.0,), sigma=1.0)
    a = m.sample(5, matrix=True)
    b = m.sample(5)
    H = a["matrix"]
    assert np.allclose(H, H.T) and H.shape == (120, 120)
    np.testing.assert_allclose(np.sort(a["eigenvalues"]), b["eigenvalues"], atol=1e-10)


@pytest.mark.parametrize(
    "kw",
    [
        dict(n=10, rank=11),
        dict(n=10, rank=2),
        dict(n=10, rank=5, spikes=(-1.0,)),
        dict(n=10, rank=5, sigma=0.0),
    ],
)
def test_bad_parameters(kw):
    with pytest.raises(ParameterError):
        HessianModel(**kw)


def test_count_outliers_needs_enough_eigenvalues():
    with pytest.raises(ParameterError):
        count_outliers(np.arange(10.0))
    assert count_outliers(np.linspace(0, 1, 500)) == 0
