"""The command's own process: what it sets before numpy loads, and work on a helper thread.

A command-line run (the console script ``rmttheory`` or ``python -m rmttheory.cli``) is a
process of its own, unlike a caller's script or notebook: :func:`prepare_command_line_process`
(run by ``rmttheory/__init__.py`` before anything imports numpy) tunes OpenBLAS there and
nowhere else.  :func:`in_background` runs Python work on a second thread while this one is in
numpy code that releases the GIL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["command_line_process", "prepare_command_line_process", "in_background"]

T = TypeVar("T")

#: OpenBLAS's workers spin this many cycles (log2) after each call in a command-line run
OPENBLAS_SPIN = 24


def command_line_process() -> bool:
    """Whether this process is the ``rmttheory`` command: the console script, or
    ``python -m rmttheory.cli`` (a process of its own, not a caller's).

    Returns
    -------
    bool

    Examples
    --------
    >>> command_line_process()  # a test or a notebook
    False
    """
    import os
    import sys

    if os.path.basename(sys.argv[0]) in ("rmttheory", "rmttheory.exe"):
        return True
    argv = list(getattr(sys, "orig_argv", ()))
    return "-m" in argv[:-1] and argv[argv.index("-m") + 1] == "rmttheory.cli"


def prepare_command_line_process() -> bool:
    """Before numpy loads, in a command-line run only: let OpenBLAS's idle workers sleep
    after :math:`2^{24}` cycles (~6 ms) instead of its default :math:`2^{28}` (~0.1 s),
    unless ``OPENBLAS_THREAD_TIMEOUT`` is set already; returns whether it was set.

    A worker spinning after ``W @ X`` holds a core for ~0.1 s, just when the activation's
    pass runs on the process's Python threads (:func:`~rmttheory.validation.sampling.apply_by_rows`):
    measured on 2 cores, 2000 x 2000, that pass right after the product took 68 ms with the
    default and 43 ms with :math:`2^{24}`, while ``eigvalsh`` (thousands of BLAS calls in a
    row, which the shorter spin still bridges) kept its time (``docs/benchmarks.md``).  A
    caller's process (a script, a notebook, a test) is never changed.

    Returns
    -------
    bool

    Examples
    --------
    >>> prepare_command_line_process()  # not the command: nothing set
    False
    """
    import os
    import sys

    if "numpy" in sys.modules or not command_line_process():
        return False
    if os.environ.get("OPENBLAS_THREAD_TIMEOUT"):
        return False
    os.environ["OPENBLAS_THREAD_TIMEOUT"] = str(OPENBLAS_SPIN)
    return True


def in_background(fn: Callable[[], T]) -> Callable[[], T]:
    """Start ``fn()`` on a daemon thread now; return a function that waits for it and returns
    its result (or raises its error, in the caller's thread).

    For Python work that can run while this thread is in numpy code that releases the GIL
    (a sample's single-threaded draws leave a core idle: ``rmttheory sample`` builds the
    law's model there).

    Parameters
    ----------
    fn
        A function of no arguments.

    Returns
    -------
    callable
        ``result()``: blocks until ``fn`` has returned.

    Examples
    --------
    >>> result = in_background(lambda: sum(range(10)))
    >>> result()
    45
    """
    import threading

    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()

    def result() -> T:
        thread.join()
        if "error" in box:
            raise box["error"]
        return box["value"]

    return result
