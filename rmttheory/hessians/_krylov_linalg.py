"""Dense linear algebra of the Krylov range of a Hessian (:mod:`rmttheory.hessians.spectrum`):
symmetric eigenvalues on the CPU through scipy's LAPACK, rank-revealing orthonormalization, the
orthogonality defect of a basis, and Rayleigh–Ritz for a drifted basis.

The matrix products stay in torch (MKL and its OpenMP threads, as the Hessian-vector products):
numpy's BLAS alone was 25% faster on these shapes, but alternating it with torch's products makes
two thread pools compete for the cores (OpenBLAS threads spin after each call): the whole
low-rank spectrum at P = 12,690 took 14.9-18.3 s with numpy's products, 12.1-12.9 s with torch's.
"""

from __future__ import annotations

from typing import Any

__all__: list[str] = []


def _pencil_eigvalsh(T: Any, G: Any) -> Any:
    r"""Eigenvalues of :math:`T x = \lambda G x` (``G`` symmetric positive definite) as those
    of :math:`L^{-1} T L^{-T}`, :math:`G = LL^T`; None when ``G`` is not positive definite."""
    import torch

    L, info = torch.linalg.cholesky_ex(0.5 * (G + G.T))
    if int(info) != 0:
        return None
    A = torch.linalg.solve_triangular(L, T, upper=False)
    A = torch.linalg.solve_triangular(L, A.T, upper=False)
    return _eigvalsh(0.5 * (A + A.T))


def _eigvalsh(A: Any) -> Any:
    """Eigenvalues of a symmetric matrix (LAPACK ``syevd`` through scipy on the CPU)."""
    import torch

    if A.device.type == "cpu" and A.shape[0]:
        from scipy.linalg import eigh

        return torch.from_numpy(
            eigh(A.numpy(), eigvals_only=True, driver="evd", check_finite=False)
        )
    return torch.linalg.eigvalsh(A)


def _orthonormal_rows(X: Any) -> tuple[Any, Any]:
    """Orthonormal rows spanning the rows of ``X`` by decreasing singular value, and those values.

    A well-conditioned block (condition number below 10⁵) takes Cholesky QR twice
    (matrix products only); otherwise Householder QR and an SVD of R reveal the rank.
    """
    import torch

    G = X @ X.T
    w, V = torch.linalg.eigh(0.5 * (G + G.T))
    if float(w[0]) > 1e-10 * float(w[-1]) > 0:
        order = torch.flip(torch.arange(w.numel(), device=w.device), (0,))
        S = torch.sqrt(w[order])
        Y = (V[:, order].T @ X) / S[:, None]  # orthonormal up to cond(X)^2 eps
        L = torch.linalg.cholesky(Y @ Y.T)
        eye = torch.eye(L.shape[0], dtype=L.dtype, device=L.device)
        return torch.linalg.solve_triangular(L, eye, upper=False) @ Y, S
    Qx, R = torch.linalg.qr(X.T)
    U, S, _ = torch.linalg.svd(R)
    return U.T @ Qx.T, S


def _orthogonality_defect(Q: Any, gen: Any, steps: int = 8) -> float:
    """Power-iteration estimate of :math:`\\lVert QQ^T - I\\rVert_2` for the rows of ``Q``."""
    import torch

    if Q.shape[0] == 0:
        return 0.0
    v = torch.randn(Q.shape[0], generator=gen, dtype=Q.dtype, device=Q.device)
    est = 0.0
    for _ in range(steps):
        v = v / v.norm()
        w = Q @ (Q.T @ v) - v
        est = float(w.norm())
        v = w
    return est
