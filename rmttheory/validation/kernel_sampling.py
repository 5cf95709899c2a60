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

from rmttheory import _params
from rmttheory._params import SeedLike
from rmttheory.activation import activation
from rmttheory.resources import require_bytes

__all__ = [
    "deep_kernel_samples",
    "deep_kernel_eigenvalues",
    "ntk_eigenvalues",
    "ntk_sample",
    "sampled_kernel_spectra",
    "sampled_kernels",
]


def _require(n_max: int, m: int, what: str) -> None:
    require_bytes(8 * (3 * n_max * m + 2 * n_max * n_max + 3 * m * m), what, hint="reduce m")


def _conditional_second_moment(act: Any, s: np.ndarray, center: float) -> np.ndarray:
    """:math:`\\operatorname{Var} f(s z) + (\\mathbb E f(s z) - c)^2` at the scales ``s``: a
    Chebyshev interpolant through 12 exact evaluations (the ``s`` of one layer are
    within a few percent of each other)."""
    from numpy.polynomial import chebyshev as C

    from rmttheory.constants import gaussian_constants

    lo, hi = float(s.min()), float(s.max())
    if hi - lo <= 1e-12 * hi:
        g = gaussian_constants(act, lo, 1.0, digits=15)
        return np.full(s.shape, g.eta + (g.mean - center) ** 2)
    u = C.chebpts1(12)
    vals = []
    for si in lo + (hi - lo) * (u + 1) / 2:
        g = gaussian_constants(act, float(si), 1.0, digits=15)
        vals.append(g.eta + (g.mean - center) ** 2)
    coef = C.chebfit(u, vals, 11)
    return C.chebval(2 * (s - lo) / (hi - lo) - 1, coef)


def deep_kernel_samples(
    act: Any,
    depth: int,
    m: int,
    width_ratio: float = 1.0,
    sigma_w: float = 1.0,
    sigma_x: float = 1.0,
    rng: SeedLike = None,
) -> list[dict[str, Any]]:
    """The kernels :math:`K_l`, :math:`l = 0..L`, of one sampled network, with trace statistics.

    Every layer has width :math:`n_l` = ``round(width_ratio * m)`` and is centered
    with the exact Gaussian mean :math:`c_l` at the theoretical pre-activation scale
    :math:`\\sigma_l = \\sigma_w\\sqrt{q_{l-1}}` (:math:`q` the mean of the previous
    kernel's law).  Given the previous layer, an entry of layer :math:`l` is
    :math:`f(s_j z) - c_l` with :math:`s_j^2 = \\sigma_w^2\\lVert x_{l-1,j}\\rVert^2/n_{l-1}`
    exactly (W is Gaussian), so the *conditional* expectation of
    :math:`\\operatorname{tr}(K_l)/m` is known exactly: ``target``.

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
    list of dict
        Per layer: ``eigenvalues`` (ascending), ``trace`` (:math:`\\operatorname{tr}K_l/m`),
        ``trace_var`` (rows × columns estimate), ``target`` (its exact conditional
        expectation), ``n`` (width).

    Examples
    --------
    >>> layers = deep_kernel_samples("tanh", 1, 40, rng=0)
    >>> [d["eigenvalues"].size for d in layers]
    [40, 40]
    """
    from rmttheory.constants import gaussian_constants
    from rmttheory.validation.gram import trace_stats

    rng = _params.generator(rng)
    f = activation(act).numpy()
    n = max(1, round(width_ratio * m))
    _require(n, m, f"a network of width {n} on m={m} samples")
    X = rng.standard_normal((n, m)) * sigma_x
    q = sigma_x**2

    def layer(X: np.ndarray, target: float) -> dict[str, Any]:
        trace, var = trace_stats(X * X)
        return {"eigenvalues": np.linalg.eigvalsh(X.T @ X / X.shape[0]), "trace": trace,
                "trace_var": var, "target": target, "n": X.shape[0]}  # fmt: skip

    out = [layer(X, sigma_x**2)]
    for _ in range(depth):
        c = gaussian_constants(act, sigma_w, math.sqrt(q), digits=15)
        s = sigma_w * np.sqrt(np.sum(X * X, axis=0) / X.shape[0])
        target = float(np.mean(_conditional_second_moment(act, s, c.mean)))
        W = rng.standard_normal((n, X.shape[0])) * (sigma_w / math.sqrt(X.shape[0]))
        X = f(W @ X) - c.mean
        q = c.eta
        out.append(layer(X, target))
    return out


def deep_kernel_eigenvalues(
    act: Any,
    depth: int,
    m: int,
    width_ratio: float = 1.0,
    sigma_w: float = 1.0,
    sigma_x: float = 1.0,
    rng: SeedLike = None,
) -> list[np.ndarray]:
    """Eigenvalues of :math:`K_l`, :math:`l = 0..L`, for one sampled network
    (:func:`deep_kernel_samples`).

    Parameters
    ----------
    act, depth, m, width_ratio, sigma_w, sigma_x, rng
        As in :func:`deep_kernel_samples`.

    Returns
    -------
    list of numpy.ndarray
        ``depth + 1`` ascending spectra of size ``m``.

    Examples
    --------
    >>> [e.size for e in deep_kernel_eigenvalues("tanh", 2, 30, rng=0)]
    [30, 30, 30]
    """
    return [
        d["eigenvalues"]
        for d in deep_kernel_samples(act, depth, m, width_ratio, sigma_w, sigma_x, rng)
    ]


def ntk_sample(
    act: Any,
    m: int,
    n0_over_m: float = 1.0,
    n1_over_m: float = 1.0,
    sigma_w: float = 1.0,
    sigma_x: float = 1.0,
    rng: SeedLike = None,
) -> dict[str, Any]:
    """The NTK of one sampled one-hidden-layer network (module docstring), reduced to its
    eigenvalues and trace statistics.

    The output weights are :math:`a_i = \\pm1` (Rademacher): the NTK depends on them
    through :math:`a_i^2` only, its limit through :math:`\\mathbb E a^2 = 1` only, and
    Gaussian weights would add a global :math:`O(n_1^{-1/2})` fluctuation of the
    second term's scale (:math:`\\tfrac1{n_1}\\sum a_i^2`) that has nothing to do with
    the spectrum's shape.

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
    dict
        ``eigenvalues`` (``m``, ascending), ``trace`` (:math:`\\operatorname{tr}\\Theta/m`)
        and ``trace_var`` (:func:`rmttheory.validation.gram.trace_stats` of its
        :math:`n_1\\times m` terms).

    Examples
    --------
    >>> ntk_sample("tanh", 30, rng=0)["eigenvalues"].shape
    (30,)
    """
    import sympy as sp

    from rmttheory.activation import X as XSYM
    from rmttheory.constants import gaussian_constants
    from rmttheory.errors import NotIntegrableError
    from rmttheory.validation.gram import trace_stats

    rng = _params.generator(rng)
    act = activation(act)
    if act.derivative.has(sp.DiracDelta):
        raise NotIntegrableError(f"activation {act.name!r} has jumps: its NTK is not defined")
    f, fp = act.numpy(), sp.lambdify(XSYM, act.derivative, "numpy")
    n0, n1 = max(1, round(n0_over_m * m)), max(1, round(n1_over_m * m))
    _require(max(n0, n1), m, f"an NTK with n0={n0}, n1={n1}, m={m}")
    X = rng.standard_normal((n0, m)) * sigma_x
    W = rng.standard_normal((n1, n0)) * (sigma_w / math.sqrt(n0))
    a = rng.choice(np.array([-1.0, 1.0]), size=n1)
    U = W @ X
    c = gaussian_constants(act, sigma_w, sigma_x, digits=15)
    F = f(U) - c.mean
    fpu = np.broadcast_to(fp(U), U.shape)
    D = fpu * a[:, None]
    K0 = X.T @ X / n0
    theta = F.T @ F / n1 + sigma_w**2 * K0 * (D.T @ D / n1)
    # tr(Theta)/m is the mean of T_ij = F_ij^2 + sigma_w^2 |x_j|^2/n0 f'(U_ij)^2 a_i^2
    trace, var = trace_stats(F * F + sigma_w**2 * np.diag(K0)[None, :] * fpu * fpu)
    return {"eigenvalues": np.linalg.eigvalsh(theta), "trace": trace, "trace_var": var}


def ntk_eigenvalues(
    act: Any,
    m: int,
    n0_over_m: float = 1.0,
    n1_over_m: float = 1.0,
    sigma_w: float = 1.0,
    sigma_x: float = 1.0,
    rng: SeedLike = None,
) -> np.ndarray:
    """Eigenvalues of the NTK of one sampled one-hidden-layer network (:func:`ntk_sample`).

    Parameters
    ----------
    act, m, n0_over_m, n1_over_m, sigma_w, sigma_x, rng
        As in :func:`ntk_sample`.

    Returns
    -------
    numpy.ndarray
        ``m`` ascending eigenvalues.

    Examples
    --------
    >>> ntk_eigenvalues("tanh", 30, rng=0).shape
    (30,)
    """
    return ntk_sample(act, m, n0_over_m, n1_over_m, sigma_w, sigma_x, rng)["eigenvalues"]


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
    return [d["eigenvalues"] for d in sampled_kernels(act, kernel, depth, width_ratio, m,
                                                      sigma_w, sigma_x, rng)]  # fmt: skip


def sampled_kernels(
    act: Any,
    kernel: str,
    depth: int,
    width_ratio: float,
    m: int,
    sigma_w: float = 1.0,
    sigma_x: float = 1.0,
    rng: SeedLike = None,
) -> list[dict[str, Any]]:
    """Like :func:`sampled_kernel_spectra`, with each kernel's trace statistics.

    Parameters
    ----------
    act, kernel, depth, width_ratio, m, sigma_w, sigma_x, rng
        As in :func:`sampled_kernel_spectra`.

    Returns
    -------
    list of dict
        ``eigenvalues``, ``trace``, ``trace_var`` and, for conjugate kernels, the
        exact conditional ``target`` of the trace (:func:`deep_kernel_samples`).

    Examples
    --------
    >>> [sorted(d) for d in sampled_kernels("tanh", "ntk", 1, 1.0, 30, rng=0)][1]
    ['eigenvalues', 'trace', 'trace_var']
    """
    if kernel == "ck":
        return deep_kernel_samples(act, depth, m, width_ratio, sigma_w, sigma_x, rng)
    rng = _params.generator(rng)
    ck = deep_kernel_samples(act, 1, m, width_ratio, sigma_w, sigma_x, rng)[1]
    return [ck, ntk_sample(act, m, width_ratio, width_ratio, sigma_w, sigma_x, rng)]
