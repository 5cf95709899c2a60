"""Records on disk: one atomic JSON writer and reader for every resumable computation.

A record is written to a temporary name and renamed, so an interrupted run never
leaves a half-written file, and a file that exists is a finished computation:
that is what makes every campaign and report section resumable.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["to_jsonable", "write_json", "read_json", "jsonable"]


def to_jsonable(o: Any) -> Any:
    """``json.dumps`` default for numpy scalars and arrays (and paths).

    Parameters
    ----------
    o
        The object ``json`` could not serialize.

    Returns
    -------
    object
        A plain Python value.

    Examples
    --------
    >>> json.dumps({"a": np.float64(1.5)}, default=to_jsonable)
    '{"a": 1.5}'
    """
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON serializable: {type(o).__name__}")


def jsonable(obj: Any) -> Any:
    """``obj`` as plain JSON types (the record as it will read back from disk).

    Parameters
    ----------
    obj
        Anything :func:`to_jsonable` handles.

    Returns
    -------
    object

    Examples
    --------
    >>> jsonable({"x": np.arange(2)})
    {'x': [0, 1]}
    """
    return json.loads(json.dumps(obj, allow_nan=True, default=to_jsonable))


def write_json(path: str | Path, obj: Any, *, indent: int | None = None) -> Path:
    """Write ``obj`` as JSON to ``path`` atomically (temporary file, then rename).

    Parameters
    ----------
    path
        Destination; its folder is created if needed.
    obj
        Anything JSON-serializable, numpy values included.
    indent
        ``json.dumps`` indentation.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> import tempfile
    >>> p = write_json(tempfile.mkdtemp() + "/sub/r.json", {"a": np.float64(2.0)})
    >>> read_json(p)
    {'a': 2.0}
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(obj, allow_nan=True, default=to_jsonable, indent=indent))
    os.replace(tmp, path)
    return path


def read_json(path: str | Path) -> Any:
    """The JSON content of ``path``.

    Parameters
    ----------
    path
        A file written by :func:`write_json`.

    Returns
    -------
    object

    Examples
    --------
    >>> import tempfile
    >>> read_json(write_json(tempfile.mkdtemp() + "/r.json", [1, 2]))
    [1, 2]
    """
    return json.loads(Path(path).read_text())
