"""A small on-disk cache of fixed results that cost seconds to compute in every process.

What goes here is a pure function of its key and of the package's code: Gaussian constants
(30-digit mpmath quadrature; float64 ones too, whose closed-form evaluation and cross-check
cost ~45 ms of sympy parsing and lambdify per process), closed forms (sympy), exact finite-size traces
(:func:`rmttheory.validation.finite_size.expected_trace`), the Wishart KS null.  A fresh
process (``rmttheory sample`` on the command line) then does only the work that depends on
its sample.

Layout: ``$RMTTHEORY_CACHE`` (default ``$XDG_CACHE_HOME/rmttheory``, else
``~/.cache/rmttheory``) holds one JSON table per namespace in a folder named by the
package version and a fingerprint of the source files that compute the cached values
(:func:`code_fingerprint`), so an edited or upgraded package never reads stale values.
``RMTTHEORY_CACHE=off`` disables it (every value is recomputed; nothing is written).

Best effort: an unreadable, corrupt or read-only cache costs only a recomputation; a
value is never trusted unless it parses into the expected shape (each user checks).
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["cache_root", "code_fingerprint", "load", "store", "flush"]

#: the modules whose code decides the cached values (their bytes make the fingerprint)
_SOURCES = (
    "activation.py",
    "registry.py",
    "constants.py",
    "_numerics/gaussian_quadrature.py",
    "_numerics/closed_forms.py",
    "validation/finite_size.py",
)


def cache_root() -> Path | None:
    """The cache folder, or None when ``RMTTHEORY_CACHE=off``.

    Examples
    --------
    >>> import os
    >>> os.environ.get("RMTTHEORY_CACHE") == "off" or cache_root() is not None
    True
    """
    env = os.environ.get("RMTTHEORY_CACHE")
    if env is not None and env.strip().lower() in ("off", "0", "none", "no"):
        return None
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return Path(base) / "rmttheory"


@cache
def code_fingerprint() -> str:
    """``"<version>-<12 hex digits>"``: the package version and a SHA-256 of the source
    files that compute cached values.

    Examples
    --------
    >>> code_fingerprint().startswith(__import__("rmttheory").__version__ + "-")
    True
    """
    from rmttheory import __version__

    h = hashlib.sha256()
    here = Path(__file__).parent
    for rel in _SOURCES:
        h.update(rel.encode())
        h.update((here / rel).read_bytes())
    return f"{__version__}-{h.hexdigest()[:12]}"


def _table_path(namespace: str, versioned: bool) -> Path | None:
    root = cache_root()
    if root is None:
        return None
    return (root / code_fingerprint() if versioned else root) / f"{namespace}.json"


_TABLES: dict[Path, dict[str, Any]] = {}


def _read(path: Path) -> dict[str, Any]:
    try:
        table = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return table if isinstance(table, dict) else {}


def load(namespace: str, key: str, *, versioned: bool = True) -> Any | None:
    """The stored value of ``key`` in ``namespace``, or None (absent, disabled, unreadable).
    ``versioned=False``: the table beside the versioned folders (results that the
    fingerprinted sources do not compute, such as the simulated KS null).

    Examples
    --------
    >>> load("no-such-namespace", "k") is None
    True
    """
    path = _table_path(namespace, versioned)
    if path is None:
        return None
    if path not in _TABLES:
        _TABLES[path] = _read(path)
    return _TABLES[path].get(key)


#: entries stored with ``defer=True``, written by :func:`flush` (at the latest at exit)
_PENDING: dict[Path, dict[str, Any]] = {}


def store(
    namespace: str, key: str, value: Any, *, versioned: bool = True, defer: bool = False
) -> None:
    """Add ``key: value`` (JSON-serializable) to ``namespace`` (``versioned`` as in
    :func:`load`); silently does nothing where the cache is disabled or not writable.  The
    table is re-read and replaced atomically, so concurrent writers lose at most each
    other's newest entry.  ``defer=True`` (values that cost milliseconds, stored by the
    hundred in a sweep): kept in memory and written with the others by :func:`flush`, which
    runs at interpreter exit (one write per process instead of one per value)."""
    path = _table_path(namespace, versioned)
    if path is None:
        return
    if defer:
        if not _PENDING:
            atexit.register(flush)
        _PENDING.setdefault(path, {})[key] = value
        if path not in _TABLES:
            _TABLES[path] = _read(path)
        _TABLES[path][key] = value
        return
    _write(path, {key: value})


def flush() -> None:
    """Write the deferred entries of :func:`store` now.

    Examples
    --------
    >>> flush()
    """
    while _PENDING:
        path, entries = _PENDING.popitem()
        _write(path, entries)


def _write(path: Path, entries: dict[str, Any]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        table = _read(path)
        table.update(entries)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(table))
        os.replace(tmp, path)
        _TABLES[path] = table
    except (OSError, TypeError, ValueError):
        pass
