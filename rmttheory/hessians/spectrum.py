r"""The whole Hessian spectrum, its exactly degenerate null space as zeros, dense or low-rank.

Network Hessians are rank-deficient: a batch of :math:`B` samples gives a Hessian
of rank :math:`r` far below the number of parameters :math:`P` (e.g. :math:`r =
3456` of :math:`P = 12\,690` for a ReLU MLP 61→40→200→10 on 16 digits).  The
dense eigendecomposition spends almost all its :math:`O(P^3)` time on that
null space.  :func:`hessian_spectrum` returns every eigenvalue (``P`` of them,
ascending, :math:`|\lambda|\le` ``cutoff`` reported as exact zeros) by one of

* ``"dense"``: :func:`rmttheory.hessians.exact_hessian` and ``eigvalsh``;
* ``"lowrank"``: the range of :math:`H` from Hessian-vector products only
  (:meth:`~rmttheory.hessians.LossSpec.hvp_block`), by a randomized block Krylov
  method: the first block is :math:`Q_1 = \operatorname{orth}(H\Omega)` for a
  Gaussian :math:`\Omega` (``block`` columns), each next block the part of
  :math:`HQ_j` outside the span so far (classical Gram–Schmidt, twice), kept
  where its singular values exceed ``tol``·‖H‖.  The projected matrix
  :math:`T = Q^THQ` (:math:`r\times r`) is accumulated on the way and
  diagonalized.  When the Krylov space stops growing, a **certificate** is
  taken with ``n_certify`` fresh Gaussian vectors :math:`\omega_i`: with
  :math:`\epsilon = \max_i \lVert (I-QQ^T)H\omega_i\rVert/\lVert\omega_i\rVert`,
  :math:`\lVert (I-QQ^T)H\rVert_2 \le 10\sqrt{2/\pi}\,\epsilon` except with
  probability :math:`10^{-n_\text{certify}}` (Halko, Martinsson & Tropp 2011,
  Lemma 4.1).  If the bound is above ``tol``·‖H‖ the residual directions
  restart the iteration.  Since :math:`H = QTQ^T + E` with
  :math:`\lVert E\rVert_2 \le 2\lVert (I-QQ^T)H\rVert_2`, every eigenvalue of
  :math:`H` is within ``2 * certificate`` of the spectrum of :math:`T` padded
  with zeros (Weyl).  Cost: about :math:`r` products and :math:`O(Pr^2 + r^3)`
  arithmetic instead of :math:`P` products and :math:`O(P^3)`.
* ``"auto"``: ``"dense"`` for :math:`P \le` 2,000, else ``"lowrank"`` while the
  range stays below :math:`P/2` (``max_rank``); a Hessian of higher rank falls
  back to ``"dense"`` (recorded in ``meta["fallback"]``).

Convention of :math:`H` (loss, reduction, batches): :mod:`rmttheory.hessians.loss`.
Tested: ``tests/test_hessian_spectrum.py`` (dense against the closed form of
softmax regression and a row-by-row loop, low-rank against dense to 1e-9 of
max|λ|, a certificate that fails and restarts, several batches and a callable
loss against one concatenated batch).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rmttheory import _params
from rmttheory.errors import ConvergenceError, ResourceError, RmtError
from rmttheory.hessians._krylov_linalg import (
    _eigvalsh,
    _orthogonality_defect,
    _orthonormal_rows,
    _pencil_eigvalsh,
)
from rmttheory.hessians.exact import exact_hessian
from rmttheory.hessians.loss import LossSpec
from rmttheory.resources import require_bytes

__all__ = ["HessianSpectrum", "hessian_spectrum", "METHODS", "DENSE_MAX_PARAMS"]

METHODS = ("auto", "dense", "lowrank")
#: ``method="auto"`` takes the dense path up to this many parameters.
DENSE_MAX_PARAMS = 2000
_HMT = 10 * math.sqrt(2 / math.pi)  # Halko–Martinsson–Tropp Lemma 4.1 constant


@dataclass
class HessianSpectrum:
    """All ``n_params`` eigenvalues of a Hessian or its Gauss–Newton part (exact zeros below ``cutoff``).

    Attributes
    ----------
    eigenvalues
        ``P`` eigenvalues, ascending, float64; :math:`|\\lambda| \\le` ``cutoff`` set to 0.
    rank
        Number of eigenvalues with :math:`|\\lambda| >` ``cutoff``.
    method
        ``"dense"`` or ``"lowrank"`` (what ran; ``meta["asked"]`` what was asked);
        ``"gauss_newton"``: the spectrum of :math:`G`
        (:func:`~rmttheory.hessians.gauss_newton_spectrum`), ascending.
    cutoff
        Absolute cut-off (``rcutoff`` times max|λ|).
    certificate
        Low-rank: the certified bound on :math:`\\lVert (I-QQ^T)H\\rVert_2` (every
        eigenvalue is within twice this of the truth); dense: None.
    n_params, n_samples, loss, reduction, device
        What it is the spectrum of (:mod:`rmttheory.hessians.loss`).
    n_products, seconds, meta
        Hessian-vector products taken, wall time, details.

    Examples
    --------
    >>> import torch
    >>> x = torch.randn(5, 3, generator=torch.Generator().manual_seed(0))
    >>> s = hessian_spectrum(torch.nn.Linear(3, 4), x, torch.tensor([0, 1, 2, 3, 0]),
    ...                      method="lowrank")
    >>> s.n_params, s.rank, s.method  # rank <= (classes - 1)(features + 1)
    (16, 12, 'lowrank')
    """

    eigenvalues: np.ndarray
    rank: int
    method: str
    cutoff: float
    certificate: float | None
    n_params: int
    n_samples: int
    loss: str
    reduction: str
    device: str
    n_products: int = 0
    seconds: float = 0.0
    meta: dict = field(default_factory=dict)

    @property
    def nonzero(self) -> np.ndarray:
        """The ``rank`` eigenvalues with :math:`|\\lambda| >` ``cutoff``, ascending."""
        return self.eigenvalues[self.eigenvalues != 0]

    def to_dict(self, eigenvalues: bool = False) -> dict[str, Any]:
        """JSON-ready summary (``nonzero`` eigenvalues included when asked)."""
        out = {k: getattr(self, k) for k in ("rank", "method", "cutoff", "certificate",
                                             "n_params", "n_samples", "loss", "reduction",
                                             "device", "n_products", "seconds")}  # fmt: skip
        out["max_abs"] = float(np.max(np.abs(self.eigenvalues), initial=0.0))
        out["meta"] = self.meta
        if eigenvalues:
            out["nonzero"] = self.nonzero.tolist()
        return out


def hessian_spectrum(
    model: Any,
    inputs: Any,
    targets: Any = None,
    *,
    loss: Any = "cross_entropy",
    reduction: str = "mean",
    method: str = "auto",
    device: str = "cpu",
    rcutoff: float = 1e-10,
    tol: float = 1e-11,
    block: int = 256,
    n_certify: int = 16,
    max_rank: int | None = None,
    seed: int = 0,
    progress: bool = False,
) -> HessianSpectrum:
    """Every eigenvalue of the loss Hessian, the exact null space as zeros (module docstring).

    Parameters
    ----------
    model, inputs, targets
        A ``torch.nn.Module`` and its data: one batch, or ``targets=None`` with
        a list of ``(x, y)`` batches or a ``DataLoader``.
    loss, reduction
        As in :mod:`rmttheory.hessians.loss` (any callable per-sample loss).
    method
        ``"auto"``, ``"dense"`` or ``"lowrank"``.
    device
        ``"cpu"``, ``"cuda"`` or ``"auto"``; products and linear algebra run there.
    rcutoff
        Eigenvalues with :math:`|\\lambda| \\le` ``rcutoff`` max|λ| are reported as 0.
    tol
        Low-rank: directions are kept, and the certificate must reach,
        ``tol`` times ‖H‖ (:math:`\\max|\\lambda|`).
    block, n_certify
        Krylov block size; fresh vectors of the certificate (failure
        probability :math:`10^{-n_\\text{certify}}`).
    max_rank
        Low-rank: largest range searched (default :math:`P` for ``"lowrank"``,
        :math:`P/2` for ``"auto"``); ``"lowrank"`` raises and ``"auto"`` falls
        back to dense beyond it.
    seed
        Seed of the Gaussian start and certificate vectors.
    progress
        Show progress.

    Returns
    -------
    HessianSpectrum

    Raises
    ------
    ConvergenceError
        ``"lowrank"`` found a range larger than ``max_rank``.
    ResourceError
        The chosen method would not fit in memory.

    Examples
    --------
    >>> import torch
    >>> net = torch.nn.Sequential(torch.nn.Linear(4, 30), torch.nn.ReLU(), torch.nn.Linear(30, 3))
    >>> x = torch.randn(6, 4, generator=torch.Generator().manual_seed(0))
    >>> y = torch.tensor([0, 1, 2, 0, 1, 2])
    >>> lo = hessian_spectrum(net, x, y, method="lowrank")
    >>> hi = hessian_spectrum(net, x, y, method="dense")
    >>> lo.rank == hi.rank < lo.n_params
    True
    >>> bool(np.max(np.abs(lo.eigenvalues - hi.eigenvalues)) < 1e-9 * np.abs(hi.eigenvalues).max())
    True
    """
    method = _params.choice(method, "method", METHODS)
    rcutoff = _params.real(rcutoff, "rcutoff", low=0.0, high=1.0)
    tol = _params.real(tol, "tol", low=1e-15, high=1e-2)
    block = _params.integer(block, "block", minimum=1)
    n_certify = _params.integer(n_certify, "n_certify", minimum=1)
    t0 = time.perf_counter()
    spec = LossSpec.build(model, inputs, targets, loss=loss, reduction=reduction, device=device)
    P = spec.n_params
    default = P if method == "lowrank" else P // 2
    limit = default if max_rank is None else _params.integer(max_rank, "max_rank", minimum=1)
    meta: dict[str, Any] = {"asked": method, "n_batches": spec.n_batches}
    run = method if method != "auto" else ("dense" if P <= DENSE_MAX_PARAMS else "lowrank")
    lam, cert, products = None, None, 0
    failure: ConvergenceError | None = None
    if run == "lowrank":
        try:
            lam, cert, products, info = _lowrank(spec, tol, block, n_certify, limit, seed, progress)
            meta.update(info)
        except _RankTooLarge as exc:
            if method == "lowrank":
                raise ConvergenceError(
                    f"the Hessian's range exceeds max_rank={limit} ({exc}); use method='dense'"
                ) from None
            meta["fallback"] = f"range above {limit} of P = {P}: dense"
            products, run = exc.products, "dense"
        except ConvergenceError as exc:  # never a raise for a valid input: dense, if it fits
            failure, run = exc, "dense"
            meta["fallback"] = f"low-rank failed ({exc}): dense"
    if run == "dense":
        try:
            h = exact_hessian(model, inputs, targets, loss=loss, reduction=reduction,
                              device=spec.device, progress=progress)  # fmt: skip
        except ResourceError as exc:
            if failure is None:
                raise
            raise ConvergenceError(f"{failure}; the dense fallback does not fit: {exc}") from None
        lam = h.eigenvalues()
        products += P
        meta["asymmetry"] = h.asymmetry
    assert lam is not None
    full, cut = padded_spectrum(lam, P, rcutoff)
    return HessianSpectrum(
        full, int(np.count_nonzero(full)), run, cut, cert, P, spec.batch, spec.loss_name,
        spec.reduction, spec.device, products, time.perf_counter() - t0, meta,
    )  # fmt: skip


def padded_spectrum(lam: np.ndarray, P: int, rcutoff: float) -> tuple[np.ndarray, float]:
    """``lam`` as all ``P`` eigenvalues: padded with zeros (or its ``P`` largest in
    magnitude), sorted, :math:`|\\lambda| \\le` ``rcutoff`` max|λ| set to 0; and that cut-off."""
    lam = np.asarray(lam, dtype=float)
    full = np.zeros(P)
    m = min(lam.size, P)
    full[:m] = lam[np.argsort(-np.abs(lam), kind="stable")[:m]] if lam.size > P else lam
    full.sort()
    cut = rcutoff * float(np.max(np.abs(full), initial=0.0))
    full[np.abs(full) <= cut] = 0.0
    return full, cut


class _RankTooLarge(Exception):
    def __init__(self, msg: str, products: int):
        super().__init__(msg)
        self.products = products


def _lowrank(
    spec: LossSpec, tol: float, block: int, n_certify: int, limit: int, seed: int, progress: bool
) -> tuple[np.ndarray, float, int, dict[str, Any]]:
    """Randomized block Krylov range of H: (Ritz values, certificate, products, info)."""
    import torch

    P, dev, dt = spec.n_params, spec.device, spec.dtype
    cap = min(P, limit + block)
    require_bytes(8 * (3 * cap * P + cap * cap), f"a low-rank Hessian basis ({cap} x {P})", dev,
                  "lower max_rank, or use method='dense'")  # fmt: skip
    gen = torch.Generator(device=dev).manual_seed(int(seed))
    Q = torch.empty((cap, P), dtype=dt, device=dev)  # orthonormal rows
    T = torch.zeros((cap, cap), dtype=dt, device=dev)
    k, products, hnorm, rounds = 0, 0, 0.0, 0
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(desc=f"Hessian range (P={P})", unit="dir")

    def hv(V):
        nonlocal products
        products += V.shape[0]
        out = spec.hvp_rows(V)
        if not bool(torch.isfinite(out).all()):
            raise RmtError("a Hessian-vector product is not finite")
        return out

    def project(X, passes=2):  # X -= (X Q^T) Q: classical Gram–Schmidt, reorthogonalized
        for _ in range(passes):
            X = X - (X @ Q[:k].T) @ Q[:k]
        return X

    X = hv(torch.randn((block, P), generator=gen, dtype=dt, device=dev))
    hnorm = float(X.norm(dim=1).max()) / math.sqrt(P)  # ||H|| >= ||H w|| / ||w||
    zmax, fresh = hnorm * math.sqrt(P), True
    while True:
        # rank-revealing orthonormalization of the candidate block (X is orthogonal to Q)
        basis, S = _orthonormal_rows(X)
        keep = int((S > tol * max(hnorm, 1e-300)).sum())
        if keep and not fresh and float(S[keep - 1]) < _REORTH * zmax:
            # one Gram–Schmidt pass leaves components ~ eps ||Z|| / ||X|| along Q: when the
            # new directions are much shorter than the products they came from, a second pass
            X, fresh = project(X, 1), True
            continue
        if keep:
            if k + keep > limit:
                raise _RankTooLarge(f"more than {limit} directions", products)
            Q[k : k + keep] = basis[:keep]
            Z = hv(Q[k : k + keep])
            zmax = float(Z.norm(dim=1).max())
            hnorm = max(hnorm, zmax)
            C = Z @ Q[: k + keep].T  # the new rows (and columns) of T = Q^T H Q
            T[k : k + keep, : k + keep] = C
            T[: k + keep, k : k + keep] = C.T
            # one Gram–Schmidt pass from the T entries (all of them: in floating point the
            # coefficients that a Lanczos recurrence would drop grow from 1e-16 to 1e-10)
            X = Z - C @ Q[: k + keep]
            k += keep
            fresh = False
            if bar is not None:
                bar.update(keep)
            continue
        # the Krylov space is invariant to round-off: certify with fresh Gaussian vectors
        rounds += 1
        Om = torch.randn((n_certify, P), generator=gen, dtype=dt, device=dev)
        Rc = project(hv(Om))
        eps = float((Rc.norm(dim=1) / Om.norm(dim=1)).max())
        cert = _HMT * eps
        ritz = _eigvalsh(T[:k, :k])
        hnorm = max(hnorm, float(ritz.abs().max()) if k else 0.0)
        if cert <= tol * hnorm or rounds > 50:
            break
        X, fresh = Rc, True  # missed directions: restart the Krylov iteration from them
    if bar is not None:
        bar.close()
    if cert > tol * hnorm:
        raise ConvergenceError(f"low-rank certificate {cert:.3g} above {tol:g} ||H||")
    defect = _orthogonality_defect(Q[:k], gen)
    corrected = False
    if defect > 1e-10:
        # near full rank the basis can drift from orthonormal (measured 1e-9 for a tanh MLP
        # at P = 2,458, rank ~2,450).  T = Q H Q^T holds the products of the rows actually
        # stored, so the Ritz values are those of the pencil (T, G = Q Q^T): with G = L L^T,
        # the eigenvalues of L^-1 T L^-T, exact whatever the drift (one O(k^2 P) product).
        ritz = _pencil_eigvalsh(T[:k, :k], Q[:k] @ Q[:k].T)
        if ritz is None:
            raise ConvergenceError(
                f"the Krylov basis lost orthogonality (||Q^T Q - I|| ~ {defect:.1e})"
            )
        corrected = True
    lam = ritz.detach().cpu().double().numpy()
    return lam, cert, products, {"range": k, "certify_rounds": rounds, "block": block,
                                 "certificate_rel": cert / hnorm if hnorm else 0.0,
                                 "orthogonality": defect,
                                 "gram_corrected": corrected}  # fmt: skip


#: a second Gram–Schmidt pass when a kept direction is shorter than this times its product
#: (1e-2 left ||QQ^T - I|| at 1e-10 to 2e-8 on small MLPs with block 16, so that the pencil
#: correction ran; 1e-1 keeps it at 1e-12 to 1e-10 for 5% more time at P = 12,690)
_REORTH = 1e-1
