r"""Spiked models against their outlier predictions (the edge section of the report).

**Spikes** (:func:`spiked_point`): spiked GOE and spiked covariance (locations and
overlaps, closed forms), and a spike in the *data* of a random-features Gram matrix: the
data covariance :math:`I + \theta e_1e_1^\top` makes, through the Gaussian-equivalent
column covariance :math:`C = (\zeta/\sigma^2)W\Sigma W^\top + (\eta - \zeta)I`, a
population spike :math:`\ell = (\zeta/\sigma^2)\psi^{-1}(1+\theta)(1+\psi/\theta) + \eta
- \zeta` (spiked covariance, first stage), and :math:`M` then has the Baik–Silverstein
outlier of that population (``model="population"``, second stage), with the squared
overlap between :math:`M`'s top eigenvector and :math:`C`'s.

Every mean is compared within the Student quantile (α = 1e-3) of its standard error over
the draws (:func:`rmttheory.validation.tolerance.mean_check`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from rmttheory import _params
from rmttheory.validation.edge import _top_eigenvalues
from rmttheory.validation.tolerance import mean_check

__all__ = ["spiked_point"]


def spiked_point(
    model: str, size: int, theta: float, samples: int, rng: _params.SeedLike = None
) -> dict[str, Any]:
    """Sampled outlier and overlap against the prediction (module docstring).

    ``model``: ``"goe"`` (n × n GOE on [−2, 2] plus θe₁e₁ᵀ), ``"covariance"`` (p = ``size``,
    N = 2p samples, population I + θe₁e₁ᵀ) or ``"features"`` (tanh random features,
    n0 = ``size``, φ = ψ = ½, data covariance I + θe₁e₁ᵀ; the overlap is with the top
    eigenvector of the Gaussian-equivalent column covariance C).

    Parameters
    ----------
    model
        ``"goe"``, ``"covariance"`` or ``"features"``.
    size
        n, p or n0 (see above).
    theta
        The spike.
    samples
        Number of independent matrices.
    rng
        Seed or generator.

    Returns
    -------
    dict
        The prediction (``location`` None below threshold, ``overlap``, ``threshold``),
        the sampled top eigenvalues and overlaps, and their mean checks (above
        threshold), or, below it, ``edge`` and the largest standardized top eigenvalue.

    Examples
    --------
    >>> r = spiked_point("goe", 100, 3.0, 4, rng=0)
    >>> round(r["prediction"]["location"], 6), r["location_check"]["pass"]
    (3.333333, True)
    """
    from rmttheory.algebra import marchenko_pastur, outliers, scale, semicircle, shift
    from rmttheory.constants import gaussian_constants
    from rmttheory.distributions import MarchenkoPastur

    model = _params.choice(model, "model", ("goe", "covariance", "features"))
    rng = _params.generator(rng)
    lam, ov = [], []
    if model == "goe":
        n = size
        pred = outliers(semicircle(1), theta)[0]
        edge, sigma = 2.0, n ** (-2 / 3)
        for _ in range(samples):
            A = rng.standard_normal((n, n))
            H = (A + A.T) / math.sqrt(2 * n)
            H[0, 0] += theta
            w, v = _top_eigenvalues(H, 1)
            lam.append(w[0])
            ov.append(v[0, 0] ** 2)
    elif model == "covariance":
        p, N = size, 2 * size
        pred = outliers(MarchenkoPastur(p / N), theta, "covariance")[0]
        edge = (1 + math.sqrt(p / N)) ** 2
        sigma = (math.sqrt(N) + math.sqrt(p)) * (1 / math.sqrt(N) + 1 / math.sqrt(p)) ** (1 / 3) / N
        for _ in range(samples):
            Z = rng.standard_normal((p, N))
            Z[0] *= math.sqrt(1 + theta)
            w, v = _top_eigenvalues(Z @ Z.T / N, 1)
            lam.append(w[0])
            ov.append(v[0, 0] ** 2)
    else:
        n0, n1, m = size, 2 * size, 2 * size
        psi = n0 / n1
        c = gaussian_constants("tanh", 1.0, math.sqrt(1 + theta / n0), digits=15)
        eta, zeta = c.eta, c.zeta
        stage1 = outliers(MarchenkoPastur(psi), theta, "covariance")[0]
        bulk = shift(scale(marchenko_pastur(1 / psi), zeta), eta - zeta)
        if stage1.location is None:  # no population spike: report the threshold
            ell = None
            pred = outliers(bulk, eta - zeta + 1e-9, "population", ratio=n1 / m)[0]
        else:
            ell = zeta * stage1.location / psi + eta - zeta
            pred = outliers(bulk, ell, "population", ratio=n1 / m)[0]
        from rmttheory.activation import activation

        f = activation("tanh").numpy()
        law_edge = _features_edge(eta, zeta, psi, n1, m)
        edge, sigma = law_edge
        ge = []  # the Gaussian-equivalent linear model on the same W and X
        for _ in range(samples):
            W = rng.standard_normal((n1, n0)) / math.sqrt(n0)
            X = rng.standard_normal((n0, m))
            X[0] *= math.sqrt(1 + theta)
            w, v = _top_eigenvalues(f(W @ X) @ f(W @ X).T / m, 1)
            Y = math.sqrt(zeta) * (W @ X) + math.sqrt(eta - zeta) * rng.standard_normal((n1, m))
            ge.append(float(_top_eigenvalues(Y @ Y.T / m, 1)[0][0]))
            Wv = W.copy()
            Wv[:, 0] *= math.sqrt(1 + theta)
            _, u = _top_eigenvalues(Wv @ Wv.T, 1)  # C's top eigenvector ((η - ζ)I is flat)
            lam.append(w[0])
            ov.append(float(v[:, 0] @ u[:, 0]) ** 2)
    out: dict[str, Any] = {
        "model": model, "size": size, "theta": theta, "samples": samples,
        "prediction": pred.to_dict(), "top": lam, "overlaps": ov,
    }  # fmt: skip
    if model == "features":
        out["population_spike"] = ell
        out["gaussian_equivalent_top"] = ge
        if pred.location is not None:
            out["gaussian_equivalent_check"] = mean_check(ge, pred.location, 0.0)
    if pred.location is not None:
        out["location_check"] = mean_check(lam, pred.location, 0.0)
        out["overlap_check"] = mean_check(ov, pred.overlap, 0.0)
    else:  # (for features, C's top eigenvector is then a bulk vector: no overlap predicted)
        out["edge"] = edge
        out["max_standardized"] = float((max(lam) - edge) / sigma)
        out["mean_overlap"] = float(np.mean(ov))
    return out


def _features_edge(eta: float, zeta: float, psi: float, n1: int, m: int) -> tuple[float, float]:
    """Edge location and TW scale of the unspiked Gram law (φ = ψ here)."""
    from rmttheory.distributions import PenningtonWorah, edge_scaling

    n0 = psi * n1
    s = edge_scaling(PenningtonWorah(eta, zeta, n0 / m, psi), n1)
    return s.location, s.scale
