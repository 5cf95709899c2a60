r"""Exact Hessian-vector products of a chain of layers linear in their inputs and parameters.

Pearlmutter's R-operator written out for a ``torch.nn.Sequential`` (or a lone layer) of
``Linear`` and ``Conv1d``/``Conv2d`` layers (one group, zero padding given as numbers),
parameter-free linear maps (``Flatten``, ``Unflatten``, average pooling) and parameter-free
elementwise activations, with the built-in losses of :mod:`rmttheory.hessians.loss`
(softmax cross-entropy, half the squared error; ``"mean"`` or ``"sum"``).  Everything
fixed by the parameters is computed once; a product is then a few dozen tensor operations
and no autograd graph (measured 1.2-1.9x faster than a backward pass through the kept
gradient graph for MLPs, 1.1-2.3x for CNNs: docs/benchmarks.md); blocks of ``b``
vectors (:meth:`LossSpec.hvp_block`) take batched matrix products, and for a convolution
one convolution of the ``b`` weights stacked (or of ``b`` groups).  Same convention and
values as the autograd path, to rounding: ``tests/test_linear_chain.py``.

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

import math
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
    callable loss, outputs that are not ``(N, classes)``): callers then use autograd.
    ``n_params`` is the number of parameters the chain accounts for.
    """

    def __init__(self, steps: list, offsets: list, n_params: int, loss: str, p: Any, s: float):
        self.steps, self.offsets, self.n_params = steps, offsets, n_params
        self.loss, self.p, self.s = loss, p, s
        self.first = min(k for k, st in enumerate(steps) if st[0] in ("linear", "conv"))

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
        first = min(k for k, what in enumerate(kind) if what in ("linear", "conv"))
        # below the first layer nothing is accumulated: those steps keep their kind only
        steps: list = [(what, None, None) for what in kind[:first]] + [None] * (len(mods) - first)
        for k in range(len(mods) - 1, first - 1, -1):
            m, a = mods[k], hs[k]
            if kind[k] == "linear":
                W = m.weight.detach()
                steps[k] = ("linear", W, a, e)
                e = e @ W if k > first else e
            elif kind[k] == "conv":
                W = m.weight.detach()
                conv = _Conv(m, a.shape)
                steps[k] = ("conv", W, a, e, conv)
                e = conv.input_grad(W, e) if k > first else e
            elif kind[k] == "map":  # parameter-free and linear
                lin = _Map(m, a, hs[k + 1].shape)
                steps[k] = ("map", lin)
                e = lin.transpose(e)
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
        for st, off in zip(self.steps, self.offsets):  # tangents, forward
            ins.append(dh)
            if st[0] == "elementwise":
                dh = None if dh is None else st[1] * dh
                continue
            if st[0] == "map":
                dh = None if dh is None else st[1].forward(dh)
                continue
            if st[0] == "conv":
                o, shape, ob = off
                dW = v[..., o : o + st[1].numel()].view(*lead, *shape)
                db = None if ob is None else v[..., ob : ob + shape[0]]
                new = st[4].of_weight(st[2], dW, db)
                dh = new if dh is None else new.add_(st[4].of_input(dh, st[1]))
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
                de = st[1].transpose(de)
                continue
            if st[0] == "conv":
                _, W, a, e, conv = st
                o, shape, ob = self.offsets[k]
                gW = out[..., o : o + W.numel()].view(*lead, *shape)
                gW.copy_(conv.weight_grad(a, de))
                if da is not None:
                    gW += conv.weight_grad_shared(da, e)
                if ob is not None:  # sum over samples and positions
                    out[..., ob : ob + shape[0]] = de.sum(
                        dim=[len(lead), *range(len(lead) + 2, de.ndim)]
                    )
                if k == self.first:
                    break
                dW = v[..., o : o + W.numel()].view(*lead, *shape)
                de = conv.input_grad(W, de).add_(conv.input_grad_shared(dW, e))
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


class _Map:
    """A parameter-free linear module at inputs shaped like ``a`` (``(N, ...)``) and its
    transpose, for tangents with leading block dimensions: a reshape's transpose is the
    reshape back; another's, one backward pass through its one-node graph, kept per block
    size (``torch.func.vjp`` costs ~1.4 s on its first call in a process)."""

    def __init__(self, m: Any, a: Any, out_shape: Any):
        import torch.nn as nn

        self.m, self.a, self.out_shape = m, a, tuple(out_shape)
        self.reshape = type(m) in (nn.Flatten, nn.Unflatten)
        self._graphs: dict[int, tuple[Any, Any]] = {}

    def forward(self, dh: Any) -> Any:
        lead = dh.shape[: dh.ndim - self.a.ndim]
        return self.m(dh.reshape(-1, *self.a.shape[1:])).reshape(*lead, *self.out_shape)

    def transpose(self, e: Any) -> Any:
        import torch

        lead = e.shape[: e.ndim - len(self.out_shape)]
        if self.reshape:
            return e.reshape(*lead, *self.a.shape)
        rows = e.numel() // math.prod(self.out_shape[1:])
        if rows not in self._graphs:
            x = self.a.new_zeros((rows, *self.a.shape[1:])).requires_grad_(True)
            with torch.enable_grad():
                self._graphs[rows] = (x, self.m(x))
        x, y = self._graphs[rows]
        (g,) = torch.autograd.grad(y, x, e.reshape(rows, *self.out_shape[1:]), retain_graph=True)
        return g.reshape(*lead, *self.a.shape)


class _Conv:
    """A Conv1d/Conv2d layer's linear maps at inputs of a fixed shape ``(N, C, ...)``, for
    tangents with no leading dimension or one of ``b`` directions.  With ``b``: the
    directions' weights stacked as ``b C_out`` output channels of one convolution, and where
    each direction has its own weight and input (the ``_shared`` maps, the cotangent ``e``
    shared) one convolution of ``b`` groups."""

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

    def of_weight(self, a: Any, dW: Any, db: Any) -> Any:
        """conv(a, dW) + db (dW: the weight's shape, or ``b`` of them)."""
        if dW.ndim == len(self.wshape):
            return self._f(a, dW, db, **self.kw)
        b, co = dW.shape[0], self.wshape[0]
        out = self._f(a, dW.flatten(0, 1), None, **self.kw).unflatten(1, (b, co)).movedim(1, 0)
        if db is not None:
            out = out + db.reshape(b, 1, co, *[1] * (out.ndim - 3))
        return out

    def of_input(self, dh: Any, W: Any) -> Any:
        """conv(dh, W) (dh: the input's shape, or ``b`` of them)."""
        if dh.ndim == len(self.shape):
            return self._f(dh, W, None, **self.kw)
        return self._f(dh.flatten(0, 1), W, None, **self.kw).unflatten(0, dh.shape[:2])

    def weight_grad(self, a: Any, de: Any) -> Any:
        """The weight gradient for input ``a`` and output cotangent ``de`` (or ``b`` of them)."""
        if de.ndim == len(self.shape):
            return self._w(a, self.wshape, de, **self.kw)
        b, co = de.shape[0], self.wshape[0]
        g = self._w(a, (b * co, *self.wshape[1:]), de.movedim(0, 1).flatten(1, 2), **self.kw)
        return g.unflatten(0, (b, co))

    def weight_grad_shared(self, da: Any, e: Any) -> Any:
        """The weight gradient for inputs ``da`` (one or ``b``) and the one cotangent ``e``."""
        if da.ndim == len(self.shape):
            return self._w(da, self.wshape, e, **self.kw)
        b, co = da.shape[0], self.wshape[0]
        x, rep = da.movedim(0, 1).flatten(1, 2), e.repeat(1, b, *[1] * (e.ndim - 2))
        g = self._w(x, (b * co, *self.wshape[1:]), rep, groups=b, **self.kw)
        return g.unflatten(0, (b, co))

    def input_grad(self, W: Any, de: Any) -> Any:
        """The input gradient for weight ``W`` and output cotangent ``de`` (or ``b`` of them)."""
        if de.ndim == len(self.shape):
            return self._in(self.shape, W, de, **self.kw)
        n = self.shape[0] * de.shape[0]
        g = self._in((n, *self.shape[1:]), W, de.flatten(0, 1), **self.kw)
        return g.unflatten(0, de.shape[:2])

    def input_grad_shared(self, dW: Any, e: Any) -> Any:
        """The input gradient for weights ``dW`` (one or ``b``) and the one cotangent ``e``."""
        if dW.ndim == len(self.wshape):
            return self._in(self.shape, dW, e, **self.kw)
        b, ci = dW.shape[0], self.shape[1]
        shape = (self.shape[0], b * ci, *self.shape[2:])
        rep = e.repeat(1, b, *[1] * (e.ndim - 2))
        g = self._in(shape, dW.flatten(0, 1), rep, groups=b, **self.kw)
        return g.unflatten(1, (b, ci)).movedim(1, 0)


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
