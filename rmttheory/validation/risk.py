"""Simulated ridge, random-features and gradient-descent risks (the Monte Carlo side of the theory).

Conventions are those of :mod:`rmttheory.ridge` and
:mod:`rmttheory.random_features`.  Every function returns per-trial arrays so that
callers derive tolerances from the sample (mean ± z standard errors).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from rmttheory import _params
from rmttheory._params import SeedLike
from rmttheory.activation import activation
from rmttheory.errors import ParameterError
from rmttheory.regression.ridge import RidgeSpectrum
from rmttheory.resources import require_bytes

__all__ = [
    "simulate_ridge",
    "simulate_random_features",
    "simulate_gradient_descent",
    "risk_points",
    "sampled_ridge_training_loss",
]


def _solve(F: np.ndarray, y: np.ndarray, lam: float) -> np.ndarray:
    """argmin (1/n)|y - F a|^2 + lam |a|^2 (minimum-norm solution at lam = 0)."""
    n, p = F.shape
    if lam == 0:
        return np.linalg.lstsq(F, y, rcond=None)[0]
    if p <= n:
        return np.linalg.solve(F.T @ F / n + lam * np.eye(p), F.T @ y / n)
    return F.T @ np.linalg.solve(F @ F.T / n + lam * np.eye(n), y / n)


def _linear_task(
    rng: np.random.Generator, n: int, dim: int, snr: float, noise: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """beta uniform on the sphere of radius sqrt(snr), X iid N(0, 1) (n x dim), y = X beta + noise."""
    beta = rng.standard_normal(dim)
    beta *= math.sqrt(snr) / np.linalg.norm(beta)
    X = rng.standard_normal((n, dim))
    return beta, X, X @ beta + math.sqrt(noise) * rng.standard_normal(n)


def simulate_ridge(
    spec: RidgeSpectrum,
    n: int,
    p: int,
    lam: float,
    noise: float = 0.0,
    trials: int = 20,
    rng: SeedLike = None,
) -> dict[str, np.ndarray]:
    """Test (exact given beta-hat) and training errors of ridge on ``trials`` data sets.

    ``spec`` must hold exactly ``p`` eigenvalues of equal weight (or one, for an
    isotropic spectrum); target coefficients :math:`\\pm\\sqrt{a_j/p}` with random signs.

    Parameters
    ----------
    spec
        Covariance spectrum and target energies.
    n, p
        Samples and features.
    lam, noise
        Ridge and noise variance.
    trials, rng
        Independent data sets and their seed.

    Returns
    -------
    dict
        ``test`` and ``train``, arrays of ``trials`` values.

    Examples
    --------
    >>> from rmttheory.regression import RidgeSpectrum
    >>> r = simulate_ridge(RidgeSpectrum.isotropic(), 100, 50, 0.0, 0.1, trials=3, rng=0)
    >>> r["test"].shape
    (3,)
    """
    rng = _params.generator(rng)
    s = np.full(p, spec.s[0]) if spec.s.size == 1 else spec.s
    a = np.full(p, spec.a[0]) if spec.a.size == 1 else spec.a
    if s.size != p:
        raise ParameterError(f"the spectrum has {spec.s.size} eigenvalues, not p = {p}")
    require_bytes(8 * (2 * n * p + min(n, p) ** 2), f"ridge with n={n}, p={p}", hint="reduce n")
    test, train = np.empty(trials), np.empty(trials)
    for t in range(trials):
        beta = np.sqrt(a / p) * rng.choice([-1.0, 1.0], size=p)
        X = rng.standard_normal((n, p)) * np.sqrt(s)
        y = X @ beta + math.sqrt(noise) * rng.standard_normal(n)
        b = _solve(X, y, lam)
        d = b - beta
        test[t] = float(np.sum(s * d * d)) + noise
        train[t] = float(np.mean((y - X @ b) ** 2))
    return {"test": test, "train": train}


def simulate_random_features(
    act: Any,
    d: int,
    N: int,
    n: int,
    lam: float,
    *,
    snr: float = 1.0,
    noise: float = 0.0,
    trials: int = 10,
    n_test: int = 4000,
    equivalent: bool = False,
    constants: tuple[float, float, float] | None = None,
    rng: SeedLike = None,
) -> dict[str, np.ndarray]:
    """Random-features ridge on Gaussian data; ``equivalent=True`` uses the linear equivalent.

    With ``equivalent`` the features are :math:`\\mu_0 + \\mu_1 Wx/\\sqrt d + \\mu_* z`
    (``constants = (mu0, mu1, mu_star)``).  Test error is estimated on ``n_test``
    fresh samples (its own Monte Carlo error is part of the trial spread).

    Parameters
    ----------
    act
        The activation (unused with ``equivalent``).
    d, N, n
        Input dimension, features, samples.
    lam, snr, noise
        Ridge, signal and noise variance.
    trials, n_test, rng
        Trials, test samples per trial, seed.
    equivalent, constants
        Simulate the linear equivalent with ``(mu0, mu1, mu_star)``.

    Returns
    -------
    dict
        ``test`` and ``train``, arrays of ``trials`` values.

    Examples
    --------
    >>> r = simulate_random_features("tanh", 20, 30, 40, 1e-2, trials=2, n_test=100, rng=0)
    >>> r["train"].shape
    (2,)
    """
    rng = _params.generator(rng)
    f = None if equivalent else activation(act).numpy()
    if equivalent and constants is None:
        raise ParameterError("equivalent=True needs constants=(mu0, mu1, mu_star)")
    require_bytes(
        8 * (N * d + (n + n_test) * (d + 2 * N) + min(n, N) ** 2),
        f"random features with d={d}, N={N}, n={n}",
        hint="reduce d",
    )
    test, train = np.empty(trials), np.empty(trials)

    def feats(X, W):
        pre = X @ W.T / math.sqrt(d)
        if f is not None:
            return f(pre)
        assert constants is not None
        m0, m1, ms = constants
        return m0 + m1 * pre + ms * rng.standard_normal(pre.shape)

    for t in range(trials):
        W = rng.standard_normal((N, d))
        beta, X, y = _linear_task(rng, n, d, snr, noise)
        F = feats(X, W)
        a = _solve(F, y, lam)
        train[t] = float(np.mean((y - F @ a) ** 2))
        Xt = rng.standard_normal((n_test, d))
        yt = Xt @ beta + math.sqrt(noise) * rng.standard_normal(n_test)
        test[t] = float(np.mean((yt - feats(Xt, W) @ a) ** 2))
    return {"test": test, "train": train}


def simulate_gradient_descent(
    n: int,
    p: int,
    steps: Any,
    step: float,
    *,
    snr: float = 1.0,
    noise: float = 0.0,
    lam: float = 0.0,
    trials: int = 10,
    rng: SeedLike = None,
) -> dict[str, np.ndarray]:
    """Full-batch gradient descent on isotropic ridge (beta_0 = 0); errors at the given step counts.

    Parameters
    ----------
    n, p
        Samples and features.
    steps, step
        Step counts at which to record, and the learning rate.
    snr, noise, lam
        Signal and noise variance, ridge.
    trials, rng
        Trials and seed.

    Returns
    -------
    dict
        ``test`` and ``train`` of shape (trials, len(steps)).

    Examples
    --------
    >>> r = simulate_gradient_descent(50, 40, [0, 10], 0.1, trials=2, rng=0)
    >>> r["test"].shape
    (2, 2)
    """
    rng = _params.generator(rng)
    steps = np.asarray(steps, dtype=int)
    require_bytes(
        8 * (2 * n * p + 3 * p * p), f"gradient descent with n={n}, p={p}", hint="reduce n"
    )
    test = np.empty((trials, steps.size))
    train = np.empty((trials, steps.size))
    for t in range(trials):
        beta, X, y = _linear_task(rng, n, p, snr, noise)
        # diagonalise once: the iterates are filters of Sigma-hat
        evals, evecs = np.linalg.eigh(X.T @ X / n)
        c = evecs.T @ (X.T @ y / n)
        for j, k in enumerate(steps):
            filt = np.where(
                evals + lam > 0,
                (1 - (1 - step * (evals + lam)) ** k) / np.where(evals + lam > 0, evals + lam, 1),
                step * k,
            )
            b = evecs @ (filt * c)
            test[t, j] = float(np.sum((b - beta) ** 2)) + noise
            train[t, j] = float(np.mean((y - X @ b) ** 2))
    return {"test": test, "train": train}


def risk_points(
    model: str,
    ratios: Any,
    lam: float,
    *,
    n: int,
    trials: int,
    seed: Any = 0,
    noise: float = 0.0,
    snr: float = 1.0,
    spectrum: str = "isotropic",
    alpha: float = 1.5,
    beta: float = 2.0,
    act: Any = "tanh",
    psi2: float = 1.0,
    equivalent: bool = False,
) -> list[dict[str, Any]]:
    """Deterministic equivalent against simulated regressions at each ratio, as checks.

    Parameters
    ----------
    model
        ``"ridge"`` (ratio ``gamma = p/n``, ``n`` samples) or ``"rf"`` (ratio
        ``psi1 = N/d``, input dimension ``d = n`` and ``psi2 * d`` samples).
    ratios
        The ratios (each is rounded to the nearest size; the record holds the one used).
    lam, noise, snr
        Ridge, noise variance and signal variance.
    trials, seed
        Simulated trials per ratio and the seed they descend from.
    spectrum, alpha, beta
        Ridge covariance: ``"isotropic"`` or ``"power"`` (:meth:`RidgeSpectrum.power_law`).
    act, equivalent
        Random features: the activation, and whether to simulate its linear equivalent.

    Returns
    -------
    list of dict
        Per ratio: ``ratio`` and, for ``test`` and ``train``, the dict of
        :func:`rmttheory.validation.tolerance.mean_check` with the finite-size
        allowance 3/n (ridge) or 5/min(d, N) (random features).

    Examples
    --------
    >>> pts = risk_points("ridge", [0.5], 0.0, n=100, trials=4, noise=0.25)
    >>> pts[0]["ratio"], pts[0]["test"]["pass"]
    (0.5, True)
    """
    from rmttheory.regression.random_features import RandomFeaturesRidge
    from rmttheory.regression.ridge import ridge_risk
    from rmttheory.validation.tolerance import mean_check

    out = []
    base = [int(v) for v in np.atleast_1d(seed)]
    if model == "rf":
        rf = RandomFeaturesRidge.from_activation(act)
        constants = (rf.mu0, rf.mu1, rf.mu_star)
    for i, r in enumerate(np.atleast_1d(np.asarray(ratios, dtype=float))):
        if model == "ridge":
            p = max(1, round(r * n))
            spec = (
                RidgeSpectrum.isotropic(snr)
                if spectrum == "isotropic"
                else RidgeSpectrum.power_law(p, alpha, beta, scale=snr)
            )
            ratio, rel = p / n, 3 / n
            th = ridge_risk(spec, ratio, lam, noise=noise)
            sim = simulate_ridge(spec, n, p, lam, noise, trials, rng=[*base, i])
        else:
            N, n_samples = max(1, round(r * n)), max(2, round(psi2 * n))
            ratio, rel = N / n, 5 / min(n, N)
            th = rf.risk(ratio, n_samples / n, lam, snr=snr, noise=noise)
            sim = simulate_random_features(
                act, n, N, n_samples, lam, snr=snr, noise=noise, trials=trials,
                equivalent=equivalent, constants=constants, rng=[*base, i, int(equivalent)],
            )  # fmt: skip
        out.append(
            {
                "ratio": ratio,
                **{k: mean_check(sim[k], float(th[k]), rel) for k in ("test", "train")},
            }
        )
    return out


def sampled_ridge_training_loss(
    act: Any, n0: int, phi: float, psi: float, gamma: float, *, d: int = 32, seed: SeedLike = None
) -> float:
    """Training loss of one ridge regression of random labels on sampled features.

    Features :math:`Y = f(WX)` (:math:`n_1\\times m`, centered), targets
    :math:`T` (:math:`d\\times m`) iid :math:`\\mathcal N(0, 1)`; the residual of
    :math:`B = \\arg\\min \\tfrac1m\\lVert T - BY\\rVert^2 + \\gamma\\lVert B\\rVert^2` is
    :math:`\\gamma T (K + \\gamma)^{-1}` with :math:`K = Y^\\top Y/m`; returns
    :math:`\\lVert\\text{residual}\\rVert^2/(dm)` (the theory:
    :func:`rmttheory.regression.ridge_training_loss`).

    Parameters
    ----------
    act, n0, phi, psi
        The features (:class:`rmttheory.validation.sampling.GramSpec`).
    gamma
        Ridge :math:`\\gamma > 0`.
    d
        Target dimensions.
    seed
        Seed or generator.

    Returns
    -------
    float

    Examples
    --------
    >>> 0 < sampled_ridge_training_loss("tanh", 40, 1.0, 1.0, 0.1, seed=0) < 1
    True
    """
    from rmttheory.validation.sampling import GramSpec, sample_features

    rng = _params.generator(seed)
    _, n1, m = GramSpec(act, n0, phi, psi).shape
    require_bytes(8 * (n1 * m + 3 * m * m + d * m), f"ridge on m={m} samples", hint="reduce n0")
    Y = sample_features(GramSpec(act, n0, phi, psi), rng)
    T = rng.standard_normal((d, m))
    K = Y.T @ Y / m
    R = gamma * np.linalg.solve(K + gamma * np.eye(m), T.T)
    return float(np.sum(R * R) / (d * m))
