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
import tokenize
from collections.abc import Callable
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from rmttheory.errors import ActivationError

if TYPE_CHECKING:
    import sympy as sp

    X: sp.Symbol
else:  # sympy is imported at its first use (rmttheory._lazy)
    from rmttheory._lazy import sympy as sp

__all__ = [
    "X",
    "REGISTRY",
    "DEFAULT_PARAMETERS",
    "ALIASES",
    "registered_names",
    "registry_lambdas",
    "lambdify_numpy",
    "parse_expression",
    "check_expression",
    "split_parameters",
    "shipped_numpy",
]


@cache
def _x() -> sp.Symbol:
    """:data:`X`, built at the first use (sympy is not imported before)."""
    return sp.Symbol("x", real=True)


def __getattr__(name: str) -> Any:
    if name == "X":  # the real variable in which every activation is written
        return _x()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
    return sp.Max(_x(), 0)


#: default parameters of the registered activations (one source for every module)
DEFAULT_PARAMETERS: dict[str, dict[str, str]] = {
    "leaky_relu": {"slope": "1/100"},
    "elu": {"alpha": "1"},
}


def _leaky_relu(slope: Any = DEFAULT_PARAMETERS["leaky_relu"]["slope"]) -> sp.Expr:
    a, x = _rational(slope, "slope"), _x()
    return sp.Piecewise((x, x > 0), (a * x, True))


def _elu(alpha: Any = DEFAULT_PARAMETERS["elu"]["alpha"]) -> sp.Expr:
    a, x = _rational(alpha, "alpha"), _x()
    return sp.Piecewise((x, x > 0), (a * (sp.exp(x) - 1), True))


def _hardtanh() -> sp.Expr:
    return sp.Max(-1, sp.Min(1, _x()))


#: parameter-free activations: name -> (builder, the expression as sympy prints it)
_SIMPLE: dict[str, tuple[Callable[[], sp.Expr], str]] = {
    "gelu": (lambda: _x() * (1 + sp.erf(_x() / sp.sqrt(2))) / 2, "x*(erf(sqrt(2)*x/2) + 1)/2"),
    "silu": (lambda: _x() / (1 + sp.exp(-_x())), "x/(1 + exp(-x))"),
    "softplus": (lambda: sp.log(1 + sp.exp(_x())), "log(exp(x) + 1)"),
    "sigmoid": (lambda: 1 / (1 + sp.exp(-_x())), "1/(1 + exp(-x))"),
    "tanh": (lambda: sp.tanh(_x()), "tanh(x)"),
    "erf": (lambda: sp.erf(_x()), "erf(x)"),
    "sin": (lambda: sp.sin(_x()), "sin(x)"),
    "cos": (lambda: sp.cos(_x()), "cos(x)"),
    "abs": (lambda: sp.Abs(_x()), "Abs(x)"),
    "linear": (_x, "x"),
}

#: Registered activations: name -> (builder taking keyword parameters, description).
REGISTRY: dict[str, tuple[Callable[..., sp.Expr], str]] = {
    "relu": (_relu, "max(x, 0)"),
    "leaky_relu": (_leaky_relu, "x for x > 0, slope*x otherwise (slope=1/100)"),
    "elu": (_elu, "x for x > 0, alpha*(exp(x) - 1) otherwise (alpha=1)"),
    "hardtanh": (_hardtanh, "max(-1, min(1, x))"),
    **_SIMPLE,
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
        out[name] = sp.Lambda(_x(), builder())
    for alias, target in ALIASES.items():
        out[alias] = out[target]
    return out


def parse_expression(text: str) -> sp.Expr:
    """Parse an activation written in sympy syntax of ``x``.

    Parameters
    ----------
    text
        The expression; registered names may be used as functions (``"relu(x)/2"``).

    Returns
    -------
    sympy.Expr
        The expression, in the real symbol :data:`X`.

    Raises
    ------
    ActivationError
        When the text does not parse (the message says where) or is not an expression.

    Examples
    --------
    >>> parse_expression("relu(x) - relu(-x)/10")
    -Max(0, -x)/10 + Max(0, x)
    """
    from sympy.parsing.sympy_parser import parse_expr, standard_transformations

    local = {"x": _x(), "e": sp.E, "pi": sp.pi, **registry_lambdas()}
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


def check_expression(expr: sp.Expr, source: str) -> sp.Expr:
    """Check an activation's expression and put it in canonical form.

    Parameters
    ----------
    expr
        A sympy expression (or anything ``sympify`` takes) of ``x``.
    source
        What the user wrote, for the error messages.

    Returns
    -------
    sympy.Expr
        The expression in the real symbol :data:`X` (a plain ``Symbol('x')`` replaced), its
        floats made exact rationals.

    Raises
    ------
    ActivationError
        For symbols other than ``x``, unknown functions, or non-finite values.

    Examples
    --------
    >>> import sympy
    >>> check_expression(sympy.Symbol("x") * 0.5, "x*0.5")
    x/2
    """
    from sympy.core.function import AppliedUndef

    X = _x()
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


def split_parameters(text: str) -> tuple[str, dict[str, str]]:
    """Split the command line's grammar ``NAME:key=value,...`` of a registered name.

    Parameters
    ----------
    text
        The activation as typed.

    Returns
    -------
    tuple
        ``(NAME, {key: value})`` when NAME is registered, else ``(text, {})``.

    Raises
    ------
    ActivationError
        For an item that is not ``key=value``.

    Examples
    --------
    >>> split_parameters("leaky_relu:slope=0.2")
    ('leaky_relu', {'slope': '0.2'})
    """
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
    >>> import sympy
    >>> x = sympy.Symbol("x", real=True)
    >>> float(lambdify_numpy(sympy.tanh(x))(0.5))
    0.46211715726000974
    """
    names = {type(f).__name__ for f in expr.atoms(sp.Function)}
    if names <= _NUMPY_FUNCTIONS | {"erf", "erfc"}:
        from sympy.printing.numpy import NumPyPrinter

        # numpy's printer writes erf and erfc as math.erf / math.erfc: _ArrayMath takes
        # arrays (no scipy.special import for the small arrays of a quadrature)
        printer = NumPyPrinter({"fully_qualified_modules": True})
        return sp.lambdify(_x(), expr, modules=[{"numpy": np, "math": _ArrayMath}], printer=printer)
    return sp.lambdify(_x(), expr, modules=["numpy", "scipy"])


def shipped_numpy(source: str) -> Callable[[np.ndarray], Any]:
    """Compile the shipped numpy code of a registered activation (no sympy needed).

    Parameters
    ----------
    source
        The code :func:`lambdify_numpy` writes, defining ``_lambdifygenerated(x)``, as
        shipped in :mod:`rmttheory._generated.activations`.

    Returns
    -------
    callable
        That function, in the namespace lambdify gives it (``numpy``; ``math`` for erf and
        erfc on arrays).

    Examples
    --------
    >>> f = shipped_numpy("def _lambdifygenerated(x):\\n    return numpy.tanh(x)\\n")
    >>> float(f(0.5))
    0.46211715726000974
    """
    namespace: dict[str, Any] = {"numpy": np, "math": _ArrayMath}
    exec(source, namespace)  # generated code (rmttheory.codegen), checked by the tests
    return namespace["_lambdifygenerated"]


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
