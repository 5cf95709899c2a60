r"""Exact Hessians of network losses (torch), dense or as a Lanczos operator.

**Convention.** For a model :math:`f_\theta` with parameters flattened into
:math:`\theta\in\mathbb{R}^P` (in ``model.parameters()`` order) and a batch
:math:`(x_i, y_i)_{i=1}^B`, the loss is

.. math:: L(\theta) = \frac{1}{B}\sum_{i=1}^B \ell(f_\theta(x_i), y_i)
   \quad(\texttt{reduction="mean"}),\qquad
   L(\theta) = \sum_{i=1}^B \ell(f_\theta(x_i), y_i)\quad(\texttt{"sum"}),

with :math:`\ell` the softmax cross-entropy (``loss="cross_entropy"``, integer
labels) or half the squared error :math:`\tfrac12\lVert f_\theta(x)-y\rVert^2`
(``loss="mse"``; integer labels are one-hot encoded).  The Hessian is
:math:`H = \nabla^2_\theta L` (``sum`` is exactly :math:`B` times ``mean``).

**Method.** Each chunk of rows :math:`e_j^T H` is one vectorized product
(:meth:`LossSpec.hvp_rows`).  For a chain of ``Linear`` layers and elementwise
activations with a built-in loss it is the R-operator written out
(:mod:`rmttheory.hessians._linear_chain`, no autograd graph).  Otherwise, on a CPU with a batch of at most
``FORWARD_MAX_BATCH`` samples (:mod:`rmttheory.hessians.loss`) it is
forward-over-reverse (:meth:`LossSpec.hvp_block_forward`: ``vmap`` of
``jvp(grad L)``), in chunks of :math:`\min(2^{14}/B, 2^{21}/P)` rows (a chunk's
activations and its :math:`P`-vectors stay near the cache; measured best at
P = 1,930 and 9,802).  Otherwise, or where an operation has no forward-mode rule,
the gradient is differentiated once with ``create_graph``, its graph kept, and each
chunk is one batched backward pass through it (:meth:`LossSpec.hvp_block`,
``is_grads_batched``), chunks sized to a memory budget.  The low-rank spectrum
(:func:`rmttheory.hessians.hessian_spectrum`) uses the same products. The
result is symmetrised, its relative asymmetry
before symmetrisation is reported, and eigenvalues are computed on the same
device.  Dense storage needs :math:`\approx 2P^2` numbers; when that would not
fit, :func:`exact_hessian` refuses and points to :class:`HessianOperator` (a
scipy ``LinearOperator`` for Lanczos on the top of the spectrum).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rmttheory.errors import ParameterError, RmtError
from rmttheory.hessians.loss import LossSpec
from rmttheory.resources import require_bytes

__all__ = ["Hessian", "hessian_bytes", "exact_hessian", "rowwise_hessian"]


@dataclass
class Hessian:
    """A dense symmetric Hessian with what it is the Hessian of.

    Attributes
    ----------
    matrix
        The :math:`P\\times P` torch tensor on ``device``.
    n_params, batch, loss, reduction, loss_value
        What it is the Hessian of (see :mod:`rmttheory.hessians.loss`).
    asymmetry
        :math:`\\max|H-H^T| / \\max|H|` before symmetrisation (rounding only).
    device, dtype, meta
        Where and how it was computed.

    Examples
    --------
    >>> import torch
    >>> x = torch.randn(4, 2, generator=torch.Generator().manual_seed(1))
    >>> h = exact_hessian(torch.nn.Linear(2, 2), x, torch.tensor([0, 1, 1, 0]))
    >>> h.eigenvalues().shape, h.n_params
    ((6,), 6)
    """

    matrix: Any
    n_params: int
    batch: int
    loss: str
    reduction: str
    loss_value: float
    asymmetry: float
    device: str
    dtype: str
    meta: dict = field(default_factory=dict)

    def eigenvalues(self) -> np.ndarray:
        """Ascending eigenvalues, computed on the Hessian's device, returned as float64 numpy."""
        import torch

        lam = torch.linalg.eigvalsh(self.matrix)
        out = lam.detach().cpu().double().numpy()
        if not np.all(np.isfinite(out)):
            raise RmtError("the Hessian's eigenvalues are not finite")
        return out


def hessian_bytes(n_params: int, itemsize: int = 8, chunk: int = 0) -> int:
    """Peak memory of a dense Hessian: the matrix, its transpose/eigen workspace and one chunk.

    Parameters
    ----------
    n_params
        Number of parameters P.
    itemsize
        Bytes per number (8 for float64).
    chunk
        Rows computed at once.

    Returns
    -------
    int
        Bytes.

    Examples
    --------
    >>> hessian_bytes(10_000) / 2**30  # two P x P float64 matrices
    1.4901161193847656
    """
    return itemsize * (2 * n_params * n_params + 4 * chunk * n_params)


def _default_chunk(spec: LossSpec, itemsize: int) -> int:
    P = spec.n_params
    if spec.device == "cuda":  # a GPU wants wide chunks: a memory budget
        per_row = itemsize * (4 * P + 512 * spec.batch)
        return int(max(1, min(P, 2**28 // per_row)))
    # a CPU: a chunk's activations (chunk x batch) and its P-vectors (chunk x P) stay near
    # the cache; measured best: 1,024 rows at P = 1,930, batch 16; 256 at batch 64; 64 at
    # batch 256; 128-256 at P = 9,802, batch 16
    return int(max(1, min(P, 2**14 // max(spec.batch, 1), 2**21 // P)))


def exact_hessian(
    model: Any,
    inputs: Any,
    targets: Any,
    *,
    loss: Any = "cross_entropy",
    reduction: str = "mean",
    dtype: Any = None,
    device: str = "cpu",
    chunk_size: int | None = None,
    progress: bool = False,
) -> Hessian:
    """Dense Hessian :math:`\\nabla^2_\\theta L` of ``model`` on one batch.

    Parameters
    ----------
    model
        A ``torch.nn.Module`` (copied; the original is untouched).
    inputs, targets
        The batch; integer class labels (cross-entropy, or one-hot for mse) or
        real targets (mse).  Several batches: ``targets=None`` and ``inputs`` a
        list of ``(x, y)`` pairs or a ``DataLoader`` (:mod:`rmttheory.hessians.loss`).
    loss, reduction
        ``"cross_entropy"``, ``"mse"`` or a callable returning per-sample
        losses; ``"mean"`` or ``"sum"`` over all samples (module docstring).
    dtype
        torch dtype of the computation (default ``torch.float64``).
    device
        ``"cpu"``, ``"cuda"`` or ``"auto"``; eigenvalues are taken there too.
    chunk_size
        Rows per vectorised batch (default on a CPU :math:`\\min(2^{14}/B, 2^{21}/P)`,
        module docstring; on a GPU sized to about 256 MiB).

    Returns
    -------
    Hessian

    Raises
    ------
    ResourceError
        The dense matrix would not fit; use :class:`HessianOperator` instead.
    RmtError
        The loss or the Hessian is not finite.

    Examples
    --------
    >>> import torch
    >>> model = torch.nn.Linear(3, 2)
    >>> x = torch.randn(5, 3, generator=torch.Generator().manual_seed(0))
    >>> h = exact_hessian(model, x, torch.tensor([0, 1, 0, 1, 1]))
    >>> h.matrix.shape, h.reduction
    (torch.Size([8, 8]), 'mean')
    """
    import torch

    spec = LossSpec.build(
        model, inputs, targets, loss=loss, reduction=reduction, dtype=dtype, device=device
    )
    itemsize = torch.empty((), dtype=spec.dtype).element_size()
    chunk = _default_chunk(spec, itemsize) if chunk_size is None else int(chunk_size)
    if chunk < 1:
        raise ParameterError(f"chunk_size must be >= 1, got {chunk_size}")
    P = spec.n_params
    require_bytes(
        hessian_bytes(P, itemsize, chunk),
        f"a dense Hessian with {P} parameters",
        spec.device,
        "use rmttheory.hessians.HessianOperator (Lanczos) for the top of the spectrum",
    )
    value = spec.value()
    H = torch.empty((P, P), dtype=spec.dtype, device=spec.device)
    starts = range(0, P, chunk)
    if progress:
        from tqdm.auto import tqdm

        starts = tqdm(starts, desc=f"Hessian P={P}", unit="chunk")
    for s in starts:
        e = min(P, s + chunk)
        basis = torch.zeros((e - s, P), dtype=spec.dtype, device=spec.device)
        basis[torch.arange(e - s), torch.arange(s, e)] = 1
        H[s:e] = spec.hvp_rows(basis)
    lo, hi = torch.aminmax(H)  # NaN propagates: one pass, no |H| temporary
    if not (math.isfinite(float(lo)) and math.isfinite(float(hi))):
        bad = torch.nonzero(~torch.isfinite(H).all(dim=1)).reshape(-1)
        raise RmtError(f"the Hessian has NaN or inf entries (rows {int(bad[0])}..{int(bad[-1])})")
    asym = _symmetrize_(H, max(abs(float(lo)), abs(float(hi))))
    return Hessian(
        H,
        P,
        spec.batch,
        spec.loss_name,
        reduction,
        value,
        asym,
        spec.device,
        str(spec.dtype).split(".")[-1],
    )


def _symmetrize_(H: Any, scale: float, block: int = 256) -> float:
    """Replace H by (H + H^T)/2 in place, block by block (cache-sized); return
    max|H - H^T| / scale (scale: max|H|).  Four passes over each block pair: D = A - B^T,
    its extremes, A -= D/2 (the average), B = A^T."""
    import torch

    P = H.shape[0]
    diff = 0.0
    for i in range(0, P, block):
        for j in range(i, P, block):
            a, b = H[i : i + block, j : j + block], H[j : j + block, i : i + block]
            d = a - b.T
            lo, hi = torch.aminmax(d)
            diff = max(diff, -float(lo), float(hi))
            a.sub_(d, alpha=0.5)
            if j != i:  # (a diagonal block is now symmetric itself)
                b.copy_(a.T)
    return diff / scale if scale > 0 else 0.0


def rowwise_hessian(
    model: Any,
    inputs: Any,
    targets: Any,
    *,
    loss: Any = "cross_entropy",
    reduction: str = "mean",
    dtype: Any = None,
    device: str = "cpu",
) -> Any:
    """The baseline: one double-backward pass per parameter (row by row), as a torch tensor.

    Same convention as :func:`exact_hessian`; kept as an independent check and a
    benchmark baseline.

    Parameters
    ----------
    model, inputs, targets, loss, reduction, dtype, device
        As in :func:`exact_hessian`.

    Returns
    -------
    torch.Tensor
        The :math:`P\\times P` Hessian (not symmetrised).

    Examples
    --------
    >>> import torch
    >>> x = torch.randn(4, 2, generator=torch.Generator().manual_seed(1))
    >>> H = rowwise_hessian(torch.nn.Linear(2, 2), x, torch.tensor([0, 1, 1, 0]))
    >>> H.shape
    torch.Size([6, 6])
    """
    import torch

    spec = LossSpec.build(
        model, inputs, targets, loss=loss, reduction=reduction, dtype=dtype, device=device
    )
    theta = spec.theta.clone().requires_grad_(True)
    (g,) = torch.autograd.grad(spec.loss(theta), theta, create_graph=True)
    rows = [torch.autograd.grad(g[i], theta, retain_graph=True)[0] for i in range(spec.n_params)]
    return torch.stack(rows)
