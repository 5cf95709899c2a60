r"""Edge experiments: largest eigenvalues against Tracy–Widom, outliers against spiked models.

**The Tracy–Widom check** (:func:`tw_check`).  K independent matrices give K independent
largest eigenvalues; standardized by an :class:`~rmttheory.distributions.EdgeScaling`
they are compared with TW_β by the Kolmogorov–Smirnov distance.  The null distribution
is exact here (iid draws from a continuous law, not a rigid spectrum): the tolerance is
the :math:`1 - \alpha` quantile of the finite-K Kolmogorov law (``scipy.stats.kstwo``),
α = :data:`~rmttheory.validation.tolerance.ALPHA`.  Power rows run the same check with
the wrong β and with the scale 5% off (the sample standardized by :math:`1.05\sigma` or
:math:`0.95\sigma`).

**Random-feature Gram matrices** (:func:`gram_edge_point`).  :math:`M = YY^\top/m`,
:math:`Y = f(WX)` (``rmttheory.validation.sampling``): the largest eigenvalue against
TW₁ at the Pennington–Worah edge with the scale :math:`(cn_1)^{-2/3}`
(:func:`~rmttheory.distributions.edge_scaling`), and the outliers that finite-rank
mean structure makes (:func:`mean_spikes`): an uncentered activation adds
:math:`\mu\,\mathbf 1\mathbf 1^\top` (singular value :math:`|\mu|\sqrt{n_1}` of
:math:`Y/\sqrt m`); an activation with an even part, whose Gaussian mean
:math:`\mu(s) = E f(sz)` varies with the scale, adds row and column means driven by the
fluctuating norms :math:`\|w_i\|` and :math:`\|x_j\|` (two rank-one terms of singular value
:math:`|\sigma\mu'(\sigma)|/\sqrt{2\psi}` each).  Their outliers are predicted by the
rectangular spiked model with the Pennington–Worah law as the bulk
(:func:`rmttheory.algebra.outliers`).

Spiked models: :mod:`rmttheory.validation.spikes`; Σ² and Δ₃:
:mod:`rmttheory.validation.rigidity`.  Every mean is compared within the Student quantile (α = 1e-3) of its standard error over
the draws (:func:`rmttheory.validation.tolerance.mean_check`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from rmttheory import _params
from rmttheory.distributions import TracyWidom
from rmttheory.validation.tolerance import ALPHA, mean_check

__all__ = [
    "HIST_EDGES",
    "tw_check",
    "classical_edge_point",
    "gram_edge_point",
    "mean_spikes",
]

#: the scale errors the TW check must reject
SCALE_ERRORS = (1.05, 0.95)


def tw_check(standardized: Any, law: TracyWidom, alpha: float = ALPHA) -> dict[str, Any]:
    """KS distance of a standardized sample of extreme eigenvalues to ``law``, its exact
    Kolmogorov tolerance, and the power rows (wrong β, scale ±5%).

    Parameters
    ----------
    standardized
        :math:`(\\lambda_{\\max} - E)/\\sigma` of K independent matrices.
    law
        The Tracy–Widom law it should follow.
    alpha
        False-alarm rate.

    Returns
    -------
    dict
        ``ks``, ``tol``, ``pass``, ``samples``, ``mean``/``var`` (sample) and
        ``tw_mean``/``tw_var``, ``power`` (rows with ``perturbation``, ``ks``, ``reject``).

    Examples
    --------
    >>> tw = TracyWidom(2)
    >>> r = tw_check(tw.rvs(2000, random_state=0), tw)
    >>> r["pass"], all(row["reject"] for row in r["power"])
    (True, True)
    """
    from scipy import stats

    s = _params.real_array(standardized, "standardized", allow_empty=False, finite=True).ravel()
    tol = float(stats.kstwo.ppf(1 - alpha, s.size))
    ks = law.ks_distance(s)
    other = TracyWidom(2 if law.beta == 1 else 1)
    trials = [(f"β = {other.beta}", other.ks_distance(s))]
    trials += [(f"scale ×{f:g}", law.ks_distance(s / f)) for f in SCALE_ERRORS]
    rows = [{"perturbation": name, "ks": v, "reject": bool(v > tol)} for name, v in trials]
    return {
        "ks": ks, "tol": tol, "pass": bool(ks <= tol), "samples": int(s.size),
        "mean": float(s.mean()), "var": float(s.var(ddof=1)), "tw_mean": law.mean(),
        "tw_var": law.var(), "power": rows,
    }  # fmt: skip


def classical_edge_point(
    kind: str, n: int, beta: int, samples: int, rng: _params.SeedLike = None
) -> dict[str, Any]:
    """Largest eigenvalues of the Gaussian β-ensemble (``"hermite"``, n × n) or of
    :math:`XX^*/m` (``"laguerre"``, n × n, m = 2n), by the tridiagonal models, checked
    against TW_β with the finite-n centrings (:func:`~rmttheory.distributions.hermite_edge`,
    :func:`~rmttheory.distributions.laguerre_edge`) and, for comparison, with the plain
    limit-law centring.

    Parameters
    ----------
    kind
        ``"hermite"`` or ``"laguerre"``.
    n, beta
        Dimension and β (1, 2 or 4).
    samples
        Number of independent matrices.
    rng
        Seed or generator.

    Returns
    -------
    dict
        The sizes, ``check`` (finite-n centring) and ``limit_check`` (limit law) from
        :func:`tw_check`, and ``hist`` (density histogram of the standardized sample on
        :data:`HIST_EDGES`, for figures).

    Examples
    --------
    >>> r = classical_edge_point("hermite", 100, 2, 500, rng=0)
    >>> r["check"]["pass"], r["check"]["power"][0]["reject"]
    (True, True)
    """
    from rmttheory.distributions import (
        EdgeScaling,
        MarchenkoPastur,
        edge_scaling,
        hermite_edge,
        laguerre_edge,
    )
    from rmttheory.local_statistics import beta_hermite, beta_laguerre

    kind = _params.choice(kind, "kind", ("hermite", "laguerre"))
    rng = _params.generator(rng)
    law = TracyWidom(beta, "beta-ensemble") if beta == 4 else TracyWidom(beta)
    if kind == "hermite":
        top = beta_hermite(n, beta, largest=1, size=samples, rng=rng)
        scaling = hermite_edge(n, beta)
        limit = EdgeScaling(2.0, n ** (-2 / 3), beta, n)  # the semicircle's edge
    else:
        m = 2 * n
        top = beta_laguerre(n, m, beta, largest=1, size=samples, rng=rng)
        scaling = laguerre_edge(n, m, beta)
        limit = edge_scaling(MarchenkoPastur(n / m), n, beta)
    s = scaling.standardize(top)
    return {
        "kind": kind, "n": n, "beta": beta, "samples": samples,
        "scaling": scaling.to_dict(), "check": tw_check(s, law),
        "limit_check": tw_check(limit.standardize(top), law), "hist": _hist(s),
    }  # fmt: skip


#: bins of the standardized histograms
HIST_EDGES = np.linspace(-7.0, 5.0, 61)


def _hist(s: np.ndarray) -> list[float]:
    return np.histogram(s, bins=HIST_EDGES, density=True)[0].tolist()


def mean_spikes(act: Any, phi: float, psi: float, center: bool = True) -> dict[str, float]:
    """Singular values of the rank-one mean terms of :math:`Y/\\sqrt m` (module docstring),
    at σ_w = σ_x = 1.

    Parameters
    ----------
    act
        The activation.
    phi, psi
        The ratios (φ is unused: both terms depend on ψ only).
    center
        Whether f is centered; when not, ``"mean"`` is :math:`|\\mu|`, the singular value per
        unit :math:`\\sqrt{n_1}` (it grows with the width).

    Returns
    -------
    dict
        ``"even"``: :math:`|\\sigma\\mu'(\\sigma)|/\\sqrt{2\\psi}` (row and column means, two
        such terms); ``"mean"`` when not centered.

    Examples
    --------
    >>> round(mean_spikes("x**2 - 1", 0.5, 0.8)["even"], 6)  # sqrt(2/psi)
    1.581139
    """
    from rmttheory.constants import gaussian_constants

    h = 1e-4
    up = gaussian_constants(act, 1 + h, 1.0, digits=15).mean
    down = gaussian_constants(act, 1 - h, 1.0, digits=15).mean
    slope = (up - down) / (2 * h)  # sigma mu'(sigma) at sigma = 1
    out = {"even": abs(slope) / math.sqrt(2 * psi)}
    if not center:
        out["mean"] = abs(gaussian_constants(act, 1.0, 1.0, digits=15).mean)
    return out


def _top_eigenvalues(M: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k largest eigenvalues (descending) and their eigenvectors (columns)."""
    from scipy.linalg import eigh

    n = M.shape[0]
    w, v = eigh(M, subset_by_index=[n - k, n - 1])
    return w[::-1], v[:, ::-1]


def gram_edge_point(
    act: Any,
    n0: int,
    phi: float,
    psi: float,
    samples: int,
    rng: _params.SeedLike = None,
    center: bool = True,
) -> dict[str, Any]:
    """Largest eigenvalues of :math:`M = YY^\top/m` against the Pennington–Worah edge and
    the predicted outliers (module docstring).

    Parameters
    ----------
    act
        The activation.
    n0, phi, psi
        Input dimension and ratios (n1 <= m).
    samples
        Number of independent Gram matrices.
    rng
        Seed or generator.
    center
        Subtract the Gaussian mean of f (False keeps the mean's outlier).

    Returns
    -------
    dict
        Sizes, the law's ``edge`` (location, scale), the predicted ``outliers`` (spike,
        location or None) and, per predicted outlier, a :func:`mean_check` of the sampled
        eigenvalue; ``check``: :func:`tw_check` of the first eigenvalue below the
        predicted outliers; ``top``: the sampled top eigenvalues (one row per draw).

    Examples
    --------
    >>> r = gram_edge_point("relu", 40, 0.5, 1.0, 8, rng=0, center=False)
    >>> r["outliers"][0]["spike"], len(r["outlier_checks"])
    ('mean', 1)
    """
    from rmttheory.algebra import outliers
    from rmttheory.distributions import PenningtonWorah, edge_scaling
    from rmttheory.validation.sampling import GramSpec, sample_gram

    spec = GramSpec(act, n0, phi, psi, center=center)
    _, n1, m = spec.shape
    law = PenningtonWorah.from_activation(act, phi, psi)
    scaling = edge_scaling(law, n1, beta=1)
    spikes = mean_spikes(act, phi, psi, center)
    thetas = []
    if spikes["even"] > 1e-9:  # an odd activation has no even part
        thetas = [("even (row means)", spikes["even"]), ("even (column means)", spikes["even"])]
    if "mean" in spikes and spikes["mean"] > 1e-9:
        thetas.insert(0, ("mean", spikes["mean"] * math.sqrt(n1)))
    predicted: list[dict[str, Any]] = []
    supercritical: list[float] = []
    found = outliers(law, [t for _, t in thetas], "rectangular", ratio=n1 / m) if thetas else []
    for (label, theta), o in zip(thetas, found):
        predicted.append({"spike": label, "theta": theta, "location": o.location,
                          "threshold": o.threshold})  # fmt: skip
        if o.location is not None:
            supercritical.append(o.location)
    supercritical.sort(reverse=True)
    q = len(supercritical)
    rng = _params.generator(rng)
    top = np.array([_top_eigenvalues(sample_gram(spec, rng), q + 2)[0] for _ in range(samples)])
    law_tw = TracyWidom(1)
    return {
        "act": str(act), "n0": n0, "n1": n1, "m": m, "phi": phi, "psi": psi,
        "center": center, "samples": samples,
        "edge": {"location": scaling.location, "scale": scaling.scale},
        "outliers": predicted,
        "outlier_checks": [mean_check(top[:, k], loc, 0.0) for k, loc in enumerate(supercritical)],
        "check": tw_check(scaling.standardize(top[:, q]), law_tw),
        "top": top.tolist(),
    }  # fmt: skip
