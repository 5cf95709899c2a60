r"""Exact Hessian-vector products of a chain of linear layers and elementwise activations.

Pearlmutter's R-operator written out for a ``torch.nn.Sequential`` (or a lone
``torch.nn.Linear``) of ``Linear`` layers and parameter-free elementwise activations,
with the built-in losses of :mod:`rmttheory.hessians.loss` (softmax cross-entropy,
half the squared error; ``"mean"`` or ``"sum"``).  Everything fixed by the parameters
is computed once; a product is then about 30 tensor operations and no autograd graph
(measured 1.4-1.6x faster than a backward pass through the kept gradient graph,
docs/benchmarks.md).  Same convention and values as :meth:`LossSpec.hvp` (the
autograd path), to rounding: tests/test_hessian.py::test_linear_chain_products_equal_autograd.

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
such as ReLU's at 0, follow torch's convention exactly as the autograd path does).
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
        self.first = min(k for k, st in enumerate(steps) if st[0] == "linear")

    @classmethod
    def build(cls, model: Any, data: list, loss: Any, reduction: str) -> LinearChainProducts | None:
        import torch

        nn = torch.nn
        mods = list(model) if type(model) is nn.Sequential else [model]
        kinds = _elementwise_types()
        linears = [m for m in mods if type(m) is nn.Linear]
        if (
            not isinstance(loss, str)
            or not linears
            or any(type(m) is not nn.Linear and type(m) not in kinds for m in mods)
            or any(next(m.parameters(), None) is not None for m in mods if type(m) in kinds)
            or len({id(m) for m in linears}) != len(linears)  # a layer used twice
            or any(x.ndim != 2 for x, _ in data)
        ):
            return None
        x = torch.cat([x for x, _ in data])
        y = torch.cat([y for _, y in data])
        n = int(x.shape[0])
        s = 1.0 / n if reduction == "mean" else 1.0
        with torch.no_grad():
            hs = [x]
            for m in mods:  # clone: an in-place activation must not overwrite its input
                hs.append(m(hs[-1]) if type(m) is nn.Linear else m(hs[-1].clone()))
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
            if type(m) is nn.Linear:
                W = m.weight.detach()
                steps[k] = ("linear", W, a, e)
                e = e @ W
            else:
                fp, fpp = _derivatives(m, a)
                steps[k] = ("elementwise", fp, None if fpp is None else fpp * e)
                e = fp * e
        offsets: list[Any] = []
        o = 0
        for m in mods:
            if type(m) is nn.Linear:
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
