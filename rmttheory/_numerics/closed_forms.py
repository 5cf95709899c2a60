r"""Closed forms of Gaussian moments of an activation: a derived table, then sympy.

For :math:`z\sim\mathcal N(0,1)` and :math:`\sigma = \sigma_w\sigma_x` we want
:math:`\mathbb E f(\sigma z)`, :math:`\mathbb E f(\sigma z)^2` and
:math:`\mathbb E[z f(\sigma z)]` as expressions in :data:`SIGMA`.

* **Registered activations** have a table of closed forms (derived once with
  sympy, and by hand for ELU, whose negative half sympy cannot integrate:
  :math:`\int_{-\infty}^0 e^{\sigma z}\varphi(z)dz = e^{\sigma^2/2}\Phi(-\sigma)`,
  :math:`\int_{-\infty}^0 z e^{\sigma z}\varphi(z)dz = \sigma e^{\sigma^2/2}\Phi(-\sigma) - 1/\sqrt{2\pi}`).
  The table makes exactness independent of the machine's speed; every entry is
  still checked against 30-digit quadrature by :func:`rmttheory.constants.gaussian_constants`
  before it is reported (``tests/test_constants.py`` checks them too).
* **Other expressions**: sympy's integrator, helped by two rules it lacks (the
  arcsine law for :math:`\mathbb E[\mathrm{erf}(az)\mathrm{erf}(bz)]` and Stein
  reduction :math:`\mathbb E[z h(z)] = \mathbb E[h'(z)]`), under a budget of
  **CPU** seconds (so a loaded machine does not change the answer).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import sympy as sp

from rmttheory import _disk_cache
from rmttheory.activation import Activation
from rmttheory.registry import DEFAULT_PARAMETERS, X

__all__ = ["SIGMA", "ClosedForms", "closed_forms", "clear_cache"]

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


@dataclass(frozen=True)
class ClosedForms:
    """Closed forms in :data:`SIGMA` of ``E f``, ``E f^2`` and ``E z f``, or why not."""

    mean: sp.Expr | None
    second_moment: sp.Expr | None
    first_hermite: sp.Expr | None
    reason: str = ""
    source: str = ""

    @property
    def complete(self) -> bool:
        """True when all three closed forms are known."""
        return None not in (self.mean, self.second_moment, self.first_hermite)

    @cached_property
    def eta(self) -> sp.Expr | None:
        """:math:`\\mathbb E f^2 - (\\mathbb E f)^2`, or None."""
        m, m2 = self.mean, self.second_moment
        if m is None or m2 is None or self.first_hermite is None:
            return None
        return sp.simplify(m2 - m**2)

    @cached_property
    def zeta(self) -> sp.Expr | None:
        """:math:`(\\mathbb E z f)^2`, or None."""
        h = self.first_hermite
        if h is None or not self.complete:
            return None
        return sp.simplify(h**2)

    @cached_property
    def evaluator(self) -> Callable[[Any], tuple[Any, Any, Any]] | None:
        """``sigma -> (mean, eta, zeta)`` in mpmath (lambdified once), or None."""
        if self.mean is None or self.eta is None or self.zeta is None:
            return None
        fn = sp.lambdify(SIGMA, [self.mean, self.eta, self.zeta], "mpmath")
        return lambda sigma: tuple(fn(sigma))


# ---------------------------------------------------------------------------
# the table of registered activations
# ---------------------------------------------------------------------------
def _table() -> dict[str, Callable[..., tuple[sp.Expr, sp.Expr, sp.Expr]]]:
    s, pi = SIGMA, sp.pi
    sq2pi = sp.sqrt(2 * pi)
    phi_minus = lambda a: sp.erfc(a / sp.sqrt(2)) / 2  # noqa: E731  Phi(-a)

    def leaky(slope: sp.Expr):
        return (s * (1 - slope) / sq2pi, s**2 * (slope**2 + 1) / 2, s * (slope + 1) / 2)

    def elu(alpha: sp.Expr):
        e1 = sp.exp(s**2 / 2) * phi_minus(s)
        e2 = sp.exp(2 * s**2) * phi_minus(2 * s)
        return (
            s / sq2pi + alpha * (e1 - sp.Rational(1, 2)),
            s**2 / 2 + alpha**2 * (e2 - 2 * e1 + sp.Rational(1, 2)),
            s / 2 + alpha * s * e1,
        )

    gelu_m2 = (
        s**2
        * (
            s**2
            + (s**2 + 1) * sp.sqrt(2 * s**2 + 1) * sp.asin(s**2 / (s**2 + 1)) / 2
            + pi * (s**2 + 1) * sp.sqrt(2 * s**2 + 1) / 4
        )
        / (pi * (s**2 + 1) * sp.sqrt(2 * s**2 + 1))
    )
    r2 = sp.sqrt(2)
    return {
        "relu": lambda: (s / sq2pi, s**2 / 2, s / 2),
        "leaky_relu": leaky,
        "elu": elu,
        "gelu": lambda: (s**2 / (sq2pi * sp.sqrt(s**2 + 1)), gelu_m2, s / 2),
        "hardtanh": lambda: (
            sp.S.Zero,
            s**2 * sp.erf(r2 / (2 * s))
            - r2 * s * sp.exp(-1 / (2 * s**2)) / sp.sqrt(pi)
            - sp.erf(r2 / (2 * s))
            + 1,
            s * sp.erf(r2 / (2 * s)),
        ),
        "abs": lambda: (r2 * s / sp.sqrt(pi), s**2, sp.S.Zero),
        "cos": lambda: (sp.exp(-(s**2) / 2), (1 + sp.exp(-2 * s**2)) / 2, sp.S.Zero),
        "sin": lambda: (sp.S.Zero, (1 - sp.exp(-2 * s**2)) / 2, s * sp.exp(-(s**2) / 2)),
        "erf": lambda: (
            sp.S.Zero,
            2 * sp.asin(2 * s**2 / (2 * s**2 + 1)) / pi,
            2 * s / (sp.sqrt(pi) * sp.sqrt(2 * s**2 + 1)),
        ),
        "linear": lambda: (sp.S.Zero, s**2, s),
    }


# ---------------------------------------------------------------------------
# sympy search under a CPU-time budget
# ---------------------------------------------------------------------------
class _OutOfTime(Exception):
    pass


@contextmanager
def _cpu_time_limit(seconds: float):
    """Raise :class:`_OutOfTime` inside the block after ``seconds`` of this process's CPU time."""
    if seconds <= 0:
        raise _OutOfTime
    if threading.current_thread() is not threading.main_thread() or not hasattr(
        signal, "setitimer"
    ):
        raise _OutOfTime  # no safe way to interrupt sympy here: skip symbolic work

    def handler(signum, frame):  # noqa: ARG001
        raise _OutOfTime

    old = signal.signal(signal.SIGPROF, handler)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, old)


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


_CACHE: dict[str, ClosedForms] = {}


def closed_forms(act: Activation, time_budget: float = 3.0) -> ClosedForms:
    """Closed forms in :data:`SIGMA` of the Gaussian moments of ``act``, if known or found.

    Parameters
    ----------
    act
        The activation.
    time_budget
        CPU seconds allowed to sympy for an expression outside the table.

    Returns
    -------
    ClosedForms
        ``complete`` tells whether all three were found; ``source`` is
        ``"table"`` or ``"sympy"``; ``reason`` says why not otherwise.

    Examples
    --------
    >>> from rmttheory.activation import activation
    >>> closed_forms(activation("relu")).first_hermite
    sigma/2
    """
    if act.expr is None:
        return ClosedForms(None, None, None, "a Python callable has no expression")
    cached = _CACHE.get(act.key)
    if cached is not None:
        return cached
    disk_key = f"{act.key}|{time_budget!r}"
    out = _from_record(_disk_cache.load("closed_forms", disk_key))
    if out is not None:
        _CACHE[act.key] = out
        return out
    if act.registered is not None:
        name, params = act.registered
        builder = _table().get(name)
        if builder is not None:
            given = {**DEFAULT_PARAMETERS.get(name, {}), **dict(params)}
            exact = {k: sp.nsimplify(sp.sympify(v), rational=True) for k, v in given.items()}
            out = ClosedForms(*builder(**exact), source="table")
    if out is None:
        reason = _symbolic_candidate(act.expr)
        if reason:
            out = ClosedForms(None, None, None, reason)
        else:
            g = act.expr.subs(X, SIGMA * _Z)
            vals: list[sp.Expr] = []
            try:
                with _cpu_time_limit(time_budget):
                    for integrand in (g, g**2, _Z * g):
                        vals.append(sp.simplify(_expect(integrand)))
                out = ClosedForms(vals[0], vals[1], vals[2], source="sympy")
            except _OutOfTime:
                out = ClosedForms(
                    None,
                    None,
                    None,
                    f"no closed form within the time budget ({time_budget:g} CPU seconds)",
                )
            except (ValueError, NotImplementedError, TypeError, AttributeError) as exc:
                out = ClosedForms(None, None, None, f"sympy found no closed form ({exc})")
    _CACHE[act.key] = out
    _disk_cache.store("closed_forms", disk_key, _record(out))
    return out


def _record(cf: ClosedForms) -> dict[str, Any]:
    """A JSON record of ``cf`` (expressions as ``sympy.srepr``, eta and zeta included: their
    simplification is the costly part of a table entry)."""
    rep = lambda e: None if e is None else sp.srepr(e)  # noqa: E731
    return {
        "mean": rep(cf.mean),
        "second_moment": rep(cf.second_moment),
        "first_hermite": rep(cf.first_hermite),
        "eta": rep(cf.eta),
        "zeta": rep(cf.zeta),
        "reason": cf.reason,
        "source": cf.source,
    }


def _from_record(rec: Any) -> ClosedForms | None:
    """The :class:`ClosedForms` of a :func:`_record` from the disk cache, or None when the
    record is absent or malformed (then the caller recomputes)."""
    if not isinstance(rec, dict):
        return None
    try:
        ex = {k: None if rec[k] is None else sp.sympify(rec[k]) for k in _RECORD_EXPRS}
        out = ClosedForms(
            ex["mean"],
            ex["second_moment"],
            ex["first_hermite"],
            str(rec["reason"]),
            str(rec["source"]),
        )
        if out.complete and (ex["eta"] is None or ex["zeta"] is None):
            return None
        if out.complete:  # the simplified forms, as computed when the record was written
            out.__dict__["eta"], out.__dict__["zeta"] = ex["eta"], ex["zeta"]
        return out
    except (KeyError, TypeError, ValueError, SyntaxError, sp.SympifyError):
        return None


_RECORD_EXPRS = ("mean", "second_moment", "first_hermite", "eta", "zeta")


def clear_cache() -> None:
    """Forget every cached closed form (benchmarks measure cold starts with this)."""
    _CACHE.clear()
