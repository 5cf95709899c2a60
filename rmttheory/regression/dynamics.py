r"""Learning dynamics: test and training error of gradient descent/flow on ridge regression.

Isotropic :math:`\Sigma = I`, :math:`\lVert\beta_*\rVert^2 =` ``snr``,
:math:`\beta_0 = 0`, loss :math:`\tfrac1{2n}\lVert y-X\beta\rVert^2 +
\tfrac\lambda2\lVert\beta\rVert^2` (the setup of :mod:`rmttheory.regression.ridge`).
The iterates are spectral filters of :math:`\hat\Sigma = X^\top X/n`, whose law is
Marchenko–Pastur of ratio :math:`\gamma = p/n`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rmttheory import _params
from rmttheory.distributions import MarchenkoPastur

__all__ = ["gradient_flow_risk"]


def gradient_flow_risk(
    gamma: float,
    times: Any,
    *,
    snr: float = 1.0,
    noise: float = 0.0,
    lam: float = 0.0,
    step: float | None = None,
) -> dict[str, np.ndarray]:
    """Test and training error of gradient descent/flow on isotropic ridge regression over time.

    Isotropic :math:`\\Sigma = I`, :math:`\\lVert\\beta_*\\rVert^2 =` ``snr``,
    :math:`\\beta_0 = 0`, loss :math:`\\tfrac1{2n}\\lVert y-X\\beta\\rVert^2 +
    \\tfrac\\lambda2\\lVert\\beta\\rVert^2`.  In the eigenbasis of
    :math:`\\hat\\Sigma = X^\\top X/n` (law: Marchenko–Pastur of ratio
    :math:`\\gamma = p/n`, atom at 0 included), with the filter
    :math:`e(x) = e^{-t(x+\\lambda)}` (flow) or :math:`(1-\\eta(x+\\lambda))^k`
    (gradient descent with step :math:`\\eta` after :math:`k = t/\\eta` steps) and
    :math:`g(x) = (1-e(x))/(x+\\lambda)`,

    .. math:: E_{\\rm test}(t) = \\mathrm{snr}\\int(1 - x g)^2d\\mu
              + \\gamma\\sigma^2\\int x g^2 d\\mu + \\sigma^2,

    .. math:: E_{\\rm train}(t) = \\mathrm{snr}\\int x(1-xg)^2 d\\mu
              + \\sigma^2\\Big(1 - \\gamma\\int (2xg - x^2g^2)d\\mu\\Big).

    Parameters
    ----------
    gamma
        :math:`p/n > 0`.
    times
        Times :math:`t \\ge 0` (for gradient descent, multiples of ``step``).
    snr, noise, lam
        :math:`\\lVert\\beta_*\\rVert^2`, :math:`\\sigma^2` and the ridge :math:`\\lambda`.
    step
        Learning rate of gradient descent; None for gradient flow.

    Returns
    -------
    dict
        ``time``, ``test``, ``train``, ``bias``, ``variance`` (arrays over ``times``).

    Examples
    --------
    >>> r = gradient_flow_risk(0.5, [0.0], snr=1.0, noise=0.1)
    >>> float(r["test"][0])  # beta = 0: test error = snr + noise
    1.1
    """
    gamma = _params.real(gamma, "gamma", positive=True)
    t = np.atleast_1d(
        _params.real_array(times, "times", allow_empty=False, finite=True, nonnegative=True)
    )
    snr = _params.real(snr, "snr", nonnegative=True)
    noise = _params.real(noise, "noise", nonnegative=True)
    lam = _params.real(lam, "lam", nonnegative=True)
    if step is not None:
        step = _params.real(step, "step", positive=True)
    x, wt = MarchenkoPastur(gamma).quadrature(64)
    X, T = x[:, None], t[None, :]
    if step is None:
        e = np.exp(-T * (X + lam))
    else:
        e = (1 - step * (X + lam)) ** np.round(T / step)
    with np.errstate(divide="ignore", invalid="ignore"):
        g = np.where(X + lam > 0, (1 - e) / np.where(X + lam > 0, X + lam, 1), T)
    W = wt[:, None]
    bias = snr * np.sum(W * (1 - X * g) ** 2, axis=0)
    var = gamma * noise * np.sum(W * X * g**2, axis=0)
    train = snr * np.sum(W * X * (1 - X * g) ** 2, axis=0) + noise * (
        1 - gamma * np.sum(W * (2 * X * g - (X * g) ** 2), axis=0)
    )
    return {"time": t, "test": bias + var + noise, "train": train, "bias": bias, "variance": var}
