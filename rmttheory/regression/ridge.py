r"""Deterministic equivalents of ridge regression: test and training error, bias and variance.

**Setup.** :math:`n` samples :math:`x_i\sim\mathcal N(0,\Sigma)` in
:math:`\mathbb R^p`, targets :math:`y_i = x_i^\top\beta_* + \varepsilon_i` with
:math:`\varepsilon_i\sim\mathcal N(0,\sigma^2)`, and the ridge estimator

.. math:: \hat\beta = \arg\min_\beta \tfrac1n\lVert y - X\beta\rVert^2 + \lambda\lVert\beta\rVert^2
          = (X^\top X/n + \lambda)^{-1} X^\top y/n .

Test error :math:`E_{\rm test} = \mathbb E(x^\top\hat\beta - y)^2 =
(\hat\beta-\beta_*)^\top\Sigma(\hat\beta-\beta_*) + \sigma^2` (noise included);
training error :math:`E_{\rm train} = \tfrac1n\lVert y - X\hat\beta\rVert^2`.

**Spectrum.** :class:`RidgeSpectrum` holds the eigenvalues :math:`s_j` of
:math:`\Sigma` with weights :math:`w_j` (summing to 1: a discrete measure, e.g. the
:math:`p` exact eigenvalues each of weight :math:`1/p`, or quadrature nodes of a
continuous law), and the target energy :math:`a_j` per direction:
:math:`\beta_{*,j}^2 = a_j/p` in the eigenbasis, so :math:`\lVert\beta_*\rVert^2 =
\sum_j w_j a_j` and the signal variance is :math:`\sum_j w_j s_j a_j`.

**Deterministic equivalent** (:math:`\gamma = p/n`). The effective regularisation
:math:`\kappa>0` solves

.. math:: \kappa - \lambda = \gamma\,\kappa\sum_j w_j\frac{s_j}{s_j+\kappa},

and with :math:`d_2 = \gamma\sum_j w_j s_j^2/(s_j+\kappa)^2 < 1`,

.. math:: B = \frac{\kappa^2\sum_j w_j a_j s_j/(s_j+\kappa)^2}{1-d_2},\quad
          V = \sigma^2\frac{d_2}{1-d_2},\quad
          E_{\rm test} = B + V + \sigma^2,\quad
          E_{\rm train} = \Big(\frac{\lambda}{\kappa}\Big)^2 E_{\rm test}.

Ridgeless (:math:`\lambda = 0`): for :math:`\gamma<1`, :math:`\kappa = 0` and
:math:`V = \sigma^2\gamma/(1-\gamma)`; for :math:`\gamma>1` (interpolation),
:math:`\kappa>0` solves :math:`1 = \gamma\sum_j w_j s_j/(s_j+\kappa)`; the
variance diverges at :math:`\gamma = 1` (the double-descent peak, :math:`n = p`).

:math:`\kappa` is found per point by a bracketed, safeguarded Newton iteration on
:math:`h(\kappa) = \kappa(1-\gamma\sum w s/(s+\kappa)) - \lambda`, increasing on
the bracket :math:`[\kappa_0, \lambda+\gamma\sum w s]`, vectorised over grids of
:math:`(\gamma,\lambda)`; an unconverged point raises
:class:`~rmttheory.errors.ConvergenceError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from rmttheory import _params
from rmttheory.errors import ConvergenceError, ParameterError

__all__ = ["RidgeSpectrum", "ridge_risk", "effective_regularization"]


@dataclass(frozen=True)
class RidgeSpectrum:
    """Eigenvalues ``s`` of the feature covariance, weights ``w`` (sum 1), target energies ``a``.

    Parameters
    ----------
    s, w, a
        1-D arrays of the same length: eigenvalues (>= 0), weights (>= 0, sum 1),
        target energies (>= 0); the convention is :math:`\\beta_{*,j}^2 = a_j/p`
        (module docstring).

    Examples
    --------
    >>> spec = RidgeSpectrum.power_law(100, 1.0, 2.0)
    >>> round(spec.signal, 12)
    1.0
    """

    s: np.ndarray
    w: np.ndarray
    a: np.ndarray

    def __post_init__(self):
        s, w, a = (np.atleast_1d(np.asarray(v, dtype=float)) for v in (self.s, self.w, self.a))
        if not (s.shape == w.shape == a.shape) or s.ndim != 1 or s.size == 0:
            raise ParameterError("s, w and a must be 1-D arrays of the same length")
        if not (np.all(np.isfinite(s)) and np.all(np.isfinite(a)) and np.all(np.isfinite(w))):
            raise ParameterError("s, w and a must be finite")
        if np.any(s < 0) or np.any(w < 0) or np.any(a < 0):
            raise ParameterError("s, w and a must be non-negative")
        if not abs(w.sum() - 1) < 1e-9:
            raise ParameterError(f"weights must sum to 1, got {w.sum()!r}")
        object.__setattr__(self, "s", s)
        object.__setattr__(self, "w", w)
        object.__setattr__(self, "a", a)

    @classmethod
    def isotropic(cls, snr: float = 1.0) -> RidgeSpectrum:
        """:math:`\\Sigma = I`, :math:`\\lVert\\beta_*\\rVert^2 =` ``snr``."""
        return cls(np.array([1.0]), np.array([1.0]), np.array([float(snr)]))

    @classmethod
    def power_law(cls, p: int, alpha: float, beta: float, scale: float = 1.0) -> RidgeSpectrum:
        """:math:`s_j = j^{-\\alpha}` and :math:`s_j\\beta_{*,j}^2 \\propto j^{-\\beta}`, j = 1..p.

        The signal variance :math:`\\sum_j s_j\\beta_{*,j}^2` equals ``scale``.
        """
        if not (isinstance(p, int) and p >= 1) or alpha <= 0 or beta <= 0:
            raise ParameterError("need an integer p >= 1 and alpha, beta > 0")
        j = np.arange(1, p + 1, dtype=float)
        s = j**-alpha
        signal = j**-beta  # s_j beta_j^2, then normalised
        signal *= scale / signal.sum()
        return cls(s, np.full(p, 1.0 / p), p * signal / s)

    @classmethod
    def from_law(cls, law: Any, energy: Any = None, n: int = 48) -> RidgeSpectrum:
        """Quadrature nodes of a spectral law (atoms included); ``energy(s)`` gives ``a``."""
        s, w = law.quadrature(n)
        a = np.zeros_like(s) if energy is None else np.asarray(energy(s), dtype=float)
        return cls(s, w / w.sum(), a)

    @property
    def signal(self) -> float:
        """Signal variance :math:`\\sum_j w_j s_j a_j = \\beta_*^\\top\\Sigma\\beta_*`."""
        return float(np.sum(self.w * self.s * self.a))


def _check_grid(gamma: Any, lam: Any) -> tuple[np.ndarray, np.ndarray]:
    g, l = np.broadcast_arrays(
        _params.real_array(gamma, "gamma = p/n", allow_empty=False, finite=True, positive=True),
        _params.real_array(lam, "lambda", allow_empty=False, finite=True, nonnegative=True),
    )
    return g.astype(float), l.astype(float)


def effective_regularization(
    spec: RidgeSpectrum, gamma: Any, lam: Any, rtol: float = 1e-13
) -> np.ndarray:
    """:math:`\\kappa(\\gamma,\\lambda)` of the module docstring, vectorised over ``gamma``, ``lam``.

    All grid points are iterated together (a safeguarded Newton step per point and
    iteration, bisection where Newton leaves the bracket); an unconverged point
    raises :class:`~rmttheory.errors.ConvergenceError`.

    Parameters
    ----------
    spec
        The covariance spectrum.
    gamma, lam
        :math:`p/n > 0` and :math:`\\lambda \\ge 0`, broadcast together.
    rtol
        Relative tolerance on :math:`\\kappa`.

    Returns
    -------
    numpy.ndarray
        :math:`\\kappa`, broadcast shape.

    Examples
    --------
    >>> k = effective_regularization(RidgeSpectrum.isotropic(), 0.5, 0.1)
    >>> round(float(k), 12)  # kappa - lam = gamma kappa/(1 + kappa)
    0.174165738677
    """
    g, l = _check_grid(gamma, lam)
    s, w = spec.s[None, :], spec.w[None, :]
    G, Lm = g.ravel(), l.ravel()
    sbar = float(np.sum(spec.w * spec.s))
    rank = G * (1 - float(np.sum(spec.w[spec.s == 0])))  # rank(Sigma-hat) / n
    if np.any((Lm == 0) & (rank == 1)):
        raise ParameterError("lambda = 0 at gamma = p/n = 1: the risk is infinite")
    zero = (Lm == 0) & (rank < 1)  # ridgeless below interpolation: kappa = 0

    def h(k):
        r = s / (s + k[:, None])
        return k * (1 - G * np.sum(w * r, axis=1)) - Lm, 1 - G * np.sum(w * r * r, axis=1)

    # h is negative at lo and positive at hi; safeguarded Newton, all points at once
    lo, hi = Lm.copy(), Lm + G * sbar
    k = hi.copy()
    done = zero.copy()
    for _ in range(200):
        if np.all(done):
            break
        val, der = h(k)
        hi = np.where(val > 0, k, hi)
        lo = np.where(val > 0, lo, k)
        with np.errstate(divide="ignore", invalid="ignore"):
            step = np.where(der > 0, k - val / der, np.nan)
        inside = (step > lo) & (step < hi)
        k_new = np.where(inside, step, 0.5 * (lo + hi))
        conv = np.abs(k_new - k) <= rtol * np.maximum(k_new, 1e-300)
        k = np.where(done, k, k_new)
        done |= conv
    k = np.where(zero, 0.0, k)
    val, der = h(np.where(zero, 1.0, k))
    bad = ~zero & ~(done & (k > 0) & (np.abs(val) <= 1e-10 * (k + Lm)) & (der > 0))
    if np.any(bad):
        i = int(np.argmax(bad))
        raise ConvergenceError(
            f"kappa did not converge at gamma={G[i]:g}, lambda={Lm[i]:g} (residual {val[i]:.3g})"
        )
    return k.reshape(g.shape)


def ridge_risk(
    spec: RidgeSpectrum, gamma: Any, lam: Any, noise: float = 0.0
) -> dict[str, np.ndarray]:
    """Deterministic-equivalent ``test``, ``train``, ``bias``, ``variance``, ``kappa``, ``df2``.

    Parameters
    ----------
    spec
        Covariance spectrum and target energies (:class:`RidgeSpectrum`).
    gamma
        :math:`p/n` (scalar or array).
    lam
        Ridge :math:`\\lambda \\ge 0` (broadcast against ``gamma``).
    noise
        Noise variance :math:`\\sigma^2` (``test`` includes it).

    Returns
    -------
    dict
        Arrays of the broadcast shape; ``df2`` is :math:`d_2` of the module docstring.

    Examples
    --------
    >>> r = ridge_risk(RidgeSpectrum.isotropic(1.0), 0.5, 0.0, noise=0.25)
    >>> float(r["variance"])  # sigma^2 gamma / (1 - gamma)
    0.25
    """
    noise = _params.real(noise, "noise", nonnegative=True)
    g, l = _check_grid(gamma, lam)
    k = effective_regularization(spec, g, l)
    s, w, a = spec.s[:, None], spec.w[:, None], spec.a[:, None]
    kk, gg, ll = k.ravel()[None, :], g.ravel()[None, :], l.ravel()[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(s + kk > 0, s / (s + kk), 0.0)
        df2 = gg[0] * np.sum(w * frac**2, axis=0)
        bias_num = np.sum(w * a * np.where(s + kk > 0, s * kk**2 / (s + kk) ** 2, 0.0), axis=0)
        bias = bias_num / (1 - df2)
        var = noise * df2 / (1 - df2)
        test = bias + var + noise
        # lambda/kappa; at lambda = 0 below interpolation its limit is 1 - rank(Sigma-hat)/n
        rank = gg[0] * (1 - float(np.sum(spec.w[spec.s == 0])))
        ratio = np.where(kk[0] > 0, ll[0] / np.where(kk[0] > 0, kk[0], 1), 1 - rank)
        train = ratio**2 * test
    if np.any(df2 >= 1):
        raise ConvergenceError("the degrees of freedom reached n (df2 >= 1): infinite risk")
    shape = g.shape
    return {
        "test": test.reshape(shape),
        "train": train.reshape(shape),
        "bias": bias.reshape(shape),
        "variance": var.reshape(shape),
        "kappa": k,
        "df2": df2.reshape(shape),
    }
