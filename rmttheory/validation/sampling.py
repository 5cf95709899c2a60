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
from rmttheory.resources import require_bytes, resolve_device

__all__ = [
    "GramSpec",
    "sizes",
    "sample_entries",
    "sample_features",
    "sample_gram",
    "gram_eigenvalues",
    "batched_eigenvalues",
    "deep_kernel_eigenvalues",
    "check_memory",
    "resolve_device",
    "ntk_eigenvalues",
    "estimate_bytes",
    "sampled_ridge_training_loss",
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
    data: str = "gaussian"  # or "digits": scikit-learn's digits, standardized (n0 fixed)

    @property
    def shape(self) -> tuple[int, int, int]:
        if self.data == "digits":
            n0 = _digits().shape[0]
            return (
                n0,
                max(1, round(n0 / self.psi)),
                min(max(1, round(n0 / self.phi)), _digits().shape[1]),
            )
        return sizes(self.n0, self.phi, self.psi)


_DIGITS: list[np.ndarray] = []


def _digits() -> np.ndarray:
    """scikit-learn's bundled digits as an n0 x m matrix: non-constant pixels,
    each standardized to mean 0 and variance 1 (features in rows, samples in columns)."""
    if not _DIGITS:
        try:
            from sklearn.datasets import load_digits
        except ImportError:  # pragma: no cover
            raise ResourceError(
                "data='digits' needs scikit-learn (pip install rmttheory[data])"
            ) from None
        X = load_digits().data.T.astype(float)
        X = X[X.std(axis=1) > 0]
        X = (X - X.mean(axis=1, keepdims=True)) / X.std(axis=1, keepdims=True)
        _DIGITS.append(X)
    return _DIGITS[0]


def check_memory(n0: int, n1: int, m: int, device: str = "cpu") -> int:
    """Refuse (ResourceError) before allocating when one sample would not fit."""
    return require_bytes(
        estimate_bytes(n0, n1, m), f"one sample (n0={n0}, n1={n1}, m={m})", device, "reduce n0"
    )


def estimate_bytes(n0: int, n1: int, m: int, itemsize: int = 8) -> int:
    """Peak memory of one sample: W, X, WX/Y and M plus eigen workspace."""
    return itemsize * (n1 * n0 + n0 * m + 2 * n1 * m + 3 * n1 * n1)


def sample_features(spec: GramSpec, rng: np.random.Generator | int | None = None) -> np.ndarray:
    """One sample of the features :math:`Y = f(WX)` (centered unless ``spec.center`` is False)."""
    from rmttheory.constants import gaussian_constants

    rng = np.random.default_rng(rng)
    n0, n1, m = spec.shape
    act = activation(spec.act)
    W = sample_entries(rng, (n1, n0), spec.entries) * (spec.sigma_w / math.sqrt(n0))
    if spec.data == "digits":
        cols = rng.choice(_digits().shape[1], size=m, replace=False)
        X = _digits()[:, cols] * spec.sigma_x
    else:
        X = sample_entries(rng, (n0, m), spec.entries) * spec.sigma_x
    Y = act.numpy()(W @ X)
    if spec.center:
        Y -= gaussian_constants(act, spec.sigma_w, spec.sigma_x, digits=15).mean
    return Y


def _torch_features(spec: GramSpec, seed: int, device: str):
    import torch

    from rmttheory.constants import gaussian_constants

    n0, n1, m = spec.shape
    gen = torch.Generator(device=device).manual_seed(int(seed))

    def entries(shape):
        if spec.entries == "gaussian":
            return torch.randn(shape, generator=gen, device=device, dtype=torch.float64)
        u = torch.rand(shape, generator=gen, device=device, dtype=torch.float64)
        if spec.entries == "rademacher":
            return torch.where(u < 0.5, -1.0, 1.0)
        if spec.entries == "uniform":
            return (2 * u - 1) * math.sqrt(3.0)
        raise ParameterError(f"unknown entry distribution {spec.entries!r}")

    W = entries((n1, n0)) * (spec.sigma_w / math.sqrt(n0))
    if spec.data == "digits":
        idx = torch.randperm(
            _digits().shape[1], generator=torch.Generator().manual_seed(int(seed))
        )[:m]
        X = torch.as_tensor(_digits()[:, idx.numpy()], device=device) * spec.sigma_x
    else:
        X = entries((n0, m)) * spec.sigma_x
    Y = activation(spec.act).torch()(W @ X)
    if spec.center:
        Y = Y - gaussian_constants(spec.act, spec.sigma_w, spec.sigma_x, digits=15).mean
    return Y


def sample_gram(spec: GramSpec, rng: np.random.Generator | int | None = None) -> np.ndarray:
    """One sample of :math:`M = YY^\\top/m` (float64, numpy)."""
    Y = sample_features(spec, rng)
    return Y @ Y.T / Y.shape[1]


def gram_eigenvalues(
    spec: GramSpec, rng: np.random.Generator | int | None = None, device: str = "cpu"
) -> np.ndarray:
    """Sorted eigenvalues of one sample of :math:`M` (float64).

    ``device="cpu"`` samples with numpy (seeded by ``rng``); ``"cuda"``/``"auto"``
    sample and diagonalize with torch on that device (seeded by an integer drawn
    from ``rng``), so results are reproducible from one seed on a given device.
    The memory a sample needs is checked before anything is allocated.
    """
    n0, n1, m = spec.shape
    dev = "cpu" if device == "cpu" else resolve_device(device)
    check_memory(n0, n1, m, dev)
    if device == "cpu":
        return np.linalg.eigvalsh(sample_gram(spec, rng))
    import torch

    seed = int(np.random.default_rng(rng).integers(2**62))
    Y = _torch_features(spec, seed, dev)
    M = Y @ Y.T / Y.shape[1]
    return torch.linalg.eigvalsh(M).cpu().numpy()


def batched_eigenvalues(
    spec: GramSpec, seeds: int, seed: int | None = 0, device: str = "cpu"
) -> list[np.ndarray]:
    """Eigenvalues of ``seeds`` independent samples, reproducible from one ``seed``."""
    children = np.random.SeedSequence(seed).spawn(seeds)
    return [gram_eigenvalues(spec, np.random.default_rng(c), device) for c in children]


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
    from rmttheory.constants import gaussian_constants

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


def ntk_eigenvalues(
    act,
    m: int,
    n0_over_m: float = 1.0,
    n1_over_m: float = 1.0,
    sigma_w: float = 1.0,
    sigma_x: float = 1.0,
    rng: np.random.Generator | int | None = None,
) -> np.ndarray:
    """Eigenvalues of the NTK of one sampled one-hidden-layer network (convention of
    :mod:`rmttheory.kernels`): Theta = K1 + sigma_w^2 K0 * (D^T A^2 D / n1), f centred."""
    import sympy as sp

    from rmttheory.activation import X as XSYM
    from rmttheory.constants import gaussian_constants
    from rmttheory.errors import NotIntegrableError

    rng = np.random.default_rng(rng)
    act = activation(act)
    if act.derivative.has(sp.DiracDelta):
        raise NotIntegrableError(f"activation {act.name!r} has jumps: its NTK is not defined")
    f, fp = act.numpy(), sp.lambdify(XSYM, act.derivative, "numpy")
    n0, n1 = max(1, round(n0_over_m * m)), max(1, round(n1_over_m * m))
    check_memory(n0, n1, m)
    X = rng.standard_normal((n0, m)) * sigma_x
    W = rng.standard_normal((n1, n0)) * (sigma_w / math.sqrt(n0))
    a = rng.standard_normal(n1)
    U = W @ X
    c = gaussian_constants(act, sigma_w, sigma_x, digits=15)
    F = f(U) - c.mean
    D = np.broadcast_to(fp(U), U.shape) * a[:, None]
    theta = F.T @ F / n1 + sigma_w**2 * (X.T @ X / n0) * (D.T @ D / n1)
    return np.linalg.eigvalsh(theta)


def sampled_ridge_training_loss(
    act, n0: int, phi: float, psi: float, gamma: float, *, d: int = 32, seed=None
) -> float:
    """Training loss of one ridge regression of random labels on sampled features.

    Features Y = f(WX) (n1 x m, centered), targets T (d x m) iid N(0, 1); the
    residual of B = argmin (1/m)|T - BY|^2 + gamma |B|^2 is gamma T (K + gamma)^-1
    with K = Y^T Y / m; returns |residual|^2 / (d m) (the theory:
    :func:`rmttheory.memorization.ridge_training_loss`).
    """
    rng = np.random.default_rng(seed)
    Y = sample_features(GramSpec(act, n0, phi, psi), rng)
    m = Y.shape[1]
    T = rng.standard_normal((d, m))
    K = Y.T @ Y / m
    R = gamma * np.linalg.solve(K + gamma * np.eye(m), T.T)
    return float(np.sum(R * R) / (d * m))
