"""sympy and mpmath, imported on first use.

Importing sympy costs 0.35-0.5 s of every fresh process, yet the numeric path of a
registered activation never needs it: its cache key and its numpy code are shipped
(:mod:`rmttheory._generated.activations`) and its Gaussian constants are on disk.  The
modules that command-line runs import (:mod:`rmttheory.registry`,
:mod:`rmttheory.activation`) therefore refer to sympy through :data:`sympy`, a stand-in
that imports the real module at its first attribute access and then behaves as it.
Modules that only symbolic work imports (the equation, closed forms, the algebra) import
sympy directly.  mpmath (35-50 ms) likewise: a sample run with its constants on disk never
evaluates anything in high precision, so :mod:`rmttheory.activation`,
:mod:`rmttheory.constants` and :mod:`rmttheory._numerics.gaussian_quadrature` refer to it
through :data:`mpmath`.  ``tests/test_activation_fast.py`` checks that ``rmttheory sample`` of a
registered activation, with its constants on disk, never imports sympy.

Use it as::

    from typing import TYPE_CHECKING
    if TYPE_CHECKING:
        import sympy as sp
    else:
        from rmttheory._lazy import sympy as sp
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import ModuleType
from typing import Any

__all__ = ["sympy", "mpmath", "LazyModule", "lazy_attributes"]


class LazyModule:
    """A module imported at the first attribute access (then each attribute is cached).

    Parameters
    ----------
    name
        The module's import name.

    Examples
    --------
    >>> m = LazyModule("fractions")
    >>> m.Fraction(1, 3)
    Fraction(1, 3)
    """

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        if self._module is None:
            self._module = importlib.import_module(self._name)
        value = getattr(self._module, attr)
        setattr(self, attr, value)  # later accesses skip __getattr__
        return value

    def __repr__(self) -> str:
        state = "imported" if self._module is not None else "not imported yet"
        return f"<lazy module {self._name!r} ({state})>"


#: sympy, imported at the first attribute access
sympy = LazyModule("sympy")

#: mpmath, imported at the first attribute access
mpmath = LazyModule("mpmath")


def lazy_attributes(
    namespace: dict[str, Any], where: dict[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` (PEP 562) for a package whose names are imported from
    their modules at first use (then kept in the package's ``namespace``): ``import
    rmttheory`` then costs none of the laws a run does not touch (``rmttheory sample``
    builds its law on a helper thread while the sample is drawn).

    Parameters
    ----------
    namespace
        The package's ``globals()``.
    where
        Public name -> the module that defines it.

    Returns
    -------
    (callable, callable)
        The package's ``__getattr__`` and ``__dir__``.

    Examples
    --------
    >>> ns = {"__name__": "demo"}  # a package of that name
    >>> get, names = lazy_attributes(ns, {"Fraction": "fractions"})
    >>> get("Fraction")(1, 2), "Fraction" in names(), "Fraction" in ns
    (Fraction(1, 2), True, True)
    """

    package = namespace["__name__"]

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is not None:
            value = namespace[name] = getattr(importlib.import_module(module), name)
            return value
        if not name.startswith("_"):  # a submodule, as an eager package's imports bound them
            try:
                return importlib.import_module(f"{package}.{name}")
            except ModuleNotFoundError as exc:
                if exc.name != f"{package}.{name}":
                    raise
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted({*namespace, *where})

    return __getattr__, __dir__
