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

from rmttheory._params import SeedLike
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
    "check_memory",
    "estimate_bytes",
]

ENTRIES = ("gaussian", "rademacher", "uniform")


def sizes(n0: int, phi: float, psi: float) -> tuple[int, int, int]:
    """(n0, n1, m) with n1 = round(n0/psi), m = round(n0/phi), each at least 1.

    Parameters
    ----------
    n0
        Input dimension (a positive integer).
    phi, psi
        :math:`n_0/m` and :math:`n_0/n_1` (> 0).

    Returns
    -------
    (int, int, int)

    Examples
    --------
    >>> sizes(300, 0.5, 2.0)
    (300, 150, 600)
    """
    if not (isinstance(n0, (int, np.integer)) and n0 >= 1):
        raise ParameterError(f"n0 must be a positive integer, got {n0!r}")
    for name, v in (("phi", phi), ("psi", psi)):
        if not (math.isfinite(v) and v > 0):
            raise ParameterError(f"{name} must be finite and > 0, got {v!r}")
    return int(n0), max(1, round(n0 / psi)), max(1, round(n0 / phi))


def sample_entries(rng: np.random.Generator, shape: tuple[int, ...], kind: str) -> np.ndarray:
    """iid entries of mean 0 and variance 1 of the given kind.

    Parameters
    ----------
    rng
        The generator.
    shape
        Array shape.
    kind
        ``"gaussian"``, ``"rademacher"`` or ``"uniform"``.

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> sample_entries(np.random.default_rng(0), (2, 2), "rademacher").tolist()
    [[1.0, 1.0], [1.0, -1.0]]
    """
    if kind == "gaussian":
        return rng.standard_normal(shape)
    if kind == "rademacher":
        return rng.choice(np.array([-1.0, 1.0]), size=shape)
    if kind == "uniform":
        return rng.uniform(-math.sqrt(3.0), math.sqrt(3.0), size=shape)
    raise ParameterError(f"unknown entry distribution {kind!r}; choose from {', '.join(ENTRIES)}")


@dataclass(frozen=True)
class GramSpec:
    """What to sample: activation, sizes and options (see the module docstring).

    Parameters
    ----------
    act
        The activation.
    n0, phi, psi
        Input dimension and ratios (:func:`sizes`).
    sigma_w, sigma_x
        Scales of W and X.
    entries
        ``"gaussian"``, ``"rademacher"`` or ``"uniform"`` (unit variance).
    center
        Subtract the exact Gaussian mean of f (False keeps the rank-one spike).
    data
        ``"gaussian"`` (iid X) or ``"digits"`` (standardized scikit-learn digits, n0 = 61).

    Examples
    --------
    >>> GramSpec("tanh", 100, 0.5, 1.0).shape
    (100, 100, 200)
    """

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
    """Refuse (ResourceError) before allocating when one sample would not fit.

    Parameters
    ----------
    n0, n1, m
        Sizes of one sample.
    device
        Where it would be allocated.

    Returns
    -------
    int
        The bytes needed (:func:`estimate_bytes`).

    Examples
    --------
    >>> check_memory(100, 100, 100) == estimate_bytes(100, 100, 100)
    True
    """
    return require_bytes(
        estimate_bytes(n0, n1, m), f"one sample (n0={n0}, n1={n1}, m={m})", device, "reduce n0"
    )


def estimate_bytes(n0: int, n1: int, m: int, itemsize: int = 8) -> int:
    """Peak memory of one sample: W, X, WX/Y and M plus eigen workspace.

    Parameters
    ----------
    n0, n1, m
        Sizes.
    itemsize
        Bytes per number.

    Returns
    -------
    int

    Examples
    --------
    >>> estimate_bytes(10, 10, 10)
    5600
    """
    return itemsize * (n1 * n0 + n0 * m + 2 * n1 * m + 3 * n1 * n1)


def sample_features(spec: GramSpec, rng: SeedLike = None) -> np.ndarray:
    """One sample of the features :math:`Y = f(WX)` (centered unless ``spec.center`` is False).

    Parameters
    ----------
    spec
        What to sample.
    rng
        Seed or generator.

    Returns
    -------
    numpy.ndarray
        :math:`n_1\\times m`.

    Examples
    --------
    >>> sample_features(GramSpec("relu", 20, 1.0, 1.0), rng=0).shape
    (20, 20)
    """
    from rmttheory.constants import gaussian_constants

    rng = np.random.default_rng(rng)
    n0, n1, m = spec.shape
    check_memory(n0, n1, m)
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


def sample_gram(spec: GramSpec, rng: SeedLike = None) -> np.ndarray:
    """One sample of :math:`M = YY^\\top/m` (float64, numpy).

    Parameters
    ----------
    spec, rng
        As in :func:`sample_features`.

    Returns
    -------
    numpy.ndarray
        :math:`n_1\\times n_1`.

    Examples
    --------
    >>> M = sample_gram(GramSpec("tanh", 20, 1.0, 2.0), rng=0)
    >>> M.shape, bool(np.allclose(M, M.T))
    ((10, 10), True)
    """
    Y = sample_features(spec, rng)
    return Y @ Y.T / Y.shape[1]


def gram_eigenvalues(spec: GramSpec, rng: SeedLike = None, device: str = "cpu") -> np.ndarray:
    """Sorted eigenvalues of one sample of :math:`M` (float64).

    ``device="cpu"`` samples with numpy (seeded by ``rng``); ``"cuda"``/``"auto"``
    sample and diagonalize with torch on that device (seeded by an integer drawn
    from ``rng``), so results are reproducible from one seed on a given device.
    The memory a sample needs is checked before anything is allocated.

    Parameters
    ----------
    spec, rng
        As in :func:`sample_features`.
    device
        ``"cpu"``, ``"cuda"`` or ``"auto"``.

    Returns
    -------
    numpy.ndarray
        Ascending eigenvalues.

    Examples
    --------
    >>> gram_eigenvalues(GramSpec("tanh", 20, 1.0, 1.0), rng=0).shape
    (20,)
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
    spec: GramSpec, seeds: int, seed: int | None = 0, device: str = "cpu", progress: bool = False
) -> list[np.ndarray]:
    """Eigenvalues of ``seeds`` independent samples, reproducible from one ``seed``.

    Parameters
    ----------
    spec
        What to sample.
    seeds, seed
        Number of samples and the seed they descend from (``SeedSequence.spawn``).
    device
        As in :func:`gram_eigenvalues`.
    progress
        Show a progress bar.

    Returns
    -------
    list of numpy.ndarray

    Examples
    --------
    >>> [e.size for e in batched_eigenvalues(GramSpec("erf", 20, 1.0, 1.0), 2)]
    [20, 20]
    """
    children = np.random.SeedSequence(seed).spawn(seeds)
    if progress and seeds > 1:
        from tqdm.auto import tqdm

        children = tqdm(children, desc="samples", unit="sample")
    return [gram_eigenvalues(spec, np.random.default_rng(c), device) for c in children]
