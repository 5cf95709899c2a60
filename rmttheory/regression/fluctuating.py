r"""Random features on data of small dimension: the equivalent that keeps :math:`\delta(w)` inside.

Conventions of :mod:`rmttheory.regression.data_equivalent`: data :math:`X\in\mathbb R^{d\times n}`
(columns), weights :math:`w\sim\mathcal N(0,\sigma_w^2I_d/d)`, rows
:math:`\sigma(w) = f(X^\top w)\in\mathbb R^n` of :math:`\Sigma = f(WX)`, the Gram matrix
:math:`K = \Sigma^\top\Sigma/N` and the ridge read-out at :math:`\lambda`.

**Why.**  Louart–Liao–Couillet replace the quadratic form
:math:`\delta(w) = \sigma(w)^\top\bar Q\sigma(w)/N` of a row by its mean.  When
:math:`d` is small it does not concentrate: :math:`\lVert w\rVert^2` alone has a
relative spread :math:`\sqrt{2/d}` (18% at :math:`d = 61`), and on digits
:math:`\delta(w)` spreads by 35% (97% of that variance is a quadratic form in
:math:`w`).  The leave-one-out argument that gives the equivalent does not need the
concentration; keeping :math:`\delta(w)` gives

.. math::
    \mathbb E(K - zI)^{-1}\approx\bar Q(z) = \Big(\mathbb E_w\frac{\sigma(w)\sigma(w)^\top}
      {1+\delta_z(w)} - zI\Big)^{-1},\qquad \delta_z(w) = \frac{\sigma(w)^\top\bar Q(z)\sigma(w)}N,

the fixed point of El Karoui's elliptical models (2009) with the weight of each row
its own.  Errors are derivatives of resolvents: the training error is
:math:`\lambda^2\operatorname{tr}(Y^\top\bar Q'Y)/n` at :math:`z = -\lambda`, and the
test error is the derivative in :math:`\varepsilon` of the resolvent of the training
and test features together with :math:`-z = \lambda` on the training block and
:math:`-1/\varepsilon` on the test block (module :mod:`rmttheory.regression.data_equivalent`
shows the same structure for a constant :math:`\delta`, where it reduces to LLC's
Theorem 3; ``tests/test_fluctuating.py`` checks the reduction).

**Expectations over w, without the distortion of a sampled matrix.**  An estimate
:math:`\hat A = \frac1M\sum_m g_m\sigma_m\sigma_m^\top` of the :math:`n\times n` matrix
from :math:`M` draws is itself a random-features Gram matrix: its spectrum is spread
by :math:`\sqrt{n/M}` and its resolvent is biased by :math:`O(n/M)` (on digits, +7%
on the small-ridge training error at :math:`M = 10n`).  That bias is exactly what
the same equivalent predicts for an :math:`M`-row matrix, so it is removed by the
weights: with :math:`e_m = \sigma_m^\top\hat Q\sigma_m` (:math:`\hat Q` the resolvent
of :math:`\hat A`) and its leave-one-out value :math:`p_m = e_m/(1 - g_me_m/M)`,
choosing :math:`g_m/(1+g_mp_m/M) = 1/(1+p_m/N)` makes the equivalent of
:math:`\hat A` the target; eliminating :math:`p_m`,

.. math:: \frac{e_m}{M}g_m^2 - \Big(1+\frac{e_m}N\Big)g_m + 1 = 0

(the root that tends to :math:`1/(1+e_m/N)`; real for :math:`M > N`).  The fixed
point in :math:`e\in\mathbb R^M` is solved by safeguarded Anderson iteration from
the LLC solution; the linear systems of the errors share the matrix
:math:`I - K`, :math:`K_{mm'} = -g'(e_{m'})(\sigma_m^\top\hat Q\sigma_{m'})^2/M`
(symmetrized and Cholesky-factored).  The estimate is unbiased to leading order for
any :math:`M > N` (measured: the small-ridge training error on digits is the same
at :math:`M = 2.5n` and :math:`20n` within 0.5%), and its noise is
:math:`O(M^{-1/2})` in the errors: :func:`fluctuating_errors` averages
``replicates`` independent sets of draws and reports the standard error of the
mean as the numerical error.

The spectrum at complex :math:`z` would need an :math:`n\times n` solve per point;
it uses the diagonal reduction in the eigenbasis :math:`U` of the exact kernel
:math:`\Phi = \mathbb E\sigma\sigma^\top`: rows of type :math:`m` with energy
profile :math:`E_{mk} = (u_k^\top\sigma(w_m))^2`, rescaled per direction so that
their mean is exactly :math:`\operatorname{spec}\Phi`
(:class:`~rmttheory.distributions.MixtureSilversteinLaw`).  Per-entry averages
carry no distortion (noise :math:`O(M^{-1/2})` per direction).  Measured on digits:
the reduction's Stieltjes transform equals the full equivalent's to
:math:`10^{-3}` relative, and its KS distance to sampled spectra is at the Wishart
null level (docs/features.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.linalg import blas, cho_factor, cho_solve, solve_triangular

from rmttheory import _params
from rmttheory.errors import ConvergenceError, ParameterError
from rmttheory.regression.sampler import FeatureSampler, default_samples
from rmttheory.resources import require_bytes

__all__ = [
    "FluctuatingErrors",
    "fluctuating_errors",
    "debiased_weights",
    "plain_weights",
]


def debiased_weights(e: np.ndarray, width: int, samples: int) -> tuple[np.ndarray, np.ndarray]:
    """The weights :math:`g(e)` of the module docstring and their derivative :math:`g'(e)`.

    Parameters
    ----------
    e
        Quadratic forms :math:`e_m = \\sigma_m^\\top\\hat Q\\sigma_m` (> 0).
    width, samples
        :math:`N` and :math:`M` (``samples > width``).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)

    Examples
    --------
    >>> g, dg = debiased_weights(np.array([2.0]), 1, 10**12)  # M -> infinity: 1/(1 + e/N)
    >>> round(float(g[0]), 9), round(float(dg[0]), 9)
    (0.333333333, -0.111111111)
    """
    N, M = float(width), float(samples)
    b = 1.0 + e / N
    c = e / M
    g = 2.0 / (b + np.sqrt(b * b - 4.0 * c))
    dg = (g / N - g * g / M) / (2.0 * e * g / M - b)
    return g, dg


# -- one replicate ---------------------------------------------------------------------
def _anderson(F, x0: np.ndarray, tol: float, maxiter: int = 400, depth: int = 5) -> np.ndarray:
    """Safeguarded Anderson acceleration of x = F(x) for positive x."""
    xs: list[np.ndarray] = []
    rs: list[np.ndarray] = []
    x = x0
    best = (math.inf, x0, None)
    for _ in range(maxiter):
        g = F(x)
        r = g - x
        size = float(np.max(np.abs(r)) / np.max(np.abs(x)))
        if not np.all(np.isfinite(g)):
            size = math.inf
        if size < tol:
            return g
        if size > 10 * best[0]:  # diverging: restart from the best point with a damped step
            xs, rs = [], []
            x = best[1] + 0.5 * (best[2] - best[1])
            continue
        if size < best[0]:
            best = (size, x, g)
        xs.append(x)
        rs.append(r)
        if len(xs) > depth:
            xs.pop(0)
            rs.pop(0)
        new = g
        if len(xs) > 1:
            dX = np.stack([xs[j + 1] - xs[j] for j in range(len(xs) - 1)], axis=1)
            dR = np.stack([rs[j + 1] - rs[j] for j in range(len(rs) - 1)], axis=1)
            coef, *_ = np.linalg.lstsq(dR, r, rcond=None)
            new = x + r - (dX + dR) @ coef
            if np.any(new <= 0) or not np.all(np.isfinite(new)):
                xs, rs = [], []
                new = best[1] + 0.5 * (best[2] - best[1])
        x = new
    raise ConvergenceError(f"the fixed point over the draws of w did not converge ({best[0]:.2g})")


def _gram(S: np.ndarray, g: np.ndarray, lam: float) -> np.ndarray:
    """S^T diag(g) S / M + lam I (upper triangle by syrk, then symmetrized)."""
    M = S.shape[0]
    B = np.asfortranarray(S * np.sqrt(g)[:, None])
    A = blas.dsyrk(1.0 / M, B, trans=1)
    A = np.triu(A) + np.triu(A, 1).T
    A[np.diag_indices_from(A)] += lam
    return A


def plain_weights(e: np.ndarray, width: int, samples: int) -> tuple[np.ndarray, np.ndarray]:
    """The weights :math:`1/(1+e/N)` without the correction for the sampled matrix (biased by
    O(n/M); kept to show what the correction removes, ``tests/test_fluctuating.py``).

    Parameters
    ----------
    e, width, samples
        As :func:`debiased_weights` (``samples`` is not used).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)

    Examples
    --------
    >>> plain_weights(np.array([2.0]), 1, 10)[0].tolist()
    [0.3333333333333333]
    """
    g = 1.0 / (1.0 + e / width)
    return g, -g * g / width


def _replicate(
    S: np.ndarray,
    St: np.ndarray | None,
    Y: np.ndarray,
    Y_test: np.ndarray | None,
    lam: float,
    width: int,
    e0: np.ndarray,
    tol: float,
    weights: Any = debiased_weights,
) -> dict[str, Any]:
    M, n = S.shape
    St_T = np.ascontiguousarray(S.T)

    def chol(e: np.ndarray) -> np.ndarray:
        g, _ = weights(e, width, M)
        try:
            return np.linalg.cholesky(_gram(S, g, lam))
        except np.linalg.LinAlgError:  # pragma: no cover - lam > 0 keeps it positive
            raise ConvergenceError("the weighted Gram matrix lost positivity") from None

    def F(e: np.ndarray) -> np.ndarray:
        Z = solve_triangular(chol(e), St_T, lower=True, check_finite=False)
        return np.einsum("ij,ij->j", Z, Z)

    e = _anderson(F, e0, tol)
    L = chol(e)
    g, dg = weights(e, width, M)
    solution = e
    Z = solve_triangular(L, St_T, lower=True, check_finite=False)  # L^{-1} S^T
    P = Z.T @ Z  # sigma_m^T Qhat sigma_m'
    d = np.sqrt(np.maximum(-dg, 0.0) / M)
    H = (P * P) * d[:, None] * d[None, :]
    H = np.eye(M) - H
    try:
        Hf = cho_factor(H, lower=True, check_finite=False)
    except np.linalg.LinAlgError:
        raise ConvergenceError(
            "1 - (the derivative of the fixed point) is not positive: the ridge is too small "
            "for this width"
        ) from None
    QZ = solve_triangular(L, Z, lower=True, trans=1, check_finite=False)  # Qhat S^T (n × M)
    QY = cho_solve((L, True), Y, check_finite=False)
    yq = S @ QY  # M × C: Y^T Qhat sigma_m
    yq2 = np.sum(yq * yq, axis=1)
    c = np.einsum("ij,ij->j", QZ, QZ)  # |Qhat sigma_m|^2
    p = cho_solve(Hf, d * c, check_finite=False) / np.where(d > 0, d, 1.0)
    train = lam**2 * (float(np.sum(QY * QY)) + float(np.sum(-dg * p * yq2)) / M) / n
    out: dict[str, Any] = {"train": train, "delta_mean": float(np.mean(e)) / width, "e": solution}
    if St is not None and Y_test is not None:
        C = (St * g[:, None]).T @ S / M  # n_test × n
        CQ = cho_solve((L, True), C.T, check_finite=False).T  # C Qhat
        bias = float(np.sum((Y_test - CQ @ Y) ** 2))
        R = St - S @ CQ.T  # sigma_hat_m - C Qhat sigma_m
        b = np.sum(R * R, axis=1)
        t = cho_solve(Hf, d * b, check_finite=False) / np.where(d > 0, d, 1.0)
        out["test"] = (bias + float(np.sum(-dg * t * yq2)) / M) / St.shape[1]
    return out


@dataclass(frozen=True)
class FluctuatingErrors:
    """Training and test errors of the equivalent and their numerical standard errors.

    Attributes
    ----------
    train, test
        Means over the replicates (``test`` is None without test data).
    train_se, test_se
        Standard errors of those means (the spread of the replicates / sqrt(R)).
    samples, replicates
        Draws of w per replicate and number of replicates.
    values
        Per-replicate values.

    Examples
    --------
    >>> e = FluctuatingErrors(0.1, None, 0.001, None, 500, 2, {"train": [0.099, 0.101]})
    >>> e.to_dict()["train_se"]
    0.001
    """

    train: float
    test: float | None
    train_se: float
    test_se: float | None
    samples: int
    replicates: int
    values: dict[str, list[float]]

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def fluctuating_errors(
    sampler: FeatureSampler,
    Y: np.ndarray,
    Y_test: np.ndarray | None,
    lam: float,
    width: int,
    *,
    start: Any,
    samples: int | None = None,
    replicates: int = 4,
    tol: float = 1e-9,
    debias: bool = True,
    samples_factor: float = 4.0,
    warm: dict[tuple[int, int], np.ndarray] | None = None,
) -> FluctuatingErrors:
    """Errors of the kept-:math:`\\delta(w)` equivalent by debiased Monte Carlo (module docstring).

    Parameters
    ----------
    sampler
        Rows on the training (and test) data.
    Y, Y_test
        Targets (``n × C``, ``n_test × C`` or None).
    lam, width
        Ridge :math:`\\lambda > 0` and :math:`N`.
    start
        A function ``(S, lam, width) -> e0`` giving the starting quadratic forms (the
        LLC solution, :meth:`RandomFeaturesEquivalent.quadratic_forms`).
    samples
        Draws per replicate (default :func:`~rmttheory.regression.sampler.default_samples`
        with ``samples_factor``; must exceed ``width``).
    replicates
        Independent replicates (>= 2 for a standard error).
    tol
        Relative tolerance of the fixed point.
    debias
        Correct the weights for the sampled matrix (module docstring); ``False`` gives
        the plain, O(n/M)-biased estimate (for comparison only).
    samples_factor
        :math:`c` of :func:`~rmttheory.regression.sampler.default_samples`.
    warm
        Converged quadratic forms by (replicate, draws), read as starting points (the same
        draws at a nearby ridge or width converge in a few steps) and updated.

    Returns
    -------
    FluctuatingErrors

    Examples
    --------
    >>> rng = _params.generator(0)
    >>> X, Y = rng.standard_normal((10, 40)), rng.standard_normal((40, 1))
    >>> s = FeatureSampler("relu", X)
    >>> start = lambda S, lam, N: np.full(S.shape[0], 1.0)
    >>> r = fluctuating_errors(s, Y, None, 0.1, 20, start=start, replicates=2)
    >>> r.samples, r.replicates, bool(0 < r.train < float(np.mean(Y**2)))
    (500, 2, True)
    """
    lam = _params.real(lam, "lam", positive=True)
    N = _params.integer(width, "width", minimum=1)
    n = sampler.X.shape[1]
    M = (
        default_samples(n, N, samples_factor)
        if samples is None
        else _params.integer(samples, "samples")
    )
    if M <= N and debias:
        raise ParameterError(f"samples must exceed the width ({N}), got {M}")
    weights = debiased_weights if debias else plain_weights
    R = _params.integer(replicates, "replicates", minimum=1, maximum=64)
    n_test = 0 if sampler.X_test is None else sampler.X_test.shape[1]
    require_bytes(8 * (3 * M * M + 4 * M * (n + n_test) + 3 * n * n), f"{M} draws of w")
    vals: dict[str, list[float]] = {"train": [], "test": []}
    for r in range(R):
        S, St = sampler.draw(M, r)
        e0 = warm.get((r, M)) if warm is not None else None
        out = _replicate(S, St, Y, Y_test, lam, N, start(S, lam, N) if e0 is None else e0,
                         tol, weights)  # fmt: skip
        if warm is not None:
            warm[(r, M)] = out["e"]
        vals["train"].append(out["train"])
        if "test" in out:
            vals["test"].append(out["test"])

    def mean_se(v: list[float]) -> tuple[float, float]:
        a = np.asarray(v)
        se = float(a.std(ddof=1) / math.sqrt(a.size)) if a.size > 1 else math.inf
        return float(a.mean()), se

    tr, tr_se = mean_se(vals["train"])
    te, te_se = mean_se(vals["test"]) if vals["test"] else (None, None)
    return FluctuatingErrors(tr, te, tr_se, te_se, M, R, vals)
