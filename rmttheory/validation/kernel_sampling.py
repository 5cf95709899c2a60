r"""Samplers of network kernels: conjugate kernels through depth and the one-hidden-layer NTK.

Conventions are those of :mod:`rmttheory.kernels`: data
:math:`X_0\in\mathbb R^{n_0\times m}` iid :math:`\mathcal N(0,\sigma_x^2)`,
:math:`X_l = f(W_l X_{l-1}) - \mathbb E f` with :math:`W_l` iid
:math:`\mathcal N(0,\sigma_w^2/n_{l-1})`, kernels :math:`K_l = X_l^\top X_l/n_l`
(:math:`m\times m`); the NTK is
:math:`\Theta = K_1 + \sigma_w^2 K_0\odot(D^\top A^2 D/n_1)`.  Every sampler
refuses sizes that would not fit in memory before allocating.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from rmttheory._params import SeedLike
from rmttheory.activation import activation
from rmttheory.resources import require_bytes

__all__ = ["deep_kernel_eigenvalues", "ntk_eigenvalues", "sampled_kernel_spectra"]


def _require(n_max: int, m: int, what: str) -> None:
    require_bytes(8 * (3 * n_max * m + 2 * n_max * n_max + 3 * m * m), what, hint="reduce m")


def deep_kernel_eigenvalues(
    act: Any,
    depth: int,
    m: int,
    width_ratio: float = 1.0,
    sigma_w: float = 1.0,
    sigma_x: float = 1.0,
    rng: SeedLike = None,
) -> list[np.ndarray]:
    """Eigenvalues of :math:`K_l`, :math:`l = 0..L`, for one sampled network.

    Every layer has width :math:`n_l` = ``round(width_ratio * m)`` and is centered
    with the exact Gaussian mean at the theoretical pre-activation scale
    :math:`\\sigma_l = \\sigma_w\\sqrt{q_{l-1}}` (:math:`q` the mean of the previous
    kernel's law).

    Parameters
    ----------
    act
        The activation.
    depth
        Number of layers :math:`L`.
    m
        Samples.
    width_ratio
        :math:`n_l/m`.
    sigma_w, sigma_x
        Scales.
    rng
        Seed or generator.

    Returns
    -------
    list of numpy.ndarray
        ``depth + 1`` ascending spectra of size ``m``.

    Examples
    --------
    >>> [e.size for e in deep_kernel_eigenvalues("tanh", 2, 30, rng=0)]
    [30, 30, 30]
    """
    from rmttheory.constants import gaussian_constants

    rng = np.random.default_rng(rng)
    f = activation(act).numpy()
    n = max(1, round(width_ratio * m))
    _require(n, m, f"a network of width {n} on m={m} samples")
    X = rng.standard_normal((n, m)) * sigma_x
    q = sigma_x**2
    out = [np.linalg.eigvalsh(X.T @ X / n)]
    for _ in range(depth):
        c = gaussian_constants(act, sigma_w, math.sqrt(q), digits=15)
        W = rng.standard_normal((n, X.shape[0])) * (sigma_w / math.sqrt(X.shape[0]))
        X = f(W @ X) - c.mean
        q = c.eta
        out.append(np.linalg.eigvalsh(X.T @ X / n))
    return out


def ntk_eigenvalues(
    act: Any,
    m: int,
    n0_over_m: float = 1.0,
    n1_over_m: float = 1.0,
    sigma_w: float = 1.0,
    sigma_x: float = 1.0,
    rng: SeedLike = None,
) -> np.ndarray:
    """Eigenvalues of the NTK of one sampled one-hidden-layer network (module docstring).

    Parameters
    ----------
    act
        The activation (no jumps).
    m
        Samples.
    n0_over_m, n1_over_m
        Input dimension and width over ``m``.
    sigma_w, sigma_x
        Scales.
    rng
        Seed or generator.

    Returns
    -------
    numpy.ndarray
        ``m`` ascending eigenvalues.

    Examples
    --------
    >>> ntk_eigenvalues("tanh", 30, rng=0).shape
    (30,)
    """
    import sympy as sp

    from rmttheory.activation import X as XSYM
    from rmttheory.constants import gaussian_constants
    from rmttheory.errors import NotIntegrableError

    rng = np.random.default_rng(rng)
    act = activation(act)
    if act.derivative.has(sp.DiracDelta):
        raise NotIntegrableError(f"activation {act.name!r} has jumps: its NTK is not defined")
    f, fp = act.numpy(), sp.lambdify(XSYM, act.derivative, "numpy")
    n0, n1 = max(1, round(n0_over_m * m)), max(1, round(n1_over_m * m))
    _require(max(n0, n1), m, f"an NTK with n0={n0}, n1={n1}, m={m}")
    X = rng.standard_normal((n0, m)) * sigma_x
    W = rng.standard_normal((n1, n0)) * (sigma_w / math.sqrt(n0))
    a = rng.standard_normal(n1)
    U = W @ X
    c = gaussian_constants(act, sigma_w, sigma_x, digits=15)
    F = f(U) - c.mean
    D = np.broadcast_to(fp(U), U.shape) * a[:, None]
    theta = F.T @ F / n1 + sigma_w**2 * (X.T @ X / n0) * (D.T @ D / n1)
    return np.linalg.eigvalsh(theta)


def sampled_kernel_spectra(
    act: Any,
    kernel: str,
    depth: int,
    width_ratio: float,
    m: int,
    sigma_w: float = 1.0,
    sigma_x: float = 1.0,
    rng: SeedLike = None,
) -> list[np.ndarray]:
    """Sampled eigenvalues matching :func:`rmttheory.kernels.kernel_laws`, law by law.

    Parameters
    ----------
    act, kernel, depth, width_ratio, sigma_w, sigma_x
        As in :func:`rmttheory.kernels.kernel_laws`.
    m
        Samples.
    rng
        Seed or generator.

    Returns
    -------
    list of numpy.ndarray
        ``"ck"``: the kernels :math:`K_0..K_L` of one sampled network;
        ``"ntk"``: the CK of layer 1 and the NTK of one sampled network.

    Examples
    --------
    >>> len(sampled_kernel_spectra("tanh", "ntk", 1, 1.0, 30, rng=0))
    2
    """
    if kernel == "ck":
        return deep_kernel_eigenvalues(act, depth, m, width_ratio, sigma_w, sigma_x, rng)
    rng = np.random.default_rng(rng)
    ck = deep_kernel_eigenvalues(act, 1, m, width_ratio, sigma_w, sigma_x, rng)[1]
    return [ck, ntk_eigenvalues(act, m, width_ratio, width_ratio, sigma_w, sigma_x, rng)]
