r"""Expected random-feature kernels on arbitrary data: :math:`\Phi = \mathbb E_w[f(X^\top w) f(w^\top X)]`.

**Convention.**  Data are the columns :math:`x_1, \dots, x_n` of
:math:`X\in\mathbb R^{d\times n}` (any values; :func:`rmttheory.data.design_matrix`
standardizes a data set), a weight row is :math:`w\sim\mathcal N(0, \sigma_w^2 I_d/d)`
and :math:`f` is applied entrywise, **not centered**.  For a pair of samples the
pre-activations :math:`(u, v) = (w^\top x_i, w^\top x_j)` are jointly Gaussian with

.. math:: \operatorname{Var} u = a = \sigma_w^2\lVert x_i\rVert^2/d,\quad
          \operatorname{Var} v = b = \sigma_w^2\lVert x_j\rVert^2/d,\quad
          \operatorname{Cov}(u, v) = c = \sigma_w^2 x_i^\top x_j/d,

and :math:`\Phi_{ij} = \mathbb E[f(u) f(v)]`, :math:`\rho = c/\sqrt{ab}`.

**Closed forms** (``method="closed"``; exact):

* ``linear``: :math:`c`;
* ``relu`` (arc-cosine kernel of degree 1, Cho & Saul 2009):
  :math:`\frac{\sqrt{ab}}{2\pi}\big(\sqrt{1-\rho^2} + (\pi - \arccos\rho)\rho\big)`;
* ``leaky_relu`` with slope :math:`\alpha`
  (:math:`f = \alpha x + (1-\alpha)\,\mathrm{relu}(x)`):
  :math:`\alpha c + (1-\alpha)^2 K_{\rm relu}`;
* ``abs`` (:math:`|x| = 2\,\mathrm{relu}(x) - x`): :math:`4K_{\rm relu} - c`;
* ``erf`` (Williams 1997): :math:`\frac2\pi\arcsin\frac{2c}{\sqrt{(1+2a)(1+2b)}}`;
* ``sin``: :math:`e^{-(a+b)/2}\sinh c`; ``cos``: :math:`e^{-(a+b)/2}\cosh c`.

**Hermite series** (``method="series"``; any activation with an expression or a
numpy callable).  With :math:`s_i = \sqrt a`, the normalized Hermite coefficients
:math:`c_k(s) = \mathbb E[f(sz)He_k(z)]/\sqrt{k!}` and Mehler's formula,

.. math:: \Phi_{ij} = \sum_{k\ge0} c_k(s_i)c_k(s_j)\rho_{ij}^k,\qquad
          \Big|\sum_{k>K}c_k(s_i)c_k(s_j)\rho^k\Big| \le |\rho|^{K+1}\sqrt{T_K(s_i)T_K(s_j)},

with the tail :math:`T_K(s) = \mathbb E f(sz)^2 - \sum_{k\le K}c_k(s)^2`
(Cauchy–Schwarz; the diagonal :math:`\mathbb E f(s_iz)^2` is computed directly).
The coefficients come from composite Gauss–Legendre quadrature (24 nodes per panel
of width 1/2 on :math:`|z|\le 37.5`, split at the kinks of :math:`f(s_iz)`), with
their error estimated by a 16-node rule.  The series is summed by Horner's rule to
order ``order`` for all pairs and continued to ``max_order`` for the pairs whose
bound is still above ``tol``; pairs still above it (strongly correlated samples of
large norm) are computed by nested composite Gauss–Legendre quadrature in the
Cholesky variables :math:`u = s_iz_1`, :math:`v = s_j(\rho z_1 + \sqrt{1-\rho^2}z_2)`
on :math:`|z|\le 12`, each split where its argument crosses a kink of :math:`f`,
with 24 and 16 nodes per panel, the difference being their error estimate.
:attr:`ExpectedKernel.error_bound` is the largest bound over all entries (series
truncation + coefficient quadrature error, or the quadrature estimate).

``method="auto"`` takes the closed form when the activation has one, else the
series.  ``tests/test_expected_kernel.py`` checks the closed forms against
30-digit mpmath quadrature (1e-12), the series against the same quadrature within
its stated bound, and every method against Monte Carlo over :math:`w`.

Examples
--------
>>> import numpy as np
>>> X = np.array([[1.0, 0.0], [0.0, 1.0]]) * np.sqrt(2)  # d = 2, unit variances
>>> k = expected_kernel("relu", X)
>>> k.method, round(float(k.matrix[0, 0]), 12), round(float(k.matrix[0, 1]), 12)
('closed', 0.5, 0.159154943092)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from rmttheory import _params
from rmttheory.activation import Activation, activation
from rmttheory.errors import ParameterError
from rmttheory.kernels.closed_forms import _closed_kernel, _variances
from rmttheory.kernels.hermite import hermite_coefficients, pair_quadrature
from rmttheory.resources import require_bytes

__all__ = [
    "ExpectedKernel",
    "expected_kernel",
    "expected_kernel_diagonal",
    "CLOSED_FORMS",
]

#: activations with an exact kernel (registered names)
CLOSED_FORMS = ("linear", "relu", "leaky_relu", "abs", "erf", "sin", "cos")


@dataclass(frozen=True)
class ExpectedKernel:
    """An expected kernel matrix and how it was computed.

    Attributes
    ----------
    matrix
        :math:`\\Phi` (``n1 × n2``; symmetric when one data matrix was given).
    method
        ``"closed"`` or ``"series"``.
    error_bound
        Largest absolute error bound over the entries (0 up to rounding for closed
        forms; see the module docstring for the series).
    order
        Hermite order used for most pairs (``None`` for closed forms).
    quadrature_pairs
        Number of entries computed by 2-D quadrature instead of the series.

    Examples
    --------
    >>> k = expected_kernel("tanh", np.eye(3))
    >>> k.method, k.order, k.error_bound < 1e-10
    ('series', 64, True)
    """

    matrix: np.ndarray
    method: str
    error_bound: float
    order: int | None = None
    quadrature_pairs: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "shape": list(self.matrix.shape),
            "method": self.method,
            "error_bound": self.error_bound,
            "order": self.order,
            "quadrature_pairs": self.quadrature_pairs,
        }


# -- geometry ---------------------------------------------------------------------------
def _geometry(
    X: np.ndarray, X2: np.ndarray | None, sigma_w: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Variances a (n1), b (n2), covariances c (n1 × n2) and correlations rho."""
    a, b = _variances(X, X2, sigma_w)
    c = X.T @ (X if X2 is None else X2)
    c *= sigma_w**2 / X.shape[0]
    rho = np.multiply(c, (1 / np.sqrt(a))[:, None])
    rho *= (1 / np.sqrt(b))[None, :]
    np.clip(rho, -1.0, 1.0, out=rho)
    if X2 is None:
        np.fill_diagonal(rho, 1.0)
    return a, b, c, rho


def _closed_name(act: Activation) -> tuple[str, dict[str, Any]] | None:
    if act.registered is None:
        return None
    name, params = act.registered
    return (name, dict(params)) if name in CLOSED_FORMS else None


# -- the kernel ------------------------------------------------------------------------
def _horner(c1: np.ndarray, c2: np.ndarray, rho: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """sum_{k=lo}^{hi} c1[:, k] c2[:, k] rho^k for all pairs (n1 × n2)."""
    out = np.outer(c1[:, hi], c2[:, hi])
    for k in range(hi - 1, lo - 1, -1):
        out *= rho
        out += np.outer(c1[:, k], c2[:, k])
    if lo:
        out *= rho**lo
    return out


def expected_kernel(
    act: Any,
    X: Any,
    X2: Any = None,
    *,
    sigma_w: float = 1.0,
    method: str = "auto",
    tol: float = 1e-10,
    order: int = 64,
    max_order: int = 400,
) -> ExpectedKernel:
    """The expected kernel :math:`\\Phi_{ij} = \\mathbb E_w f(w^\\top x_i) f(w^\\top x'_j)`.

    Parameters
    ----------
    act
        Activation (a registered name, an expression in ``x``, an :class:`Activation`
        or a numpy callable).
    X
        Data, one sample per **column** (``d × n1``).
    X2
        Second data set (``d × n2``), e.g. test samples; default ``X``.
    sigma_w
        Weight scale: :math:`w\\sim\\mathcal N(0, \\sigma_w^2 I_d/d)`.
    method
        ``"auto"``, ``"closed"`` or ``"series"`` (module docstring).
    tol
        Series: target absolute error bound per entry.
    order, max_order
        Series: Hermite order for all pairs, and the largest order for the pairs
        whose bound is above ``tol`` at ``order``.

    Returns
    -------
    ExpectedKernel

    Examples
    --------
    >>> X = np.array([[1.0, 1.0], [1.0, -1.0]])  # two orthogonal samples, |x|^2/d = 1
    >>> k = expected_kernel("erf", X)
    >>> round(float(k.matrix[0, 1]), 12)  # c = 0: erf is odd, the pair uncorrelated
    0.0

    Raises
    ------
    ParameterError
        Bad data (not 2-D, not finite, a zero column, different dimensions), an
        unknown method, or ``"closed"`` for an activation without a closed form.
    ResourceError
        When the ``n1 × n2`` matrices would not fit in memory.
    """
    act = activation(act)
    X = _params.real_array(X, "X", allow_empty=False, finite=True)
    if X.ndim != 2:
        raise ParameterError(f"X must be a 2-D array (dimension × samples), got shape {X.shape}")
    if X2 is not None:
        X2 = _params.real_array(X2, "X2", allow_empty=False, finite=True)
        if X2.ndim != 2 or X2.shape[0] != X.shape[0]:
            raise ParameterError(
                f"X2 must be 2-D with the dimension of X ({X.shape[0]}), got shape {X2.shape}"
            )
    sigma_w = _params.real(sigma_w, "sigma_w", positive=True, high=1e6)
    method = _params.choice(method, "method", ("auto", "closed", "series"))
    tol = _params.real(tol, "tol", positive=True)
    order = _params.integer(order, "order", minimum=0)
    max_order = max(order, _params.integer(max_order, "max_order", minimum=0))
    n1, n2 = X.shape[1], (X if X2 is None else X2).shape[1]
    require_bytes(8 * 5 * n1 * n2, f"expected kernel of {n1} × {n2} samples")
    closed = _closed_name(act)
    if method == "closed" and closed is None:
        raise ParameterError(
            f"activation {act.name!r} has no closed-form kernel (those with one: "
            f"{', '.join(CLOSED_FORMS)}); use method='series'"
        )
    if method != "series" and closed is not None:
        K, a, b = _closed_kernel(closed[0], closed[1], X, X2, sigma_w)
        scale = np.sqrt((1 + a.max()) * (1 + b.max()))  # the largest of sqrt((1+a_i)(1+b_j))
        return ExpectedKernel(K, "closed", float(64 * np.finfo(float).eps * scale))
    a, b, c, rho = _geometry(X, X2, sigma_w)
    _integrable(act, a, b)
    return _series(act, a, b, rho, X2 is None, tol, order, max_order)


def _integrable(act: Any, *scales2: np.ndarray) -> None:
    """The same refusal as :func:`rmttheory.constants.gaussian_constants` for activations
    whose square is not Gaussian-integrable, at the largest sample scale (the tails grow
    with the scale)."""
    from rmttheory._numerics.gaussian_quadrature import check_integrable

    check_integrable(act, float(np.sqrt(max(float(np.max(v)) for v in scales2))))


def expected_kernel_diagonal(act: Any, X: Any, *, sigma_w: float = 1.0) -> np.ndarray:
    """The diagonal :math:`\\Phi_{ii} = \\mathbb E f(s_iz)^2`, :math:`s_i = \\sigma_w\\lVert x_i\\rVert/\\sqrt d`.

    By the float64 quadrature of :func:`~rmttheory.kernels.hermite.hermite_coefficients`
    (error ~1e-15 relative), in O(n) work (no ``n × n`` matrix).

    Parameters
    ----------
    act
        Activation.
    X
        Data, one sample per column (``d × n``).
    sigma_w
        Weight scale.

    Returns
    -------
    numpy.ndarray
        :math:`\\Phi_{ii}` (length ``n``).

    Examples
    --------
    >>> import numpy as np
    >>> round(float(expected_kernel_diagonal("relu", np.ones((4, 1)))[0]), 12)
    0.5
    """
    X = _params.real_array(X, "X", allow_empty=False, finite=True)
    if X.ndim != 2:
        raise ParameterError(f"X must be a 2-D array (dimension × samples), got shape {X.shape}")
    sigma_w = _params.real(sigma_w, "sigma_w", positive=True, high=1e6)
    s = sigma_w * np.sqrt(np.einsum("ij,ij->j", X, X) / X.shape[0])
    if np.any(s == 0):
        raise ParameterError("a data column is zero: its pre-activation is not random")
    _integrable(activation(act), s * s)
    return hermite_coefficients(act, s, 0)["m2"]


def _series(act, a, b, rho, symmetric, tol, order, max_order) -> ExpectedKernel:
    sa, sb = np.sqrt(a), np.sqrt(b)
    ha = hermite_coefficients(act, sa, max_order)
    hb = ha if symmetric else hermite_coefficients(act, sb, max_order)
    ca, cb = ha["c"], hb["c"]

    def tails(h: dict[str, np.ndarray], k: int) -> np.ndarray:
        t = h["m2"] - np.sum(h["c"][:, : k + 1] ** 2, axis=1)
        # rounding of the sum and the quadrature error of m2 and of the c_k
        slack = 4 * np.finfo(float).eps * (k + 1) * h["m2"] + h["err"] * (2 * np.sqrt(h["m2"]) + 1)
        return np.maximum(t, 0.0) + slack

    K = _horner(ca, cb, rho, 0, order)
    arho = np.abs(rho)
    coef_err = np.sqrt(order + 1) * (
        np.outer(ha["err"], np.sqrt(hb["m2"])) + np.outer(np.sqrt(ha["m2"]), hb["err"])
    )
    bound = arho ** (order + 1) * np.sqrt(np.outer(tails(ha, order), tails(hb, order))) + coef_err
    if symmetric:
        np.fill_diagonal(K, ha["m2"])
        np.fill_diagonal(bound, ha["err"])
    todo = np.nonzero(bound > tol)
    n_quad = 0
    if todo[0].size and max_order > order:
        i, j = todo
        r = rho[i, j]
        extra = np.zeros(i.size)
        for k in range(max_order, order, -1):  # Horner on the remaining pairs only
            extra = extra * r + ca[i, k] * cb[j, k]
        K[i, j] += extra * r ** (order + 1)
        ce = np.sqrt(max_order + 1) * (
            ha["err"][i] * np.sqrt(hb["m2"][j]) + np.sqrt(ha["m2"][i]) * hb["err"][j]
        )
        bound[i, j] = (
            np.abs(r) ** (max_order + 1)
            * np.sqrt(tails(ha, max_order)[i] * tails(hb, max_order)[j])
            + ce
        )
        left = bound[i, j] > tol
        if left.any():
            ii, jj = i[left], j[left]
            f = act.numpy()
            kinks = act.kinks() if act.is_symbolic else []
            args = (f, kinks, sa[ii], sb[jj], rho[ii, jj])
            hi_q = pair_quadrature(*args, np.polynomial.legendre.leggauss(24))
            lo_q = pair_quadrature(*args, np.polynomial.legendre.leggauss(16))
            K[ii, jj] = hi_q
            bound[ii, jj] = np.abs(hi_q - lo_q) + 1e-15 * np.abs(hi_q)
            n_quad = int(ii.size)
    if symmetric:  # keep the matrix exactly symmetric
        K = (K + K.T) / 2
        bound = np.maximum(bound, bound.T)
    return ExpectedKernel(K, "series", float(bound.max()), order, n_quad)
