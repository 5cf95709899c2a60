r"""Soft edges of limiting laws and the Tracy–Widom scaling of extreme eigenvalues.

**Soft edge.**  A law has a square-root soft edge at the top :math:`E` of its support when

.. math::
    \rho(x) = \frac{c}{\pi}\sqrt{E - x}\,\big(1 + O(E - x)\big),\qquad x \uparrow E,

equivalently, on the real axis right of the edge, :math:`G(E + u^2) = G(E) - c\,u + O(u^2)`
(:math:`G(z) = E[1/(z-\lambda)]`, the package's sign).  :func:`soft_edge` reads
:math:`E` from the law's support and :math:`c` and :math:`G(E^+)` from the law's own
Stieltjes transform: :math:`G(E + u^2)` is analytic in :math:`u` at 0, so a polynomial
interpolant in :math:`u` on Chebyshev points of :math:`(0, h]` (:math:`h^2` = 1/400 of
the component's width; each :math:`u` recomputed from the rounded :math:`z`) gives
:math:`G(E^\pm)` to ~1e-12 and :math:`c` to ~1e-11 for closed-form laws, ~1e-9 for laws
solved by root tracking near their edges (``tests/test_edge.py``).  The bottom edge is the mirror image
(:math:`G(E - u^2) = G(E) + c\,u + \dots`).  A hard edge, an atom at the edge or an edge
where the density does not vanish like a square root is refused.

**Tracy–Widom scaling** (:func:`edge_scaling`).  For an n × n matrix whose eigenvalue law
has such an edge, the largest eigenvalue is

.. math::
    \lambda_{\max} \approx E + (c\,n)^{-2/3}\,\mathrm{TW}_\beta,

the β = 1 law for real symmetric matrices (Wigner or Wishart type), β = 2 for complex
Hermitian ones (edge universality).  For the semicircle on [−2, 2], c = 1 and the scale is
:math:`n^{-2/3}`; for ``MarchenkoPastur(p/n)`` it is Johnstone's (2001)
:math:`\sigma = (\sqrt n + \sqrt p)(1/\sqrt n + 1/\sqrt p)^{1/3}/n` and centring
:math:`(1 + \sqrt{p/n})^2` (``tests/test_edge.py`` checks both to 1e-10).  The smallest
eigenvalue at a soft bottom edge :math:`a` is :math:`a - (cn)^{-2/3}\mathrm{TW}_\beta`.

**Finite n.**  The limit-law centring leaves an :math:`O(n^{-1/3})` bias in standardized
units for β = 1 (measured at n = 1000: mean 0.03 TW units low for GOE).  For the classical
ensembles the bias is removed by finite-n centrings with :math:`n' = n + 1/2 - 1/\beta`
(:func:`hermite_edge`: GOE with n − ½ as in Johnstone–Ma, GUE with n, β = 4 with n + ¼,
measured; :func:`laguerre_edge`: real Wishart with n − ½ and m − ½ as in Ma 2012,
complex Wishart with n and m as in El Karoui 2006), which the report's TW checks use;
for other laws (random-feature Gram matrices, derived laws) no such
correction is known, and the report measures what remains.

Examples
--------
>>> from rmttheory.distributions import MarchenkoPastur
>>> edge = soft_edge(MarchenkoPastur(0.5))  # c = ratio^(-3/4) / (1 + sqrt(ratio))^2
>>> round(edge.location, 12), round(edge.constant, 9), round(0.5**-0.75 / edge.location, 9)
(2.914213562373, 0.577100063, 0.577100063)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from rmttheory import _params
from rmttheory.errors import ParameterError

__all__ = [
    "SoftEdge",
    "EdgeScaling",
    "soft_edge",
    "edge_scaling",
    "hermite_edge",
    "laguerre_edge",
    "stieltjes_derivative",
]

#: degree of the fit of G(E + u^2) in u, and its number of Chebyshev points
_DEGREE = 10
_POINTS = 11
#: h^2 as a fraction of the component's width
_REACH = 1 / 400


@dataclass(frozen=True)
class SoftEdge:
    """A square-root soft edge of a law.

    Attributes
    ----------
    location
        The edge :math:`E`.
    constant
        :math:`c` in :math:`\\rho(x) \\approx (c/\\pi)\\sqrt{|E - x|}`.
    stieltjes
        :math:`G(E^\\pm)`, the Stieltjes transform at the edge from outside the support.
    side
        ``"right"`` (top of the support) or ``"left"`` (bottom).

    Examples
    --------
    >>> SoftEdge(2.0, 1.0, 1.0, "right").constant  # the semicircle's top edge
    1.0
    """

    location: float
    constant: float
    stieltjes: float
    side: str


@dataclass(frozen=True)
class EdgeScaling:
    """Centring and scale of an extreme eigenvalue: :math:`\\lambda \\approx` ``location``
    ± ``scale`` · TW_β (+ at the top edge, − at the bottom).

    Attributes
    ----------
    location, scale
        :math:`E` and :math:`(cn)^{-2/3}` (or a finite-n refinement).
    beta
        1 (real symmetric), 2 (complex Hermitian) or 4.
    n
        Matrix dimension.
    side
        ``"right"`` (largest eigenvalue) or ``"left"`` (smallest).
    source
        How it was obtained (``"limit law"``, ``"GOE, n - 1/2"``, ...).

    Examples
    --------
    >>> s = hermite_edge(1000, 2)
    >>> float(s.standardize(2.0)), round(s.scale * 1000 ** (2 / 3), 12)
    (0.0, 1.0)
    """

    location: float
    scale: float
    beta: int
    n: int
    side: str = "right"
    source: str = "limit law"

    def standardize(self, x: Any) -> np.ndarray:
        """:math:`(x - E)/\\sigma` at the top edge, :math:`(E - x)/\\sigma` at the bottom: the
        variable that follows TW_β."""
        x = _params.real_array(x, "x")
        sign = 1.0 if self.side == "right" else -1.0
        return sign * (x - self.location) / self.scale

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return dict(self.__dict__)


def _law(law: Any) -> Any:
    from rmttheory.distributions.base import SpectralDistribution

    if hasattr(law, "distribution") and not isinstance(law, SpectralDistribution):
        law = law.distribution()  # an AlgebraicLaw
    if not isinstance(law, SpectralDistribution):
        raise ParameterError(
            f"law must be a law of rmttheory.distributions or an AlgebraicLaw, got {type(law)}"
        )
    return law


def stieltjes_derivative(law: Any, x: Any, points: int = 48) -> np.ndarray:
    """:math:`G'(x)` at real points outside the support, by the Cauchy integral on a circle.

    :math:`G'(x) = \\frac{1}{2\\pi i}\\oint G(z)(z - x)^{-2}dz` on the circle of radius
    r = (distance to the spectrum)/2, by the trapezoid rule on ``points`` nodes: the error
    falls like :math:`2^{-\\text{points}}` (spectral accuracy of periodic integrands).

    Parameters
    ----------
    law
        A law of the package (or an ``AlgebraicLaw``).
    x
        Real points outside the support and away from atoms.
    points
        Nodes on the circle.

    Returns
    -------
    numpy.ndarray
        :math:`G'(x) = -E[(x - \\lambda)^{-2}] < 0`.

    Examples
    --------
    >>> from rmttheory.distributions import MarchenkoPastur
    >>> law = MarchenkoPastur(0.5)
    >>> h = 1e-5
    >>> fd = (law.stieltjes(4.0 + h) - law.stieltjes(4.0 - h)) / (2 * h)
    >>> bool(abs(stieltjes_derivative(law, 4.0) - fd) < 1e-8)
    True
    """
    law = _law(law)
    x = _params.real_array(x, "x", finite=True)
    flat = x.reshape(-1)
    spectrum = [v for iv in law.support() for v in iv] + list(law.atoms())
    dist = np.array([_distance(law, v) for v in flat])
    if np.any(dist <= 0) or not spectrum:
        raise ParameterError("G' is taken outside the support and away from atoms")
    r = dist / 2
    theta = 2 * np.pi * (np.arange(points) + 0.5) / points
    z = flat[:, None] + r[:, None] * np.exp(1j * theta)[None, :]
    g = law.stieltjes(z)
    out = np.real(np.sum(g * np.exp(-1j * theta)[None, :], axis=1) / (points * r))
    return out.reshape(x.shape)


def _distance(law: Any, x: float) -> float:
    """Distance from x to the support and atoms (0 inside)."""
    d = math.inf
    for lo, hi in law.support():
        if lo <= x <= hi:
            return 0.0
        d = min(d, abs(x - lo), abs(x - hi))
    for loc in law.atoms():
        d = min(d, abs(x - loc))
    return d


def soft_edge(law: Any, side: str = "right") -> SoftEdge:
    """The square-root soft edge at the top (``side="right"``) or bottom of a law's support.

    Parameters
    ----------
    law
        A law of :mod:`rmttheory.distributions` or an ``AlgebraicLaw``.
    side
        ``"right"`` or ``"left"``.

    Returns
    -------
    SoftEdge

    Raises
    ------
    ParameterError
        When the edge is not a square-root soft edge (a hard edge, an atom beyond or at
        the edge, a density that does not vanish like a square root).

    Examples
    --------
    >>> from rmttheory.algebra import semicircle
    >>> e = soft_edge(semicircle(1))
    >>> round(e.location, 12), round(e.constant, 10), round(e.stieltjes, 10)
    (2.0, 1.0, 1.0)
    """
    law = _law(law)
    side = _params.choice(side, "side", ("right", "left"))
    support = law.support()
    lo, hi = support[-1] if side == "right" else support[0]
    edge = hi if side == "right" else lo
    sign = 1.0 if side == "right" else -1.0
    atoms = list(law.atoms())
    if any((loc - edge) * sign >= 0 for loc in atoms):
        raise ParameterError(f"the law has an atom at or beyond its {side} edge {edge:g}")
    if side == "left" and law.hard_edge:
        raise ParameterError("the bottom edge of this law is a hard edge, not a soft one")
    width = hi - lo
    h = math.sqrt(_REACH * width)
    u = h * (1 + np.cos(np.pi * (np.arange(_POINTS) + 0.5) / _POINTS)) / 2
    z = edge + sign * u * u
    # the u that the rounded z really has (z - E is exact here): G is not Lipschitz at
    # the edge, and fitting against the intended u would cost ~1e-10 in c
    u = np.sqrt(sign * (z - edge))
    g = np.real(law.stieltjes(z))
    fit = np.polynomial.Chebyshev.fit(u, g, _DEGREE, domain=[0.0, h])
    g0, c = float(fit(0.0)), float(-sign * fit.deriv()(0.0))
    # a square-root edge has c > 0 and the expansion's u^2 term of the size c u sets
    scale_g = max(abs(g0), abs(c) * h, 1e-300)
    if not c > 1e-9 * scale_g / h or not math.isfinite(g0):
        raise ParameterError(
            f"the {side} edge {edge:g} is not a square-root soft edge (G(E + u^2) has no "
            "linear term in u)"
        )
    return SoftEdge(float(edge), c, g0, side)


def edge_scaling(law: Any, n: int, beta: int = 1, side: str = "right") -> EdgeScaling:
    """Tracy–Widom centring and scale of the extreme eigenvalue of an n × n matrix whose
    eigenvalue law is ``law``: location :math:`E`, scale :math:`(cn)^{-2/3}` (module
    docstring).

    Parameters
    ----------
    law
        The limiting law of the matrix's eigenvalues (all n of them, atoms included).
    n
        Matrix dimension.
    beta
        1 (real symmetric), 2 (complex Hermitian) or 4.
    side
        ``"right"`` (largest eigenvalue) or ``"left"`` (smallest).

    Returns
    -------
    EdgeScaling

    Examples
    --------
    >>> from rmttheory.distributions import MarchenkoPastur
    >>> s = edge_scaling(MarchenkoPastur(0.5), 500)  # p = 500, n = 1000 samples
    >>> johnstone = (1000**0.5 + 500**0.5) * (1000**-0.5 + 500**-0.5) ** (1 / 3) / 1000
    >>> bool(abs(s.scale / johnstone - 1) < 1e-10)
    True
    """
    n = _params.integer(n, "n", minimum=1)
    beta = _beta(beta)
    edge = soft_edge(law, side)
    return EdgeScaling(edge.location, (edge.constant * n) ** (-2 / 3), beta, n, side)


def _beta(beta: Any) -> int:
    beta = _params.integer(beta, "beta")
    if beta not in (1, 2, 4):
        raise ParameterError(f"beta must be 1, 2 or 4, got {beta}")
    return beta


def hermite_edge(n: int, beta: int = 1) -> EdgeScaling:
    """Centring and scale of the largest eigenvalue of the n × n Gaussian β-ensemble on
    [−2, 2] (:func:`rmttheory.local_statistics.beta_hermite`): location
    :math:`2\\sqrt{n'/n}`, scale :math:`n'^{-1/6}/\\sqrt n` with
    :math:`n' = n + 1/2 - 1/\beta` (n − ½ for GOE, n for GUE, n + ¼ for β = 4; TW₄ in the
    ``"beta-ensemble"`` convention).

    The shift removes the :math:`O(n^{-1/3})` bias of the limit centring (measured at
    n = 400 with 2·10⁴ draws: KS to TW₄ 0.0058 with it, 0.0245 without;
    ``tests/test_edge.py`` for GOE).

    Parameters
    ----------
    n
        Dimension (≥ 2).
    beta
        1, 2 or 4.

    Returns
    -------
    EdgeScaling

    Examples
    --------
    >>> round(hermite_edge(100, 1).location, 6)
    1.994994
    """
    n = _params.integer(n, "n", minimum=2)
    beta = _beta(beta)
    ne = n + 0.5 - 1 / beta
    return EdgeScaling(2 * math.sqrt(ne / n), ne ** (-1 / 6) / math.sqrt(n), beta, n,
                       source=f"Gaussian β = {beta}, n' = n + 1/2 - 1/β")  # fmt: skip


def laguerre_edge(n: int, m: int, beta: int = 1) -> EdgeScaling:
    """Centring and scale of the largest eigenvalue of :math:`W = XX^*/m`, :math:`X` an
    n × m Gaussian matrix (:func:`rmttheory.local_statistics.beta_laguerre`).

    :math:`\\mu = (\\sqrt{m'} + \\sqrt{n'})^2/m` and
    :math:`\\sigma = (\\sqrt{m'} + \\sqrt{n'})(1/\\sqrt{m'} + 1/\\sqrt{n'})^{1/3}/m` with
    :math:`n' = n + 1/2 - 1/\beta`, :math:`m' = m + 1/2 - 1/\beta`: n − ½, m − ½ for real
    matrices (Johnstone 2001, with Ma's 2012 half-integer shifts), n, m for complex ones
    (El Karoui 2006).

    Parameters
    ----------
    n, m
        Dimension and samples (≥ 2 each).
    beta
        1, 2 or 4.

    Returns
    -------
    EdgeScaling

    Examples
    --------
    >>> s = laguerre_edge(500, 1000, 2)
    >>> round(s.location, 12) == round((1 + 0.5**0.5) ** 2, 12)
    True
    """
    n = _params.integer(n, "n", minimum=2)
    m = _params.integer(m, "m", minimum=2)
    beta = _beta(beta)
    shift = 0.5 - 1 / beta
    a, b = math.sqrt(m + shift), math.sqrt(n + shift)
    return EdgeScaling((a + b) ** 2 / m, (a + b) * (1 / a + 1 / b) ** (1 / 3) / m, beta,
                       min(n, m), source=f"Wishart β = {beta}, n' = n + 1/2 - 1/β")  # fmt: skip
