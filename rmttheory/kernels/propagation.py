r"""Propagation of the data spectrum through random layers (Pennington & Worah 2017, sec. 6).

Network: :math:`X_0\in\mathbb R^{n_0\times m}` with iid :math:`\mathcal N(0,\sigma_x^2)`
entries, :math:`X_l = f(W_l X_{l-1}) - \mathbb E f` with
:math:`W_l\in\mathbb R^{n_l\times n_{l-1}}` iid :math:`\mathcal N(0,\sigma_w^2/n_{l-1})`.
The object is the :math:`m\times m` kernel (conjugate kernel, data Gram matrix)

.. math:: K_l = X_l^\top X_l / n_l, \qquad \gamma_l = m/n_l .

**Theory (Gaussian equivalence in sample space).**  Given :math:`X_{l-1}`, the rows
of :math:`X_l` are iid with covariance (across samples)
:math:`\Phi_l = (\eta_l-\zeta_l) I + (\zeta_l/q_{l-1}) K_{l-1}`, where
:math:`q_{l-1}` is the mean of :math:`K_{l-1}`'s law (the pre-activation variance
is :math:`\sigma_l^2 = \sigma_w^2 q_{l-1}`) and :math:`\eta_l,\zeta_l` are the
constants of :math:`f` at :math:`\sigma_l`.  Hence the law :math:`\mu_l` of
:math:`K_l` is the Marchenko–Pastur–Silverstein map of ratio :math:`\gamma_l`
applied to the population :math:`(\eta_l-\zeta_l) + (\zeta_l/q_{l-1})\mu_{l-1}`:
with :math:`\underline s` the transform of the :math:`n_l\times n_l` companion,

.. math:: z = -\frac{1}{\underline s} + \gamma_l\int\frac{\tau\,dH_l(\tau)}{1+\tau\underline s},
          \qquad \rho_l(x) = \frac{\operatorname{Im}\underline s(x+i0)}{\gamma_l\pi},

with :math:`\underline s\in\mathbb C^+` (the unique such solution).  It is solved
by Newton continuation from :math:`\operatorname{Im} z` large down to
:math:`10^{-10}` of the scale, with :math:`H_l` represented by 600 equal-mass
quantile nodes of :math:`\mu_{l-1}` plus its atoms.  Accuracy: ~1e-8 relative for
a point population (against Marchenko–Pastur), ~1e-4 on moments after one layer
(against the Pennington–Worah quartic), limited by the 600-node population.  :math:`\mu_0` is :math:`\sigma_x^2` times Marchenko–Pastur of ratio
:math:`m/n_0`.  Layer 1 reproduces the Pennington–Worah law (tests), and for
:math:`\zeta = 0` every layer is Marchenko–Pastur again: such activations
preserve the (normalized) spectrum of white data through any depth, while the
spectrum spreads layer after layer as :math:`\zeta/\eta` grows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from rmttheory.distributions.base import SpectralDistribution, support_from_candidates
from rmttheory.distributions.marchenko_pastur import MarchenkoPastur
from rmttheory.errors import ConvergenceError, ParameterError

__all__ = ["SilversteinLaw", "propagate_spectrum"]


class SilversteinLaw(SpectralDistribution):
    """Law of a sample covariance with ratio ``gamma`` = dimension/samples and a
    population given by nodes ``tau`` with weights ``w`` (sum to 1)."""

    #: this law is computed at Im z = 1e-10 scale from a discretized population
    MASS_TOL = 1e-5

    def __init__(self, tau: np.ndarray, w: np.ndarray, gamma: float):
        tau, w = np.asarray(tau, float), np.asarray(w, float)
        if not (math.isfinite(gamma) and gamma > 0):
            raise ParameterError(f"gamma must be finite and > 0, got {gamma!r}")
        if np.any(tau < 0) or np.any(w < 0) or not math.isclose(w.sum(), 1.0, rel_tol=1e-6):
            raise ParameterError("population nodes must be >= 0 with weights summing to 1")
        self.tau, self.w, self.gamma = tau, w / w.sum(), float(gamma)
        self.pop_mean = float(np.sum(self.w * self.tau))
        self.scale = float(max(self.tau.max(), 1e-300)) * (1 + math.sqrt(self.gamma)) ** 2

    def __repr__(self) -> str:
        return f"SilversteinLaw(gamma={self.gamma:g}, population mean={self.pop_mean:.6g})"

    def _sbar(self, x: np.ndarray) -> np.ndarray:
        """Companion transform at x + i0 by Newton continuation in Im z."""
        g, tau, w = self.gamma, self.tau[None, :], self.w[None, :]
        x = np.asarray(x, float)
        eps_seq = self.scale * np.logspace(1, -10, 34)
        z = x + 1j * eps_seq[0]
        s = -1.0 / z
        for eps in eps_seq:
            z = x + 1j * eps
            for _ in range(8):
                d = 1 + tau * s[:, None]
                F = -1 / s + g * np.sum(w * tau / d, axis=1) - z
                dF = 1 / s**2 - g * np.sum(w * tau**2 / d**2, axis=1)
                step = F / dF
                new = s - step
                # stay in the upper half plane (where the solution is unique)
                bad = new.imag < 0
                new = np.where(bad, s.real - step.real + 0.5j * s.imag, new)
                s = new
                if np.all(np.abs(step) <= 1e-14 * np.abs(s)):
                    break
        return s

    def _pdf(self, x: np.ndarray) -> np.ndarray:
        s = self._sbar(x)
        # s_bar = gamma s_K - (1 - gamma)/z: for gamma < 1 the companion's atom at 0
        # (mass 1 - gamma) is not part of K's law; remove its Lorentzian at the final Im z
        im = s.imag
        if self.gamma < 1:
            eps = self.scale * 1e-10
            im = im - (1 - self.gamma) * eps / (np.asarray(x, float) ** 2 + eps**2)
        return np.maximum(im, 0.0) / (self.gamma * np.pi)

    def _atoms(self) -> dict[float, float]:
        zero = float(self.w[self.tau == 0].sum())
        return {0.0: max(0.0, 1 - 1 / self.gamma, zero)}

    def _support(self) -> list[tuple[float, float]]:
        grid = np.linspace(0, self.scale * 1.05, 1201)[1:]
        dens = self._pdf(grid)
        # continuation leaves Im residues ~1e-8 of the peak outside the support; a
        # 1e-6 threshold moves a square-root edge by only ~1e-12 relative
        thresh = 1e-6 * dens.max()
        inside = dens > thresh
        flips = np.nonzero(inside[:-1] != inside[1:])[0]
        cand = np.concatenate([grid[flips], grid[flips + 1]])
        if not inside.any():
            raise ConvergenceError("empty support: the population is degenerate")

        def is_inside(xx: np.ndarray) -> np.ndarray:
            return self._pdf(xx) > thresh

        return support_from_candidates(cand, is_inside)


def _nodes(law: SpectralDistribution, k: int = 600) -> tuple[np.ndarray, np.ndarray]:
    """The law as k equal-mass quantile nodes of its continuous part plus its atoms."""
    atoms = law.atoms()
    cont = 1.0 - sum(atoms.values())
    levels = atoms.get(0.0, 0.0) + cont * (np.arange(k) + 0.5) / k  # skip the atom at 0
    x = law.ppf(np.clip(levels, 0.0, 1.0))
    w = np.full(k, cont / k)
    for loc, mass in atoms.items():
        x = np.append(x, loc)
        w = np.append(w, mass)
    return x, w / w.sum()


def propagate_spectrum(
    act: Any,
    depth: int,
    width_ratios: float | Sequence[float],
    sigma_w: float = 1.0,
    sigma_x: float = 1.0,
) -> list[dict[str, Any]]:
    """Laws of the kernels :math:`K_0, \\dots, K_L` (see the module docstring).

    Parameters
    ----------
    act
        Activation (anything :func:`rmttheory.activation` accepts).
    depth
        Number of layers :math:`L \\ge 1`.
    width_ratios
        :math:`n_l/m` for :math:`l = 0..L` (a scalar: the same for all layers).
    sigma_w, sigma_x
        Weight and data scales.

    Returns
    -------
    list of dict
        One entry per layer with ``law`` (a :class:`SpectralDistribution`),
        ``q`` (its mean), ``eta``, ``zeta`` (constants used to build it; None at
        layer 0), ``gamma`` (= m/n_l).
    """
    from rmttheory.constants import check_sigma, gaussian_constants

    if not (isinstance(depth, int) and depth >= 1):
        raise ParameterError(f"depth must be a positive integer, got {depth!r}")
    ratios = (
        [float(width_ratios)] * (depth + 1)
        if np.isscalar(width_ratios)
        else list(map(float, width_ratios))
    )
    if len(ratios) != depth + 1 or any(not (math.isfinite(r) and r > 0) for r in ratios):
        raise ParameterError("width_ratios needs depth + 1 finite positive values n_l/m")
    sw, sx = check_sigma(sigma_w, "sigma_w"), check_sigma(sigma_x, "sigma_x")
    law: SpectralDistribution = MarchenkoPastur(1 / ratios[0], sx**2)
    out = [{"layer": 0, "law": law, "q": sx**2, "eta": None, "zeta": None, "gamma": 1 / ratios[0]}]
    q = sx**2
    for layer in range(1, depth + 1):
        c = gaussian_constants(act, sw, math.sqrt(q), digits=15)
        tau, w = _nodes(law)
        pop = (c.eta - c.zeta) + (c.zeta / q) * tau
        gamma = 1 / ratios[layer]
        law = SilversteinLaw(pop, w, gamma)
        q = c.eta
        out.append(
            {"layer": layer, "law": law, "q": q, "eta": c.eta, "zeta": c.zeta, "gamma": gamma}
        )
    return out
