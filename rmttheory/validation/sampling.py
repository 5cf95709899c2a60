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
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from rmttheory import _params
from rmttheory._params import SeedLike
from rmttheory.activation import activation
from rmttheory.errors import ParameterError
from rmttheory.resources import _pool_threads, require_bytes

__all__ = [
    "GramSpec",
    "sizes",
    "sample_entries",
    "sample_features",
    "sample_gram",
    "check_memory",
    "estimate_bytes",
    "sample_features_torch",
    "apply_by_rows",
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
    >>> sample_entries(_params.generator(0), (2, 2), "rademacher").tolist()
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


def _digits() -> np.ndarray:
    """scikit-learn's digits as an n0 × m matrix (features in rows, samples in columns),
    constant pixels dropped, each feature standardized (:func:`load_dataset`)."""
    from rmttheory.validation.networks import load_dataset

    return load_dataset("digits").x.T


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
    return _features(spec, rng)


def _features(spec: GramSpec, rng: SeedLike = None, then: Any = None) -> np.ndarray:
    """:func:`sample_features`, with ``then(i, block)`` called on each row block of ``Y`` as
    it is made (:func:`apply_by_rows`)."""
    from rmttheory.constants import gaussian_constants

    rng = _params.generator(rng)
    n0, n1, m = spec.shape
    check_memory(n0, n1, m)
    act = activation(spec.act)
    mean = 0.0
    if spec.center:
        mean = gaussian_constants(act, spec.sigma_w, spec.sigma_x, digits=15).mean
    W = sample_entries(rng, (n1, n0), spec.entries)
    W *= spec.sigma_w / math.sqrt(n0)  # in place: no second n1 x n0 array
    if spec.data == "digits":
        cols = rng.choice(_digits().shape[1], size=m, replace=False)
        X = _digits()[:, cols] * spec.sigma_x
    else:
        X = sample_entries(rng, (n0, m), spec.entries)
        X *= spec.sigma_x
    f = act.numpy()
    if mean != 0.0:  # centered in the same pass (in cache), as f(WX) - mean would be

        def f(z: np.ndarray, f: Any = f) -> np.ndarray:
            out = f(z)
            out -= mean
            return out

    return apply_by_rows(f, W @ X, then=then)


def apply_by_rows(
    f: Any, Z: np.ndarray, threads: int | None = None, then: Any = None
) -> np.ndarray:
    """Apply the elementwise ``f`` to ``Z`` in place, in blocks of rows on ``threads`` threads.

    The result equals ``f(Z)`` bit for bit (each entry goes through the same ufunc loop;
    ``tests/test_sampling.py::test_apply_by_rows_equals_the_whole_array_call``), without a
    second array of ``Z``'s size, and numpy's loops release the GIL: the activation of a
    sample, one thread in numpy, runs on every core its BLAS uses (2 cores, 2000 x 2000:
    58 -> 41 ms; 4000 x 4000: 393 -> 180 ms).

    Parameters
    ----------
    f
        A vectorized elementwise function of one array (an activation's ``numpy()``).
    Z
        A C-contiguous 2-d float array, overwritten.
    threads
        Threads to use (default: the process's pool size, :func:`rmttheory.resources.cap_threads`).
    then
        Optional ``then(i, block)``, called on each block ``i`` (rows ``i * row_block(Z)``
        on) once it holds :math:`f`, in the same thread (while it is in cache).

    Returns
    -------
    numpy.ndarray
        ``Z`` itself, now :math:`f(Z)`.

    Examples
    --------
    >>> Z = np.array([[-1.0, 2.0], [3.0, -4.0]])
    >>> apply_by_rows(lambda x: np.maximum(x, 0.0), Z)
    array([[0., 2.],
           [3., 0.]])
    """
    if not (
        isinstance(Z, np.ndarray) and Z.ndim == 2 and Z.flags.c_contiguous and Z.flags.writeable
    ):
        raise ParameterError("apply_by_rows needs a writable C-contiguous 2-d numpy array")
    rows = row_block(Z)
    starts = range(0, Z.shape[0], rows)

    def share(t: int, threads: int) -> None:  # every threads-th block
        for i in range(t, len(starts), threads):
            s = starts[i]
            Z[s : s + rows] = f(Z[s : s + rows])
            if then is not None:
                then(i, Z[s : s + rows])

    in_threads(share, len(starts), threads)
    return Z


def row_block(Z: np.ndarray | int) -> int:
    """Rows per block of ~1 MiB of ``Z`` (a block stays in cache between passes); ``Z`` may
    also be the number of columns of a float64 array."""
    width = int(Z) * 8 if isinstance(Z, (int, np.integer)) else Z.shape[1] * Z.itemsize
    return max(1, (1 << 20) // max(1, width))


def in_threads(share: Any, blocks: int, threads: int | None = None) -> int:
    """Run ``share(t, k)`` for ``t < k`` on ``k = min(threads, blocks)`` threads (this one is
    ``t = 0``; default: the process's pool size) and return ``k``; the first error raised in
    any thread is raised here.  numpy's loops release the GIL, so blocks of array work
    (``share`` takes every k-th block) run in parallel."""
    k = max(1, min(_pool_threads() if threads is None else int(threads), blocks))
    errors: list[BaseException] = []

    def run(t: int) -> None:
        try:
            share(t, k)
        except BaseException as exc:  # re-raised below, in the caller's thread
            errors.append(exc)

    workers = [threading.Thread(target=run, args=(t,)) for t in range(1, k)]
    for w in workers:
        w.start()
    run(0)
    for w in workers:
        w.join()
    if errors:
        raise errors[0]
    return k


def sample_features_torch(spec: GramSpec, seed: int, device: str) -> Any:
    """One sample of the features with torch on ``device`` (seeded by the integer ``seed``).

    Parameters
    ----------
    spec
        What to sample.
    seed
        Seed of the torch generator.
    device
        ``"cpu"`` or ``"cuda"``.

    Returns
    -------
    torch.Tensor
        :math:`n_1\\times m`, float64.

    Examples
    --------
    >>> sample_features_torch(GramSpec("tanh", 10, 1.0, 1.0), 0, "cpu").shape
    torch.Size([10, 10])
    """
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
