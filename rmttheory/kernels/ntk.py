r"""Conjugate-kernel and neural-tangent-kernel spectra of random networks.

**Conjugate kernel (CK), L layers.** :func:`ck_spectra` returns the laws of
:math:`K_l = X_l^\top X_l/n_l` (the :math:`m\times m` kernels of
:mod:`rmttheory.propagation`: centred activations, :math:`W_l` iid
:math:`\mathcal N(0,\sigma_w^2/n_{l-1})`, data iid :math:`\mathcal N(0,\sigma_x^2)`),
obtained by iterating the Marchenko–Pastur (Silverstein) map layer by layer
(Fan & Wang 2020).

**Neural tangent kernel, one hidden layer.** For
:math:`F(x) = a^\top f(Wx)/\sqrt{n_1}` with :math:`a_k\sim\mathcal N(0,1)` and
:math:`W\in\mathbb R^{n_1\times n_0}` iid :math:`\mathcal N(0,\sigma_w^2/n_0)`, the
NTK on :math:`m` samples is

.. math:: \Theta = K_1 + \sigma_w^2 K_0\odot\frac{D^\top A^2 D}{n_1},\qquad
          K_0 = \frac{X^\top X}{n_0},\ K_1 = \frac{f(WX)^\top f(WX)}{n_1},\
          D = f'(WX),\ A = \operatorname{diag}(a),

with :math:`f` centred (``K_1`` uses :math:`f - \mathbb E f`; the mean only adds a
rank-one outlier).  With :math:`\sigma^2 = \sigma_w^2 q_0` (:math:`q_0 =
\sigma_x^2`), :math:`b = \mathbb E f'(\sigma z)`, the linearisation of Fan & Wang gives
:math:`\Theta \simeq \Phi^{1/2}S\Phi^{1/2} + \Phi + v` with the population
:math:`\Phi = (\eta-\zeta) + (\zeta/q_0)K_0`, :math:`S` a white Wishart of ratio
:math:`\gamma = m/n_1`, and
:math:`v = \sigma^2(\mathbb E f'(\sigma z)^2 - b^2) - (\eta-\zeta)`
(Stein: :math:`\zeta = \sigma^2 b^2`).  Its law solves (Couillet–Liao deterministic
equivalent of a sample covariance plus a function of its population)

.. math:: G(z) = \int\frac{dH(t)}{t/(1+\delta) + \alpha t + v - z},\qquad
          \delta = \gamma\int\frac{t\,dH(t)}{t/(1+\delta) + \alpha t + v - z},

with :math:`\alpha = 1`, :math:`H` the law of :math:`\Phi`, :math:`\delta, G\in\mathbb C^+`;
:class:`DeformedSilversteinLaw` solves it (any :math:`\alpha\ge0, v`); for
:math:`\alpha = v = 0` it is the Silverstein law of the CK.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from rmttheory.distributions.base import SpectralDistribution, support_from_candidates
from rmttheory.errors import ConvergenceError, ParameterError
from rmttheory.kernels.propagation import _nodes, propagate_spectrum

__all__ = ["ck_spectra", "DeformedSilversteinLaw", "ntk_spectrum"]


def ck_spectra(act: Any, depth: int, width_ratios: Any, sigma_w: float = 1.0, sigma_x: float = 1.0):
    """Laws of the conjugate kernels :math:`K_0..K_L` (see :func:`rmttheory.propagation.propagate_spectrum`)."""
    return propagate_spectrum(act, depth, width_ratios, sigma_w, sigma_x)


class DeformedSilversteinLaw(SpectralDistribution):
    """Law of :math:`T^{1/2}ST^{1/2} + \\alpha T + v` (module docstring).

    ``tau``, ``w``: population nodes and weights of :math:`T` (sum 1);
    ``gamma`` = dimension / samples of the white Wishart :math:`S`.
    """

    MASS_TOL = 1e-5

    def __init__(self, tau: Any, w: Any, gamma: float, alpha: float = 0.0, v: float = 0.0):
        tau, w = np.asarray(tau, float), np.asarray(w, float)
        if not (math.isfinite(gamma) and gamma > 0) or not (alpha >= 0) or not math.isfinite(v):
            raise ParameterError("need gamma > 0, alpha >= 0 and a finite v")
        if np.any(tau < 0) or np.any(w < 0) or not math.isclose(w.sum(), 1.0, rel_tol=1e-6):
            raise ParameterError("population nodes must be >= 0 with weights summing to 1")
        self.tau, self.w = tau, w / w.sum()
        self.gamma, self.alpha, self.v = float(gamma), float(alpha), float(v)
        top = float(self.tau.max())
        self.lo_guess = min(0.0, self.v)
        self.scale = top * ((1 + math.sqrt(self.gamma)) ** 2 + self.alpha) + abs(self.v) + 1e-300

    def __repr__(self) -> str:
        return f"DeformedSilversteinLaw(gamma={self.gamma:g}, alpha={self.alpha:g}, v={self.v:.6g})"

    def _solve(self, x: np.ndarray) -> np.ndarray:
        """G(x + i0) by Newton continuation in Im z on delta, down to 1e-14 of the scale."""
        g, t, w = self.gamma, self.tau[None, :], self.w[None, :]
        x = np.asarray(x, float)
        eps_seq = self.scale * np.logspace(1, -14, 46)
        delta = np.zeros(x.shape, complex)
        for eps in eps_seq:
            z = (x + 1j * eps)[:, None]
            for _ in range(12):
                den = t / (1 + delta[:, None]) + self.alpha * t + self.v - z
                F = delta - g * np.sum(w * t / den, axis=1)
                dF = 1 - g * np.sum(w * t * t / ((1 + delta[:, None]) ** 2 * den**2), axis=1)
                step = F / dF
                new = delta - step
                bad = new.imag < 0
                new = np.where(bad, delta.real - step.real + 0.5j * delta.imag, new)
                delta = new
                if np.all(np.abs(step) <= 1e-14 * (1 + np.abs(delta))):
                    break
        z = (x + 0j)[:, None]
        den = t / (1 + delta[:, None]) + self.alpha * t + self.v - z
        return np.sum(w / den, axis=1)

    def stieltjes_real_axis(self, x: Any) -> np.ndarray:
        """:math:`\\lim_{\\epsilon\\downarrow0}\\int d\\mu(\\lambda)/(\\lambda - x - i\\epsilon)` (Im > 0)."""
        return self._solve(np.atleast_1d(np.asarray(x, float)))

    def _pdf(self, x: np.ndarray) -> np.ndarray:
        return np.maximum(self._solve(x).imag, 0.0) / np.pi

    def _atoms(self) -> dict[float, float]:
        if self.alpha == 0 and self.gamma > 1:
            return {self.v: 1 - 1 / self.gamma}
        return {}

    def _support(self) -> list[tuple[float, float]]:
        lo = self.lo_guess - 0.05 * self.scale
        grid = np.linspace(lo, self.scale * 1.05, 1601)
        dens = self._pdf(grid)
        if not np.any(dens > 0):
            raise ConvergenceError("empty support: the population is degenerate")
        thresh = 1e-6 * dens.max()
        inside = dens > thresh
        flips = np.nonzero(inside[:-1] != inside[1:])[0]
        cand = np.concatenate([grid[flips], grid[flips + 1]])
        return support_from_candidates(cand, lambda xx: self._pdf(xx) > thresh)


def ntk_spectrum(
    act: Any, n0_over_m: float, n1_over_m: float, sigma_w: float = 1.0, sigma_x: float = 1.0
) -> dict[str, Any]:
    """Limiting NTK law of a one-hidden-layer network on m Gaussian samples (module docstring).

    Returns ``law`` (a :class:`DeformedSilversteinLaw`), the constants used
    (``eta``, ``zeta``, ``b``, ``fprime_sq``, ``v``) and the CK law of layer 1.
    """
    from rmttheory.constants import derivative_moments, gaussian_constants

    if not (n0_over_m > 0 and n1_over_m > 0):
        raise ParameterError("width ratios n0/m and n1/m must be > 0")
    layers = propagate_spectrum(act, 1, [n0_over_m, n1_over_m], sigma_w, sigma_x)
    q0 = sigma_x**2
    c = gaussian_constants(act, sigma_w, sigma_x, digits=15)
    dm = derivative_moments(act, sigma_w, sigma_x, digits=15)
    sigma2 = sigma_w**2 * q0
    b, fsq = float(dm["fprime_mean"]), float(dm["fprime_sq"])
    tau, w = _nodes(layers[0]["law"])
    pop = (c.eta - c.zeta) + (c.zeta / q0) * tau
    v = sigma2 * (fsq - b * b) - (c.eta - c.zeta)
    law = DeformedSilversteinLaw(pop, w, 1 / n1_over_m, alpha=1.0, v=v)
    return {
        "law": law,
        "ck": layers[1]["law"],
        "eta": c.eta,
        "zeta": c.zeta,
        "b": b,
        "fprime_sq": fsq,
        "v": v,
    }
