"""Every public function and class documents itself in numpydoc form, with a runnable example.

Public means: listed in a module's ``__all__`` (private modules, whose names start
with an underscore, are excluded).  A function needs ``Parameters`` (when it takes
any), ``Returns`` (when it returns something) and ``Examples``; a class needs
``Examples`` and, when its constructor takes arguments, ``Parameters`` (or
``Attributes`` for a dataclass of results).  The examples run as doctests
(``--doctest-modules``).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import rmttheory


def _public_objects():
    for info in pkgutil.walk_packages(rmttheory.__path__, "rmttheory."):
        name = info.name
        if any(part.startswith("_") for part in name.split(".")):
            continue
        mod = importlib.import_module(name)
        for attr in getattr(mod, "__all__", []):
            obj = getattr(mod, attr)
            if (inspect.isfunction(obj) or inspect.isclass(obj)) and obj.__module__ == name:
                yield f"{name}.{attr}", obj


OBJECTS = dict(_public_objects())


def _missing(obj) -> list[str]:
    doc = inspect.getdoc(obj) or ""
    need = []
    if inspect.isfunction(obj):
        sig = inspect.signature(obj)
        params = [p for p in sig.parameters.values() if p.name not in ("self", "cls")]
        if params and "Parameters\n" not in doc:
            need.append("Parameters")
        returns = sig.return_annotation
        if returns not in (None, "None", inspect.Signature.empty) and "Returns\n" not in doc:
            need.append("Returns")
    else:
        try:
            params = list(inspect.signature(obj).parameters)
        except ValueError:  # exception classes: no introspectable signature
            params = []
        if params and not any(s in doc for s in ("Parameters\n", "Attributes\n")):
            need.append("Parameters")
    if "Examples\n" not in doc:
        need.append("Examples")
    return need


def test_there_are_public_objects():
    assert len(OBJECTS) > 80


@pytest.mark.parametrize("name", sorted(OBJECTS))
def test_numpydoc_sections(name):
    assert not _missing(OBJECTS[name]), f"{name} lacks {', '.join(_missing(OBJECTS[name]))}"
