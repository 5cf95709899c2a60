r"""Long-range statistics of sampled levels against their theory: Σ²(L) and Δ₃(L) of GOE,
GUE and Poisson spectra (the edge section of the report)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from rmttheory import _params
from rmttheory.validation.tolerance import ALPHA

__all__ = ["rigidity_point"]


def rigidity_point(
    ensemble: str, n: int, spectra: int, L: Any, rng: _params.SeedLike = None
) -> dict[str, Any]:
    """Σ²(L) and Δ₃(L) of ``spectra`` spectra of size n (β-ensemble on [−2, 2] unfolded by
    the exact semicircle cdf, central half; or Poisson levels), against the theory of
    every ensemble: per L the mean, its standard error, and which theories it is within
    the normal quantile (α = 1e-3) of.

    Parameters
    ----------
    ensemble
        ``"goe"``, ``"gue"`` or ``"poisson"``.
    n, spectra
        Levels per spectrum and number of spectra.
    L
        Window lengths.
    rng
        Seed or generator.

    Returns
    -------
    dict
        ``L``, ``z`` and, for ``"sigma2"`` and ``"delta3"``, the sample mean, its standard
        error and each ensemble's theory at every L.

    Examples
    --------
    >>> r = rigidity_point("poisson", 400, 4, [1.0, 2.0], rng=0)
    >>> sorted(r["delta3"])
    ['goe', 'gue', 'poisson', 'sample', 'se']
    """
    from scipy import stats

    from rmttheory.local_statistics import (
        beta_hermite,
        number_variance,
        number_variance_theory,
        spectral_rigidity,
        spectral_rigidity_theory,
    )

    L = _params.real_array(L, "L", allow_empty=False, finite=True, positive=True)
    rng = _params.generator(rng)
    s2, d3 = [], []
    for _ in range(spectra):
        if ensemble == "poisson":
            x = np.sort(rng.uniform(0, n, n))
        else:
            lam = beta_hermite(n, {"goe": 1, "gue": 2}[ensemble], rng=rng)
            t = np.clip(lam, -2, 2)
            x = n * (0.5 + t * np.sqrt(4 - t * t) / (4 * math.pi) + np.arcsin(t / 2) / math.pi)
        s2.append(number_variance(x, L, trim=0.25, stride=0.5))
        d3.append(spectral_rigidity(x, L, trim=0.25, stride=0.5))
    z = float(stats.norm.isf(ALPHA / 2))
    out: dict[str, Any] = {"ensemble": ensemble, "n": n, "spectra": spectra, "L": L.tolist(),
                           "z": z}  # fmt: skip
    for name, vals, theory in (
        ("sigma2", np.array(s2), number_variance_theory),
        ("delta3", np.array(d3), spectral_rigidity_theory),
    ):
        rec = {"sample": vals.mean(axis=0).tolist(),
               "se": (vals.std(axis=0, ddof=1) / math.sqrt(spectra)).tolist()}  # fmt: skip
        for ens in ("poisson", "goe", "gue"):
            rec[ens] = theory(ens, L).tolist()
        out[name] = rec
    return out
