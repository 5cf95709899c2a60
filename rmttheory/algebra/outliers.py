r"""Outliers and their eigenvectors: finite-rank perturbations of any numeric law.

Given the limiting eigenvalue law :math:`\mu` of a matrix :math:`A` (any law of the package,
or a numeric :class:`~rmttheory.algebra.AlgebraicLaw`) with Stieltjes transform
:math:`G(z) = E_\mu[1/(z - \lambda)]`, and spikes :math:`\theta_i` along unit vectors
:math:`v_i` in general position with respect to :math:`A` (orthogonally invariant
:math:`A`, or fixed :math:`v_i` and a random :math:`A`), :func:`outliers` returns, per
spike, the outlier's location, the squared cosine between its eigenvector and the spike,
and the threshold below which there is no outlier (Baik–Ben Arous–Péché 2005;
Benaych-Georges–Nadakuditi 2011, 2012).  Three models:

``"additive"``: :math:`A + \sum_i\theta_i v_iv_i^\top`.
    Outlier :math:`\rho` outside the support with :math:`G(\rho) = 1/\theta`; squared
    overlap :math:`-1/(\theta^2 G'(\rho))`; threshold :math:`1/G(E^+)` for θ > 0 (top
    edge E), :math:`1/G(a^-)` for θ < 0 (bottom edge a).  Spiked GOE (semicircle of
    variance 1): :math:`\rho = \theta + 1/\theta`, overlap :math:`1 - \theta^{-2}`, θ > 1.

``"covariance"``: :math:`\Sigma^{1/2}A\Sigma^{1/2}` with :math:`\Sigma = I + \sum_i\theta_i
v_iv_i^\top` (θ > −1), :math:`A \ge 0` (a white sample covariance, ``MarchenkoPastur``,
gives the spiked covariance model).  With :math:`T(z) = zG(z) - 1`:
:math:`T(\rho) = 1/\theta`; squared overlap of the outlier's eigenvector with
:math:`v` (derived in ``docs/edges.md``)

.. math::
    \frac{G(\rho)^2}{-(1+\theta)G'(\rho) - \theta G(\rho)^2};

threshold :math:`1/T(E^+)`.  For ``MarchenkoPastur(c)``: :math:`\rho = (1+\theta)(1 +
c/\theta)` and overlap :math:`(1 - c/\theta^2)/(1 + c/\theta)` above :math:`\sqrt c`
(Baik–Ben Arous–Péché; Paul 2007).

``"rectangular"``: :math:`X + \sum_i\theta_i u_iv_i^\top` with :math:`X` an n × m matrix,
``law`` the law of :math:`XX^\top` (n × n) and ``ratio`` :math:`c = n/m \le 1`.  With
:math:`\varphi(r) = rG(r^2)` and :math:`\tilde\varphi = c\varphi + (1-c)/r`, the
D-transform :math:`D = \varphi\tilde\varphi`: the outlying singular value :math:`r` solves
:math:`D(r) = 1/\theta^2`, ``location`` is the eigenvalue :math:`r^2` of
:math:`(X + P)(X + P)^\top`, and the overlaps are
:math:`-2\varphi(r)/(\theta^2D'(r))` with :math:`u` (``overlap``) and
:math:`-2\tilde\varphi(r)/(\theta^2D'(r))` with :math:`v` (``overlap_right``).  For Gaussian
:math:`X` (entries of variance 1/m): :math:`r^2 = (1+\theta^2)(c+\theta^2)/\theta^2`
above :math:`c^{1/4}`.

``"population"``: a sample covariance :math:`T^{1/2}ZZ^\top T^{1/2}/N` (p × p, ``ratio``
:math:`\gamma = p/N`) whose population :math:`T` has the bulk law ``law`` (:math:`H`) and
extra eigenvalues :math:`\ell_i` (the ``spikes``, population eigenvalues beyond the top
of :math:`H`; Baik–Silverstein 2006).  The outlier is
:math:`\psi(\ell) = \ell\big(1 + \gamma(\ell G_H(\ell) - 1)\big)` when
:math:`\psi'(\ell) > 0`, the threshold the largest :math:`\ell_c` with
:math:`\psi'(\ell_c) = 0`, and the squared overlap of its eigenvector with the
population spike's :math:`\ell\psi'(\ell)/\psi(\ell)`.  For a white population this is
the covariance model above with :math:`\ell = 1 + \theta`; it is the second stage of a
spike in the data of a random-features Gram matrix (``docs/edges.md``).

Outliers inside gaps of a law with several support components are not reported.  ``G``
comes from the law's own Stieltjes transform on the real axis, ``G'`` from a Cauchy
integral (:func:`rmttheory.distributions.edge.stieltjes_derivative`), the edge values
from :func:`rmttheory.distributions.edge.soft_edge`; the closed forms above are met to
1e-10 (``tests/test_outliers.py``).

Examples
--------
>>> from rmttheory.algebra import semicircle
>>> out = outliers(semicircle(1), [3.0, 0.5])
>>> round(out[0].location, 10), round(out[0].overlap, 10), out[1].location
(3.3333333333, 0.8888888889, None)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from rmttheory import _params
from rmttheory.distributions.edge import _law, soft_edge, stieltjes_derivative
from rmttheory.errors import ParameterError

__all__ = ["Outlier", "outliers", "MODELS"]

MODELS = ("additive", "covariance", "rectangular", "population")


@dataclass(frozen=True)
class Outlier:
    """One spike's outlier.

    Attributes
    ----------
    spike
        :math:`\\theta`.
    location
        The outlying eigenvalue (rectangular: the eigenvalue :math:`r^2` of
        :math:`(X+P)(X+P)^\\top`), or None below the threshold.
    overlap
        Squared cosine between the outlier's eigenvector and the spike's vector (left
        singular vector for ``"rectangular"``); 0 below the threshold.
    threshold
        The smallest :math:`|\\theta|` (with the spike's sign) that makes an outlier.
    overlap_right
        ``"rectangular"`` only: squared cosine of the right singular vectors.

    Examples
    --------
    >>> Outlier(3.0, 10 / 3, 8 / 9, 1.0).to_dict()["threshold"]
    1.0
    """

    spike: float
    location: float | None
    overlap: float
    threshold: float
    overlap_right: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return dict(self.__dict__)


def _solve(f: Any, edge: float, sign: float, f_edge: float, target: float) -> float:
    """The z beyond ``edge`` (in the direction ``sign``) with f(z) = target, for f monotone
    from f_edge at the edge to 0 at infinity: bracket in u, z = edge + sign u^2."""
    from scipy.optimize import brentq

    g = lambda u: f(edge + sign * u * u) - target if u > 0 else f_edge - target  # noqa: E731
    hi = max(1.0, math.sqrt(abs(edge)))
    while g(hi) * (f_edge - target) > 0:
        hi *= 2
        if hi > 1e8:
            raise ParameterError("no outlier location found (the spike is too large)")
    u = brentq(g, 0.0, hi, xtol=1e-15, rtol=1e-15, maxiter=200)
    return edge + sign * u * u


def outliers(
    law: Any, spikes: Any, model: str = "additive", *, ratio: float | None = None
) -> list[Outlier]:
    """Outlier locations, eigenvector overlaps and thresholds of spiked models (module
    docstring).

    Parameters
    ----------
    law
        The bulk law: of :math:`A` (``"additive"``, ``"covariance"``) or of
        :math:`XX^\\top` (``"rectangular"``); a law of :mod:`rmttheory.distributions` or a
        numeric :class:`~rmttheory.algebra.AlgebraicLaw`.
    spikes
        The :math:`\\theta_i` (one or a sequence; real, nonzero; > −1 for
        ``"covariance"``, > 0 for ``"rectangular"``).
    model
        ``"additive"``, ``"covariance"`` or ``"rectangular"``.
    ratio
        ``"rectangular"`` only: :math:`c = n/m \\in (0, 1]`.

    Returns
    -------
    list of Outlier
        One per spike, in the given order.

    Examples
    --------
    >>> from rmttheory.distributions import MarchenkoPastur
    >>> out = outliers(MarchenkoPastur(0.5), [2.0, 0.5], model="covariance")
    >>> round(out[0].location, 10), round(out[0].overlap, 10), round(out[1].threshold, 10)
    (3.75, 0.7, 0.7071067812)
    """
    model = _params.choice(model, "model", MODELS)
    law = _law(law)
    theta = np.atleast_1d(_params.real_array(spikes, "spikes", allow_empty=False, finite=True))
    if theta.ndim != 1:
        raise ParameterError("spikes must be a number or a flat sequence of numbers")
    if np.any(theta == 0):
        raise ParameterError("spikes must be nonzero")
    if model == "covariance" and np.any(theta <= -1):
        raise ParameterError("covariance spikes must be > -1 (the population I + θvv^T > 0)")
    c = 1.0  # n/m of the rectangular model, p/N of the population model
    if model in ("rectangular", "population"):
        if ratio is None:
            raise ParameterError(f"the {model} model needs its ratio (n/m or p/N)")
        c = _params.real(
            ratio, "ratio", positive=True, high=1.0 if model == "rectangular" else None
        )
        if np.any(theta < 0):
            raise ParameterError(f"{model} spikes must be > 0")
    elif ratio is not None:
        raise ParameterError("ratio applies to the rectangular and population models only")
    if model == "population":
        return _population(law, theta, c)
    G = lambda z: float(np.real(law.stieltjes(z)))  # noqa: E731
    dG = lambda z: float(stieltjes_derivative(law, z))  # noqa: E731
    out = []
    for t in theta.tolist():
        side = "right" if t > 0 else "left"
        edge = soft_edge(law, side)
        sign = 1.0 if t > 0 else -1.0
        if model == "additive":
            f, f_edge, target = G, edge.stieltjes, 1 / t
        elif model == "covariance":
            f = lambda z: z * G(z) - 1  # noqa: E731
            f_edge, target = edge.location * edge.stieltjes - 1, 1 / t
        else:
            if edge.location < 0:
                raise ParameterError("the rectangular model needs the law of XX^T (>= 0)")
            f = lambda r: _d_transform(G, r, c)  # noqa: E731
            f_edge = _d_edge(edge, c)
            target = 1 / t**2
        threshold = 1 / f_edge if model != "rectangular" else 1 / math.sqrt(f_edge)
        if abs(t) <= abs(threshold):
            out.append(Outlier(t, None, 0.0, threshold, 0.0 if model == "rectangular" else None))
            continue
        if model == "rectangular":
            r = _solve(f, math.sqrt(edge.location), 1.0, f_edge, target)
            phi = r * G(r * r)
            phit = c * phi + (1 - c) / r
            dphi = G(r * r) + 2 * r * r * dG(r * r)
            dD = dphi * phit + phi * (c * dphi - (1 - c) / r**2)
            out.append(Outlier(t, r * r, -2 * phi / (t * t * dD), threshold,
                               -2 * phit / (t * t * dD)))  # fmt: skip
            continue
        rho = _solve(f, edge.location, sign, f_edge, target)
        g, dg = G(rho), dG(rho)
        if model == "additive":
            overlap = -1 / (t * t * dg)
        else:
            overlap = g * g / (-(1 + t) * dg - t * g * g)
        out.append(Outlier(t, rho, overlap, threshold))
    return out


def _d_transform(G: Any, r: float, c: float) -> float:
    phi = r * G(r * r)
    return phi * (c * phi + (1 - c) / r)


def _d_edge(edge: Any, c: float) -> float:
    r = math.sqrt(edge.location)
    phi = r * edge.stieltjes
    return phi * (c * phi + (1 - c) / r)


def _population(law: Any, ells: np.ndarray, gamma: float) -> list[Outlier]:
    """The Baik–Silverstein outliers of a sample covariance whose population has the bulk
    ``law`` and the extra eigenvalues ``ells`` (module docstring)."""
    from scipy.optimize import brentq

    edge = soft_edge(law, "right")
    G = lambda z: float(np.real(law.stieltjes(z)))  # noqa: E731
    dG = lambda z: float(stieltjes_derivative(law, z))  # noqa: E731
    psi = lambda e: e * (1 + gamma * (e * G(e) - 1))  # noqa: E731
    dpsi = lambda e: 1 + gamma * (2 * e * G(e) + e * e * dG(e) - 1)  # noqa: E731
    # psi' -> -inf at a square-root edge (G' diverges) and -> 1 at infinity
    hi = edge.location + 1.0
    while dpsi(hi) <= 0:
        hi = 2 * hi - edge.location
    top = math.sqrt(hi - edge.location)
    f = lambda v: dpsi(edge.location + v * v)  # noqa: E731
    low = 1e-6 * top  # psi' ~ -c E^2 gamma/(2u) there: negative
    u = brentq(f, low, top, xtol=1e-15, rtol=1e-15) if f(low) < 0 else 0.0
    threshold = edge.location + u * u
    out = []
    for ell in ells.tolist():
        if ell <= threshold:
            out.append(Outlier(ell, None, 0.0, threshold))
            continue
        value = psi(ell)
        out.append(Outlier(ell, value, ell * dpsi(ell) / value, threshold))
    return out
