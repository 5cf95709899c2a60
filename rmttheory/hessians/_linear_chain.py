r"""Exact Hessian-vector products of a chain of layers linear in their inputs and parameters.

Pearlmutter's R-operator written out for a ``torch.nn.Sequential`` (or a lone layer) of
``Linear`` and ``Conv1d``/``Conv2d`` layers (one group, zero padding given as numbers),
parameter-free linear maps (``Flatten``, ``Unflatten``, average pooling) and parameter-free
elementwise activations, with the built-in losses of :mod:`rmttheory.hessians.loss`
(softmax cross-entropy, half the squared error; ``"mean"`` or ``"sum"``).  Everything
fixed by the parameters is computed once; a product is then a few dozen tensor operations
and no autograd graph (measured 1.2-1.9x faster than a backward pass through the kept
gradient graph for MLPs, 1.1-2.3x for CNNs: docs/benchmarks.md).  Blocks of vectors
(:meth:`LossSpec.hvp_block`) are taken for chains of ``Linear`` layers and activations
only.  Same convention and values as the autograd path, to rounding:
``tests/test_linear_chain.py``.

With all :math:`N` samples stacked, :math:`h_0=x`, :math:`h_k=\mathrm{op}_k(h_{k-1})`,
:math:`z=h_K`, the gradient's cotangents are :math:`e_K=\partial L/\partial z`,
:math:`e_{k-1}=J_k^{\top}e_k`.  For a direction :math:`\dot\theta` (the blocks
:math:`\dot W,\dot b` of each layer) the tangents run forward,

.. math:: \dot h_k = \dot h_{k-1}W^{\top} + h_{k-1}\dot W^{\top} + \dot b \ (\text{linear}),
   \qquad \dot h_k = f'(h_{k-1})\odot\dot h_{k-1}\ (\text{elementwise}),

the loss gives :math:`\dot e_K = s\,(p\odot\dot z - p\,\langle p,\dot z\rangle)` (cross-
entropy, :math:`p` the softmax) or :math:`s\,\dot z` (squared error), :math:`s = 1/N` for
``"mean"``, 1 for ``"sum"``; and backward

.. math:: (H\dot\theta)_W = \dot e_k^{\top}h_{k-1} + e_k^{\top}\dot h_{k-1},\quad
   (H\dot\theta)_b = \textstyle\sum_i \dot e_k,\quad
   \dot e_{k-1} = \dot e_k W + e_k\dot W \ (\text{linear}),

.. math:: \dot e_{k-1} = f'(h_{k-1})\odot\dot e_k
   + \big(f''(h_{k-1})\odot e_k\big)\odot\dot h_{k-1}\ (\text{elementwise}),

with :math:`f'` and :math:`f''` taken by autograd from the module itself (so kinks,
such as ReLU's at 0, follow torch's convention exactly as the autograd path does).  A
convolution is bilinear like a linear layer: the same three terms with the convolution,
its input gradient and its weight gradient (``torch.nn.grad``) in place of the three
products; a parameter-free linear map :math:`A` has :math:`\dot h_k = A\dot h_{k-1}` and
:math:`\dot e_{k-1} = A^{\top}\dot e_k`.
"""

from __future__ import annotations

from typing import Any

__all__: list[str] = []


def _elementwise_types() -> tuple[type, ...]:
    import torch.nn as nn

    names = ("Tanh", "ReLU", "Sigmoid", "GELU", "SiLU", "Softplus", "ELU", "LeakyReLU",
             "Identity", "Hardtanh", "Mish", "Softsign", "Tanhshrink", "CELU", "SELU",
             "LogSigmoid", "ReLU6")  # fmt: skip
    return tuple(getattr(nn, n) for n in names if hasattr(nn, n))


class LinearChainProducts:
    """Fixed quantities of one loss at one parameter point and :meth:`products` from them.

    Built by :meth:`build`, which returns None for anything else (other modules, a
    callable loss, inputs that are not ``(N, d)``): callers then use autograd.
    """

    def __init__(self, steps: list, offsets: list, n_params: int, loss: str, p: Any, s: float):
        self.steps, self.offsets, self.n_params = steps, offsets, n_params
        self.loss, self.p, self.s = loss, p, s
        self.first = min(k for k, st in enumerate(steps) if st[0] in ("linear", "conv"))
        #: blocks of vectors (b, P) are taken only by chains of Linear layers and activations
        self.blocks = all(st[0] in ("linear", "elementwise") for st in steps)

    @classmethod
    def build(cls, model: Any, data: list, loss: Any, reduction: str) -> LinearChainProducts | None:
        import torch

        nn = torch.nn
        mods: list[Any] = list(model) if type(model) is nn.Sequential else [model]
        kind = [_kind(m) for m in mods]
        layers = [m for m, k in zip(mods, kind) if k in ("linear", "conv")]
        if (
            not isinstance(loss, str)
            or not layers
            or None in kind
            or len({id(m) for m in layers}) != len(layers)  # a layer used twice
        ):
            return None
        x = torch.cat([x for x, _ in data])
        y = torch.cat([y for _, y in data])
        n = int(x.shape[0])
        s = 1.0 / n if reduction == "mean" else 1.0
        with torch.no_grad():
            hs = [x]
            for m, what in zip(mods, kind):  # clone: an in-place activation keeps its input
                hs.append(m(hs[-1].clone()) if what == "elementwise" else m(hs[-1]))
            z = hs[-1]
            if z.ndim != 2:
                return None
            if loss == "cross_entropy":
                p = torch.softmax(z, dim=-1)
                e = s * (p - nn.functional.one_hot(y, z.shape[-1]).to(z.dtype))
            else:
                p, e = None, s * (z - y)
        steps: list = [None] * len(mods)
        for k in range(len(mods) - 1, -1, -1):
            m, a = mods[k], hs[k]
            if kind[k] == "linear":
                W = m.weight.detach()
                steps[k] = ("linear", W, a, e)
                e = e @ W
            elif kind[k] == "conv":
                W = m.weight.detach()
                conv = _Conv(m, a.shape)
                steps[k] = ("conv", W, a, e, conv)
                e = conv.input_grad(W, e)
            elif kind[k] == "map":  # parameter-free and linear: its transpose by autograd
                if type(m) in (nn.Flatten, nn.Unflatten):  # a reshape: its transpose too
                    transpose: Any = _Reshape(a.shape)
                else:
                    transpose = _Transpose(m, a)
                steps[k] = ("map", m, transpose)
                e = transpose(e)[0]
            else:
                fp, fpp = _derivatives(m, a)
                steps[k] = ("elementwise", fp, None if fpp is None else fpp * e)
                e = fp * e
        offsets: list[Any] = []
        o = 0
        for m, what in zip(mods, kind):
            if what in ("linear", "conv"):
                ow, o = o, o + m.weight.numel()
                ob = None
                if m.bias is not None:
                    ob, o = o, o + m.bias.numel()
                offsets.append((ow, tuple(m.weight.shape), ob))
            else:
                offsets.append(None)
        return cls(steps, offsets, o, loss, p, s)

    def products(self, v: Any) -> Any:
        """:math:`Hv` for ``v`` of shape ``(P,)``, or the rows :math:`VH` for ``(b, P)``."""
        import torch

        flat = v.ndim == 1
        lead = v.shape[:-1]
        out = torch.empty_like(v)
        ins: list = []
        dh: Any = None
        if not (flat or self.blocks):
            raise ValueError("blocks of vectors need a chain of Linear layers and activations")
        for st, off in zip(self.steps, self.offsets):  # tangents, forward
            ins.append(dh)
            if st[0] == "elementwise":
                dh = None if dh is None else st[1] * dh
                continue
            if st[0] == "map":
                dh = None if dh is None else st[1](dh)
                continue
            if st[0] == "conv":
                o, shape, ob = off
                dW = v[o : o + st[1].numel()].view(shape)
                new = st[4].forward(st[2], dW, None if ob is None else v[ob : ob + shape[0]])
                dh = new if dh is None else new.add_(st[4].forward(dh, st[1], None))
                continue
            _, W, a, _ = st
            o, (r, c), ob = off
            dW = v[..., o : o + r * c].view(*lead, r, c)
            if flat and ob is not None:
                new = torch.addmm(v[ob : ob + r], a, dW.T)
            else:
                new = torch.matmul(a, dW.mT)
                if ob is not None:
                    new += v[..., ob : ob + r].unsqueeze(-2)
            if dh is not None:
                if flat:
                    new.addmm_(dh, W.T)
                else:
                    new += torch.matmul(dh, W.T)
            dh = new
        if self.loss == "cross_entropy":  # the loss's Hessian in the logits
            pd = self.p * dh
            de = self.s * torch.addcmul(pd, self.p, pd.sum(-1, keepdim=True), value=-1.0)
        else:
            de = self.s * dh
        for k in range(len(self.steps) - 1, -1, -1):  # cotangents' tangents, backward
            st, da = self.steps[k], ins[k]
            if st[0] == "elementwise":
                new = st[1] * de
                if st[2] is not None and da is not None:
                    new.addcmul_(st[2], da)
                de = new
                continue
            if st[0] == "map":
                de = st[2](de)[0]
                continue
            if st[0] == "conv":
                _, W, a, e, conv = st
                o, shape, ob = self.offsets[k]
                gW = out[o : o + W.numel()].view(shape)
                gW.copy_(conv.weight_grad(a, de))
                if da is not None:
                    gW += conv.weight_grad(da, e)
                if ob is not None:
                    out[ob : ob + shape[0]] = de.sum(dim=[0, *range(2, de.ndim)])
                if k == self.first:
                    break
                dW = v[o : o + W.numel()].view(shape)
                de = conv.input_grad(W, de).add_(conv.input_grad(dW, e))
                continue
            _, W, a, e = st
            o, (r, c), ob = self.offsets[k]
            gW = out[..., o : o + r * c].view(*lead, r, c)
            if flat:
                torch.mm(de.T, a, out=gW)
                if da is not None:
                    gW.addmm_(e.T, da)
                if ob is not None:
                    torch.sum(de, 0, out=out[ob : ob + r])
            else:
                gW.copy_(torch.matmul(de.mT, a))
                if da is not None:
                    gW += torch.matmul(e.mT, da)
                if ob is not None:
                    out[..., ob : ob + r] = de.sum(-2)
            if k == self.first:
                break  # no parameter below: nothing more to accumulate
            dW = v[..., o : o + r * c].view(*lead, r, c)
            de = torch.addmm(de @ W, e, dW) if flat else de @ W + torch.matmul(e, dW)
        return out


def _kind(m: Any) -> str | None:
    """How a module enters the chain: ``"linear"``, ``"conv"`` (Conv1d/Conv2d, one group,
    zero padding given as numbers), ``"map"`` (parameter-free and linear: Flatten, Unflatten,
    average pooling), ``"elementwise"`` (a parameter-free activation); None otherwise."""
    import torch.nn as nn

    if type(m) is nn.Linear:
        return "linear"
    if type(m) in (nn.Conv1d, nn.Conv2d):
        plain = m.groups == 1 and m.padding_mode == "zeros" and not isinstance(m.padding, str)
        return "conv" if plain else None
    if next(m.parameters(), None) is not None:
        return None
    if type(m) in (nn.Flatten, nn.Unflatten, nn.AvgPool1d, nn.AvgPool2d):
        return "map"
    return "elementwise" if type(m) in _elementwise_types() else None


class _Reshape:
    """The transpose of a reshape to ``shape`` (called like a ``vjp``: a 1-tuple out)."""

    def __init__(self, shape: Any):
        self.shape = tuple(shape)

    def __call__(self, e: Any) -> tuple[Any]:
        return (e.reshape(self.shape),)


class _Transpose:
    """The transpose of a parameter-free linear module at inputs shaped like ``a``: one
    backward pass through its one-node graph, kept (``torch.func.vjp`` costs ~1.4 s on its
    first call in a process)."""

    def __init__(self, m: Any, a: Any):
        import torch

        self.x = torch.zeros_like(a).requires_grad_(True)
        with torch.enable_grad():
            self.y = m(self.x)

    def __call__(self, e: Any) -> tuple[Any, ...]:
        import torch

        return torch.autograd.grad(self.y, self.x, e, retain_graph=True)


class _Conv:
    """A Conv1d/Conv2d layer's three linear maps at a fixed input shape: the convolution,
    and the gradients in its input and its weight (torch.nn.grad)."""

    def __init__(self, m: Any, shape: Any):
        import torch
        import torch.nn.functional as F
        from torch.nn import grad

        one = isinstance(m, torch.nn.Conv1d)
        self._f = F.conv1d if one else F.conv2d
        self._in = grad.conv1d_input if one else grad.conv2d_input
        self._w = grad.conv1d_weight if one else grad.conv2d_weight
        self.shape, self.wshape = tuple(shape), tuple(m.weight.shape)
        self.kw = {"stride": m.stride, "padding": m.padding, "dilation": m.dilation}

    def forward(self, x: Any, w: Any, b: Any) -> Any:
        return self._f(x, w, b, **self.kw)

    def input_grad(self, w: Any, e: Any) -> Any:
        return self._in(self.shape, w, e, **self.kw)

    def weight_grad(self, x: Any, e: Any) -> Any:
        return self._w(x, self.wshape, e, **self.kw)


def _derivatives(m: Any, a: Any) -> tuple[Any, Any]:
    """:math:`f'(a)` and :math:`f''(a)` of an elementwise module (None where identically 0)."""
    import torch

    leaf = a.detach().clone().requires_grad_(True)
    with torch.enable_grad():
        out = m(leaf.clone())
        (fp,) = torch.autograd.grad(out.sum(), leaf, create_graph=True)
        fpp = None
        if fp.requires_grad:
            (fpp,) = torch.autograd.grad(fp.sum(), leaf, allow_unused=True)
    if fpp is not None and not bool(fpp.any()):  # piecewise linear (ReLU): no curvature term
        fpp = None
    return fp.detach(), fpp
