r"""The finite-size map: how far each limit law is from sampled spectra, against size.

For each family the report checks, :func:`size_map_point` samples spectra at one size
and measures the Kolmogorov–Smirnov distance to the family's law; :func:`fit_rate` fits
:math:`\mathrm{KS}(n) \approx C n^{-a}` over the sizes and returns the size at which the
fitted distance meets a stated accuracy :math:`\varepsilon`,
:math:`n_\varepsilon = (C/\varepsilon)^{1/a}`.  Each point also records the Wishart null
at the same size (:func:`~rmttheory.validation.tolerance.ks_tolerance`): its mean is
the distance a *correct* law would show (rigid spectra: about :math:`\log n/n`), its
quantile plus :math:`3/n` is the check's tolerance.  A law at the noise floor has
:math:`\mathrm{KS}/\text{null mean}\approx 1`; a limit law that has not converged sits
above it and falls at its own rate.

Families (sizes are :math:`n_0`, or :math:`n` for random features on digits):

=====================  =====================================================================
``pennington-worah``   tanh, :math:`\phi = \psi = 1/2`, Gaussian data (``PenningtonWorah``)
``structured data``    tanh on :math:`\Sigma_x = \{1: 1/2, 4: 1/2\}`, :math:`\phi = 1/2`,
                       :math:`\psi = 4/5` (the derived law, :mod:`rmttheory.algebra`)
``x^2 - 1``            the same data, :math:`f = x^2 - 1` (the slow case of the conditional
                       prediction, :func:`~rmttheory.validation.conditional.check_conditional`)
``two layers``         two tanh layers, widths :math:`n_0` and :math:`5n_0/4`, :math:`m = 2n_0`
``deep CK``            the conjugate kernel after three tanh layers of width :math:`m`
``digits (LLC)``       tanh random features on digits (:math:`d = 61`), :math:`N = n`:
                       the Louart–Liao–Couillet equivalent
``digits (fluct.)``    the same with the fluctuating equivalent (δ(w) kept)
=====================  =====================================================================

The digits rows show the difference between a law that has not converged in :math:`d`
(LLC: fixed :math:`d`, its distance does not fall with :math:`n`) and one that holds at
the data's dimension (at the noise floor at every :math:`n`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from rmttheory import _params
from rmttheory._params import SeedLike
from rmttheory.errors import ParameterError
from rmttheory.validation.compare import ks_distance
from rmttheory.validation.tolerance import ks_tolerance

__all__ = ["FAMILIES", "size_map_point", "fit_rate", "ACCURACIES"]

#: the stated accuracies of the map (KS: the largest fraction of eigenvalues misplaced)
ACCURACIES = (0.01, 0.005)


def _pw(size: int, rng: np.random.Generator) -> tuple[np.ndarray, Any, tuple[int, int]]:
    from rmttheory.distributions import PenningtonWorah
    from rmttheory.validation.gram import gram_eigenvalues
    from rmttheory.validation.sampling import GramSpec

    spec = GramSpec("tanh", size, 0.5, 0.5)
    _, n1, m = spec.shape
    return gram_eigenvalues(spec, rng), PenningtonWorah.from_activation("tanh", 0.5, 0.5), (n1, m)


def _derived(acts: tuple[str, ...], data: bool) -> Callable[..., Any]:
    def point(size: int, rng: np.random.Generator) -> tuple[np.ndarray, Any, tuple[int, int]]:
        from rmttheory.validation.derived import DerivedModel

        widths = (size * 5 // 4,) if len(acts) == 1 else (size, size * 5 // 4)
        spectrum = {1.0: 0.5, 4.0: 0.5} if data else None
        model = DerivedModel(acts, size, widths, 2 * size, data_spectrum=spectrum)
        return model.sample(rng), model.law().distribution(), (widths[-1], 2 * size)

    return point


def _deep_ck(size: int, rng: np.random.Generator) -> tuple[np.ndarray, Any, tuple[int, int]]:
    from rmttheory.kernels.propagation import propagate_spectrum
    from rmttheory.validation.kernel_sampling import deep_kernel_eigenvalues

    eig = deep_kernel_eigenvalues("tanh", 3, size, 1.0, rng=rng)[-1]
    return eig, propagate_spectrum("tanh", 3, 1.0)[-1]["law"], (size, size)


def _digits(method: str) -> Callable[..., Any]:
    def point(size: int, rng: np.random.Generator) -> tuple[np.ndarray, Any, tuple[int, int]]:
        from rmttheory.data import design_matrix
        from rmttheory.regression import RandomFeaturesEquivalent
        from rmttheory.validation.features import sample_features

        if size > 1797:
            raise ParameterError("digits has 1,797 samples: size <= 1797")
        dm = design_matrix("digits", size, n_test=0)
        eig = sample_features("tanh", dm, size, [], trials=1, seed=rng)["eigenvalues"][0]
        eq = RandomFeaturesEquivalent.from_data("tanh", dm.X, method=method, seed=rng,
                                                spectrum_samples=1000)  # fmt: skip
        return eig, eq.spectrum(size), (size, size)

    return point


#: family name -> one sampled spectrum, its law and the Wishart null's (n, m) at a size
FAMILIES: dict[str, Callable[..., tuple[np.ndarray, Any, tuple[int, int]]]] = {
    "pennington-worah": _pw,
    "structured data": _derived(("tanh",), True),
    "x^2 - 1": _derived(("x**2 - 1",), True),
    "two layers": _derived(("tanh", "tanh"), False),
    "deep CK": _deep_ck,
    "digits (LLC)": _digits("llc"),
    "digits (fluct.)": _digits("fluctuating"),
}


def size_map_point(family: str, size: int, seeds: int = 1, rng: SeedLike = 0) -> dict[str, Any]:
    """KS distance of ``seeds`` pooled sampled spectra to the family's law at one size.

    Parameters
    ----------
    family
        A key of :data:`FAMILIES`.
    size
        :math:`n_0` (or :math:`n` for digits).
    seeds
        Spectra pooled.
    rng
        Seed.

    Returns
    -------
    dict
        ``family``, ``size``, ``seeds``, ``ks``, ``null_mean`` (the Wishart null's mean
        at the same size), ``tol`` (the check's tolerance), ``pass`` and ``ratio``
        (``ks / null_mean``).

    Examples
    --------
    >>> p = size_map_point("pennington-worah", 60)
    >>> p["size"], p["ks"] > 0, p["null_mean"] > 0
    (60, True, True)
    """
    if family not in FAMILIES:
        raise ParameterError(f"unknown family {family!r}; choose one of {', '.join(FAMILIES)}")
    size = _params.integer(size, "size", minimum=20, maximum=8000)
    seeds = _params.integer(seeds, "seeds", minimum=1)
    gen = _params.generator(rng)
    eig, law, (n, m) = [], None, (0, 0)
    for _ in range(seeds):
        e, law, (n, m) = FAMILIES[family](size, gen)
        eig.append(e)
    ks = ks_distance(law, np.concatenate(eig))
    tol = ks_tolerance(n, m, seeds)
    return {"family": family, "size": size, "seeds": seeds, "ks": ks, "null_mean": tol.null_mean,
            "tol": tol.value, "pass": bool(ks <= tol.value), "ratio": ks / tol.null_mean}  # fmt: skip


def fit_rate(sizes: Any, ks: Any, accuracies: Any = ACCURACIES) -> dict[str, Any]:
    """Least-squares fit of :math:`\\log\\mathrm{KS} = \\log C - a\\log n` and the sizes at
    which the fitted distance meets each accuracy.

    Parameters
    ----------
    sizes, ks
        At least three sizes and their distances.
    accuracies
        Target distances :math:`\\varepsilon`.

    Returns
    -------
    dict
        ``rate`` (:math:`a`), ``constant`` (:math:`C`), ``n_at`` (``{eps: size}``, None
        when the distance does not fall, :math:`a \\le 0`) and ``residual`` (rms in log).

    Examples
    --------
    >>> fit = fit_rate([100, 200, 400], [0.04, 0.02, 0.01])
    >>> round(fit["rate"], 6), round(fit["n_at"][0.005])
    (1.0, 800)
    """
    n = _params.real_array(sizes, "sizes", allow_empty=False, finite=True, positive=True)
    d = _params.real_array(ks, "ks", allow_empty=False, finite=True, positive=True)
    if n.size < 3 or n.shape != d.shape:
        raise ParameterError("fit_rate needs at least three (size, ks) pairs")
    A = np.column_stack([np.ones(n.size), -np.log(n)])
    (logC, a), *_ = np.linalg.lstsq(A, np.log(d), rcond=None)
    resid = float(np.sqrt(np.mean((A @ np.array([logC, a]) - np.log(d)) ** 2)))
    at: dict[float, float | None] = {}
    for eps in np.atleast_1d(np.asarray(accuracies, dtype=float)):
        at[float(eps)] = float(math.exp((logC - math.log(eps)) / a)) if a > 0 else None
    return {"rate": float(a), "constant": float(math.exp(logC)), "n_at": at, "residual": resid}
