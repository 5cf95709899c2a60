r"""Conjugate-kernel and neural-tangent-kernel spectra of random networks.

The conjugate kernels of L layers are :func:`rmttheory.kernels.propagate_spectrum`.

**Neural tangent kernel, one hidden layer.** For
:math:`F(x) = a^\top f(Wx)/\sqrt{n_1}` with iid :math:`a_k` of :math:`\mathbb E a_k^2 = 1`
(the limit depends on them through that moment only) and
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

with :math:`\alpha = 1`, :math:`H` the law of :math:`\Phi`, :math:`\delta, G\in\mathbb C^+`:
the law :class:`rmttheory.distributions.SilversteinLaw` with ``alpha=1`` and shift
:math:`v` (the same solver gives the CK with :math:`\alpha = v = 0`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rmttheory import _params
from rmttheory.constants import derivative_moments, gaussian_constants
from rmttheory.distributions.silverstein import SilversteinLaw, population_nodes
from rmttheory.kernels.propagation import propagate_spectrum

__all__ = ["ntk_spectrum"]


def ntk_spectrum(
    act: Any,
    n0_over_m: float,
    n1_over_m: float,
    sigma_w: float = 1.0,
    sigma_x: float = 1.0,
    *,
    transform: Callable[[float, float], tuple[float, float]] | None = None,
) -> dict[str, Any]:
    """Limiting NTK law of a one-hidden-layer network on m Gaussian samples (module docstring).

    Parameters
    ----------
    act
        The activation (no jumps).
    n0_over_m, n1_over_m
        Input dimension and width over the number of samples.
    sigma_w, sigma_x
        Weight and data scales.
    transform
        ``(eta, zeta) -> (eta', zeta')`` applied to the constants (a deliberately
        wrong theory, for the power analysis); None: the constants.

    Returns
    -------
    dict
        ``law`` (a :class:`~rmttheory.distributions.SilversteinLaw`), the CK law
        of layer 1 (``ck``), and the constants used: ``eta``, ``zeta``, ``b``
        (:math:`\\mathbb E f'`), ``fprime_sq``, ``v``.

    Examples
    --------
    >>> r = ntk_spectrum("tanh", 1.0, 1.0)
    >>> round(r["law"].mean() - r["eta"] - r["fprime_sq"], 4)
    0.0
    """
    _params.real(n0_over_m, "n0_over_m", positive=True)
    _params.real(n1_over_m, "n1_over_m", positive=True)
    layers = propagate_spectrum(
        act, 1, [n0_over_m, n1_over_m], sigma_w, sigma_x, transform=transform
    )
    q0 = sigma_x**2
    c = gaussian_constants(act, sigma_w, sigma_x, digits=15)
    eta, zeta = (c.eta, c.zeta) if transform is None else transform(c.eta, c.zeta)
    dm = derivative_moments(act, sigma_w, sigma_x, digits=15)
    sigma2 = sigma_w**2 * q0
    b, fsq = float(dm["fprime_mean"]), float(dm["fprime_sq"])
    tau, w = population_nodes(layers[0]["law"])
    pop = (eta - zeta) + (zeta / q0) * tau
    v = sigma2 * (fsq - b * b) - (eta - zeta)
    law = SilversteinLaw(pop, w, 1 / n1_over_m, alpha=1.0, v=v)
    return {
        "law": law,
        "ck": layers[1]["law"],
        "eta": eta,
        "zeta": zeta,
        "b": b,
        "fprime_sq": fsq,
        "v": v,
    }
