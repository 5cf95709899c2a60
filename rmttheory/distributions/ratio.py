r"""Laws of the adjacent-gap ratio :math:`\tilde r = \min(r, 1/r)` of a spectrum.

For sorted eigenvalues with spacings :math:`s_n = \lambda_{n+1}-\lambda_n`,
:math:`r_n = s_n/s_{n-1}` (Oganesyan–Huse; Atas, Bogomolny, Giraud, Roux,
PRL 110, 084101, 2013).  The 3×3 surmise

.. math:: P_\beta(r) = \frac{(r+r^2)^\beta}{Z_\beta\,(1+r+r^2)^{1+3\beta/2}},\qquad
          Z_1 = \tfrac{8}{27},\ Z_2 = \tfrac{4\pi}{81\sqrt3},\ Z_4 = \tfrac{4\pi}{729\sqrt3},

for GOE/GUE/GSE (:math:`\beta = 1, 2, 4`) and Poisson :math:`P(r) = 1/(1+r)^2`;
:math:`\tilde r` has density :math:`2P(\tilde r)` on :math:`[0, 1]`.  Large-N means
:math:`\langle\tilde r\rangle` (:data:`MEAN_R_TILDE`): Poisson :math:`2\ln 2 - 1`,
GOE 0.5307, GUE 0.5996, GSE 0.6744; the surmise's own means differ slightly
(GOE :math:`4 - 2\sqrt3`).

Examples
--------
>>> law = RatioLaw("goe")
>>> round(law.mean(), 10) == round(4 - 2 * 3**0.5, 10)
True
"""

from __future__ import annotations

import math

import numpy as np

from rmttheory import _params
from rmttheory.distributions.base import SpectralDistribution

__all__ = ["RatioLaw", "MEAN_R_TILDE", "ENSEMBLES"]

#: Large-N mean of r~ (Atas, Bogomolny, Giraud, Roux 2013).
MEAN_R_TILDE = {"poisson": 2 * math.log(2) - 1, "goe": 0.5307, "gue": 0.5996, "gse": 0.6744}
#: Dyson index of each Gaussian ensemble.
ENSEMBLES = {"goe": 1, "gue": 2, "gse": 4}
_Z = {1: 8 / 27, 2: 4 * math.pi / (81 * math.sqrt(3)), 4: 4 * math.pi / (729 * math.sqrt(3))}


class RatioLaw(SpectralDistribution):
    """Law of :math:`\\tilde r` on [0, 1] for ``ensemble`` in goe, gue, gse (surmise) or poisson.

    Parameters
    ----------
    ensemble
        ``"goe"``, ``"gue"``, ``"gse"`` or ``"poisson"``.

    Attributes
    ----------
    mean_large_n
        The large-N mean of Atas et al. (the surmise's mean differs by < 0.006).

    Examples
    --------
    >>> RatioLaw("poisson").mean_large_n == 2 * math.log(2) - 1
    True
    """

    SINGULAR_AT_LOWER = False

    def __init__(self, ensemble: str):
        self.ensemble = _params.choice(ensemble, "ensemble", tuple(MEAN_R_TILDE))
        self.mean_large_n = MEAN_R_TILDE[self.ensemble]

    def __repr__(self) -> str:
        return f"RatioLaw({self.ensemble!r})"

    def _pdf(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, float)
        if self.ensemble == "poisson":
            return 2 / (1 + x) ** 2
        b = ENSEMBLES[self.ensemble]
        return 2 * (x + x * x) ** b / (_Z[b] * (1 + x + x * x) ** (1 + 1.5 * b))

    def _support(self) -> list[tuple[float, float]]:
        return [(0.0, 1.0)]
