"""A model, a batch and a loss as a function of the flat parameter vector.

Convention (shared by every Hessian of :mod:`rmttheory.hessians`): parameters
flattened in ``model.parameters()`` order into :math:`\\theta\\in\\mathbb R^P`,
loss :math:`L(\\theta) = \\frac1B\\sum_i \\ell(f_\\theta(x_i), y_i)` (``"mean"``) or the sum
(``"sum"``), with :math:`\\ell` the softmax cross-entropy (integer labels) or half
the squared error (``"mse"``; integer labels are one-hot encoded).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rmttheory.errors import ParameterError, RmtError
from rmttheory.resources import resolve_device

__all__ = ["LossSpec", "LOSSES", "REDUCTIONS"]

LOSSES = ("cross_entropy", "mse")
REDUCTIONS = ("mean", "sum")


@dataclass
class LossSpec:
    """A model, a batch and a loss as a function of the flat parameter vector.

    Attributes
    ----------
    theta
        The model's current parameters, flattened, on ``device`` in ``dtype``.
    loss
        ``loss(theta)`` evaluates :math:`L(\\theta)` (module docstring).
    n_params, batch, loss_name, reduction, device, dtype
        Sizes and conventions.

    Examples
    --------
    >>> import torch
    >>> x = torch.randn(4, 3, generator=torch.Generator().manual_seed(0))
    >>> spec = LossSpec.build(torch.nn.Linear(3, 2), x, torch.tensor([0, 1, 1, 0]))
    >>> spec.n_params, spec.reduction
    (8, 'mean')
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
