r"""Memorization by random-feature ridge regression (Pennington & Worah 2017, section 5).

Setup: features :math:`Y = f(WX) \in \mathbb R^{n_1\times m}` (the Gram setup of
:mod:`rmttheory.equation`, :math:`f` centered), random targets
:math:`T\in\mathbb R^{d\times m}` with iid :math:`\mathcal N(0,1)` entries independent
of :math:`Y`, and the ridge estimator

.. math:: \hat B = \arg\min_B \tfrac1m\|T - BY\|_F^2 + \gamma\|B\|_F^2
          = TY^\top(YY^\top + m\gamma I)^{-1}.

The training loss per target dimension, :math:`E_{\rm train} = \frac{1}{dm}
\mathbb E\|T - \hat BY\|_F^2 = \frac{\gamma^2}{m}\operatorname{tr}(K+\gamma)^{-2}` with
:math:`K = Y^\top Y/m`, converges to

.. math:: E_{\rm train}(\gamma) = 1 - c + c\,\gamma^2\int\frac{d\mu(\lambda)}{(\lambda+\gamma)^2}
          = 1 - c - c\,\gamma^2\,G'(-\gamma),\qquad c = n_1/m = \phi/\psi,

where :math:`\mu` is the Pennington–Worah law of :math:`M = YY^\top/m` (atom
included) and :math:`G` its Stieltjes transform.  It decreases from 1 (at
:math:`\gamma=\infty`) to :math:`\max(0, 1-c)` (at :math:`\gamma = 0`: with more
features than samples, random labels are memorized exactly).
Sampled counterpart: :func:`rmttheory.validation.sampling.sampled_ridge_training_loss`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rmttheory import _params
from rmttheory.distributions import PenningtonWorah

__all__ = ["ridge_training_loss"]


def ridge_training_loss(law: PenningtonWorah | Any, gamma: Any) -> np.ndarray:
    """Asymptotic training loss of ridge regression on random labels.

    Parameters
    ----------
    law
        A :class:`~rmttheory.distributions.PenningtonWorah` law (or anything with
        ``phi``, ``psi`` and ``expect``).
    gamma
        Ridge parameter(s) :math:`\\gamma > 0` (scalar or array).

    Returns
    -------
    numpy.ndarray
        :math:`E_{\\rm train}(\\gamma)`, same shape as ``gamma``.

    Examples
    --------
    >>> from rmttheory.distributions import PenningtonWorah
    >>> law = PenningtonWorah(1.0, 0.5, 0.5, 1.0)  # c = n1/m = 1/2
    >>> round(float(ridge_training_loss(law, 1e-7)), 4)  # -> 1 - c as gamma -> 0
    0.5
    """
    g = _params.real_array(gamma, "gamma", allow_empty=False, finite=True, positive=True)
    c = law.phi / law.psi
    out = np.empty(g.shape)
    for idx, gv in np.ndenumerate(g):
        integral = law.expect(lambda x, gv=gv: 1.0 / (x + gv) ** 2)  # type: ignore[misc]
        out[idx] = 1.0 - c + c * gv * gv * integral
    return out if out.ndim else out[()]
