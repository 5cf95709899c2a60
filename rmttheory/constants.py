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

Exact closed forms are sought with sympy under a time budget (an arcsine rule
and Stein reduction handle products of ``erf``); every closed form is checked
against mpmath quadrature before it is reported, and the result says which
method produced it (``exact`` and ``method``).

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
import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

import mpmath as mp
import sympy as sp

from rmttheory.activation import Activation, X, activation
from rmttheory.errors import ActivationError, NotIntegrableError, ParameterError

__all__ = [
    "GaussianConstants",
    "gaussian_constants",
    "derivative_moments",
    "closed_forms",
    "SIGMA",
    "check_sigma",
    "clear_caches",
]

#: The symbol :math:`\sigma = \sigma_w\sigma_x` in closed forms.
SIGMA = sp.Symbol("sigma", positive=True)
_Z = sp.Symbol("z", real=True)
_GAUSS = sp.exp(-(_Z**2) / 2) / sp.sqrt(2 * sp.pi)

# Functions for which sympy has a fair chance at Gaussian integrals; anything
# else (tanh, logistic, log, ...) goes straight to quadrature.
_SYMBOLIC_FUNCS = {
    sp.Max,
    sp.Min,
    sp.Abs,
    sp.Heaviside,
    sp.sign,
    sp.Piecewise,
    sp.exp,
    sp.sin,
    sp.cos,
    sp.sinh,
    sp.cosh,
    sp.erf,
    sp.erfc,
}


def check_sigma(value: Any, name: str) -> float:
    """Return ``value`` as a float, or raise :class:`ParameterError` unless finite and > 0."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(v) or v <= 0:
        raise ParameterError(f"{name} must be finite and > 0, got {value!r}")
    return v


# ---------------------------------------------------------------------------
# time budget
# ---------------------------------------------------------------------------
class _OutOfTime(Exception):
    pass


@contextmanager
def _time_limit(seconds: float):
    """Raise :class:`_OutOfTime` inside the block after ``seconds`` (main thread only)."""
    if seconds <= 0:
        raise _OutOfTime
    if threading.current_thread() is not threading.main_thread() or not hasattr(
        signal, "setitimer"
    ):
        raise _OutOfTime  # no safe way to interrupt sympy here: skip symbolic work

    def handler(signum, frame):  # noqa: ARG001
        raise _OutOfTime

    old = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


# ---------------------------------------------------------------------------
# closed forms
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ClosedForms:
    """Closed forms in :data:`SIGMA` of ``E f``, ``E f^2`` and ``E z f``, or why not."""

    mean: sp.Expr | None
    second_moment: sp.Expr | None
    first_hermite: sp.Expr | None
    reason: str = ""

    @property
    def complete(self) -> bool:
        return None not in (self.mean, self.second_moment, self.first_hermite)

    @property
    def eta(self) -> sp.Expr | None:
        if not self.complete:
            return None
        return sp.simplify(self.second_moment - self.mean**2)

    @property
    def zeta(self) -> sp.Expr | None:
        if not self.complete:
            return None
        return sp.simplify(self.first_hermite**2)


def _linear_coeff(arg: sp.Expr) -> sp.Expr | None:
    """Return ``a`` if ``arg == a*z`` with ``a`` free of z, else None."""
    a = sp.simplify(arg / _Z)
    return a if not a.has(_Z) else None


def _expect_erf_product(term: sp.Expr) -> sp.Expr | None:
    """E[c z^n erf(a z) erf(b z)] by the arcsine rule and Stein reduction, or None."""
    coeff, factors = sp.S.One, []
    n = 0
    for f in sp.Mul.make_args(term):
        base, exp = f.as_base_exp()
        if base == _Z and exp.is_Integer and exp >= 0:
            n += int(exp)
        elif isinstance(base, sp.erf) and exp.is_Integer and exp > 0:
            factors.extend([base] * int(exp))
        elif not f.has(_Z):
            coeff *= f
        else:
            return None
    if len(factors) != 2:
        return None
    a, b = (_linear_coeff(f.args[0]) for f in factors)
    if a is None or b is None:
        return None
    if n == 0:
        return coeff * 2 / sp.pi * sp.asin(2 * a * b / sp.sqrt((1 + 2 * a**2) * (1 + 2 * b**2)))
    # Stein: E[z h(z)] = E[h'(z)] with h = z^(n-1) erf(az) erf(bz).
    h = _Z ** (n - 1) * factors[0] * factors[1]
    return coeff * _expect(sp.expand(sp.diff(h, _Z)))


def _expect(g: sp.Expr) -> sp.Expr:
    """E[g(z)] for z ~ N(0,1), exactly, or raise ValueError."""
    g = sp.expand(g)
    total = sp.S.Zero
    for term in sp.Add.make_args(g):
        rule = _expect_erf_product(term)
        if rule is not None:
            total += rule
            continue
        val = sp.integrate(term.rewrite(sp.Piecewise) * _GAUSS, (_Z, -sp.oo, sp.oo), conds="none")
        if val.has(sp.Integral) or val.has(sp.nan) or val.has(sp.oo) or val.has(sp.zoo):
            raise ValueError(f"no closed form for E[{term}]")
        total += val
    return total


def _symbolic_candidate(expr: sp.Expr) -> str:
    """Empty string if sympy is worth trying on ``expr``, else the reason it is not."""
    for f in expr.atoms(sp.Function):
        if f.func not in _SYMBOLIC_FUNCS:
            return f"no closed-form Gaussian integrals are known for {f.func.__name__}"
    for p in expr.atoms(sp.Pow):
        if p.exp.is_negative and p.base.has(X):
            return "rational functions of x have no closed-form Gaussian moments here"
        if not (p.exp.is_Integer or not p.base.has(X)):
            return "non-integer powers of x are left to quadrature"
    return ""


_CLOSED_CACHE: dict[str, ClosedForms] = {}


def closed_forms(act: Activation, time_budget: float = 3.0) -> ClosedForms:
    """Closed forms in :data:`SIGMA` of the Gaussian moments of ``act``, if sympy finds them.

    Results are cached per activation; a failed attempt is cached too, with its reason.
    """
    if act.expr is None:
        return ClosedForms(None, None, None, "a Python callable has no expression")
    cached = _CLOSED_CACHE.get(act.key)
    if cached is not None:
        return cached
    reason = _symbolic_candidate(act.expr)
    if reason:
        out = ClosedForms(None, None, None, reason)
    else:
        g = act.expr.subs(X, SIGMA * _Z)
        deadline = time.monotonic() + time_budget
        vals: list[sp.Expr | None] = [None, None, None]
        try:
            for i, integrand in enumerate((g, g**2, _Z * g)):
                with _time_limit(deadline - time.monotonic()):
                    vals[i] = sp.simplify(_expect(integrand))
            reason = ""
        except _OutOfTime:
            reason = f"no closed form within the time budget ({time_budget:g} s)"
        except (ValueError, NotImplementedError, TypeError, AttributeError) as exc:
            reason = f"sympy found no closed form ({exc})"
        out = ClosedForms(*vals, reason=reason if reason else "")
        if reason:
            out = ClosedForms(None, None, None, reason)
    _CLOSED_CACHE[act.key] = out
    return out


# ---------------------------------------------------------------------------
# quadrature
# ---------------------------------------------------------------------------
def _check_integrable(act: Activation, sigma: float, label: str) -> None:
    """Refuse activations that are not finite and real, or whose square is not
    Gaussian-integrable (tail growth faster than exp(z^2/4))."""
    f = act.mpmath()
    with mp.workdps(30):
        for p in [i / 4 for i in range(-32, 33)]:
            try:
                v = mp.mpmathify(f(mp.mpf(sigma) * p))
            except ZeroDivisionError:
                raise NotIntegrableError(
                    f"activation {label!r} is singular at x = {sigma * p:g}: "
                    "its Gaussian moments are infinite"
                ) from None
            except (ValueError, OverflowError, TypeError) as exc:
                raise NotIntegrableError(
                    f"activation {label!r} cannot be evaluated at x = {sigma * p:g}: {exc}"
                ) from None
            if isinstance(v, mp.mpc) and abs(v.imag) > 0:
                raise ActivationError(f"activation {label!r} is not real at x = {sigma * p:g}")
            if not mp.isfinite(v):
                raise NotIntegrableError(
                    f"activation {label!r} is not finite at x = {sigma * p:g}: "
                    "its Gaussian moments are infinite"
                )
        for sign in (1, -1):
            logs = []
            for z in (16, 32, 64):
                try:
                    v = abs(mp.mpmathify(f(mp.mpf(sigma) * z * sign)))
                except (ZeroDivisionError, ValueError, OverflowError, TypeError):
                    v = mp.inf
                if isinstance(v, mp.mpc):
                    raise ActivationError(f"activation {label!r} is not real at large |x|")
                lv = mp.log(v) if v > 0 else -mp.inf
                logs.append(2 * lv - mp.mpf(z) ** 2 / 2 if mp.isfinite(lv) or lv < 0 else mp.inf)
            if not (logs[2] < -200 and logs[2] <= logs[1]):
                raise NotIntegrableError(
                    f"activation {label!r} grows too fast: E f(sigma z)^2 is infinite "
                    f"at sigma = {sigma:g} (f^2 must grow slower than exp(z^2/2))"
                )


def _break_points(act: Activation, sigma: float) -> list[float]:
    """Quadrature break points in z: 0 and the kinks of f(sigma z)."""
    return sorted({0.0, *[k / sigma for k in act.kinks()]})


def _gauss(z):
    """Standard normal density (mpmath)."""
    return mp.exp(-z * z / 2) / mp.sqrt(2 * mp.pi)


def _quad(h, points: list[float], dps: int) -> tuple[mp.mpf, mp.mpf]:
    with mp.workdps(dps):
        pts = [-mp.inf, *[mp.mpf(p) for p in points], mp.inf]
        val, err = mp.quad(h, pts, error=True, maxdegree=10)
    return val, err


@dataclass(frozen=True)
class GaussianConstants:
    r"""Gaussian constants of an activation at :math:`\sigma = \sigma_w\sigma_x`.

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
        Significant digits of the quadrature (mpmath works at ``digits + 10``).
    hermite_order
        Largest Hermite index :math:`K` (coefficients :math:`c_0..c_K`).
    time_budget
        Seconds allowed to sympy to find closed forms (per activation, cached).
    exact
        Try closed forms at all.

    Returns
    -------
    GaussianConstants

    Raises
    ------
    ParameterError
        If a scale is not finite and positive, or ``digits``/``hermite_order`` is out of range.
    NotIntegrableError
        If :math:`\mathbb E f(\sigma z)^2` is infinite or the quadrature fails.
    """
    sw = check_sigma(sigma_w, "sigma_w")
    sx = check_sigma(sigma_x, "sigma_x")
    if not (isinstance(digits, int) and 5 <= digits <= 200):
        raise ParameterError(f"digits must be an integer in [5, 200], got {digits!r}")
    if not (isinstance(hermite_order, int) and 1 <= hermite_order <= 60):
        raise ParameterError(f"hermite_order must be an integer in [1, 60], got {hermite_order!r}")
    act = activation(act)
    key = (act.key, sw, sx, digits, hermite_order, exact, time_budget)
    hit = _CONST_CACHE.get(key)
    if hit is not None:
        return hit
    sigma = sw * sx
    _check_integrable(act, sigma, act.name)
    dps = digits + 10
    f = act.mpmath()
    zkinks = _break_points(act, sigma)

    with mp.workdps(dps):
        # The decimal the user typed, not its binary float (closed forms use the same).
        s = mp.mpf(repr(sw)) * mp.mpf(repr(sx))
        cache: dict[Any, Any] = {}

        def fs(z):
            v = cache.get(z)
            if v is None:
                v = cache[z] = mp.mpmathify(f(s * z))
            return v

        hermite, errs = [], []
        for k in range(hermite_order + 1):

            def h(z, k=k):
                return fs(z) * _hermite_e(k, z) * _gauss(z)

            val, err = _quad(h, zkinks, dps)
            norm = mp.sqrt(mp.factorial(k))
            hermite.append(val / norm)
            errs.append(err / norm)
        m2, m2_err = _quad(lambda z: fs(z) ** 2 * _gauss(z), zkinks, dps)
        mean_q, zeta_root = hermite[0], hermite[1]
        eta_q = m2 - mean_q**2
        zeta_q = zeta_root**2
        err = float(m2_err + 2 * abs(mean_q) * errs[0] + 2 * abs(zeta_root) * errs[1])
        scale = max(float(abs(m2)), 1e-300)
        tol = 10.0 ** (-(digits // 2))
        if not mp.isfinite(m2) or err > tol * scale:
            raise NotIntegrableError(
                f"quadrature of the Gaussian moments of {act.name!r} did not converge "
                f"(error estimate {err:.2e} for E f^2 = {mp.nstr(m2, 8)}); "
                "the activation may have a non-integrable singularity"
            )

        cf = closed_forms(act, time_budget) if exact else ClosedForms(None, None, None, "not asked")
        is_exact = False
        reason = cf.reason
        exprs: dict[str, str | None] = {"mean": None, "eta": None, "zeta": None}
        mean_v, eta_v, zeta_v = mean_q, eta_q, zeta_q
        if cf.complete:
            sub = {SIGMA: sp.Rational(repr(sw)) * sp.Rational(repr(sx))}
            ev = [sp.N(e.subs(sub), dps) for e in (cf.mean, cf.eta, cf.zeta)]
            cand = [mp.mpf(str(v)) for v in ev]
            ok = all(
                abs(c - q) <= 100 * err + 10.0 ** (-(digits - 2)) * max(scale, 1.0)
                for c, q in zip(cand, (mean_q, eta_q, zeta_q))
            )
            if ok:
                is_exact = True
                mean_v, eta_v, zeta_v = cand
                exprs = {"mean": str(cf.mean), "eta": str(cf.eta), "zeta": str(cf.zeta)}
                reason = ""
            else:  # pragma: no cover - would mean a sympy bug
                reason = "sympy's closed form disagreed with quadrature and was discarded"
        values = {
            k: mp.nstr(v, digits) for k, v in (("mean", mean_v), ("eta", eta_v), ("zeta", zeta_v))
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
            digits=digits if act.is_symbolic else min(digits, 15),
            error=err,
            method="closed form" if is_exact else "quadrature",
            reason=reason,
            values=values,
        )
    _CONST_CACHE[key] = out
    return out


def clear_caches() -> None:
    """Forget every cached closed form and constant (for benchmarks and tests)."""
    _CLOSED_CACHE.clear()
    _CONST_CACHE.clear()


def _hermite_e(k: int, z):
    """Probabilists' Hermite polynomial He_k(z) by its three-term recurrence."""
    if k == 0:
        return mp.mpf(1)
    a, b = mp.mpf(1), z
    for n in range(1, k):
        a, b = b, z * b - n * a
    return b


def derivative_moments(
    act: Any, sigma_w: float = 1.0, sigma_x: float = 1.0, *, digits: int = 20
) -> dict[str, float]:
    r"""Moments involving :math:`f'` used by kernel models (NTK, linear equivalents).

    Returns ``{"fprime_mean": E f'(σz), "fprime_sq": E f'(σz)^2,
    "f_fprime": E f(σz) f'(σz)}`` by mpmath quadrature.

    Raises
    ------
    NotIntegrableError
        If :math:`f` has jumps (its derivative is not a function).
    """
    act = activation(act)
    sw, sx = check_sigma(sigma_w, "sigma_w"), check_sigma(sigma_x, "sigma_x")
    sigma = sw * sx
    d = act.derivative
    if d.has(sp.DiracDelta):
        raise NotIntegrableError(f"activation {act.name!r} has jumps: E f'^2 is infinite")
    _check_integrable(act, sigma, act.name)
    fp = sp.lambdify(X, d, modules="mpmath")
    f = act.mpmath()
    dps = digits + 10
    pts = _break_points(act, sigma)
    with mp.workdps(dps):
        s = mp.mpf(sigma)
        out = {
            "fprime_mean": _quad(lambda z: fp(s * z) * _gauss(z), pts, dps)[0],
            "fprime_sq": _quad(lambda z: fp(s * z) ** 2 * _gauss(z), pts, dps)[0],
            "f_fprime": _quad(lambda z: f(s * z) * fp(s * z) * _gauss(z), pts, dps)[0],
        }
    return {k: float(v) for k, v in out.items()}
