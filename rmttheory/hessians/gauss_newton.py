r"""The generalized Gauss–Newton matrix: the Hessian without its second-derivative-of-the-network part.

With the convention of :mod:`rmttheory.hessians.loss` (outputs
:math:`f_\theta(x_i)\in\mathbb R^C`, per-sample loss :math:`\ell`),

.. math:: H = G + \sum_i c\,\sum_k \partial_k\ell_i\,\nabla^2_\theta f_k(x_i),\qquad
   G = c\sum_{i=1}^N J_i^T\Lambda_i J_i,

with :math:`J_i = \partial f_\theta(x_i)/\partial\theta` (:math:`C\times P`),
:math:`\Lambda_i = \nabla^2_f\ell(f, y_i)` (:math:`C\times C`; softmax
cross-entropy :math:`\operatorname{diag}(p_i) - p_ip_i^T`, half squared error
:math:`I`) and :math:`c = 1/N` (``"mean"``) or 1 (``"sum"``).  :math:`G` is the
part that Baskerville et al. 2022 compare with the Hessian; it equals
:math:`H` when the outputs are linear in :math:`\theta` (softmax regression).

Its rank is at most :math:`NC` (:math:`N(C-1)` for cross-entropy), so its
nonzero eigenvalues are those of an :math:`NC\times NC` matrix:
with :math:`J` the stacked :math:`J_i` and :math:`\Lambda` block-diagonal,
:math:`J^T\Lambda J` and :math:`K^{1/2}\Lambda K^{1/2}`, :math:`K = JJ^T`, have
the same nonzero eigenvalues.  Cost :math:`O(NCP)` memory for :math:`J` and
:math:`O((NC)^2P + (NC)^3)` time, with no :math:`P\times P` matrix.
Tested: ``tests/test_hessian_spectrum.py`` (equal to the Hessian for softmax
regression; equal to an explicitly formed :math:`J^T\Lambda J` for an MLP,
where it differs from the Hessian).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from rmttheory import _params
from rmttheory.errors import ParameterError
from rmttheory.hessians.loss import LossSpec
from rmttheory.hessians.spectrum import HessianSpectrum, padded_spectrum
from rmttheory.resources import require_bytes

__all__ = ["gauss_newton_factors", "gauss_newton_spectrum"]


def gauss_newton_factors(spec: LossSpec) -> tuple[Any, Any]:
    """The stacked Jacobian :math:`J` (``NC x P``) and the ``N`` blocks :math:`\\Lambda_i`.

    Parameters
    ----------
    spec
        A :class:`~rmttheory.hessians.LossSpec`.

    Returns
    -------
    J : torch.Tensor
        Rows :math:`\\partial f_k(x_i)/\\partial\\theta`, sample-major.
    Lam : torch.Tensor
        ``(N, C, C)``: :math:`\\nabla^2_f \\ell(f_\\theta(x_i), y_i)`.

    Examples
    --------
    >>> import torch
    >>> x = torch.randn(4, 3, generator=torch.Generator().manual_seed(0))
    >>> spec = LossSpec.build(torch.nn.Linear(3, 2), x, torch.tensor([0, 1, 1, 0]))
    >>> J, Lam = gauss_newton_factors(spec)
    >>> tuple(J.shape), tuple(Lam.shape)
    ((8, 8), (4, 2, 2))
    """
    import torch
    from torch.func import hessian, jacrev, vmap

    Js, Ls = [], []
    for x, y in spec.data:
        out = spec.forward(spec.theta, x).detach()
        if out.ndim != 2:
            raise ParameterError(
                f"the Gauss–Newton matrix needs outputs of shape (batch, C); got {tuple(out.shape)}"
            )
        require_bytes(8 * out.numel() * spec.n_params, f"a Jacobian ({out.numel()} x "
                      f"{spec.n_params})", spec.device, "use fewer samples")  # fmt: skip
        J = jacrev(lambda t, x=x: spec.forward(t, x))(spec.theta)
        Js.append(J.reshape(-1, spec.n_params))

        def one(o, t):
            return spec.per_sample(o[None], t[None])[0]

        try:
            Ls.append(vmap(hessian(one))(out, y))
        except RuntimeError:  # an operation without a batching rule
            Ls.append(torch.stack([hessian(one)(o, t) for o, t in zip(out, y)]))
    return torch.cat(Js), torch.cat(Ls)


def gauss_newton_spectrum(
    model: Any,
    inputs: Any,
    targets: Any = None,
    *,
    loss: Any = "cross_entropy",
    reduction: str = "mean",
    device: str = "cpu",
    rcutoff: float = 1e-10,
) -> HessianSpectrum:
    """All ``P`` eigenvalues of the Gauss–Newton matrix :math:`G` (module docstring).

    Parameters
    ----------
    model, inputs, targets, loss, reduction, device
        As in :func:`rmttheory.hessians.hessian_spectrum` (same convention).
    rcutoff
        Eigenvalues with :math:`|\\lambda| \\le` ``rcutoff`` max|λ| are reported as 0.

    Returns
    -------
    HessianSpectrum
        ``method="gauss_newton"``; ``meta["size"]`` is :math:`NC`.

    Examples
    --------
    >>> import torch
    >>> x = torch.randn(5, 3, generator=torch.Generator().manual_seed(0))
    >>> g = gauss_newton_spectrum(torch.nn.Linear(3, 4), x, torch.tensor([0, 1, 2, 3, 0]))
    >>> g.n_params, g.rank  # softmax regression: G = H, rank (C - 1)(d + 1)
    (16, 12)
    """
    import torch

    rcutoff = _params.real(rcutoff, "rcutoff", low=0.0, high=1.0)
    t0 = time.perf_counter()
    spec = LossSpec.build(model, inputs, targets, loss=loss, reduction=reduction, device=device)
    J, Lam = gauss_newton_factors(spec)
    n, c = Lam.shape[0], Lam.shape[1]
    K = J @ J.T
    w, V = torch.linalg.eigh(0.5 * (K + K.T))
    root = (V * torch.sqrt(torch.clamp(w, min=0.0))) @ V.T
    L = torch.block_diag(*Lam)
    A = root @ L @ root
    lam = torch.linalg.eigvalsh(0.5 * (A + A.T)).cpu().numpy()
    if reduction == "mean":
        lam = lam / n
    P = spec.n_params
    full, cut = padded_spectrum(lam, P, rcutoff)  # NC > P: the P largest in magnitude
    return HessianSpectrum(
        full, int(np.count_nonzero(full)), "gauss_newton", cut, None, P, n, spec.loss_name,
        spec.reduction, spec.device, J.shape[0], time.perf_counter() - t0,
        {"size": n * c, "n_batches": spec.n_batches},
    )  # fmt: skip
