r"""Sampled Gram spectra: eigenvalues and the trace statistics the checks use.

One sample of :math:`M = YY^\top/m` (:mod:`rmttheory.validation.sampling` for the
normalization) is reduced to its eigenvalues, :math:`\operatorname{tr}(M)/n_1` and
a variance estimate of that trace; batches of samples descend from one seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from rmttheory import _params
from rmttheory._params import SeedLike
from rmttheory.errors import ParameterError
from rmttheory.resources import resolve_device
from rmttheory.validation.sampling import (
    GramSpec,
    _features,
    check_memory,
    in_threads,
    row_block,
    sample_features_torch,
)

__all__ = [
    "GramSample",
    "square_trace_stats",
    "SquareStats",
    "gram_sample",
    "gram_eigenvalues",
    "batched_samples",
    "batched_eigenvalues",
]


@dataclass(frozen=True)
class GramSample:
    """One sampled Gram matrix, reduced to what the checks need.

    Attributes
    ----------
    eigenvalues
        Ascending eigenvalues of :math:`M`.
    trace
        The mean of the entries :math:`(Y_{ij} - c)^2`, :math:`c` the limit mean
        :math:`\\mathbb E f(\\sigma z)` for an uncentered sample and 0 otherwise: for a
        centered sample :math:`\\operatorname{tr}(M)/n_1`, for an uncentered one the
        same statistic without the spike's :math:`\\text{mean}^2` (whose size would
        dilute the statistic's sensitivity to :math:`\\eta`).
    trace_var
        Variance estimate of ``trace`` (:func:`trace_stats` of the entries :math:`Y_{ij}^2`).

    Examples
    --------
    >>> s = gram_sample(GramSpec("tanh", 30, 1.0, 1.0), rng=0)  # centered
    >>> bool(abs(s.trace - s.eigenvalues.mean()) < 1e-12)
    True
    """

    eigenvalues: np.ndarray
    trace: float
    trace_var: float


def trace_stats(A: Any) -> tuple[float, float]:
    """Mean of the entries of ``A`` and an estimate of the variance of that mean.

    The entries of an :math:`n\\times m` array of random features share row effects
    (one weight vector per row) and column effects (one sample per column), so the
    mean's variance is estimated by the two-way random-effects decomposition
    :math:`A_{ij} = \\mu + a_i + b_j + e_{ij}` (analysis of variance):

    .. math:: \\widehat{\\operatorname{var}}(\\bar A) = \\frac{MS_{rows} + MS_{cols} - MS_e}{nm},

    with :math:`MS_{rows} = m\\,\\mathrm{var}(\\text{row means})`,
    :math:`MS_{cols} = n\\,\\mathrm{var}(\\text{column means})` and :math:`MS_e` the
    residual mean square (each variance component clipped at 0).

    Parameters
    ----------
    A
        An :math:`n\\times m` array (here :math:`Y_{ij}^2`).

    Returns
    -------
    (float, float)
        The mean and the variance estimate.

    Examples
    --------
    >>> mean, var = trace_stats(np.ones((3, 4)))
    >>> mean, var
    (1.0, 0.0)
    """
    A = np.asarray(A, dtype=float)
    n, m = A.shape
    g = float(A.mean())
    if n < 2 or m < 2:
        return g, 0.0
    rows, cols = A.mean(axis=1), A.mean(axis=0)
    # SS_e = sum (A - g)^2 - m sum (row - g)^2 - n sum (col - g)^2 (the ANOVA identity; no
    # n x m residual array: 0.2 s -> 0.02 s at 2000 x 2000)
    B = (A - g).ravel()
    return g, _anova_var(n, m, g, rows, cols, float(B @ B))


def square_trace_stats(Y: Any, c: float = 0.0, threads: int | None = None) -> tuple[float, float]:
    """:func:`trace_stats` of :math:`(Y - c)^2`, without that array: row blocks of ~1 MiB
    (squared in cache, their sums, row sums, column sums and squared deviations from the
    block's own mean, combined exactly as in :class:`SquareStats`) on the process's
    threads.  Equal to ``trace_stats((Y - c) ** 2)`` to rounding
    (``tests/test_sampling.py::test_square_trace_stats_is_trace_stats``); at 4000 x 4000 on
    2 cores 0.45 s -> 0.06 s (no 128 MB temporaries).

    Parameters
    ----------
    Y
        An :math:`n\\times m` float array.
    c
        The shift (the limit mean of an uncentered sample; 0 otherwise).
    threads
        As in :func:`rmttheory.validation.sampling.in_threads`.

    Returns
    -------
    (float, float)
        The mean of :math:`(Y - c)^2` and the variance estimate of :func:`trace_stats`.

    Examples
    --------
    >>> Y = np.arange(12.0).reshape(3, 4)
    >>> np.allclose(square_trace_stats(Y, 1.0), trace_stats((Y - 1.0) ** 2))
    True
    """
    Y = np.asarray(Y, dtype=float)
    if Y.ndim != 2:
        raise ParameterError(f"square_trace_stats needs a 2-d array, got shape {Y.shape}")
    n, m = Y.shape
    if n < 2 or m < 2:
        return trace_stats((Y - c) ** 2)
    acc = SquareStats(Y.shape, row_block(Y), c)

    def share(t: int, k: int) -> None:
        for i in range(t, acc.blocks, k):
            acc.add(i, Y[i * acc.rows : (i + 1) * acc.rows])

    in_threads(share, acc.blocks, threads)
    return acc.result()


class SquareStats:
    """:func:`trace_stats` of :math:`(Y - c)^2` accumulated over row blocks of ``Y``, in any
    order and from any thread (each block writes its own slots), so that the statistics of
    a sample are taken while its blocks are in cache (:func:`gram_sample` passes
    :meth:`add` to the activation's pass, ``apply_by_rows(..., then=...)``).

    Block :math:`b` (:math:`N_b` entries :math:`A = (Y_b - c)^2`) keeps its sum, row sums,
    column sums and :math:`S_b = \\sum (A - \\bar A_b)^2` about its own mean; the total
    sum of squares is :math:`\\sum_b S_b + N_b(\\bar A_b - \\bar A)^2` (exact; each term
    keeps its digits).

    Parameters
    ----------
    shape
        :math:`(n, m)` of ``Y``.
    rows
        Rows per block (the last block may have fewer).
    c
        The shift.

    Examples
    --------
    >>> Y = np.arange(12.0).reshape(3, 4)
    >>> acc = SquareStats(Y.shape, 2, 1.0)
    >>> acc.add(1, Y[2:]); acc.add(0, Y[:2])
    >>> np.allclose(acc.result(), trace_stats((Y - 1.0) ** 2))
    True
    """

    def __init__(self, shape: tuple[int, int], rows: int, c: float = 0.0) -> None:
        self.n, self.m = shape
        self.rows, self.c = int(rows), float(c)
        self.blocks = -(-self.n // self.rows)
        self.row_sums = np.empty(self.n)
        self.col_sums = np.zeros((self.blocks, self.m))  # summed in block order below
        self.sums = np.zeros(self.blocks)
        self.squares = np.zeros(self.blocks)

    def add(self, i: int, block: np.ndarray) -> None:
        """Take block ``i`` (rows ``i * rows`` on) of ``Y``."""
        A = block - self.c if self.c else block.copy()
        np.square(A, out=A)
        s = i * self.rows
        self.row_sums[s : s + A.shape[0]] = A.sum(axis=1)
        self.col_sums[i] = A.sum(axis=0)
        total = float(self.row_sums[s : s + A.shape[0]].sum())
        A -= total / A.size
        np.square(A, out=A)  # not vdot: BLAS called from several threads at once serializes
        self.sums[i], self.squares[i] = total, float(A.sum())  # (2 threads: 93 -> 45 ms)

    def result(self) -> tuple[float, float]:
        """The mean of :math:`(Y - c)^2` and its variance estimate (:func:`trace_stats`)."""
        n, m = self.n, self.m
        g = float(self.sums.sum()) / (n * m)
        sizes = np.minimum(self.rows, n - self.rows * np.arange(self.blocks)) * m
        ss = float(self.squares.sum() + np.sum(sizes * (self.sums / sizes - g) ** 2))
        cols = self.col_sums.sum(axis=0) / n
        return g, _anova_var(n, m, g, self.row_sums / m, cols, ss)


def _anova_var(n: int, m: int, g: float, rows: np.ndarray, cols: np.ndarray, ss: float) -> float:
    """The variance estimate of :func:`trace_stats` from the row and column means and the
    total sum of squared deviations."""
    ss_e = ss - m * float(np.sum((rows - g) ** 2)) - n * float(np.sum((cols - g) ** 2))
    ms_e = max(ss_e, 0.0) / ((n - 1) * (m - 1))
    ms_rows = m * float(rows.var(ddof=1))
    ms_cols = n * float(cols.var(ddof=1))
    return (max(ms_rows, ms_e) + max(ms_cols, ms_e) - ms_e) / (n * m)


def gram_sample(spec: GramSpec, rng: SeedLike = None, device: str = "cpu") -> GramSample:
    """One sample of :math:`M`: its eigenvalues (float64) and trace statistics.

    ``device="cpu"`` samples with numpy (seeded by ``rng``); ``"cuda"``/``"auto"``
    sample and diagonalize with torch on that device (seeded by an integer drawn
    from ``rng``), so results are reproducible from one seed on a given device.
    The memory a sample needs is checked before anything is allocated.

    Parameters
    ----------
    spec, rng
        As in :func:`~rmttheory.validation.sampling.sample_features`.
    device
        ``"cpu"``, ``"cuda"`` or ``"auto"``.

    Returns
    -------
    GramSample

    Examples
    --------
    >>> gram_sample(GramSpec("tanh", 20, 1.0, 1.0), rng=0).eigenvalues.shape
    (20,)
    """
    n0, n1, m = spec.shape
    dev = "cpu" if device == "cpu" else resolve_device(device)
    check_memory(n0, n1, m, dev)
    c = 0.0
    if not spec.center:
        from rmttheory.constants import gaussian_constants

        c = gaussian_constants(spec.act, spec.sigma_w, spec.sigma_x, digits=15).mean
    if dev == "cpu":
        stats = SquareStats((n1, m), row_block(m), c)  # taken in the activation's pass
        Y = _features(spec, rng, then=stats.add)
        trace, var = stats.result()
        G = Y @ Y.T
        del Y  # its memory back before the eigensolver's workspace
        lam = np.linalg.eigvalsh(G)  # of YY^T, then / m: n1 numbers, not an n1^2 pass
        lam /= m  # (eigvalsh(YY^T / m) to rounding: 1.2e-14 of the largest at 2000 x 2000)
        return GramSample(lam, trace, var)
    import torch

    seed = int(_params.generator(rng).integers(2**62))
    Yt = sample_features_torch(spec, seed, dev)
    trace, var = trace_stats(((Yt - c) ** 2).double().cpu().numpy())
    lam = torch.linalg.eigvalsh(Yt @ Yt.T / m).cpu().numpy()
    return GramSample(lam, trace, var)


def gram_eigenvalues(spec: GramSpec, rng: SeedLike = None, device: str = "cpu") -> np.ndarray:
    """Sorted eigenvalues of one sample of :math:`M` (:func:`gram_sample`'s).

    Parameters
    ----------
    spec, rng, device
        As in :func:`gram_sample`.

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> gram_eigenvalues(GramSpec("tanh", 20, 1.0, 1.0), rng=0).shape
    (20,)
    """
    return gram_sample(spec, rng, device).eigenvalues


def batched_samples(
    spec: GramSpec, seeds: int, seed: int | None = 0, device: str = "cpu", progress: bool = False
) -> list[GramSample]:
    """``seeds`` independent samples, reproducible from one ``seed``.

    Parameters
    ----------
    spec
        What to sample.
    seeds, seed
        Number of samples and the seed they descend from (``SeedSequence.spawn``).
    device
        As in :func:`gram_sample`.
    progress
        Show a progress bar.

    Returns
    -------
    list of GramSample

    Examples
    --------
    >>> [s.eigenvalues.size for s in batched_samples(GramSpec("erf", 20, 1.0, 1.0), 2)]
    [20, 20]
    """
    children = np.random.SeedSequence(seed).spawn(seeds)
    if progress and seeds > 1:
        from tqdm.auto import tqdm

        children = tqdm(children, desc="samples", unit="sample")
    return [gram_sample(spec, _params.generator(c), device) for c in children]


def batched_eigenvalues(
    spec: GramSpec, seeds: int, seed: int | None = 0, device: str = "cpu", progress: bool = False
) -> list[np.ndarray]:
    """Eigenvalues of ``seeds`` independent samples (:func:`batched_samples`).

    Parameters
    ----------
    spec, seeds, seed, device, progress
        As in :func:`batched_samples`.

    Returns
    -------
    list of numpy.ndarray

    Examples
    --------
    >>> [e.size for e in batched_eigenvalues(GramSpec("erf", 20, 1.0, 1.0), 2)]
    [20, 20]
    """
    return [s.eigenvalues for s in batched_samples(spec, seeds, seed, device, progress)]
