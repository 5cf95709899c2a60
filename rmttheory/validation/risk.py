"""Simulated ridge, random-features and gradient-descent risks (the Monte Carlo side of the theory).

Conventions are those of :mod:`rmttheory.ridge` and
:mod:`rmttheory.random_features`.  Every function returns per-trial arrays so that
callers derive tolerances from the sample (mean ± z standard errors).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from rmttheory.activation import activation
from rmttheory.errors import ParameterError
from rmttheory.regression.ridge import RidgeSpectrum
from rmttheory.resources import require_bytes

__all__ = ["simulate_ridge", "simulate_random_features", "simulate_gradient_descent"]


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
    rng: np.random.Generator | int | None = None,
) -> dict[str, np.ndarray]:
    """Test (exact given beta-hat) and training errors of ridge on ``trials`` data sets.

    ``spec`` must hold exactly ``p`` eigenvalues of equal weight (or one, for an
    isotropic spectrum); target coefficients :math:`\\pm\\sqrt{a_j/p}` with random signs.
    """
    rng = np.random.default_rng(rng)
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
    rng: np.random.Generator | int | None = None,
) -> dict[str, np.ndarray]:
    """Random-features ridge on Gaussian data; ``equivalent=True`` uses the linear equivalent.

    With ``equivalent`` the features are :math:`\\mu_0 + \\mu_1 Wx/\\sqrt d + \\mu_* z`
    (``constants = (mu0, mu1, mu_star)``).  Test error is estimated on ``n_test``
    fresh samples (its own Monte Carlo error is part of the trial spread).
    """
    rng = np.random.default_rng(rng)
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
        if not equivalent:
            return f(pre)
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
    rng: np.random.Generator | int | None = None,
) -> dict[str, np.ndarray]:
    """Full-batch gradient descent on isotropic ridge (beta_0 = 0); errors at the given step counts.

    Returns ``test`` and ``train`` of shape (trials, len(steps)).
    """
    rng = np.random.default_rng(rng)
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
