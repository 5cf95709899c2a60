r"""The Pennington–Worah limiting law of the random-feature Gram matrix.

Law of :math:`M = YY^\top/m` (:math:`n_1\times n_1`) for :math:`Y = f(WX)` with
:math:`f` centered, :math:`W_{ij}\sim\mathcal N(0,\sigma_w^2/n_0)`,
:math:`X_{ij}\sim\mathcal N(0,\sigma_x^2)`, :math:`\phi = n_0/m`,
:math:`\psi = n_0/n_1`, fixed by :math:`\eta = \operatorname{Var} f(\sigma z)` and
:math:`\zeta = (\sigma\mathbb E f'(\sigma z))^2`.

* atom at 0 of mass :math:`\max(0, 1-\psi/\phi)` (:math:`1 - \min(n_0, m)/n_1` when
  :math:`\eta=\zeta`);
* mean :math:`\eta`; :math:`\zeta = 0` *is* ``MarchenkoPastur(phi/psi, eta)`` (every
  method delegates to it) and :math:`\zeta=\eta` gives ``LinearNetwork(zeta, phi, psi)``;
* ``stieltjes(z)`` is :math:`G(z) = \mathbb E[1/(z-\lambda)]`, solved by
  :class:`rmttheory.solver.PenningtonWorahSolver` (proven branch rule, continued
  to the real axis).

>>> law = PenningtonWorah.from_activation("tanh", 0.5, 0.5)
>>> round(law.mean(), 10) == round(law.eta, 10)
True
"""

from __future__ import annotations

import numpy as np

from rmttheory import _params
from rmttheory.constants import FromConstants, GaussianConstants
from rmttheory.distributions.base import SpectralDistribution
from rmttheory.distributions.marchenko_pastur import MarchenkoPastur
from rmttheory.errors import ParameterError
from rmttheory.solver import PenningtonWorahSolver

__all__ = ["PenningtonWorah"]


class PenningtonWorah(FromConstants, SpectralDistribution):
    """The Gram-matrix law of random features (see the module docstring).

    Parameters
    ----------
    eta, zeta
        Activation constants, :math:`\\eta > 0`, :math:`0 \\le \\zeta \\le \\eta`.
    phi, psi
        :math:`\\phi = n_0/m`, :math:`\\psi = n_0/n_1`.
    constants
        The :class:`~rmttheory.constants.GaussianConstants` they come from, if
        any (``from_constants``/``from_activation`` set it); needed by :meth:`spike`.

    Examples
    --------
    >>> law = PenningtonWorah(1.0, 0.5, 0.5, 2.0)
    >>> round(law.mean(), 10), round(law.moment(2), 10)  # eta; eta^2 (1 + phi/psi) + zeta^2/psi
    (1.0, 1.375)
    """

    def __init__(
        self,
        eta: float,
        zeta: float,
        phi: float,
        psi: float,
        *,
        constants: GaussianConstants | None = None,
    ):
        self.solver = PenningtonWorahSolver(eta, zeta, phi, psi)
        self.eta, self.zeta = self.solver.eta, self.solver.zeta
        self.phi, self.psi = self.solver.phi, self.solver.psi
        self.constants = constants
        self._mp = MarchenkoPastur(self.phi / self.psi, self.eta) if self.zeta == 0 else None

    @classmethod
    def from_constants(
        cls, constants: GaussianConstants, phi: float, psi: float
    ) -> PenningtonWorah:
        """The law for computed constants (the mean of f is removed; see :meth:`spike`)."""
        return cls(constants.eta, constants.zeta, phi, psi, constants=constants)

    def __repr__(self) -> str:
        return (
            f"PenningtonWorah(eta={self.eta:.6g}, zeta={self.zeta:.6g}, "
            f"phi={self.phi:g}, psi={self.psi:g})"
        )

    def _pdf(self, x: np.ndarray) -> np.ndarray:
        return self._mp._pdf(x) if self._mp else self.solver.density(x)

    def _support(self) -> list[tuple[float, float]]:
        return self._mp._support() if self._mp else self.solver.support()

    def _atoms(self) -> dict[float, float]:
        return {0.0: self.solver.atom}

    def _cdf(self, x: np.ndarray) -> np.ndarray | None:
        return self._mp._cdf(x) if self._mp else None

    def _moment(self, k: int) -> float | None:
        return self._mp._moment(k) if self._mp else None

    def _stieltjes(self, z: np.ndarray) -> np.ndarray:
        if self._mp:
            return self._mp._stieltjes(z)
        z = np.asarray(z, dtype=complex)
        out = np.empty(z.shape, dtype=complex)
        # near 0 outside the support the companion map loses digits (1/z terms):
        # there G is analytic and the quadrature of the law is accurate
        lo = self._support_cached[0][0]
        small = (np.abs(z) < 1e-3 * lo) & (self.atom_mass == 0)
        if self._edge_gap:  # a near-hard edge: in its gap the solver is off (1e-5 at d = 1e-3)
            small = np.abs(z) <= lo
        out[small] = self._stieltjes_quadrature(z[small])
        out[~small] = self.solver.stieltjes(z[~small])
        return out

    def spike(self, n1: int) -> float:
        """First-order location of the outlier an uncentered f creates: mean² · n1 + η.

        Raises
        ------
        ParameterError
            If the law was built from numbers, without the activation's mean.
        """
        n1 = _params.integer(n1, "n1", minimum=1)
        if self.constants is None:
            raise ParameterError(
                "spike() needs the activation's mean: build the law with "
                "PenningtonWorah.from_activation or from_constants"
            )
        return self.constants.mean**2 * n1 + self.eta
