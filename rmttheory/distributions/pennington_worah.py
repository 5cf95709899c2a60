r"""The Pennington–Worah limiting law of the random-feature Gram matrix.

Law of :math:`M = YY^\top/m` (:math:`n_1\times n_1`) for :math:`Y = f(WX)` with
:math:`f` centered, :math:`W_{ij}\sim\mathcal N(0,\sigma_w^2/n_0)`,
:math:`X_{ij}\sim\mathcal N(0,\sigma_x^2)`, :math:`\phi = n_0/m`,
:math:`\psi = n_0/n_1`, fixed by :math:`\eta = \operatorname{Var} f(\sigma z)` and
:math:`\zeta = (\sigma\mathbb E f'(\sigma z))^2`.

* atom at 0 of mass :math:`\max(0, 1-\psi/\phi)` (:math:`1 - \min(n_0, m)/n_1` when
  :math:`\eta=\zeta`);
* mean :math:`\eta`; :math:`\zeta = 0` gives ``MarchenkoPastur(phi/psi, eta)`` and
  :math:`\zeta=\eta` gives ``LinearNetwork(zeta, phi, psi)``;
* ``stieltjes(z)`` is :math:`G(z) = \mathbb E[1/(z-\lambda)]`, solved exactly by
  :class:`rmttheory.solver.PenningtonWorahSolver` (proven branch rule).

>>> from rmttheory.distributions import PenningtonWorah
>>> law = PenningtonWorah.from_activation("tanh", phi=0.5, psi=0.5)
>>> round(law.mean(), 10) == round(law.eta, 10)
True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rmttheory.distributions.base import SpectralDistribution
from rmttheory.solver import PenningtonWorahSolver

__all__ = ["PenningtonWorah"]


class PenningtonWorah(SpectralDistribution):
    """``PenningtonWorah(eta, zeta, phi, psi)``: see the module docstring."""

    def __init__(self, eta: float, zeta: float, phi: float, psi: float):
        self.solver = PenningtonWorahSolver(eta, zeta, phi, psi)
        self.eta, self.zeta = self.solver.eta, self.solver.zeta
        self.phi, self.psi = self.solver.phi, self.solver.psi
        self.constants: Any = None

    @classmethod
    def from_activation(
        cls, act: Any, phi: float, psi: float, sigma_w: float = 1.0, sigma_x: float = 1.0
    ) -> PenningtonWorah:
        """The law for an activation (its constants from :func:`rmttheory.gaussian_constants`;
        the mean of f is removed, see ``law.constants.mean`` for the spike it would create)."""
        from rmttheory.constants import gaussian_constants

        c = gaussian_constants(act, sigma_w, sigma_x)
        law = cls(c.eta, c.zeta, phi, psi)
        law.constants = c
        return law

    def __repr__(self) -> str:
        return (
            f"PenningtonWorah(eta={self.eta:.6g}, zeta={self.zeta:.6g}, "
            f"phi={self.phi:g}, psi={self.psi:g})"
        )

    def _pdf(self, x: np.ndarray) -> np.ndarray:
        return self.solver.density(x)

    def _support(self) -> list[tuple[float, float]]:
        return self.solver.support()

    def _atoms(self) -> dict[float, float]:
        return {0.0: self.solver.atom}

    def stieltjes(self, z: Any) -> np.ndarray:
        """Exact G(z) off the real axis (and at x + i0 inside the support)."""
        z = np.asarray(z, dtype=complex)
        if np.any(z.imag == 0):
            return super().stieltjes(z)
        return self.solver.stieltjes(z)

    def spike(self, n1: int) -> float:
        """First-order location of the outlier an uncentered f creates: mean^2 * n1 + eta."""
        if self.constants is None:
            return float("nan")
        return self.constants.mean**2 * n1 + self.eta
