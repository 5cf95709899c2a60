"""Registered activations: names, parameters and their exact sympy expressions.

Each entry of :data:`REGISTRY` maps a name to a builder (keyword parameters, with
defaults in :data:`DEFAULT_PARAMETERS`) returning a sympy expression of :data:`X`.
:func:`rmttheory.activation` resolves names, aliases (:data:`ALIASES`) and the
command-line grammar ``NAME:key=value``.

Examples
--------
>>> "relu" in registered_names()
True
>>> REGISTRY["leaky_relu"][0](slope="1/5")
Piecewise((x, x > 0), (x/5, True))
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np
import sympy as sp

from rmttheory.errors import ActivationError

__all__ = [
    "X",
    "REGISTRY",
    "DEFAULT_PARAMETERS",
    "ALIASES",
    "registered_names",
    "registry_lambdas",
    "lambdify_numpy",
]

#: The real variable in which every activation is written.
X = sp.Symbol("x", real=True)


def _rational(value: Any, name: str) -> sp.Expr:
    try:
        e = sp.nsimplify(sp.sympify(value), rational=True)
        v = float(e)
    except (TypeError, ValueError, sp.SympifyError):
        raise ActivationError(f"parameter {name}={value!r} is not a number") from None
    if not math.isfinite(v):
        raise ActivationError(f"parameter {name}={value!r} must be finite")
    return e


def _relu() -> sp.Expr:
    return sp.Max(X, 0)


#: default parameters of the registered activations (one source for every module)
DEFAULT_PARAMETERS: dict[str, dict[str, str]] = {
    "leaky_relu": {"slope": "1/100"},
    "elu": {"alpha": "1"},
}


def _leaky_relu(slope: Any = DEFAULT_PARAMETERS["leaky_relu"]["slope"]) -> sp.Expr:
    a = _rational(slope, "slope")
    return sp.Piecewise((X, X > 0), (a * X, True))


def _elu(alpha: Any = DEFAULT_PARAMETERS["elu"]["alpha"]) -> sp.Expr:
    a = _rational(alpha, "alpha")
    return sp.Piecewise((X, X > 0), (a * (sp.exp(X) - 1), True))


def _hardtanh() -> sp.Expr:
    return sp.Max(-1, sp.Min(1, X))


_SIMPLE: dict[str, sp.Expr] = {
    "gelu": X * (1 + sp.erf(X / sp.sqrt(2))) / 2,
    "silu": X / (1 + sp.exp(-X)),
    "softplus": sp.log(1 + sp.exp(X)),
    "sigmoid": 1 / (1 + sp.exp(-X)),
    "tanh": sp.tanh(X),
    "erf": sp.erf(X),
    "sin": sp.sin(X),
    "cos": sp.cos(X),
    "abs": sp.Abs(X),
    "linear": X,
}

#: Registered activations: name -> (builder taking keyword parameters, description).
REGISTRY: dict[str, tuple[Callable[..., sp.Expr], str]] = {
    "relu": (_relu, "max(x, 0)"),
    "leaky_relu": (_leaky_relu, "x for x > 0, slope*x otherwise (slope=1/100)"),
    "elu": (_elu, "x for x > 0, alpha*(exp(x) - 1) otherwise (alpha=1)"),
    "hardtanh": (_hardtanh, "max(-1, min(1, x))"),
    **{name: ((lambda e: lambda: e)(expr), str(expr)) for name, expr in _SIMPLE.items()},
}
ALIASES = {"swish": "silu", "identity": "linear"}


def registered_names() -> list[str]:
    """Names accepted by :func:`rmttheory.activation` (aliases ``swish`` and ``identity`` too).

    Returns
    -------
    list of str

    Examples
    --------
    >>> registered_names()[:3]
    ['abs', 'cos', 'elu']
    """
    return sorted(REGISTRY)


@lru_cache(maxsize=1)
def registry_lambdas() -> dict[str, sp.Lambda]:
    """Every registered name (and alias) as a sympy ``Lambda``, usable inside expressions."""
    out = {}
    for name, (builder, _) in REGISTRY.items():
        out[name] = sp.Lambda(X, builder())
    for alias, target in ALIASES.items():
        out[alias] = out[target]
    return out


#: functions numpy evaluates itself; any other (erf, gamma, ...) needs scipy.special
_NUMPY_FUNCTIONS = frozenset(
    "exp log sin cos tan sinh cosh tanh asin acos atan asinh acosh atanh Abs sign Max Min "
    "Heaviside Piecewise re im floor ceiling".split()
)


def lambdify_numpy(expr: sp.Expr) -> Callable[[np.ndarray], Any]:
    """``expr`` (in :data:`X`) as a numpy function.  Where numpy's own functions suffice,
    the generated code calls ``numpy.<name>`` from a namespace holding only the numpy
    module: lambdify's default namespaces (``from numpy import *``, scipy.special) cost
    ~0.4 s of a fresh process.

    Parameters
    ----------
    expr
        A sympy expression in :data:`X`.

    Returns
    -------
    callable
        ``x -> expr(x)`` on numpy arrays (sympy's lambdify).

    Examples
    --------
    >>> float(lambdify_numpy(sp.tanh(X))(0.5))
    0.46211715726000974
    """
    names = {type(f).__name__ for f in expr.atoms(sp.Function)}
    if names <= _NUMPY_FUNCTIONS | {"erf", "erfc"}:
        from sympy.printing.numpy import NumPyPrinter

        # numpy's printer writes erf and erfc as math.erf / math.erfc: _ArrayMath takes
        # arrays (no scipy.special import for the small arrays of a quadrature)
        printer = NumPyPrinter({"fully_qualified_modules": True})
        return sp.lambdify(X, expr, modules=[{"numpy": np, "math": _ArrayMath}], printer=printer)
    return sp.lambdify(X, expr, modules=["numpy", "scipy"])


def _erf_like(name: str, x: Any) -> Any:
    """``math.<name>`` elementwise up to 4,096 points, ``scipy.special.<name>`` beyond
    (its import costs ~0.4 s of a fresh process; both are accurate to about one ulp)."""
    arr = np.asarray(x, dtype=float)
    if arr.size > 4096:
        from scipy import special

        return getattr(special, name)(arr)
    fn = getattr(math, name)
    return np.array([fn(v) for v in arr.ravel().tolist()], dtype=float).reshape(arr.shape)


class _ArrayMath:
    """The ``math`` of lambdified activations: erf and erfc on arrays."""

    @staticmethod
    def erf(x: Any) -> Any:
        return _erf_like("erf", x)

    @staticmethod
    def erfc(x: Any) -> Any:
        return _erf_like("erfc", x)
