r"""Random-feature Gram laws derived with the operations of :mod:`rmttheory.algebra`.

**One layer.**  :math:`W` is :math:`n_1\times n_0` with iid :math:`\mathcal N(0,\sigma_w^2/n_0)`
entries, the :math:`m` columns of :math:`X` are iid :math:`\mathcal N(0,\Sigma_x)` with
the spectrum of :math:`\Sigma_x` tending to ``data_spectrum`` :math:`H_x`
(``{variance: weight}``; default :math:`\delta_1`), :math:`Y = f(WX)` with :math:`f`
centered at :math:`\sigma^2 = \sigma_w^2\operatorname{tr}\Sigma_x/n_0 = \sigma_w^2\int t\,dH_x`,
:math:`M = YY^\top/m` (:math:`n_1\times n_1`), :math:`\phi = n_0/m`, :math:`\psi = n_0/n_1`.

Gaussian equivalence (measured for tanh with :math:`H_x = \{1: 1/2, 4: 1/2\}`: KS 0.0027
between the two sampled spectra; the derived law is checked against sampling in
``tests/test_algebra_sampling.py``): the spectrum of :math:`Y` is that of
:math:`\sqrt\zeta\,WX/\sigma + \sqrt{\eta-\zeta}\,Z`, :math:`Z` standard Gaussian,
:math:`\eta, \zeta` the constants of :math:`f` at :math:`\sigma`.  The law of
:math:`M` is then derived step by step (each an operation of
:mod:`rmttheory.algebra.operations`):

1. :math:`C = XX^\top/m`: ``wishart(H_x, phi)``  (:math:`n_0\times n_0`);
2. :math:`C^{1/2}W^\top WC^{1/2}`: ``scale(wishart(C, psi), sigma_w**2 / psi)``
   (:math:`W^\top W` is :math:`\sigma_w^2/\psi` times a Wishart of ratio :math:`\psi`);
3. :math:`WXX^\top W^\top/m`: ``change_size(., psi)`` (:math:`n_0\to n_1`);
4. :math:`RR^\top/m`, :math:`R = \sqrt\zeta\,WX/\sigma`: ``scale(., zeta / sigma**2)``;
5. :math:`M`: ``information_plus_noise(., phi / psi, eta - zeta + noise)``.

For :math:`H_x = \delta_1` this *is* the Pennington–Worah equation: the derived
polynomial equals :attr:`rmttheory.equation.PenningtonWorahEquation.g_polynomial`
exactly (``tests/test_algebra.py::test_derived_polynomial_is_pennington_worah``).
``noise`` is the variance of independent Gaussian noise added to the features,
:math:`Y = f(WX) + \tau E` (it adds :math:`\tau^2` to :math:`\eta - \zeta`).

**Several layers** (:func:`deep_nonlinear_gram`): the Gram law of layer
:math:`\ell` plays the role of :math:`C` for layer :math:`\ell + 1` (steps 2–5
with :math:`\psi_\ell = n_{\ell-1}/n_\ell`), at
:math:`\sigma_\ell^2 = \sigma_{w,\ell}^2\times` the mean of that law (the squared norm of
a feature column over its length concentrates there).  Not covered: a bias per
neuron (rows with different constants are a variance profile, not one of the
operations).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sympy as sp

from rmttheory.algebra.classical import discrete, point_mass
from rmttheory.algebra.law import AlgebraicLaw, exact, exact_positive
from rmttheory.algebra.operations import change_size, information_plus_noise, scale, wishart
from rmttheory.constants import gaussian_constants
from rmttheory.equation import ETA, PHI, PSI, ZETA
from rmttheory.errors import ParameterError

__all__ = ["nonlinear_gram", "deep_nonlinear_gram", "layer_constants", "network_constants"]


def layer_constants(activation: Any, sigma2: sp.Expr, digits: int = 20) -> tuple[sp.Expr, sp.Expr]:
    r""":math:`(\eta, \zeta)` of ``activation`` at pre-activation variance ``sigma2``, as
    exact rationals of their ``digits``-digit decimals.

    Parameters
    ----------
    activation
        Anything :func:`rmttheory.activation` accepts.
    sigma2
        :math:`\sigma^2`, the variance of the pre-activations (a number).
    digits
        Significant digits of the constants.

    Returns
    -------
    tuple of sympy.Rational

    Examples
    --------
    >>> layer_constants("relu", 1)  # sigma^2 (1/2 - 1/(2 pi)), sigma^2 / 4
    (34084505690810466423/100000000000000000000, 1/4)
    """
    s2 = exact(sigma2, "sigma2")
    if not s2.is_number:
        raise ParameterError(
            "an activation needs numeric scales; pass eta and zeta as symbols instead"
        )
    c = gaussian_constants(activation, sigma_w=float(sp.sqrt(s2)), sigma_x=1.0, digits=digits)
    return sp.Rational(c.values["eta"]), sp.Rational(c.values["zeta"])


def network_constants(
    activations: Sequence[Any],
    sigma_w: Sequence[Any] | Any = 1,
    data_spectrum: Mapping[Any, Any] | AlgebraicLaw | None = None,
) -> list[tuple[sp.Expr, sp.Expr, sp.Expr]]:
    r"""``[(sigma2, eta, zeta), ...]`` per layer: :math:`\sigma_1^2 = \sigma_{w,1}^2\int t\,dH_x`,
    :math:`\sigma_{\ell+1}^2 = \sigma_{w,\ell+1}^2\eta_\ell` (the mean of layer
    :math:`\ell`'s Gram law), and the constants of each activation there.

    Parameters
    ----------
    activations
        One activation per layer.
    sigma_w
        Weight scales, one per layer or one for all.
    data_spectrum
        As in :func:`nonlinear_gram`.

    Returns
    -------
    list of tuple

    Examples
    --------
    >>> [(round(float(s), 6), round(float(e), 6)) for s, e, _ in network_constants(["tanh"] * 2)]
    [(1.0, 0.394294), (0.394294, 0.23645)]
    """
    sws = list(sigma_w) if isinstance(sigma_w, Sequence) else [sigma_w] * len(activations)
    if len(sws) != len(activations):
        raise ParameterError("need one sigma_w per layer")
    mean = _data_law(data_spectrum).moments(1)[0]
    out = []
    for act, sw in zip(activations, sws):
        sigma2 = sp.nsimplify(exact(sw, "sigma_w") ** 2 * mean)
        eta, zeta = layer_constants(act, sigma2)
        out.append((sigma2, eta, zeta))
        mean = eta
    return out


def _check_constants(eta: sp.Expr, zeta: sp.Expr) -> None:
    if eta.is_number and not eta > 0:
        raise ParameterError(f"eta must be > 0, got {eta}")
    if zeta.is_number and zeta < 0:
        raise ParameterError(f"zeta must be >= 0, got {zeta}")
    if eta.is_number and zeta.is_number and zeta > eta:
        raise ParameterError(f"need zeta <= eta (Hermite expansion), got eta={eta}, zeta={zeta}")


def _layer(
    gram: AlgebraicLaw, psi: sp.Expr, c_out: sp.Expr, sigma_w: sp.Expr, sigma2: sp.Expr,
    eta: sp.Expr, zeta: sp.Expr, noise: sp.Expr,
) -> AlgebraicLaw:  # fmt: skip
    """Steps 2-5 of the module docstring: input Gram law (n_in x n_in) -> output Gram law."""
    k = scale(wishart(gram, psi), sigma_w**2 / psi)
    k = change_size(k, psi)
    if zeta.is_number and zeta == 0:
        # an even activation: no linear part, the features are pure noise
        from rmttheory.algebra.classical import marchenko_pastur

        return marchenko_pastur(c_out, eta + noise)
    h = scale(k, zeta / sigma2)
    return information_plus_noise(h, c_out, eta - zeta + noise)


def _data_law(data_spectrum: Mapping[Any, Any] | AlgebraicLaw | None) -> AlgebraicLaw:
    if data_spectrum is None:
        return point_mass(1)
    if isinstance(data_spectrum, AlgebraicLaw):
        return data_spectrum
    law = discrete(data_spectrum)
    negative = [str(t) for t in data_spectrum if sp.sympify(t).is_negative]
    if negative:
        raise ParameterError(
            "data_spectrum is the spectrum of the data covariance: its locations must be >= 0, "
            f"got {', '.join(negative)}"
        )
    return law


def nonlinear_gram(
    activation: Any = None,
    phi: Any = PHI,
    psi: Any = PSI,
    *,
    sigma_w: Any = 1,
    data_spectrum: Mapping[Any, Any] | AlgebraicLaw | None = None,
    eta: Any = None,
    zeta: Any = None,
    noise: Any = 0,
) -> AlgebraicLaw:
    r"""The derived law of :math:`M = f(WX)f(WX)^\top/m` (module docstring).

    Parameters
    ----------
    activation
        Anything :func:`rmttheory.activation` accepts (its constants are computed at
        :math:`\sigma`); None to give ``eta``/``zeta`` (numbers or symbols; default
        the symbols :math:`\eta, \zeta`).
    phi, psi
        :math:`n_0/m` and :math:`n_0/n_1` (numbers or symbols).
    sigma_w
        Weight scale: :math:`W_{ij}\sim\mathcal N(0, \sigma_w^2/n_0)`.
    data_spectrum
        Spectrum of the data covariance :math:`\Sigma_x` as ``{variance: weight}`` or
        an :class:`AlgebraicLaw` (default :math:`\Sigma_x = I`).
    eta, zeta
        The activation constants at :math:`\sigma` (instead of ``activation``).
    noise
        Variance of Gaussian noise added to the features (default 0).

    Returns
    -------
    AlgebraicLaw
        Polynomial in :math:`G = E[1/(z - \lambda)]`; atom :math:`\max(0, 1 - \psi/\phi)`
        at 0 (:math:`M` has rank :math:`\min(n_1, m)`).

    Examples
    --------
    >>> law = nonlinear_gram(phi=sp.Rational(1, 2), psi=sp.Rational(1, 2), eta=1, zeta=sp.Rational(1, 2))
    >>> law.degree, law.moments(2)  # m2 = eta^2 (1 + phi/psi) + zeta^2 / psi
    (4, [1, 5/2])
    """
    return deep_nonlinear_gram(
        [activation], phi, [psi], sigma_w=[sigma_w], data_spectrum=data_spectrum,
        constants=None if activation is not None else [(eta, zeta)], noise=noise,
    )  # fmt: skip


def deep_nonlinear_gram(
    activations: Sequence[Any],
    phi: Any,
    psis: Sequence[Any],
    *,
    sigma_w: Sequence[Any] | Any = 1,
    data_spectrum: Mapping[Any, Any] | AlgebraicLaw | None = None,
    constants: Sequence[tuple[Any, Any]] | None = None,
    noise: Any = 0,
) -> AlgebraicLaw:
    r"""The derived Gram law of the last of several nonlinear layers (module docstring).

    Parameters
    ----------
    activations
        One activation per layer (entries ignored when ``constants`` is given).
    phi
        :math:`n_0/m`.
    psis
        :math:`\psi_\ell = n_{\ell-1}/n_\ell`, one per layer.
    sigma_w
        Weight scales, one per layer (or one for all).
    data_spectrum
        As in :func:`nonlinear_gram`.
    constants
        ``[(eta, zeta), ...]`` per layer instead of computing them from ``activations``.
    noise
        Feature noise variance added at the last layer.

    Returns
    -------
    AlgebraicLaw
        The law of :math:`Y_LY_L^\top/m` (:math:`n_L\times n_L`).

    Examples
    --------
    >>> law = deep_nonlinear_gram(["tanh", "tanh"], 0.5, [0.5, 1])
    >>> law.degree, round(float(law.moments(1)[0]), 6)  # the mean is eta of the last layer
    (8, 0.23645)
    """
    depth = len(psis)
    if depth < 1 or (constants is None and len(activations) != depth):
        raise ParameterError("need one activation (or one (eta, zeta)) and one psi per layer")
    if constants is not None and len(constants) != depth:
        raise ParameterError("need one (eta, zeta) pair per layer")
    sws = list(sigma_w) if isinstance(sigma_w, Sequence) else [sigma_w] * depth
    if len(sws) != depth:
        raise ParameterError("need one sigma_w per layer")
    phi_e = exact_positive(phi, "phi")
    psi_e = [exact_positive(p, "psi") for p in psis]
    noise_e = exact(noise, "noise")
    if constants is None:
        constants = [(e, z) for _, e, z in network_constants(activations, sws, data_spectrum)]
    gram = wishart(_data_law(data_spectrum), phi_e)  # XX^T/m
    ratio = phi_e  # n_{l-1} / m
    for k in range(depth):
        sw = exact(sws[k], "sigma_w")
        sigma2 = sp.simplify(sw**2 * gram.moments(1)[0])
        eta, zeta = constants[k]
        eta = ETA if eta is None else exact(eta, "eta")
        zeta = ZETA if zeta is None else exact(zeta, "zeta")
        _check_constants(eta, zeta)
        ratio = ratio / psi_e[k]  # n_l / m
        layer_noise = noise_e if k == depth - 1 else sp.Integer(0)
        gram = _layer(gram, psi_e[k], ratio, sw, sigma2, eta, zeta, layer_noise)
    return gram
