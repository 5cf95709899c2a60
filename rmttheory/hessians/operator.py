"""The Hessian as a linear operator (Hessian-vector products) and Lanczos on it.

Same convention as :mod:`rmttheory.hessians.loss`; memory :math:`O(P)` beyond the
model, so any model that trains can be analysed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rmttheory import _params
from rmttheory.errors import ConvergenceError, ParameterError, RmtError
from rmttheory.hessians.loss import LossSpec

__all__ = ["HessianOperator", "top_eigenvalues"]


class HessianOperator:
    """The Hessian as a symmetric ``scipy.sparse.linalg.LinearOperator`` (float64).

    Only Hessian-vector products are formed (memory :math:`O(P)` beyond the
    model), so any model that trains can be analysed: :meth:`LossSpec.hvp`, the
    R-operator written out for a chain of ``Linear``/``Conv`` layers, reshapes, average
    pooling and elementwise activations, a backward pass through the kept gradient graph
    otherwise.
    ``n_products`` counts the products taken.

    Parameters
    ----------
    model, inputs, targets, loss, reduction, device
        As in :func:`rmttheory.hessians.exact_hessian` (same convention).

    Examples
    --------
    >>> import torch
    >>> x = torch.randn(6, 3, generator=torch.Generator().manual_seed(0))
    >>> op = HessianOperator(torch.nn.Linear(3, 2), x, torch.tensor([0, 1, 1, 0, 1, 0]))
    >>> op.shape, op.matvec(np.ones(8)).shape
    ((8, 8), (8,))
    """

    def __init__(
        self,
        model: Any,
        inputs: Any,
        targets: Any,
        *,
        loss: Any = "cross_entropy",
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
        self._cpu = torch.device(self.spec.device).type == "cpu"

    @property
    def shape(self) -> tuple[int, int]:
        return (self.spec.n_params, self.spec.n_params)

    def matvec(self, v: np.ndarray) -> np.ndarray:
        """:math:`Hv` for a vector of ``P`` entries (float64 numpy array out); a vector of
        another length raises :class:`~rmttheory.errors.ParameterError`."""
        import torch

        if (
            self._cpu
            and isinstance(v, np.ndarray)
            and v.dtype == np.float64
            and v.ndim == 1
            and v.flags.c_contiguous
            and v.flags.writeable
        ):
            t = torch.from_numpy(v)  # shares memory: no copy, no conversion
        else:
            t = torch.tensor(np.ravel(v), dtype=torch.float64, device=self.spec.device)
        if t.shape != (self.spec.n_params,):
            raise ParameterError(f"matvec needs {self.spec.n_params} entries, got {t.numel()}")
        out = self.spec.hvp(t)
        out = out.numpy() if self._cpu else out.cpu().numpy()
        self.n_products += 1
        # a sum of finite numbers is finite unless it overflows: then the full check
        with np.errstate(over="ignore"):
            total = out.sum()
        if not np.isfinite(total) and not np.all(np.isfinite(out)):
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

    Parameters
    ----------
    op
        The Hessian operator.
    k
        Number of eigenvalues (``1 <= k < P``).
    which
        ``"LA"`` largest algebraic (outliers), ``"SA"`` smallest, ``"LM"``
        largest magnitude, ``"BE"`` both ends.
    tol
        ARPACK's relative tolerance.
    seed
        Seed of the start vector.

    Returns
    -------
    numpy.ndarray
        The eigenvalues, ascending.

    Examples
    --------
    >>> import torch
    >>> x = torch.randn(6, 3, generator=torch.Generator().manual_seed(0))
    >>> op = HessianOperator(torch.nn.Linear(3, 2), x, torch.tensor([0, 1, 1, 0, 1, 0]))
    >>> top_eigenvalues(op, k=2).shape
    (2,)
    """
    from scipy.sparse.linalg import ArpackNoConvergence, eigsh

    n = op.shape[0]
    if not 1 <= k < n:
        raise ParameterError(f"k must be in [1, {n - 1}], got {k}")
    rng = _params.generator(seed)
    try:
        lam = eigsh(op.aslinearoperator(), k=k, which=which, tol=tol, v0=rng.standard_normal(n))[0]
    except ArpackNoConvergence as exc:
        raise ConvergenceError(f"Lanczos did not converge for k={k}: {exc}") from None
    return np.sort(lam)
