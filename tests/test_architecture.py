"""The layout's promises: nothing imports upward, no import cycles, modules stay small,
and ``validation`` is only importable as ``rmttheory.validation``."""

from __future__ import annotations

import ast
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).parents[1] / "rmttheory"

#: rank of each top-level part of the package: a module may import only parts of a
#: lower rank, or modules of its own part
RANK = {
    "errors": 0,
    "_lazy": 0,
    "_params": 1,
    "resources": 1,
    "_process": 1,
    "_disk_cache": 1,
    "_generated": 1,
    "plot": 2,
    "data": 2,
    "registry": 2,
    "activation": 3,
    "_numerics": 4,
    "constants": 5,
    "equation": 6,
    "codegen": 7,
    "solver": 7,
    "distributions": 8,
    "kernels": 9,
    "regression": 10,
    "local_statistics": 9,
    "hessians": 9,
    "algebra": 9,
    "validation": 11,
    "figures": 12,
    "cli": 13,
}


def _modules() -> dict[str, pathlib.Path]:
    out = {}
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _imports(name: str, path: pathlib.Path) -> set[str]:
    pkg = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg.split(".")
                base = base[: len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            found.add(mod)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return {m for m in found if m == "rmttheory" or m.startswith("rmttheory.")}


def _part(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_nothing_imports_upward():
    bad = []
    for name, path in _modules().items():
        if name == "rmttheory":
            continue  # the package's __init__ re-exports the public API
        src = _part(name)
        assert src in RANK, f"{name}: unknown part {src!r}; add it to RANK and to the docs"
        for dep in _imports(name, path):
            dst = _part(dep)
            if dst and dst != src and RANK[dst] >= RANK[src]:
                bad.append(f"{name} -> {dep}")
    assert not bad, "upward imports: " + ", ".join(sorted(bad))


def test_no_import_cycles():
    mods = _modules()
    graph = {n: {d for d in _imports(n, p) if d in mods and d != n} for n, p in mods.items()}
    state: dict[str, int] = {}

    def visit(n: str, stack: list[str]) -> None:
        state[n] = 1
        for d in graph[n]:
            if d == "rmttheory" or n == "rmttheory":
                continue
            if state.get(d) == 1:
                pytest.fail("import cycle: " + " -> ".join([*stack, n, d]))
            if d not in state:
                visit(d, [*stack, n])
        state[n] = 2

    for n in graph:
        if n not in state:
            visit(n, [])


def test_modules_stay_small():
    big = {
        str(p.relative_to(ROOT.parent)): n
        for p in ROOT.rglob("*.py")
        if (n := len(p.read_text().splitlines())) > 420
    }
    assert not big, f"modules over ~400 lines: {big}"


def test_validation_is_not_a_top_level_package(tmp_path):
    code = "import importlib.util as u; print(u.find_spec('validation') is None)"
    r = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert r.stdout.strip() == "True", r.stderr
    r = subprocess.run(
        [sys.executable, "-c", "import rmttheory.validation.report"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr


def test_lazy_package_names_resolve_and_import_late():
    """The packages that import their names at first use (``_lazy.lazy_attributes``) list the
    same names in ``__all__`` (a literal, for static tools) and in their lazy map, each
    resolving to the object of the module the map names; a fresh ``import rmttheory`` loads
    no law (``rmttheory.distributions``) and no constants."""
    import importlib

    for name, eager in (("rmttheory", 9), ("rmttheory.distributions", 0)):
        mod = importlib.import_module(name)
        lazy = mod._WHERE
        assert len(mod.__all__) == len(set(mod.__all__)) == len(lazy) + eager
        assert set(lazy) <= set(mod.__all__)
        for attr in mod.__all__:
            obj = getattr(mod, attr)
            if attr in lazy:
                assert obj is getattr(importlib.import_module(lazy[attr]), attr)
    probe = "import sys, rmttheory; print(sorted(m for m in sys.modules if m in "
    probe += "('rmttheory.distributions', 'rmttheory.constants', 'sympy')))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
