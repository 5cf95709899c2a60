r"""A model, its data and a loss as a function of the flat parameter vector.

Convention (shared by every Hessian of :mod:`rmttheory.hessians`): parameters
flattened in ``model.parameters()`` order into :math:`\theta\in\mathbb R^P`, and

.. math:: L(\theta) = \frac1N\sum_{i=1}^N \ell(f_\theta(x_i), y_i)\quad(\texttt{"mean"}),
   \qquad L(\theta) = \sum_{i=1}^N \ell(f_\theta(x_i), y_i)\quad(\texttt{"sum"}),

over all :math:`N` samples of the data: one batch ``(inputs, targets)``, or
several (a list of ``(x, y)`` pairs or a ``torch.utils.data.DataLoader`` passed
as ``inputs`` with ``targets=None``; the mean is over all samples of all
batches, not a mean of batch means).  :math:`\ell` is the softmax
cross-entropy (``"cross_entropy"``, integer labels), half the squared error
:math:`\tfrac12\lVert f_\theta(x)-y\rVert^2` (``"mse"``; integer labels are
one-hot encoded), or any callable ``loss(outputs, targets)`` returning the
per-sample losses (a tensor of shape ``(batch,)``).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rmttheory.errors import ParameterError, RmtError
from rmttheory.resources import resolve_device

__all__ = ["LossSpec", "LOSSES", "REDUCTIONS", "as_batches"]

LOSSES = ("cross_entropy", "mse")
REDUCTIONS = ("mean", "sum")


def as_batches(inputs: Any, targets: Any) -> list[tuple[Any, Any]]:
    """``(inputs, targets)`` as a list of ``(x, y)`` batches (see the module docstring).

    Parameters
    ----------
    inputs, targets
        One batch, or ``targets=None`` and ``inputs`` an iterable of ``(x, y)``
        pairs (a list, a ``DataLoader``).

    Returns
    -------
    list of tuple

    Examples
    --------
    >>> len(as_batches([([[0.0]], [1]), ([[1.0]], [0])], None))
    2
    """
    if targets is not None:
        return [(inputs, targets)]
    try:
        batches = [tuple(b) for b in inputs]
    except TypeError:
        raise ParameterError("targets=None needs an iterable of (x, y) batches") from None
    if not batches or any(len(b) < 2 for b in batches):
        raise ParameterError("targets=None needs a non-empty iterable of (x, y) batches")
    return [(b[0], b[1]) for b in batches]


#: largest batch for which a CPU takes the forward-over-reverse products
#: (:meth:`LossSpec.hvp_rows`; measured at P = 1,930 for a dense Hessian: 3.7x the
#: reverse-over-reverse ones at batch 16, 1.3x at 64, 0.8x at 256)
FORWARD_MAX_BATCH = 128


@dataclass
class LossSpec:
    """A model, its data and a loss as a function of the flat parameter vector.

    Attributes
    ----------
    theta
        The model's current parameters, flattened, on ``device`` in ``dtype``.
    loss
        ``loss(theta)`` evaluates :math:`L(\\theta)` (module docstring).
    n_params, batch, loss_name, reduction, device, dtype
        Sizes and conventions; ``batch`` is the total number of samples N.
    n_batches
        How many batches the data came in.
    data, forward, per_sample
        The batches as tensors, ``forward(theta, x)`` (the model's outputs) and
        ``per_sample(outputs, y)`` (the ``(batch,)`` losses :math:`\\ell`), from
        which ``loss`` is built (and the Gauss–Newton matrix,
        :mod:`rmttheory.hessians.gauss_newton`).

    Examples
    --------
    >>> import torch
    >>> x = torch.randn(4, 3, generator=torch.Generator().manual_seed(0))
    >>> spec = LossSpec.build(torch.nn.Linear(3, 2), x, torch.tensor([0, 1, 1, 0]))
    >>> spec.n_params, spec.reduction, spec.hvp_block(torch.eye(8, dtype=torch.float64)).shape
    (8, 'mean', torch.Size([8, 8]))
    """

    theta: Any
    loss: Callable[[Any], Any]
    n_params: int
    batch: int
    loss_name: str
    reduction: str
    device: str
    dtype: Any
    n_batches: int = 1
    data: list = field(default_factory=list, repr=False)
    forward: Any = field(default=None, repr=False)
    per_sample: Any = field(default=None, repr=False)
    _graph: Any = field(default=None, repr=False)
    _forward_hvp: Any = field(default=None, repr=False)
    _forward_ok: bool | None = field(default=None, repr=False)
    _chain_source: Any = field(default=None, repr=False)
    _chain: Any = field(default=None, repr=False)

    @classmethod
    def build(
        cls,
        model: Any,
        inputs: Any,
        targets: Any,
        *,
        loss: str | Callable[[Any, Any], Any] = "cross_entropy",
        reduction: str = "mean",
        dtype: Any = None,
        device: str = "cpu",
    ) -> LossSpec:
        import torch
        from torch.func import functional_call

        if not callable(loss) and loss not in LOSSES:
            raise ParameterError(f"loss must be one of {LOSSES} or a callable, got {loss!r}")
        if reduction not in REDUCTIONS:
            raise ParameterError(f"reduction must be 'mean' or 'sum', got {reduction!r}")
        dev = resolve_device(device)
        dtype = torch.float64 if dtype is None else dtype
        if not isinstance(model, torch.nn.Module):
            raise ParameterError(f"model must be a torch.nn.Module, got {type(model).__name__}")
        model = copy.deepcopy(model).to(device=dev, dtype=dtype)
        names = [n for n, _ in model.named_parameters()]
        shapes = [p.shape for _, p in model.named_parameters()]
        sizes = [int(p.numel()) for _, p in model.named_parameters()]
        if not sizes:
            raise ParameterError("the model has no parameters")
        theta = torch.cat([p.detach().reshape(-1) for p in model.parameters()])
        buffers = dict(model.named_buffers())
        data = [_prepare(model, x, y, loss, dev, dtype) for x, y in as_batches(inputs, targets)]
        n = sum(int(x.shape[0]) for x, _ in data)

        def unflatten(t):
            # split (whose backward is one cat) rather than slices (one P-vector each)
            return {n: p.view(s) for n, s, p in zip(names, shapes, torch.split(t, sizes))}

        def forward(t, x):
            return functional_call(model, (unflatten(t), buffers), (x,))

        def per_sample(out, y):
            if loss == "cross_entropy":
                return torch.nn.functional.cross_entropy(out, y, reduction="none")
            if loss == "mse":
                return 0.5 * torch.sum((out - y) ** 2, dim=-1)
            per = loss(out, y)  # type: ignore[operator]
            if not isinstance(per, torch.Tensor) or tuple(per.shape) != (out.shape[0],):
                raise ParameterError(
                    "a callable loss must return the per-sample losses, a tensor of shape "
                    f"({out.shape[0]},); got {getattr(per, 'shape', type(per).__name__)}"
                )
            return per

        def total(t):
            s = sum(per_sample(forward(t, x), y).sum() for x, y in data)
            return s / n if reduction == "mean" else s

        name = loss if isinstance(loss, str) else getattr(loss, "__name__", "callable")
        return cls(theta, total, int(theta.numel()), n, name, reduction, dev, dtype, len(data),
                   data, forward, per_sample, _chain_source=(model, loss))  # fmt: skip

    def value(self) -> float:
        """:math:`L(\\theta)`; raises if it is not finite."""
        import torch

        with torch.no_grad():
            v = float(self.loss(self.theta))
        if not math.isfinite(v):
            raise RmtError(f"the loss is {v} at these parameters (diverged training or bad data)")
        return v

    def hvp(self, v: Any) -> Any:
        """:math:`Hv` (one vector): for a chain of ``Linear``/``Conv`` layers, reshapes,
        average pooling and elementwise activations with a built-in loss, the R-operator
        written out (:mod:`rmttheory.hessians._linear_chain`, no autograd graph); otherwise
        one plain backward pass through the gradient graph built once (:meth:`hvp_block`)."""
        import torch

        v = v.reshape(-1).to(device=self.device, dtype=self.dtype)
        chain = self.linear_chain()
        if chain is not None:
            return chain.products(v)
        t, g = self._gradient_graph()
        return torch.autograd.grad(g, t, grad_outputs=v, retain_graph=True)[0]

    def linear_chain(self) -> Any:
        """The written-out products (:class:`~rmttheory.hessians._linear_chain.LinearChainProducts`)
        when the model is a chain the R-operator is written out for (``Linear``/``Conv``
        layers, reshapes, average pooling, elementwise activations) and the loss is built
        in; None otherwise (built once, on first use)."""
        if self._chain is None:
            from rmttheory.hessians._linear_chain import LinearChainProducts

            built = None
            if self._chain_source is not None:
                model, loss = self._chain_source
                built = LinearChainProducts.build(model, self.data, loss, self.reduction)
            if built is not None and built.n_params != self.n_params:  # a parameter unseen
                built = None
            self._chain = False if built is None else built
        return self._chain or None

    def _gradient_graph(self) -> tuple[Any, Any]:
        """``(theta, grad L(theta))`` with the graph of the gradient kept (built once)."""
        import torch

        if self._graph is None:
            t = self.theta.clone().requires_grad_(True)
            (g,) = torch.autograd.grad(self.loss(t), t, create_graph=True)
            self._graph = (t, g)
        return self._graph

    def hvp_rows(self, V: Any) -> Any:
        """:math:`VH` by the faster product here: the written-out one for a chain
        (:meth:`linear_chain`); else
        :meth:`hvp_block_forward` on a CPU with a batch of at most ``FORWARD_MAX_BATCH``
        samples (unless the model has an operation without a forward-mode rule: then, and
        elsewhere, :meth:`hvp_block`)."""
        chain = self.linear_chain()
        if chain is not None:
            return chain.products(V.to(device=self.device, dtype=self.dtype))
        use = self.device == "cpu" and self.batch <= FORWARD_MAX_BATCH
        if use and self._forward_ok is not False:
            try:
                out = self.hvp_block_forward(V)
            except (RuntimeError, NotImplementedError):  # no forward-mode or batching rule
                self._forward_ok = False
            else:
                self._forward_ok = True
                return out
        return self.hvp_block(V)

    def hvp_block_forward(self, V: Any) -> Any:
        """:math:`VH` by forward-over-reverse differentiation: ``torch.func.vmap`` over the
        rows of ``V`` of ``jvp(grad(L), theta, v)``, all rows in one vectorized pass (no
        autograd graph).  On a CPU with a small batch it is 2-3x :meth:`hvp_block` (measured
        in docs/benchmarks.md); raises ``RuntimeError`` or ``NotImplementedError`` for an
        operation without a forward-mode or batching rule (callers fall back to
        :meth:`hvp_block`)."""
        import torch
        from torch.func import grad, jvp, vmap

        if self._forward_hvp is None:
            gradient, theta = grad(self.loss), self.theta

            def one(v):
                return jvp(gradient, (theta,), (v,))[1]

            self._forward_hvp = vmap(one)
        with torch.no_grad():
            return self._forward_hvp(V.to(device=self.device, dtype=self.dtype))

    def hvp_block(self, V: Any) -> Any:
        """:math:`VH` for a block of row vectors ``V`` (``b x P``), i.e. the rows of :math:`HV^T`.

        For a chain of ``Linear``/``Conv`` layers, reshapes, average pooling and elementwise
        activations with a built-in loss, the written-out products (:meth:`linear_chain`).
        Otherwise the gradient
        :math:`\\nabla L` is differentiated once with ``create_graph`` and kept; each
        block is one batched backward pass through that graph (``is_grads_batched``), a
        row-by-row loop if the model has an operation that cannot be batched.
        """
        import torch

        V = V.to(device=self.device, dtype=self.dtype)
        chain = self.linear_chain()
        if chain is not None:
            return chain.products(V)
        t, g = self._gradient_graph()
        try:
            (out,) = torch.autograd.grad(
                g, t, grad_outputs=V, is_grads_batched=True, retain_graph=True
            )
        except RuntimeError:  # an operation without a batching rule: one row at a time
            out = torch.stack(
                [torch.autograd.grad(g, t, grad_outputs=v, retain_graph=True)[0] for v in V]
            )
        return out


def _prepare(model: Any, x: Any, y: Any, loss: Any, dev: str, dtype: Any) -> tuple[Any, Any]:
    """One batch as tensors on ``dev``: floating inputs in ``dtype``, targets for ``loss``,
    checked against the model's output (one clear ParameterError for a wrong input width,
    targets that are not class indices in range, or MSE targets of the wrong shape)."""
    import torch

    try:
        x = torch.as_tensor(x, device=dev)
        y = torch.as_tensor(y, device=dev)
    except (TypeError, ValueError, RuntimeError) as exc:
        raise ParameterError(f"inputs and targets must be numeric arrays: {exc}") from None
    x = x.to(dtype) if x.is_floating_point() else x
    if x.ndim == 0 or y.ndim == 0:
        raise ParameterError("inputs and targets need a batch dimension")
    if x.shape[0] != y.shape[0]:
        raise ParameterError(f"{x.shape[0]} inputs but {y.shape[0]} targets")
    if x.shape[0] == 0:
        raise ParameterError("empty batch")
    out = _probe(model, x[:1], dtype)
    if out is None:  # integer or boolean inputs to a model of floats: use them as numbers
        x = x.to(dtype)
        out = _probe(model, x[:1], dtype, final=True)
    n_out = int(out.shape[-1])
    if loss in ("cross_entropy", "mse") and not y.is_floating_point():
        bad = (y < 0) | (y >= n_out)
        if bool(bad.any()):
            raise ParameterError(
                f"targets must be class indices in [0, {n_out}) for a model with {n_out} "
                f"outputs, got {int(y[bad][0])}"
            )
    if loss == "cross_entropy":
        if y.is_floating_point():
            if bool((y != torch.round(y)).any()) or y.ndim != 1:
                raise ParameterError(
                    "cross_entropy targets are class indices (integers), got non-integral "
                    "or multi-column values; use loss='mse' for real-valued targets"
                )
            return _prepare(model, x, y.long(), loss, dev, dtype)
        return x, y.long()
    if loss == "mse":
        if not y.is_floating_point():
            return x, torch.nn.functional.one_hot(y.long(), n_out).to(dtype)
        if tuple(y.shape[1:]) != tuple(out.shape[1:]):
            raise ParameterError(
                f"mse targets must have the model's output shape {tuple(out.shape[1:])} per "
                f"sample, got {tuple(y.shape[1:])}"
            )
    return x, (y.to(dtype) if y.is_floating_point() else y)


def _probe(model: Any, x1: Any, dtype: Any, final: bool = False) -> Any:
    """The model's output on one sample, None when integer inputs fail where floats may
    not, or a ParameterError saying what the model expects."""
    import torch

    try:
        with torch.no_grad():
            return model(x1)
    except (RuntimeError, TypeError, ValueError) as exc:
        if not final and not x1.is_floating_point():
            return None
        first = str(exc).splitlines()[0]
        raise ParameterError(
            f"the model cannot be applied to inputs of shape {tuple(x1.shape[1:])} per sample: "
            f"{first}"
        ) from None
