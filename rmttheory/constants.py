r"""Gaussian constants of an activation: mean, :math:`\eta`, :math:`\zeta`, Hermite coefficients.

Normalization (Pennington & Worah 2017, see ``docs/engine.md``): with
:math:`\sigma = \sigma_w \sigma_x` and :math:`z \sim \mathcal N(0, 1)`,

.. math::

    \text{mean} = \mathbb E f(\sigma z), \qquad
    \eta = \operatorname{Var} f(\sigma z) = \mathbb E f(\sigma z)^2 - \text{mean}^2, \qquad
    \zeta = \big(\mathbb E[z f(\sigma z)]\big)^2 = \big(\sigma\, \mathbb E f'(\sigma z)\big)^2 .

The last equality is Stein's lemma; the first form is used, so activations with
jumps are covered.  The probabilists' Hermite coefficients are normalized,

.. math::

    c_k = \frac{\mathbb E[f(\sigma z)\, He_k(z)]}{\sqrt{k!}}, \qquad
    \mathbb E f(\sigma z)^2 = \sum_k c_k^2,

so ``mean = c_0``, ``zeta = c_1**2`` and ``eta = sum_{k>=1} c_k**2``, which is why
:math:`0 \le \zeta \le \eta` always, with equality iff :math:`f` is affine.

Closed forms come from :mod:`rmttheory._numerics.closed_forms` (a derived
table for the registered activations, sympy under a CPU-time budget for other
expressions); every closed form is checked against quadrature before it is
reported, and the result says which method produced it (``exact`` and
``method``).  ``digits <= 15`` selects a float64 quadrature, 300–400 times
faster than the mpmath one for sweeps over :math:`\sigma` (50 times for a
closed form evaluated in mpmath; ``docs/benchmarks.md``), equal to it to
round-off (``tests/test_constants.py::test_float64_path_matches_30_digits_over_sigma``).

Examples
--------
>>> from rmttheory import gaussian_constants
>>> c = gaussian_constants("relu")
>>> c.exact, c.eta_expr
(True, 'sigma**2*(-1 + pi)/(2*pi)')
>>> round(c.zeta, 15)
0.25
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from rmttheory import _disk_cache, _params
from rmttheory._numerics import gaussian_quadrature as gq
from rmttheory.activation import activation
from rmttheory.errors import NotIntegrableError

# closed forms (sympy) are imported where used: constants found on disk need no sympy
if TYPE_CHECKING:
    import mpmath as mp

    from rmttheory._numerics.closed_forms import SIGMA, closed_forms
else:  # constants found on disk need no mpmath either (rmttheory._lazy)
    from rmttheory._lazy import mpmath as mp


def __getattr__(name: str) -> Any:
    if name in ("SIGMA", "closed_forms"):  # re-exported from rmttheory._numerics.closed_forms
        from rmttheory._numerics import closed_forms as _cf

        return getattr(_cf, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "GaussianConstants",
    "gaussian_constants",
    "derivative_moments",
    "closed_forms",
    "SIGMA",
    "FromConstants",
    "clear_caches",
]


@dataclass(frozen=True)
class GaussianConstants:
    r"""Gaussian constants of an activation at :math:`\sigma = \sigma_w\sigma_x`.

    Built by :func:`gaussian_constants`.

    Examples
    --------
    >>> c = gaussian_constants("sin", digits=15)
    >>> c.exact, c.zeta_expr
    (True, 'sigma**2*exp(-sigma**2)')

    Attributes
    ----------
    activation
        Name of the activation.
    sigma_w, sigma_x, sigma
        Weight and data scales; only :math:`\sigma = \sigma_w\sigma_x` matters.
    mean
        :math:`\mathbb E f(\sigma z)` (not removed from ``f`` here; an uncentered
        ``f`` adds to :math:`M` a rank-one spike at about ``mean**2 * n1 + eta``, see
        :meth:`rmttheory.distributions.PenningtonWorah.spike`).
    eta
        :math:`\operatorname{Var} f(\sigma z)`.
    zeta
        :math:`(\mathbb E[z f(\sigma z)])^2 = (\sigma\,\mathbb E f'(\sigma z))^2`.
    second_moment
        :math:`\mathbb E f(\sigma z)^2 = \eta + \text{mean}^2`.
    hermite
        Normalized Hermite coefficients :math:`c_0, \dots, c_K`.
    exact
        True when mean, eta and zeta come from closed forms (checked by quadrature).
    mean_expr, eta_expr, zeta_expr
        The closed forms as strings in ``sigma``, or None.
    digits
        Requested number of significant digits.
    error
        Absolute error estimate of the quadrature for eta and zeta (also
        reported when exact: it is the size of the cross-check).
    method
        ``"closed form"`` or ``"quadrature"``.
    reason
        Why no closed form was used (empty when exact).
    values
        ``mean``, ``eta``, ``zeta`` as strings with ``digits`` significant digits.
    """

    activation: str
    sigma_w: float
    sigma_x: float
    sigma: float
    mean: float
    eta: float
    zeta: float
    second_moment: float
    hermite: tuple[float, ...]
    exact: bool
    mean_expr: str | None
    eta_expr: str | None
    zeta_expr: str | None
    digits: int
    error: float
    method: str
    reason: str = ""
    values: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serializable dict (the ``rmttheory constants --json`` output)."""
        d = asdict(self)
        d["hermite"] = list(self.hermite)
        return d


_CONST_CACHE: dict[tuple, GaussianConstants] = {}


def gaussian_constants(
    act: Any,
    sigma_w: float = 1.0,
    sigma_x: float = 1.0,
    *,
    digits: int = 30,
    hermite_order: int = 6,
    time_budget: float = 3.0,
    exact: bool = True,
) -> GaussianConstants:
    r"""Compute mean, :math:`\eta`, :math:`\zeta` and Hermite coefficients of ``act``.

    Parameters
    ----------
    act
        Anything :func:`rmttheory.activation` accepts.
    sigma_w, sigma_x
        Standard deviations: :math:`W_{ij}\sim\mathcal N(0,\sigma_w^2/n_0)`,
        :math:`X_{ij}\sim\mathcal N(0,\sigma_x^2)`; only the product matters.
        Each is taken as the decimal number it prints as (``0.3`` means 3/10,
        not the nearest binary float), in closed forms and quadrature alike.
    digits
        Significant digits.  Above 15, mpmath quadrature at ``digits + 10``;
        at most 15, float64 quadrature (300–400 times faster, to round-off).
    hermite_order
        Largest Hermite index :math:`K` (coefficients :math:`c_0..c_K`).
    time_budget
        CPU seconds allowed to sympy for an expression outside the table of
        registered activations (per activation, cached).
    exact
        Use closed forms at all.

    Returns
    -------
    GaussianConstants

    Raises
    ------
    ParameterError
        If a scale is not finite and positive, or ``digits``/``hermite_order`` is out of range.
    NotIntegrableError
        If :math:`\mathbb E f(\sigma z)^2` is infinite or the quadrature fails.

    Examples
    --------
    >>> c = gaussian_constants("erf", digits=15)
    >>> round(c.zeta, 12), c.method
    (0.424413181578, 'closed form')
    """
    sw = _params.real(sigma_w, "sigma_w", positive=True)
    sx = _params.real(sigma_x, "sigma_x", positive=True)
    digits = _params.integer(digits, "digits", minimum=5, maximum=200)
    hermite_order = _params.integer(hermite_order, "hermite_order", minimum=1, maximum=60)
    act = activation(act)
    key = (act.key, sw, sx, digits, hermite_order, exact, time_budget)
    hit = _CONST_CACHE.get(key)
    if hit is not None:
        return hit
    # mpmath quadrature costs seconds in every fresh process, and the float64 path ~45 ms of
    # sympy (closed forms parsed, lambdified, cross-checked): kept on disk (by code version;
    # float64 values written once per process, at exit, so that a sweep writes once)
    disk_key = repr(key) if act.is_symbolic else None
    if disk_key is not None:
        hit = _from_record(_disk_cache.load("gaussian_constants", disk_key), act.name)
        if hit is not None:
            _CONST_CACHE[key] = hit
            return hit
    sigma = sw * sx
    gq.check_integrable(act, sigma)
    hermite, m2, err = gq.hermite_moments(act, sw, sx, hermite_order, digits)
    dps = digits + 10
    with mp.workdps(dps):
        mean_q, zeta_root = hermite[0], hermite[1]
        eta_q = m2 - mean_q**2
        zeta_q = zeta_root**2
        scale = max(float(abs(m2)), 1e-300)
        tol = 10.0 ** (-(min(digits, 15) // 2)) if digits <= 15 else 10.0 ** (-(digits // 2))
        if not math.isfinite(float(m2)) or err > tol * scale:
            raise NotIntegrableError(
                f"quadrature of the Gaussian moments of {act.name!r} did not converge "
                f"(error estimate {err:.2e} for E f^2 = {float(m2):.8g}); "
                "the activation may have a non-integrable singularity"
            )
        from rmttheory._numerics.closed_forms import ClosedForms, closed_forms

        cf = closed_forms(act, time_budget) if exact else ClosedForms(None, None, None, "not asked")
        is_exact, reason = False, cf.reason
        exprs: dict[str, str | None] = {"mean": None, "eta": None, "zeta": None}
        mean_v, eta_v, zeta_v = mean_q, eta_q, zeta_q
        evaluate = cf.evaluator if cf.complete else None
        if evaluate is not None:
            # the decimals the user typed, at the working precision
            cand = [mp.mpf(v) for v in evaluate(mp.mpf(repr(sw)) * mp.mpf(repr(sx)))]
            agree = 10.0 ** (-(min(digits, 13) - 2)) if digits <= 15 else 10.0 ** (-(digits - 2))
            ok = all(
                abs(c - q) <= 100 * err + agree * max(scale, 1.0)
                for c, q in zip(cand, (mean_q, eta_q, zeta_q))
            )
            if ok:
                is_exact, reason = True, ""
                mean_v, eta_v, zeta_v = cand
                exprs = {"mean": str(cf.mean), "eta": str(cf.eta), "zeta": str(cf.zeta)}
            else:  # pragma: no cover - would mean a wrong table entry or a sympy bug
                reason = "the closed form disagreed with quadrature and was discarded"
        shown = digits if act.is_symbolic else min(digits, 15)
        values = {
            k: mp.nstr(mp.mpf(v), shown)
            for k, v in (("mean", mean_v), ("eta", eta_v), ("zeta", zeta_v))
        }
        out = GaussianConstants(
            activation=act.name,
            sigma_w=sw,
            sigma_x=sx,
            sigma=sigma,
            mean=float(mean_v),
            eta=float(eta_v),
            zeta=float(zeta_v),
            second_moment=float(m2),
            hermite=tuple(float(c) for c in hermite),
            exact=is_exact,
            mean_expr=exprs["mean"],
            eta_expr=exprs["eta"],
            zeta_expr=exprs["zeta"],
            digits=shown,
            error=err,
            method="closed form" if is_exact else "quadrature",
            reason=reason,
            values=values,
        )
    _CONST_CACHE[key] = out
    if disk_key is not None:
        _disk_cache.store("gaussian_constants", disk_key, out.to_dict(), defer=digits <= 15)
    return out


def _from_record(rec: Any, name: str) -> GaussianConstants | None:
    """A :class:`GaussianConstants` from its :meth:`~GaussianConstants.to_dict` record on
    disk, under the caller's activation name; None when absent or malformed."""
    if not isinstance(rec, dict):
        return None
    try:
        out = GaussianConstants(**{**rec, "activation": name, "hermite": tuple(rec["hermite"])})
    except (KeyError, TypeError):
        return None
    finite = all(math.isfinite(v) for v in (out.mean, out.eta, out.zeta, *out.hermite))
    return out if finite else None


def clear_caches() -> None:
    """Forget every cached closed form and constant (for benchmarks and tests).

    Examples
    --------
    >>> clear_caches()
    """
    import sys

    if "rmttheory._numerics.closed_forms" in sys.modules:  # else nothing is cached there
        sys.modules["rmttheory._numerics.closed_forms"].clear_cache()
    _CONST_CACHE.clear()


def derivative_moments(
    act: Any, sigma_w: float = 1.0, sigma_x: float = 1.0, *, digits: int = 20
) -> dict[str, float]:
    r"""Moments involving :math:`f'` used by kernel models (NTK, linear equivalents).

    Parameters
    ----------
    act
        The activation (no jumps: :math:`f'` must be a function).
    sigma_w, sigma_x
        Scales (:math:`\sigma = \sigma_w\sigma_x`).
    digits
        Significant digits of the mpmath quadrature.

    Returns
    -------
    dict
        ``{"fprime_mean": E f'(σz), "fprime_sq": E f'(σz)^2, "f_fprime": E f(σz) f'(σz)}``.

    Raises
    ------
    NotIntegrableError
        If :math:`f` has jumps (its derivative is not a function).

    Examples
    --------
    >>> round(derivative_moments("relu")["fprime_sq"], 12)
    0.5
    """
    act = activation(act)
    sw = _params.real(sigma_w, "sigma_w", positive=True)
    sx = _params.real(sigma_x, "sigma_x", positive=True)
    digits = _params.integer(digits, "digits", minimum=5, maximum=200)
    sigma = sw * sx
    import sympy as sp

    from rmttheory.activation import X

    d = act.derivative
    if d.has(sp.DiracDelta):
        raise NotIntegrableError(f"activation {act.name!r} has jumps: E f'^2 is infinite")
    gq.check_integrable(act, sigma)
    fp = sp.lambdify(X, d, modules="mpmath")
    f = act.mpmath()
    return {
        "fprime_mean": gq.expect(act, fp, sigma, digits),
        "fprime_sq": gq.expect(act, lambda x: fp(x) ** 2, sigma, digits),
        "f_fprime": gq.expect(act, lambda x: f(x) * fp(x), sigma, digits),
    }


class FromConstants:
    """Mixin: ``from_activation`` with one signature for every model built from constants.

    A class provides ``from_constants(constants, *args, **kwargs)``;
    ``from_activation(act, *args, sigma_w=1, sigma_x=1, **kwargs)`` computes
    :func:`gaussian_constants` and calls it.

    Examples
    --------
    >>> from rmttheory import PenningtonWorah
    >>> law = PenningtonWorah.from_activation("relu", 0.5, 0.5, sigma_w=2.0)
    >>> round(law.zeta, 12)  # (sigma/2)^2 at sigma = 2
    1.0
    """

    @classmethod
    def from_constants(cls, constants: GaussianConstants, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError  # pragma: no cover

    @classmethod
    def from_activation(
        cls, act: Any, *args: Any, sigma_w: float = 1.0, sigma_x: float = 1.0, **kwargs: Any
    ) -> Any:
        """Build from :func:`gaussian_constants` of ``act`` at ``sigma_w, sigma_x``."""
        return cls.from_constants(gaussian_constants(act, sigma_w, sigma_x), *args, **kwargs)
