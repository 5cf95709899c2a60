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
from types import ModuleType
from typing import Any

__all__ = ["sympy", "mpmath", "LazyModule"]


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
