r"""Activation functions as exact sympy expressions.

An :class:`Activation` wraps a sympy expression :math:`f(x)` of one real variable
``x`` (the pre-activation).  From that single expression it derives

* the derivative :math:`f'(x)` (``Max``/``Min``/``Abs`` are rewritten as
  ``Piecewise``, so the derivative is piecewise, never a ``Heaviside`` that
  numeric back ends cannot evaluate),
* vectorized numpy, torch and mpmath callables (``numpy()``, ``torch()``,
  ``mpmath()``), all generated from the same expression.

Activations are built by :func:`activation` from

(a) a string in sympy syntax of the variable ``x``, e.g. ``"tanh(x)"``,
    ``"Max(x, 0)"``, ``"x*(1 + erf(x/sqrt(2)))/2"``; the registered names may be
    used as functions inside it (``"relu(x) - relu(-x)/10"``);
(b) a registered name (see :data:`REGISTRY`), with parameters as keyword
    arguments (``activation("leaky_relu", slope=0.1)``) or in the string
    (``activation("leaky_relu:slope=0.1")``, the command line's grammar
    ``NAME:key=value,key=value``);
(c) a sympy expression in ``x``;
(d) a plain Python callable acting on numpy arrays.  Such an activation has no
    expression: only the numeric path (quadrature, sampling) accepts it, and
    every symbolic request says so.

Examples
--------
>>> from rmttheory import activation
>>> act = activation("relu")
>>> act.expr
Max(0, x)
>>> act.derivative
Piecewise((0, x <= 0), (1, True))
>>> import numpy as np
>>> act.numpy()(np.array([-1.0, 2.0]))
array([0., 2.])
"""

from __future__ import annotations

import inspect
import re
import tokenize
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

import mpmath as mp
import numpy as np
import sympy as sp
from sympy.core.function import AppliedUndef

from rmttheory.errors import ActivationError
from rmttheory.registry import (
    ALIASES,
    REGISTRY,
    X,
    lambdify_numpy,
    registered_names,
    registry_lambdas,
)

__all__ = ["Activation", "activation", "REGISTRY", "X", "registered_names"]


def _parse(text: str) -> sp.Expr:
    from sympy.parsing.sympy_parser import parse_expr, standard_transformations

    local = {"x": X, "e": sp.E, "pi": sp.pi, **registry_lambdas()}
    try:
        expr = parse_expr(text, local_dict=local, transformations=standard_transformations)
    except SyntaxError as exc:
        where = f" at column {exc.offset}" if exc.offset else ""
        raise ActivationError(f"cannot parse activation {text!r}{where}: {exc.msg}") from None
    except tokenize.TokenError as exc:
        raise ActivationError(
            f"cannot parse activation {text!r}: {exc.args[0]} (unbalanced brackets?)"
        ) from None
    except Exception as exc:  # sympy raises many types on malformed input
        raise ActivationError(f"cannot parse activation {text!r}: {exc}") from None
    if not isinstance(expr, sp.Expr):
        raise ActivationError(f"activation {text!r} is not an expression of x")
    return expr


def _check_expr(expr: sp.Expr, source: str) -> sp.Expr:
    expr = sp.sympify(expr)
    # Accept expressions written with a plain (non-real) Symbol('x').
    others = [s for s in expr.free_symbols if s != X]
    plain_x = [s for s in others if s.name == "x"]
    if plain_x:
        expr = expr.subs(plain_x[0], X)
        others = [s for s in others if s.name != "x"]
    if others:
        names = ", ".join(sorted(str(s) for s in others))
        raise ActivationError(f"activation {source!r} has free symbols other than x: {names}")
    undefined = sorted({str(f.func) for f in expr.atoms(AppliedUndef)})
    if undefined:
        raise ActivationError(
            f"activation {source!r} uses unknown function(s): {', '.join(undefined)}"
        )
    if expr.has(sp.I) or expr.has(sp.zoo) or expr.has(sp.nan) or expr.has(sp.oo):
        raise ActivationError(f"activation {source!r} is not a finite real expression")
    # Floats typed by a user become exact rationals so closed forms stay exact.
    if expr.atoms(sp.Float):
        expr = sp.nsimplify(expr, rational=True)
    return expr


@dataclass(frozen=True)
class Activation:
    """An activation function :math:`f`, exact when it has an expression.

    Parameters
    ----------
    name
        Display name (the registered name, or the expression as typed).
    expr
        The sympy expression of ``x`` (:data:`X`), or ``None`` for a callable.
    func
        For the numeric path only: a callable acting elementwise on numpy arrays.
    registered
        The registered name and parameters it was built from, if any.

    Examples
    --------
    >>> act = activation("gelu")
    >>> act.kinks(), float(act.numpy()(np.array([0.0]))[0])
    ([], 0.0)

    Notes
    -----
    Nothing is centered here: :math:`f` is exactly what the user wrote.  The
    Gaussian constants (:mod:`rmttheory.gaussian`) report the mean
    :math:`\\mathbb{E} f(\\sigma z)` and the theory uses :math:`f - \\mathbb{E} f`.
    """

    name: str
    expr: sp.Expr | None = None
    func: Callable[[np.ndarray], np.ndarray] | None = field(default=None, compare=False)
    #: ``(name, ((key, value), ...))`` when built from the registry, else None
    registered: tuple[str, tuple[tuple[str, Any], ...]] | None = field(default=None, compare=False)

    # -- identity ---------------------------------------------------------------
    @property
    def is_symbolic(self) -> bool:
        """True when the activation has an exact expression."""
        return self.expr is not None

    @cached_property
    def key(self) -> str:
        """A string identifying the function (used for caching)."""
        if self.expr is not None:
            return sp.srepr(self.expr)
        return f"callable:{id(self.func)}"

    def _require_expr(self, what: str) -> sp.Expr:
        if self.expr is None:
            raise ActivationError(
                f"activation {self.name!r} is a Python callable: {what} needs an "
                "expression (callables are accepted for the numeric path only)"
            )
        return self.expr

    # -- symbolic ---------------------------------------------------------------
    @cached_property
    def piecewise(self) -> sp.Expr:
        """The expression with ``Max``, ``Min``, ``Abs``, ``Heaviside``, ``sign``
        rewritten as ``Piecewise`` (what numeric back ends evaluate)."""
        e = self._require_expr("a piecewise form")
        return e.rewrite(sp.Piecewise)

    @cached_property
    def derivative(self) -> sp.Expr:
        """:math:`f'(x)`, piecewise where :math:`f` has kinks.

        The value at a kink is the one ``Piecewise`` assigns; it is irrelevant
        for Gaussian expectations.  A jump of :math:`f` gives a ``DiracDelta``.
        """
        smooth = sp.piecewise_fold(sp.diff(self.piecewise, X)).rewrite(sp.Piecewise)
        # Differentiating Piecewise drops jumps: add them back as Dirac masses.
        jumps = sp.S.Zero
        for k in self.kinks():
            kk = sp.nsimplify(k, rational=True)
            step = self._jump(kk)
            if step != 0:
                jumps += step * sp.DiracDelta(X - kk)
        return smooth + jumps

    def _jump(self, k: sp.Expr) -> sp.Expr:
        """f(k+) - f(k-); sympy's ``limit`` mishandles Piecewise, so substitute k +- eps."""
        eps = sp.Symbol("eps", positive=True)
        sides = []
        for sgn in (1, -1):
            v = self.piecewise.subs(X, k + sgn * eps)
            v = sp.piecewise_fold(v)
            if v.has(sp.Piecewise):  # conditions did not resolve: go numeric
                with mp.workdps(60):
                    f = self.mpmath()
                    num = f(mp.mpf(k) + sgn * mp.mpf("1e-40"))
                sides.append(sp.nsimplify(float(num), rational=True))
            else:
                sides.append(sp.limit(v, eps, 0, dir="+"))
        return sp.simplify(sides[0] - sides[1])

    def kinks(self) -> list[float]:
        """Real points where :math:`f` or :math:`f'` may be non-smooth.

        Used as break points of quadrature (a kink inside an interval costs
        tanh–sinh quadrature most of its digits).
        """
        if self.expr is None:
            return [0.0]
        points: set[float] = set()
        candidates = []
        for pw in self.piecewise.atoms(sp.Piecewise):
            for _, cond in pw.args:
                candidates.extend(cond.atoms(sp.core.relational.Relational))
        for rel in candidates:
            try:
                sol = sp.solveset(rel.lhs - rel.rhs, X, domain=sp.S.Reals)
            except Exception:  # pragma: no cover - exotic conditions
                continue
            if isinstance(sol, sp.FiniteSet):
                for s in sol:
                    if s.is_real:
                        points.add(float(s))
        return sorted(points)

    # -- numeric callables ------------------------------------------------------
    @cached_property
    def _numpy(self) -> Callable[[np.ndarray], np.ndarray]:
        if self.expr is None:
            return self.func  # type: ignore[return-value]
        raw = lambdify_numpy(self.piecewise)

        def f(x: np.ndarray) -> np.ndarray:
            x = np.asarray(x, dtype=float)
            with np.errstate(over="ignore"):
                out = raw(x)
            fresh = isinstance(out, np.ndarray) and out.dtype == np.float64
            if fresh and out.shape == x.shape and not np.may_share_memory(out, x):
                return out  # a fresh array already (no copy of a large sample)
            return np.broadcast_to(np.asarray(out, dtype=float), x.shape).copy()

        return f

    def numpy(self) -> Callable[[np.ndarray], np.ndarray]:
        """A vectorized numpy callable :math:`x \\mapsto f(x)` (float64)."""
        return self._numpy

    def numpy_derivative(self) -> Callable[[np.ndarray], np.ndarray]:
        """A vectorized numpy callable of :math:`f'`."""
        d = self.derivative
        if d.has(sp.DiracDelta):
            raise ActivationError(f"activation {self.name!r} has jumps: f' is not a function")
        raw = lambdify_numpy(d)
        return lambda x: np.broadcast_to(
            np.asarray(raw(np.asarray(x, float)), float), np.shape(x)
        ).copy()

    @cached_property
    def _torch(self) -> Callable:
        import torch

        if self.expr is None:
            func = self.func

            def wrapped(t: torch.Tensor) -> torch.Tensor:
                arr = func(t.detach().cpu().numpy())  # type: ignore[misc]
                return torch.as_tensor(arr, dtype=t.dtype, device=t.device)

            return wrapped
        # Numeric constants (sqrt(2), pi) become floats: torch functions reject Python ints.
        numeric = self.piecewise.replace(
            lambda e: isinstance(e, sp.Expr) and e.is_number and not e.is_Number,
            lambda e: sp.Float(sp.N(e, 20), 20),
        )
        raw = sp.lambdify(X, numeric, modules="torch")

        def f(t: torch.Tensor) -> torch.Tensor:
            out = raw(t)
            if not isinstance(out, torch.Tensor):  # constant expression
                out = torch.full_like(t, float(out))
            return out

        return f

    def torch(self) -> Callable:
        """A torch callable :math:`f` acting elementwise on tensors of any device.

        For a Python callable activation the tensor makes a round trip through
        numpy (CPU); only symbolic activations run natively on a GPU.
        """
        return self._torch

    @cached_property
    def _mpmath(self) -> Callable:
        if self.expr is None:
            func = self.func
            return lambda v: float(np.asarray(func(np.array([float(v)])))[0])  # type: ignore[misc]
        return sp.lambdify(X, self.piecewise, modules="mpmath")

    def mpmath(self) -> Callable:
        """A scalar mpmath callable of :math:`f` (for high-precision quadrature).

        For a Python callable this evaluates in double precision only.
        """
        return self._mpmath

    def __str__(self) -> str:
        return self.name


def activation(spec: Any, **params: Any) -> Activation:
    """Build an :class:`Activation` from a name, a string, an expression or a callable.

    Parameters
    ----------
    spec
        A registered name (``"relu"``, ``"leaky_relu"``, ``"gelu"``, ...), a
        string in sympy syntax of ``x``, a sympy expression of ``x``, an
        :class:`Activation` (returned as is), or a Python callable on numpy
        arrays (numeric path only).
    **params
        Parameters of a registered activation (``slope`` for ``leaky_relu``,
        ``alpha`` for ``elu``).

    Returns
    -------
    Activation

    Raises
    ------
    ActivationError
        For an expression that does not parse (the message says where), an
        unknown function, a free symbol other than ``x``, or unknown parameters.

    Examples
    --------
    >>> activation("leaky_relu:slope=0.2").expr
    Piecewise((x, x > 0), (x/5, True))
    >>> activation("tanh(x) + x/10").name
    'tanh(x) + x/10'
    """
    if isinstance(spec, Activation):
        if params:
            raise ActivationError("parameters can only be given with a registered name")
        return spec
    if isinstance(spec, str):
        try:
            return _from_string(spec, tuple(sorted(params.items())))
        except TypeError:  # unhashable parameter values: build uncached
            return _from_string.__wrapped__(spec, tuple(sorted(params.items())))
    if isinstance(spec, sp.Basic):
        return Activation(str(spec), _check_expr(spec, str(spec)))
    if callable(spec):
        name = getattr(spec, "__name__", "callable")
        return Activation(f"<callable {name}>", None, spec)
    raise ActivationError(f"cannot make an activation from {type(spec).__name__}")


def _split_parameters(text: str) -> tuple[str, dict[str, str]]:
    """``NAME:key=value,...`` -> (NAME, {key: value}) when NAME is registered."""
    name, sep, rest = text.partition(":")
    key = name.strip().lower()
    if not sep or ALIASES.get(key, key) not in REGISTRY:
        return text, {}
    params = {}
    for item in filter(None, (i.strip() for i in rest.split(","))):
        k, eq, v = item.partition("=")
        if not eq or not k.strip():
            raise ActivationError(f"bad activation parameter {item!r}: expected key=value")
        params[k.strip()] = v.strip()
    return name.strip(), params


@lru_cache(maxsize=512)
def _from_string(spec: str, param_items: tuple) -> Activation:
    """Build (and memoize) an activation from a name or an expression string."""
    params = dict(param_items)
    text, inline = _split_parameters(spec.strip())
    if inline and params:
        raise ActivationError("give parameters either in the string or as keywords, not both")
    params = params or inline
    name = ALIASES.get(text.lower(), text.lower())
    if name in REGISTRY:
        builder, _ = REGISTRY[name]
        allowed = list(inspect.signature(builder).parameters)
        unknown = sorted(set(params) - set(allowed))
        if unknown:
            takes = f"its parameters: {', '.join(allowed)}" if allowed else "it takes none"
            raise ActivationError(
                f"bad parameters for {name!r}: unknown {', '.join(unknown)}; {takes}"
            )
        try:
            expr = builder(**params)
        except (TypeError, ValueError) as exc:
            raise ActivationError(f"bad parameters for {name!r}: {exc}") from None
        label = (
            name
            if not params
            else name + "(" + ", ".join(f"{k}={v}" for k, v in sorted(params.items())) + ")"
        )
        return Activation(
            label, _check_expr(expr, text), registered=(name, tuple(sorted(params.items())))
        )
    if params:
        raise ActivationError(f"{text!r} is not a registered name; parameters not allowed")
    if not text:
        raise ActivationError("empty activation")
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", text) and text != "x":
        raise ActivationError(
            f"unknown activation {text!r}: use a registered name "
            f"({', '.join(registered_names())}) or an expression of x"
        )
    return Activation(text, _check_expr(_parse(text), text))
