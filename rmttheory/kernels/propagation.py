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

with :math:`\underline s\in\mathbb C^+` (the unique such solution), solved by
:class:`rmttheory.distributions.SilversteinLaw` with :math:`H_l` represented by
the atoms and Gauss–Legendre nodes of :math:`\mu_{l-1}`
(:func:`rmttheory.distributions.silverstein.population_nodes`).  :math:`\mu_0` is :math:`\sigma_x^2` times Marchenko–Pastur of ratio
:math:`m/n_0`.  Layer 1 reproduces the Pennington–Worah law (tests), and for
:math:`\zeta = 0` every layer is Marchenko–Pastur again: such activations
preserve the (normalized) spectrum of white data through any depth, while the
spectrum spreads layer after layer as :math:`\zeta/\eta` grows.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from rmttheory import _params
from rmttheory.constants import gaussian_constants
from rmttheory.distributions.base import SpectralDistribution
from rmttheory.distributions.marchenko_pastur import MarchenkoPastur
from rmttheory.distributions.silverstein import SilversteinLaw, population_nodes
from rmttheory.errors import ParameterError

__all__ = ["propagate_spectrum"]


def propagate_spectrum(
    act: Any,
    depth: int,
    width_ratios: float | Sequence[float],
    sigma_w: float = 1.0,
    sigma_x: float = 1.0,
    *,
    transform: Callable[[float, float], tuple[float, float]] | None = None,
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
    transform
        ``(eta, zeta) -> (eta', zeta')`` applied to every layer's constants (for
        the power analysis: a deliberately wrong theory); None: the constants.

    Returns
    -------
    list of dict
        One entry per layer with ``law`` (a :class:`SpectralDistribution`),
        ``q`` (its mean), ``eta``, ``zeta`` (constants used to build it; None at
        layer 0), ``gamma`` (= m/n_l).

    Examples
    --------
    >>> layers = propagate_spectrum("abs", 1, 1.0)  # zeta = 0 keeps the (scaled) MP law
    >>> law = layers[1]["law"]
    >>> round(law.moment(2) / law.mean() ** 2, 6)
    2.0
    """
    depth = _params.integer(depth, "depth", minimum=1)
    if np.isscalar(width_ratios):
        ratios = [_params.real(width_ratios, "width_ratios", positive=True)] * (depth + 1)
    else:
        ratios = [_params.real(r, "width_ratios", positive=True) for r in list(width_ratios)]  # type: ignore[arg-type]
    if len(ratios) != depth + 1:
        raise ParameterError("width_ratios needs depth + 1 finite positive values n_l/m")
    sw = _params.real(sigma_w, "sigma_w", positive=True)
    sx = _params.real(sigma_x, "sigma_x", positive=True)
    law: SpectralDistribution = MarchenkoPastur(1 / ratios[0], sx**2)
    out = [{"layer": 0, "law": law, "q": sx**2, "eta": None, "zeta": None, "gamma": 1 / ratios[0]}]
    q = sx**2
    for layer in range(1, depth + 1):
        c = gaussian_constants(act, sw, math.sqrt(q), digits=15)
        eta, zeta = (c.eta, c.zeta) if transform is None else transform(c.eta, c.zeta)
        tau, w = population_nodes(law)
        pop = (eta - zeta) + (zeta / q) * tau
        gamma = 1 / ratios[layer]
        law = SilversteinLaw(pop, w, gamma)
        q = eta
        out.append({"layer": layer, "law": law, "q": q, "eta": eta, "zeta": zeta, "gamma": gamma})
    return out
