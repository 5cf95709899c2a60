r"""Samplers for the Pennington–Worah Gram matrix and its spectrum.

Normalization (the one the theory uses, ``rmttheory.equation``):

* :math:`W \in \mathbb R^{n_1\times n_0}`, iid entries of variance :math:`\sigma_w^2/n_0`;
* :math:`X \in \mathbb R^{n_0\times m}`, iid entries of variance :math:`\sigma_x^2`;
* :math:`Y = f(WX) - \mathbb E f(\sigma z)` (centered with the exact Gaussian mean
  unless ``center=False``, which keeps the rank-one spike);
* :math:`M = YY^\top/m`, with :math:`n_1 = \mathrm{round}(n_0/\psi)`,
  :math:`m = \mathrm{round}(n_0/\phi)`.

Entries are Gaussian by default; ``entries="rademacher"`` or ``"uniform"``
(both of unit variance) test universality, and ``data="digits"`` replaces
:math:`X` by standardized scikit-learn digits (real data: universality's limit).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from rmttheory.activation import activation
from rmttheory.errors import ParameterError, ResourceError

__all__ = [
    "GramSpec",
    "sizes",
    "sample_entries",
    "sample_features",
    "sample_gram",
    "gram_eigenvalues",
]

ENTRIES = ("gaussian", "rademacher", "uniform")


def sizes(n0: int, phi: float, psi: float) -> tuple[int, int, int]:
    """(n0, n1, m) with n1 = round(n0/psi), m = round(n0/phi), each at least 1."""
    if not (isinstance(n0, (int, np.integer)) and n0 >= 1):
        raise ParameterError(f"n0 must be a positive integer, got {n0!r}")
    for name, v in (("phi", phi), ("psi", psi)):
        if not (math.isfinite(v) and v > 0):
            raise ParameterError(f"{name} must be finite and > 0, got {v!r}")
    return int(n0), max(1, round(n0 / psi)), max(1, round(n0 / phi))


def sample_entries(rng: np.random.Generator, shape: tuple[int, ...], kind: str) -> np.ndarray:
    """iid entries of mean 0 and variance 1 of the given kind."""
    if kind == "gaussian":
        return rng.standard_normal(shape)
    if kind == "rademacher":
        return rng.choice(np.array([-1.0, 1.0]), size=shape)
    if kind == "uniform":
        return rng.uniform(-math.sqrt(3.0), math.sqrt(3.0), size=shape)
    raise ParameterError(f"unknown entry distribution {kind!r}; choose from {', '.join(ENTRIES)}")


@dataclass(frozen=True)
class GramSpec:
    """What to sample: activation, sizes and options (see the module docstring)."""

    act: Any
    n0: int
    phi: float
    psi: float
    sigma_w: float = 1.0
    sigma_x: float = 1.0
    entries: str = "gaussian"
    center: bool = True

    @property
    def shape(self) -> tuple[int, int, int]:
        return sizes(self.n0, self.phi, self.psi)


def estimate_bytes(n0: int, n1: int, m: int, itemsize: int = 8) -> int:
    """Peak memory of one sample: W, X, WX/Y and M plus eigen workspace."""
    return itemsize * (n1 * n0 + n0 * m + 2 * n1 * m + 3 * n1 * n1)


def sample_features(spec: GramSpec, rng: np.random.Generator | int | None = None) -> np.ndarray:
    """One sample of the features :math:`Y = f(WX)` (centered unless ``spec.center`` is False)."""
    from rmttheory.gaussian import gaussian_constants

    rng = np.random.default_rng(rng)
    n0, n1, m = spec.shape
    act = activation(spec.act)
    W = sample_entries(rng, (n1, n0), spec.entries) * (spec.sigma_w / math.sqrt(n0))
    X = sample_entries(rng, (n0, m), spec.entries) * spec.sigma_x
    Y = act.numpy()(W @ X)
    if spec.center:
        Y -= gaussian_constants(act, spec.sigma_w, spec.sigma_x, digits=15).mean
    return Y


def sample_gram(spec: GramSpec, rng: np.random.Generator | int | None = None) -> np.ndarray:
    """One sample of :math:`M = YY^\\top/m` (float64, numpy)."""
    Y = sample_features(spec, rng)
    return Y @ Y.T / Y.shape[1]


def gram_eigenvalues(spec: GramSpec, rng: np.random.Generator | int | None = None) -> np.ndarray:
    """Sorted eigenvalues of one sample of :math:`M` (numpy, float64)."""
    n0, n1, m = spec.shape
    need = estimate_bytes(n0, n1, m)
    if need > 16 * 2**30:
        raise ResourceError(
            f"one sample needs about {need / 2**30:.1f} GiB; reduce n0 (n1={n1}, m={m})"
        )
    return np.linalg.eigvalsh(sample_gram(spec, rng))


def deep_kernel_eigenvalues(
    act,
    depth: int,
    m: int,
    width_ratio: float = 1.0,
    sigma_w: float = 1.0,
    sigma_x: float = 1.0,
    rng: np.random.Generator | int | None = None,
) -> list[np.ndarray]:
    """Eigenvalues of K_l = X_l^T X_l / n_l, l = 0..depth, for one sampled network.

    X_0 is n0 x m Gaussian (variance sigma_x^2), X_l = f(W_l X_{l-1}) - E f with
    W_l iid N(0, sigma_w^2/n_{l-1}) and n_l = round(width_ratio * m); each layer is
    centered with the exact Gaussian mean at the theoretical pre-activation scale
    sigma_l = sigma_w sqrt(q_{l-1}) (q = mean of the previous kernel's law).
    """
    from rmttheory.gaussian import gaussian_constants

    rng = np.random.default_rng(rng)
    f = activation(act).numpy()
    n = max(1, round(width_ratio * m))
    X = rng.standard_normal((n, m)) * sigma_x
    q = sigma_x**2
    out = [np.linalg.eigvalsh(X.T @ X / n)]
    for _ in range(depth):
        c = gaussian_constants(act, sigma_w, math.sqrt(q), digits=15)
        W = rng.standard_normal((n, X.shape[0])) * (sigma_w / math.sqrt(X.shape[0]))
        X = f(W @ X) - c.mean
        q = c.eta
        out.append(np.linalg.eigvalsh(X.T @ X / n))
    return out
