r"""Activation functions as exact sympy expressions.

An :class:`Activation` wraps a sympy expression :math:`f(x)` of one real variable
``x`` (the pre-activation).  From that single expression it derives

* the derivative :math:`f'(x)` (``Max``/``Min``/``Abs`` are rewritten as ``Piecewise``, so
  the derivative is piecewise, never a ``Heaviside`` that numeric back ends cannot evaluate),
* vectorized numpy, torch and mpmath callables (``numpy()``, ``torch()``, ``mpmath()``),
  all generated from the same expression (a registered name's numpy code is shipped).

Activations are built by :func:`activation` from

(a) a string in sympy syntax of the variable ``x``, e.g. ``"tanh(x)"``,
    ``"Max(x, 0)"``, ``"x*(1 + erf(x/sqrt(2)))/2"``; the registered names may be
    used as functions inside it (``"relu(x) - relu(-x)/10"``);
(b) a registered name (see :data:`REGISTRY`), with parameters as keyword arguments
    (``activation("leaky_relu", slope=0.1)``) or in the string (``activation(
    "leaky_relu:slope=0.1")``, the command line's grammar ``NAME:key=value,key=value``);
(c) a sympy expression in ``x``;
(d) a plain Python callable acting on numpy arrays.  Such an activation has no expression:
    only the numeric path (quadrature, sampling) accepts it; symbolic requests say so.

Examples
--------
>>> from rmttheory import activation
>>> act = activation("relu")
>>> act.expr
Max(0, x)
>>> act.derivative
Piecewise((0, x <= 0), (1, True))
>>> act.numpy()(np.array([-1.0, 2.0]))
array([0., 2.])
"""

from __future__ import annotations

import inspect
import re
import sys
from collections.abc import Callable
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from rmttheory._generated.activations import SHIPPED
from rmttheory.errors import ActivationError
from rmttheory.registry import (
    ALIASES,
    REGISTRY,
    _x,
    check_expression,
    lambdify_numpy,
    parse_expression,
    registered_names,
    shipped_numpy,
    split_parameters,
)

if TYPE_CHECKING:
    import sympy as sp

    X: sp.Symbol
else:  # sympy is imported at its first use (rmttheory._lazy)
    from rmttheory._lazy import sympy as sp

__all__ = ["Activation", "activation", "REGISTRY", "X", "registered_names"]


def __getattr__(name: str) -> Any:
    if name == "X":  # the real variable x of every expression (rmttheory.registry)
        return _x()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
    :math:`\\mathbb E f(\\sigma z)` and the theory uses :math:`f - \\mathbb E f`.

    A registered activation without parameters is built without sympy: its :attr:`key`
    and its numpy code are shipped (:mod:`rmttheory._generated.activations`, checked by
    ``tests/test_activation_fast.py``) and :attr:`expr` is built at its first use.
    Activations are immutable; two are equal when their names and keys are.
    """

    name: str
    func: Callable[[np.ndarray], np.ndarray] | None
    registered: tuple[str, tuple[tuple[str, Any], ...]] | None  # (name, ((key, value), ...))
    _shipped: tuple[str, str] | None  # (key, numpy source) when expr is built lazily

    def __init__(
        self,
        name: str,
        expr: sp.Expr | None = None,
        func: Callable[[np.ndarray], np.ndarray] | None = None,
        registered: tuple[str, tuple[tuple[str, Any], ...]] | None = None,
    ) -> None:
        self.__dict__.update(name=name, func=func, registered=registered, _shipped=None)
        if expr is not None:
            self.__dict__["expr"] = expr  # else the property builds it (when shipped)

    @classmethod
    def _lazy(cls, name: str, registered: tuple, shipped: tuple[str, str]) -> Activation:
        out = cls(name, None, None, registered)
        out.__dict__["_shipped"] = shipped
        return out

    def __setattr__(self, attr: str, value: Any) -> None:
        raise AttributeError(f"Activation is immutable (cannot set {attr!r})")

    @cached_property
    def expr(self) -> sp.Expr | None:
        """The sympy expression of ``x`` (:data:`X`), or ``None`` for a callable."""
        if self._shipped is None or self.registered is None:
            return None
        name, params = self.registered
        return check_expression(REGISTRY[name][0](**dict(params)), name)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Activation):
            return NotImplemented
        return (self.name, self.key) == (other.name, other.key)

    def __hash__(self) -> int:
        return hash((self.name, self.key))

    def __repr__(self) -> str:
        what = f"func={self.func!r}" if self.func is not None else f"expr={self.expr}"
        return f"Activation(name={self.name!r}, {what})"

    def __reduce__(self) -> tuple:
        if self.registered is not None:  # rebuilt from the registry (lazily, if shipped)
            return (_from_string, self.registered)
        return (Activation, (self.name, self.expr, self.func))

    @property
    def is_symbolic(self) -> bool:
        """True when the activation has an exact expression."""
        return self._shipped is not None or self.expr is not None

    @cached_property
    def key(self) -> str:
        """Identifies the function (caches): ``sympy.srepr`` of expr, or the callable's id."""
        if self._shipped is not None:
            return self._shipped[0]
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
        X = _x()
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
        import mpmath as mp  # here: a sample run never needs mpmath

        eps = sp.Symbol("eps", positive=True)
        sides = []
        for sgn in (1, -1):
            v = self.piecewise.subs(_x(), k + sgn * eps)
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
                sol = sp.solveset(rel.lhs - rel.rhs, _x(), domain=sp.S.Reals)
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
        if self._shipped is not None:  # lambdify's code for this expression, shipped
            raw = shipped_numpy(self._shipped[1])
        elif self.expr is None:
            return self.func  # type: ignore[return-value]
        else:
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
        raw = sp.lambdify(_x(), numeric, modules="torch")

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
        return sp.lambdify(_x(), self.piecewise, modules="mpmath")

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
    if "sympy" in sys.modules and isinstance(spec, sys.modules["sympy"].Basic):
        return Activation(str(spec), check_expression(spec, str(spec)))
    if callable(spec):
        name = getattr(spec, "__name__", "callable")
        return Activation(f"<callable {name}>", None, spec)
    raise ActivationError(f"cannot make an activation from {type(spec).__name__}")


@lru_cache(maxsize=512)
def _from_string(spec: str, param_items: tuple) -> Activation:
    """Build (and memoize) an activation from a name or an expression string."""
    params = dict(param_items)
    text, inline = split_parameters(spec.strip())
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
        registered = (name, tuple(sorted(params.items())))
        if not params and name in SHIPPED:  # no sympy: key and numpy code shipped
            return Activation._lazy(name, registered, SHIPPED[name])
        try:
            expr = builder(**params)
        except (TypeError, ValueError) as exc:
            raise ActivationError(f"bad parameters for {name!r}: {exc}") from None
        label = f"{name}({', '.join(f'{k}={v}' for k, v in registered[1])})" if params else name
        return Activation(label, check_expression(expr, text), registered=registered)
    if params:
        raise ActivationError(f"{text!r} is not a registered name; parameters not allowed")
    if not text:
        raise ActivationError("empty activation")
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", text) and text != "x":
        raise ActivationError(
            f"unknown activation {text!r}: use a registered name "
            f"({', '.join(registered_names())}) or an expression of x"
        )
    return Activation(text, check_expression(parse_expression(text), text))
