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
part: no branch ambiguity.  Off the axis the physical root is the one with
:math:`G \approx 1/z` far away (the smallest :math:`|w|` at :math:`\operatorname{Im} z`
= 10 times the support's scale), continued down to the requested point
(:mod:`rmttheory._numerics.continuation`).  Atom at 0: :math:`1 - \min(n_0, m)/n_1`.

>>> law = LinearNetwork(1.0, 0.5, 0.5)
>>> round(law.mean(), 10)
1.0
"""

from __future__ import annotations

import numpy as np

from rmttheory import _params
from rmttheory._numerics.continuation import track_root
from rmttheory._numerics.polyroots import cubic_roots, polish
from rmttheory._numerics.support import support_from_candidates
from rmttheory.constants import FromConstants, GaussianConstants
from rmttheory.distributions.base import SpectralDistribution

__all__ = ["LinearNetwork"]


class LinearNetwork(FromConstants, SpectralDistribution):
    """Gram-matrix law of a linear layer (see the module docstring).

    Parameters
    ----------
    zeta
        Scale :math:`\\zeta > 0` (for a linear activation :math:`f(x) = ax`,
        :math:`\\zeta = \\eta = a^2\\sigma^2`).
    phi, psi
        :math:`\\phi = n_0/m`, :math:`\\psi = n_0/n_1`.
    constants
        The :class:`~rmttheory.constants.GaussianConstants` it was built from, if any.

    Examples
    --------
    >>> law = LinearNetwork(1.0, 2.0, 0.5)
    >>> round(law.atom_mass, 12)  # 1 - min(n0, m)/n1 = 1 - psi/phi
    0.75
    """

    def __init__(
        self, zeta: float, phi: float, psi: float, *, constants: GaussianConstants | None = None
    ):
        self.zeta = _params.real(zeta, "zeta", positive=True)
        self.phi = _params.real(phi, "phi", positive=True)
        self.psi = _params.real(psi, "psi", positive=True)
        self.constants = constants

    @classmethod
    def from_constants(cls, constants: GaussianConstants, phi: float, psi: float) -> LinearNetwork:
        """The law of the *linear part* of an activation: scale :math:`\\zeta` of ``constants``."""
        return cls(constants.zeta, phi, psi, constants=constants)

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

    def _stieltjes(self, z: np.ndarray) -> np.ndarray:
        z = np.asarray(z, dtype=complex)
        scale = self._support_cached[-1][1]
        top = 10.0 * scale
        start = z.real + 1j * np.maximum(z.imag, top)
        w0 = self._w_roots(start)
        w_start = w0[np.arange(z.size), np.argmin(np.abs(w0), axis=1)]
        w = w_start.copy()
        low = z.imag < top
        if low.any():
            w[low] = track_root(
                self._cubic,
                z.real[low],
                top,
                z.imag[low],
                w_start[low],
                scale=max(scale, float(np.max(np.abs(z.real[low])))),
            )
        return (1 + self.psi * w) / z

    def _atoms(self) -> dict[float, float]:
        return {0.0: max(0.0, 1.0 - min(self.psi, self.psi / self.phi))}

    def _support(self) -> list[tuple[float, float]]:
        # discriminant of the cubic is a cubic polynomial in z: fit it exactly on 4 points
        def disc(zv: float) -> float:
            a, b, c, d = self._cubic(np.array([zv], dtype=float))[0].real
            return float(
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
