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

**Method.** Each row :math:`e_j^T H` is a vector-Jacobian product of the
gradient (reverse-over-reverse: ``torch.func.vjp`` of ``torch.func.grad``, whose
graph is built once), vectorised over a chunk of basis vectors with
``torch.func.vmap``; chunks are sized to a memory budget.  The Lanczos operator
uses forward-over-reverse products (``torch.func.jvp`` of the gradient).  The result is symmetrised, its relative asymmetry
before symmetrisation is reported, and eigenvalues are computed on the same
device.  Dense storage needs :math:`\approx 2P^2` numbers; when that would not
fit, :func:`exact_hessian` refuses and points to :class:`HessianOperator` (a
scipy ``LinearOperator`` for Lanczos on the top of the spectrum).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rmttheory.errors import ParameterError, RmtError
from rmttheory.resources import require_bytes, resolve_device

__all__ = [
    "LossSpec",
    "Hessian",
    "hessian_bytes",
    "exact_hessian",
    "rowwise_hessian",
    "HessianOperator",
    "top_eigenvalues",
]

LOSSES = ("cross_entropy", "mse")
REDUCTIONS = ("mean", "sum")


@dataclass
class LossSpec:
    """A model, a batch and a loss as a function of the flat parameter vector.

    Built with :meth:`build`; ``loss(theta)`` evaluates :math:`L(\\theta)`
    (see the module docstring for the convention) and ``theta`` holds the
    model's current parameters, on ``device`` in ``dtype``.
    """

    theta: Any
    loss: Callable[[Any], Any]
    n_params: int
    batch: int
    loss_name: str
    reduction: str
    device: str
    dtype: Any

    @classmethod
    def build(
        cls,
        model: Any,
        inputs: Any,
        targets: Any,
        *,
        loss: str = "cross_entropy",
        reduction: str = "mean",
        dtype: Any = None,
        device: str = "cpu",
    ) -> LossSpec:
        import torch
        from torch.func import functional_call

        if loss not in LOSSES:
            raise ParameterError(f"loss must be one of {LOSSES}, got {loss!r}")
        if reduction not in REDUCTIONS:
            raise ParameterError(f"reduction must be 'mean' or 'sum', got {reduction!r}")
        dev = resolve_device(device)
        dtype = torch.float64 if dtype is None else dtype
        model = copy.deepcopy(model).to(device=dev, dtype=dtype)
        names = [n for n, _ in model.named_parameters()]
        shapes = [p.shape for _, p in model.named_parameters()]
        sizes = [int(p.numel()) for _, p in model.named_parameters()]
        if not sizes:
            raise ParameterError("the model has no parameters")
        theta = torch.cat([p.detach().reshape(-1) for p in model.parameters()])
        x = torch.as_tensor(inputs, device=dev)
        x = x.to(dtype) if x.is_floating_point() else x
        y = torch.as_tensor(targets, device=dev)
        if x.shape[0] != y.shape[0]:
            raise ParameterError(f"{x.shape[0]} inputs but {y.shape[0]} targets")
        if x.shape[0] == 0:
            raise ParameterError("empty batch")
        buffers = dict(model.named_buffers())

        def unflatten(t):
            # split (whose backward is one cat) rather than slices (one P-vector each)
            return {n: p.view(s) for n, s, p in zip(names, shapes, torch.split(t, sizes))}

        if loss == "mse" and not y.is_floating_point():
            y = torch.nn.functional.one_hot(y.long(), _n_outputs(model, x)).to(dtype)
        elif loss == "mse":
            y = y.to(dtype)
        else:
            y = y.long()

        def total(t):
            out = functional_call(model, (unflatten(t), buffers), (x,))
            if loss == "cross_entropy":
                per = torch.nn.functional.cross_entropy(out, y, reduction="sum")
            else:
                per = 0.5 * torch.sum((out - y) ** 2)
            return per / x.shape[0] if reduction == "mean" else per

        return cls(theta, total, int(theta.numel()), int(x.shape[0]), loss, reduction, dev, dtype)

    def value(self) -> float:
        """:math:`L(\\theta)`; raises if it is not finite."""
        import torch

        with torch.no_grad():
            v = float(self.loss(self.theta))
        if not math.isfinite(v):
            raise RmtError(f"the loss is {v} at these parameters (diverged training or bad data)")
        return v

    def hvp(self, v: Any) -> Any:
        """:math:`Hv` by forward-over-reverse differentiation."""
        from torch.func import grad, jvp

        return jvp(grad(self.loss), (self.theta,), (v,))[1]


def _n_outputs(model: Any, x: Any) -> int:
    import torch

    with torch.no_grad():
        return int(model(x[:1]).shape[-1])


@dataclass
class Hessian:
    """A dense symmetric Hessian with what it is the Hessian of.

    ``matrix`` is a torch tensor on ``device``; ``asymmetry`` is
    :math:`\\max|H-H^T| / \\max|H|` before symmetrisation (rounding only).
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
    """Peak memory of a dense Hessian: the matrix, its transpose/eigen workspace and one chunk."""
    return itemsize * (2 * n_params * n_params + 4 * chunk * n_params)


def _default_chunk(spec: LossSpec, itemsize: int) -> int:
    # a row costs a few P-vectors plus the batch's activations (unknown; 512 per sample assumed);
    # on a CPU small chunks stay in cache (64 measured fastest), a GPU wants wide ones
    budget, cap = (2**28, spec.n_params) if spec.device == "cuda" else (2**26, 64)
    per_row = itemsize * (4 * spec.n_params + 512 * spec.batch)
    return int(max(1, min(spec.n_params, cap, budget // per_row)))


def exact_hessian(
    model: Any,
    inputs: Any,
    targets: Any,
    *,
    loss: str = "cross_entropy",
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
        real targets (mse).
    loss, reduction
        ``"cross_entropy"`` or ``"mse"``; ``"mean"`` or ``"sum"`` over the batch
        (see the module docstring).
    dtype
        torch dtype of the computation (default ``torch.float64``).
    device
        ``"cpu"``, ``"cuda"`` or ``"auto"``; eigenvalues are taken there too.
    chunk_size
        Rows per vectorised batch (default: at most 64 on a CPU, sized to
        about 256 MiB on a GPU).

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
    from torch.func import grad, vjp, vmap

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
        "use rmttheory.hessian.HessianOperator (Lanczos) for the top of the spectrum",
    )
    value = spec.value()
    H = torch.empty((P, P), dtype=spec.dtype, device=spec.device)
    _, vjp_fn = vjp(grad(spec.loss), spec.theta)
    batched = vmap(lambda v: vjp_fn(v)[0])
    starts = range(0, P, chunk)
    if progress:
        from tqdm.auto import tqdm

        starts = tqdm(starts, desc=f"Hessian P={P}", unit="chunk")
    for s in starts:
        e = min(P, s + chunk)
        basis = torch.zeros((e - s, P), dtype=spec.dtype, device=spec.device)
        basis[torch.arange(e - s), torch.arange(s, e)] = 1
        rows = batched(basis)
        if not bool(torch.isfinite(rows).all()):
            raise RmtError(f"the Hessian has NaN or inf entries (rows {s}..{e - 1})")
        H[s:e] = rows
    asym = _symmetrize_(H)
    return Hessian(
        H, P, spec.batch, loss, reduction, value, asym, spec.device, str(spec.dtype).split(".")[-1]
    )


def _symmetrize_(H: Any, block: int = 1024) -> float:
    """Replace H by (H + H^T)/2 in place, block by block; return max|H-H^T| / max|H| before."""
    P = H.shape[0]
    scale = float(H.abs().max())
    diff = 0.0
    for i in range(0, P, block):
        for j in range(i, P, block):
            a, b = H[i : i + block, j : j + block], H[j : j + block, i : i + block]
            diff = max(diff, float((a - b.T).abs().max()))
            avg = 0.5 * (a + b.T)
            a.copy_(avg)
            b.copy_(avg.T)
    return diff / scale if scale > 0 else 0.0


def rowwise_hessian(
    model: Any,
    inputs: Any,
    targets: Any,
    *,
    loss: str = "cross_entropy",
    reduction: str = "mean",
    dtype: Any = None,
    device: str = "cpu",
) -> Any:
    """The baseline: one double-backward pass per parameter (row by row), as a torch tensor.

    Same convention as :func:`exact_hessian`; kept as an independent check and a
    benchmark baseline.
    """
    import torch

    spec = LossSpec.build(
        model, inputs, targets, loss=loss, reduction=reduction, dtype=dtype, device=device
    )
    theta = spec.theta.clone().requires_grad_(True)
    (g,) = torch.autograd.grad(spec.loss(theta), theta, create_graph=True)
    rows = [torch.autograd.grad(g[i], theta, retain_graph=True)[0] for i in range(spec.n_params)]
    return torch.stack(rows)


class HessianOperator:
    """The Hessian as a symmetric ``scipy.sparse.linalg.LinearOperator`` (float64).

    Only Hessian-vector products are formed (memory :math:`O(P)` beyond the
    model), so any model that trains can be analysed.  Same convention as
    :func:`exact_hessian`.  ``n_products`` counts the products taken.
    """

    def __init__(
        self,
        model: Any,
        inputs: Any,
        targets: Any,
        *,
        loss: str = "cross_entropy",
        reduction: str = "mean",
        device: str = "cpu",
    ):
        import torch

        self.spec = LossSpec.build(
            model,
            inputs,
            targets,
            loss=loss,
            reduction=reduction,
            dtype=torch.float64,
            device=device,
        )
        self.spec.value()
        self.n_products = 0

    @property
    def shape(self) -> tuple[int, int]:
        return (self.spec.n_params, self.spec.n_params)

    def matvec(self, v: np.ndarray) -> np.ndarray:
        import torch

        t = torch.as_tensor(np.ravel(v), dtype=torch.float64, device=self.spec.device)
        out = self.spec.hvp(t).detach().cpu().numpy()
        self.n_products += 1
        if not np.all(np.isfinite(out)):
            raise RmtError("a Hessian-vector product is not finite")
        return out

    def aslinearoperator(self):
        from scipy.sparse.linalg import LinearOperator

        return LinearOperator(self.shape, matvec=self.matvec, rmatvec=self.matvec, dtype=float)


def top_eigenvalues(
    op: HessianOperator,
    k: int = 10,
    which: str = "LA",
    tol: float = 1e-10,
    seed: int | np.random.Generator | None = 0,
) -> np.ndarray:
    """``k`` extreme eigenvalues of the Hessian by implicitly restarted Lanczos (ARPACK).

    ``which``: ``"LA"`` largest algebraic (outliers), ``"SA"`` smallest, ``"LM"``
    largest magnitude, ``"BE"`` both ends.  Returned ascending.  The start vector
    is drawn from ``seed``.
    """
    from scipy.sparse.linalg import ArpackNoConvergence, eigsh

    n = op.shape[0]
    if not 1 <= k < n:
        raise ParameterError(f"k must be in [1, {n - 1}], got {k}")
    rng = np.random.default_rng(seed)
    try:
        lam = eigsh(op.aslinearoperator(), k=k, which=which, tol=tol, v0=rng.standard_normal(n))[0]
    except ArpackNoConvergence as exc:
        from rmttheory.errors import ConvergenceError

        raise ConvergenceError(f"Lanczos did not converge for k={k}: {exc}") from None
    return np.sort(lam)
