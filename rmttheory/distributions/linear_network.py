r"""The limiting law of a linear network's Gram matrix (a product of two Wisharts).

Law of :math:`M = \zeta\, WXX^\top W^\top/m` (:math:`n_1\times n_1`) with
:math:`W\in\mathbb R^{n_1\times n_0}` iid :math:`\mathcal N(0, 1/n_0)`,
:math:`X\in\mathbb R^{n_0\times m}` iid :math:`\mathcal N(0,1)`,
:math:`\phi = n_0/m`, :math:`\psi = n_0/n_1`.  It is the Pennington–Worah law with
:math:`\eta = \zeta`, derived here independently by free multiplicative
convolution: on the :math:`n_0`-dimensional side, :math:`S(w) =
\psi/(\zeta(1+\phi w)(1+\psi w))`; with :math:`w = (zG - 1)/\psi`, the
Stieltjes transform solves the cubic

.. math::

    \zeta\phi\psi\, w^3 + \zeta(\phi + \psi + \phi\psi)\, w^2
    + (\zeta(1 + \phi + \psi) - z\psi)\, w + \zeta = 0,\qquad G = (1 + \psi w)/z .

A real cubic has at most one complex-conjugate pair, so on the real axis the
density is :math:`-\operatorname{Im} G/\pi` of the root with negative imaginary
part: no branch ambiguity.  Atom at 0: :math:`1 - \min(n_0, m)/n_1`.
Off the real axis the cubic's roots are not paired, so :meth:`stieltjes` uses the
generic quadrature of the density (exact to ~1e-12 away from the support).
"""

from __future__ import annotations

import math

import numpy as np

from rmttheory._numerics.polyroots import cubic_roots, polish
from rmttheory.distributions.base import SpectralDistribution, support_from_candidates
from rmttheory.errors import ParameterError

__all__ = ["LinearNetwork"]


class LinearNetwork(SpectralDistribution):
    """Gram-matrix law of a linear layer, ``LinearNetwork(zeta, phi, psi)``."""

    def __init__(self, zeta: float, phi: float, psi: float):
        for name, v in (("zeta", zeta), ("phi", phi), ("psi", psi)):
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
                raise ParameterError(f"{name} must be finite and > 0, got {v!r}")
        self.zeta, self.phi, self.psi = float(zeta), float(phi), float(psi)

    def __repr__(self) -> str:
        return f"LinearNetwork(zeta={self.zeta:g}, phi={self.phi:g}, psi={self.psi:g})"

    def _cubic(self, z: np.ndarray) -> np.ndarray:
        ze, ph, ps = self.zeta, self.phi, self.psi
        z = np.asarray(z, dtype=complex)
        one = np.ones_like(z)
        return np.stack(
            [
                ze * ph * ps * one,
                ze * (ph + ps + ph * ps) * one,
                ze * (1 + ph + ps) - z * ps,
                ze * one,
            ],
            axis=-1,
        )

    def _w_roots(self, z: np.ndarray) -> np.ndarray:
        co = self._cubic(z)
        r = cubic_roots(co[:, 1] / co[:, 0], co[:, 2] / co[:, 0], co[:, 3] / co[:, 0])
        r, _ = polish(co, r, steps=2)
        return r

    def _pdf(self, x: np.ndarray) -> np.ndarray:
        w = self._w_roots(np.asarray(x, dtype=float))
        im = np.min(w.imag, axis=1)  # the root with negative imaginary part, if any
        tol = 1e-12 * np.max(np.abs(w), axis=1)
        dens = -self.psi * im / (np.pi * x)
        return np.where(im < -tol, dens, 0.0)

    def _atoms(self) -> dict[float, float]:
        return {0.0: max(0.0, 1.0 - min(self.psi, self.psi / self.phi))}

    def _support(self) -> list[tuple[float, float]]:
        # discriminant of the cubic is a cubic polynomial in z: fit it exactly on 4 points
        def disc(zv):
            a, b, c, d = self._cubic(np.array([zv], dtype=float))[0].real
            return (
                18 * a * b * c * d
                - 4 * b**3 * d
                + b * b * c * c
                - 4 * a * c**3
                - 27 * a * a * d * d
            )

        scale = self.zeta * (1 + self.phi) * (1 + 1 / self.psi)
        zs = scale * np.array([0.0, 1.0, 2.0, 3.0])
        co = np.polyfit(zs / scale, [disc(v) for v in zs], 3)
        roots = np.roots(co) * scale
        cand = roots[np.abs(roots.imag) <= 1e-6 * np.abs(roots)].real
        return support_from_candidates(cand, lambda x: self._pdf(x) > 0)
