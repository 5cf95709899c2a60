r"""Random-features ridge regression: deterministic equivalent through Gaussian equivalence.

**Setup.** Inputs :math:`x\sim\mathcal N(0, I_d)`, weights
:math:`W\in\mathbb R^{N\times d}` with iid :math:`\mathcal N(0,1)` entries, features
:math:`\varphi(x) = f(Wx/\sqrt d)\in\mathbb R^N` (pre-activations are standard
normal), a linear target :math:`y = x^\top\beta_* + \varepsilon` with
:math:`\lVert\beta_*\rVert^2 = r^2` (``snr``, direction uniform) and noise variance
:math:`\sigma^2`, :math:`n` samples, and ridge on the second layer,
:math:`\hat a = \arg\min_a \tfrac1n\lVert y-\Phi a\rVert^2 + \lambda\lVert a\rVert^2`.
Ratios: :math:`\psi_1 = N/d`, :math:`\psi_2 = n/d`; test error
:math:`\mathbb E(\varphi(x)^\top\hat a - y)^2` (noise included).

**Activation constants** (from :func:`rmttheory.gaussian_constants` at
:math:`\sigma = 1`): :math:`\mu_0 = \mathbb E f(z)`, :math:`\mu_1 = \mathbb E zf(z)`
(:math:`\mu_1^2 = \zeta`), :math:`\mu_*^2 = \operatorname{Var}f(z) - \mu_1^2 = \eta-\zeta`.

**Linear (Gaussian) equivalence.** :math:`\varphi(x) \approx \mu_0 1 + \mu_1
Wx/\sqrt d + \mu_* z` with :math:`z\sim\mathcal N(0, I_N)` independent.  Given
:math:`W = \sqrt d\,U\operatorname{diag}(\sqrt{\rho_j})V^\top`, the equivalent
features have covariance :math:`\Sigma_F` with eigenvalues
:math:`s_j = \mu_1^2\rho_j + \mu_*^2` (:math:`\rho` ~ Marchenko–Pastur of ratio
:math:`\psi_1`, atom at 0 when :math:`\psi_1>1`), the best linear predictor has
energies :math:`a_j = \psi_1 r^2\mu_1^2\rho_j/s_j^2` in that basis, and the rest of
:math:`y` acts as independent noise of variance

.. math:: \sigma_{\rm eff}^2 = \sigma^2 + r^2\Big(1 - \psi_1\int\frac{\mu_1^2\rho}{\mu_1^2\rho+\mu_*^2}
          \,d\mathrm{MP}_{\psi_1}(\rho)\Big).

The risk is then the ridge deterministic equivalent of :mod:`rmttheory.ridge` with
:math:`p = N`, :math:`\gamma = N/n = \psi_1/\psi_2`.  The constant
:math:`\mu_0` adds one direction to :math:`\Sigma_F` and does not change the
limit.  For pure-noise targets (:math:`r = 0`, :math:`\sigma = 1`) the training
error equals Pennington–Worah's memorization loss
(:func:`rmttheory.memorization.ridge_training_loss` with :math:`\gamma = \lambda`,
:math:`\phi = d/n`, :math:`\psi = d/N`); ``tests/test_risk.py`` checks that the
two independent derivations agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from rmttheory import _params
from rmttheory.constants import FromConstants, GaussianConstants
from rmttheory.distributions import MarchenkoPastur
from rmttheory.errors import ParameterError
from rmttheory.regression.ridge import RidgeSpectrum, ridge_risk

__all__ = ["RandomFeaturesRidge"]


@dataclass(frozen=True)
class RandomFeaturesRidge(FromConstants):
    """Deterministic equivalent of random-features ridge regression (module docstring).

    Parameters
    ----------
    mu0, mu1, mu_star
        :math:`\\mathbb E f`, :math:`\\mathbb E zf` and :math:`\\sqrt{\\eta - \\zeta}` at the
        pre-activation scale.  ``from_activation(act, *, sigma_w=1, sigma_x=1)``
        computes them for the features :math:`f(\\sigma Wx/\\sqrt d)`,
        :math:`\\sigma = \\sigma_w\\sigma_x` (the default: unit pre-activation variance).

    Examples
    --------
    >>> rf = RandomFeaturesRidge.from_activation("relu")
    >>> round(rf.mu1, 12)
    0.5
    """

    mu0: float
    mu1: float
    mu_star: float

    def __post_init__(self):
        for name in ("mu0", "mu1", "mu_star"):
            object.__setattr__(self, name, _params.real(getattr(self, name), name))
        if self.mu_star < 0:
            raise ParameterError("mu_star must be >= 0")
        if self.mu1 == 0 and self.mu_star == 0:
            raise ParameterError("mu1 and mu_star are both 0: the features are constant")

    @classmethod
    def from_constants(cls, constants: GaussianConstants) -> RandomFeaturesRidge:
        """From computed constants: ``mu0 = mean``, ``mu1 = sqrt(zeta)``, ``mu_star = sqrt(eta - zeta)``."""
        c = constants
        return cls(float(c.mean), math.sqrt(float(c.zeta)), math.sqrt(max(c.eta - c.zeta, 0.0)))

    def spectrum(self, psi1: float, snr: float = 1.0, n: int = 64) -> RidgeSpectrum:
        """Eigenvalues of :math:`\\Sigma_F` and target energies (quadrature of MP(psi1))."""
        rho, w = MarchenkoPastur(psi1).quadrature(n)
        s = self.mu1**2 * rho + self.mu_star**2
        with np.errstate(divide="ignore", invalid="ignore"):
            a = np.where(s > 0, psi1 * snr * self.mu1**2 * rho / s**2, 0.0)
        return RidgeSpectrum(s, w / w.sum(), a)

    def effective_noise(self, psi1: float, snr: float = 1.0, noise: float = 0.0) -> float:
        """:math:`\\sigma_{\\rm eff}^2`: the part of y no linear function of the features explains."""
        spec = self.spectrum(psi1, snr)
        return float(noise + snr - np.sum(spec.w * spec.s * spec.a))

    def risk(
        self, psi1: Any, psi2: Any, lam: Any, *, snr: float = 1.0, noise: float = 0.0
    ) -> dict[str, np.ndarray]:
        """``test``, ``train``, ``bias``, ``variance`` (+ ``noise_eff``) over a grid of (psi1, psi2, lam).

        ``psi1 = N/d`` features and ``psi2 = n/d`` samples per input dimension;
        broadcast together.  ``variance`` includes the effective noise's share.
        """
        p1, p2, lm = np.broadcast_arrays(
            _params.real_array(psi1, "psi1", allow_empty=False, finite=True, positive=True),
            _params.real_array(psi2, "psi2", allow_empty=False, finite=True, positive=True),
            _params.real_array(lam, "lam", allow_empty=False, finite=True, nonnegative=True),
        )
        snr = _params.real(snr, "snr", nonnegative=True)
        noise = _params.real(noise, "noise", nonnegative=True)
        keys = ("test", "train", "bias", "variance", "kappa", "noise_eff")
        out = {k: np.empty(p1.shape) for k in keys}
        for idx in np.ndindex(p1.shape):
            spec = self.spectrum(float(p1[idx]), snr)
            eff = float(noise + snr - np.sum(spec.w * spec.s * spec.a))
            r = ridge_risk(spec, p1[idx] / p2[idx], lm[idx], noise=max(eff, 0.0))
            for k in keys[:-1]:
                out[k][idx] = float(r[k])
            out["noise_eff"][idx] = eff
        return out
