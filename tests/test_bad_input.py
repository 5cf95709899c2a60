"""Bad input everywhere in the public API (issue 10): a package error or a right value.

A property-based test throws NaN, +-inf, 0, negatives, huge values, empty arrays,
complex numbers, strings and None at every argument of the public functions and
law methods listed in ``TARGETS``, and asserts that each call either raises a
:class:`rmttheory.errors.RmtError` (the package's own error, one clear sentence)
or returns finite values -- never a silent NaN, never a raw numpy/Python
exception.  ``+inf`` is allowed where it is the documented right value (the
density at a hard edge).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rmttheory import gaussian_constants
from rmttheory.algebra import free_add, outliers, semicircle
from rmttheory.data import load_dataset
from rmttheory.distributions import (
    GaudinGOE,
    LinearNetwork,
    MarchenkoPastur,
    PenningtonWorah,
    RatioLaw,
    SilversteinLaw,
    TracyWidom,
    WignerSurmise,
    edge_scaling,
    hermite_edge,
    soft_edge,
)
from rmttheory.distributions.edge import stieltjes_derivative
from rmttheory.distributions.spacing import gap_probability_goe
from rmttheory.errors import RmtError
from rmttheory.local_statistics import (
    beta_hermite,
    beta_laguerre,
    number_variance,
    sample_spectrum,
    sample_wishart_spectrum,
    spacing_ratios,
    spacings,
    spectral_rigidity,
    spectral_rigidity_theory,
    unfold,
)
from rmttheory.regression import RidgeSpectrum, gradient_flow_risk, ridge_risk
from rmttheory.validation.compare import ks_distance
from rmttheory.validation.tolerance import ks_tolerance

BAD = [
    float("nan"), float("inf"), -float("inf"), 0.0, -1.0, -1e300, 1e300, 1e-320,
    np.array([]), np.array([np.nan, 1.0]), np.array([1.0, np.inf]), 1 + 1j,
    np.array([0.5 + 0.1j]), "abc", None, [1.0, "x"], True,
]  # fmt: skip

TANH = PenningtonWorah(1.0, 0.5, 0.5, 0.5)
MP = MarchenkoPastur(2.0)  # atom at 0
GOOD_SPEC = np.sort(np.random.default_rng(0).standard_normal(200))

#: name -> (callable of one argument, does +inf count as a right value)
TARGETS = {
    "pdf": (TANH.pdf, True),
    "cdf": (TANH.cdf, False),
    "sf": (MP.sf, False),
    "ppf": (TANH.ppf, False),
    "moment": (MP.moment, False),
    "stieltjes": (MP.stieltjes, False),
    "rvs": (lambda v: TANH.rvs(v, random_state=0), False),
    "law.ks_distance": (TANH.ks_distance, False),
    "ks_distance": (lambda v: ks_distance(MP, v), False),
    "gaudin pdf": (GaudinGOE().pdf, False),
    "ratio cdf": (RatioLaw("goe").cdf, False),
    "surmise ppf": (WignerSurmise("goe").ppf, False),
    "PenningtonWorah(eta)": (lambda v: PenningtonWorah(v, 0.5, 0.5, 0.5).mean(), False),
    "PenningtonWorah(phi)": (lambda v: PenningtonWorah(1.0, 0.5, v, 0.5).mean(), False),
    "PenningtonWorah(psi)": (lambda v: PenningtonWorah(1.0, 0.5, 0.5, v).mean(), False),
    "LinearNetwork(zeta)": (lambda v: LinearNetwork(v, 0.5, 0.5).mean(), False),
    "MarchenkoPastur(ratio)": (lambda v: MarchenkoPastur(v).mean(), False),
    "MarchenkoPastur(scale)": (lambda v: MarchenkoPastur(0.5, v).mean(), False),
    "SilversteinLaw(gamma)": (
        lambda v: SilversteinLaw(np.array([1.0]), np.array([1.0]), v).mean(),
        False,
    ),
    "SilversteinLaw(tau)": (lambda v: SilversteinLaw(v, np.array([1.0]), 0.5).mean(), False),
    "gaussian_constants(sigma_w)": (lambda v: gaussian_constants("tanh", v).eta, False),
    "gaussian_constants(act)": (lambda v: gaussian_constants(v).eta, False),
    "gap_probability_goe": (gap_probability_goe, False),
    "unfold": (lambda v: unfold(v), False),
    "spacings": (lambda v: spacings(v), False),
    "number_variance(unfolded)": (lambda v: number_variance(v, [1.0]), False),
    "number_variance(L)": (lambda v: number_variance(GOOD_SPEC * 50, v), False),
    "spacing_ratios": (lambda v: spacing_ratios(v).r_tilde, False),
    "sample_spectrum(n)": (lambda v: sample_spectrum("goe", v, 0), False),
    "sample_wishart_spectrum(m)": (lambda v: sample_wishart_spectrum(50, v, 0), False),
    "gradient_flow_risk(gamma)": (lambda v: gradient_flow_risk(v, [1.0]), False),
    "gradient_flow_risk(times)": (lambda v: gradient_flow_risk(0.5, v), False),
    "gradient_flow_risk(lam)": (lambda v: gradient_flow_risk(0.5, [1.0], lam=v), False),
    "gradient_flow_risk(snr)": (lambda v: gradient_flow_risk(0.5, [1.0], snr=v), False),
    "ridge_risk(lam)": (lambda v: ridge_risk(RidgeSpectrum.power_law(50, 1.5, 1.0), 0.5, v), False),
    "ks_tolerance(n)": (lambda v: ks_tolerance(v, 100, replicates=20).value, False),
    # issue 24
    "TracyWidom cdf": (TracyWidom(1).cdf, False),
    "TracyWidom logsf": (TracyWidom(2).logsf, True),  # log 0 = -inf past the underflow
    "TracyWidom ppf": (TracyWidom(4).ppf, True),  # ppf(0) = -inf, ppf(1) = +inf
    "TracyWidom(beta)": (lambda v: TracyWidom(v).mean(), False),
    "TracyWidom rvs": (lambda v: TracyWidom(1).rvs(v, random_state=0), False),
    "beta_hermite(n)": (lambda v: beta_hermite(v, 1.0, largest=1, rng=0), False),
    "beta_hermite(beta)": (lambda v: beta_hermite(20, v, rng=0), False),
    "beta_laguerre(m)": (lambda v: beta_laguerre(20, v, 1.0, rng=0), False),
    "soft_edge(law)": (lambda v: soft_edge(v).constant, False),
    "edge_scaling(n)": (lambda v: edge_scaling(MarchenkoPastur(0.5), v).scale, False),
    "hermite_edge(n)": (lambda v: hermite_edge(v, 1).scale, False),
    "stieltjes_derivative(x)": (lambda v: stieltjes_derivative(MarchenkoPastur(0.5), v), False),
    "outliers(spikes)": (lambda v: [o.overlap for o in outliers(MarchenkoPastur(0.5), v)], False),
    "outliers(ratio)": (
        lambda v: outliers(MarchenkoPastur(0.5), 2.0, "rectangular", ratio=v)[0].overlap,
        False,
    ),
    "spectral_rigidity(L)": (lambda v: spectral_rigidity(GOOD_SPEC * 50, v), False),
    "spectral_rigidity_theory(L)": (lambda v: spectral_rigidity_theory("goe", v), False),
    # issue 22: API entries that leaked raw exceptions
    "free_add(b)": (lambda v: free_add(semicircle(1), v).name, False),
    "load_dataset(num_samples)": (lambda v: load_dataset("gaussian", num_samples=v).x, False),
    "sample_spectrum(rng)": (lambda v: sample_spectrum("goe", 10, v), False),
}


def _all_finite(out, allow_inf: bool) -> bool:
    if out is None:
        return True
    if isinstance(out, dict):
        return all(_all_finite(v, allow_inf) for v in out.values())
    if isinstance(out, (list, tuple)):
        return all(_all_finite(v, allow_inf) for v in out)
    a = np.asarray(out)
    if a.dtype.kind not in "fcib":
        return True
    if np.isnan(a).any():
        return False
    return allow_inf or bool(np.isfinite(a).all())


def _call(name, value):
    func, allow_inf = TARGETS[name]
    try:
        out = func(value)
    except RmtError as exc:
        msg = str(exc)
        assert msg and "\n" not in msg.strip(), f"{name}({value!r}): unclear message {msg!r}"
        return
    except Exception as exc:  # noqa: BLE001 - the point of the test
        pytest.fail(f"{name}({value!r}) raised a raw {type(exc).__name__}: {exc}")
    assert _all_finite(out, allow_inf), f"{name}({value!r}) returned {out!r}"


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(TARGETS)), st.sampled_from(range(len(BAD))))
def test_bad_input_gets_a_package_error_or_a_finite_value(name, i):
    _call(name, BAD[i])


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_every_target_refuses_nan(name):
    """NaN is never a right answer: each target raises (exhaustive, not sampled)."""
    func, _ = TARGETS[name]
    with pytest.raises(RmtError):
        out = func(float("nan"))
        if _all_finite(out, False):  # a finite answer to NaN is not acceptable either
            raise AssertionError(f"{name}(nan) returned {out!r}")


def test_specific_values():
    """The values the issue reported as silently wrong."""
    law = PenningtonWorah.from_activation("tanh", 0.5, 0.5)  # hard edge at 0
    with pytest.raises(RmtError, match="infinite"):
        law.moment(-1)
    with pytest.raises(RmtError):
        law.cdf(float("nan"))
    with pytest.raises(RmtError):
        law.sf(float("nan"))
    with pytest.raises(RmtError):
        law.pdf(1 + 1j)
    with pytest.raises(RmtError):
        law.rvs(-1)
    assert math.isfinite(float(law.cdf(0.3)))
