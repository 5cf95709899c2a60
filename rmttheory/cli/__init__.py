"""The ``rmttheory`` command line.

Every command prints human-readable text by default and one JSON object with
``--json``.  Bad input prints one line ``rmttheory: error: ...`` on stderr and
exits with status 2; no traceback reaches the user.  Commands are grouped in
modules (:mod:`~rmttheory.cli.theory`, :mod:`~rmttheory.cli.statistics`,
:mod:`~rmttheory.cli.equivalents`, :mod:`~rmttheory.cli.validation`,
:mod:`~rmttheory.cli.derive`, :mod:`~rmttheory.cli.edge`) that share
the argument helpers of :mod:`rmttheory.cli._args`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from rmttheory.errors import RmtError

__all__ = ["main", "build_parser"]


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr (exit status 2), not usage."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser of the ``rmttheory`` command.

    Parameters
    ----------
    command
        Build only this command's parser (every run needs just one: the ~200 arguments of
        the others cost ~15 ms of each run); None, or a name that is not a command: all.

    Returns
    -------
    argparse.ArgumentParser

    Examples
    --------
    >>> build_parser().parse_args(["constants", "relu"]).act
    'relu'
    >>> build_parser("constants").parse_args(["constants", "relu"]).act
    'relu'
    """
    from rmttheory.cli import derive, edge, equivalents, statistics, theory, validation

    parser = _Parser(
        prog="rmttheory",
        description="Random matrix theory for deep learning: constants, spectra, validation.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    only = _Only(sub, command) if command is not None else sub
    for group in (theory, derive, validation, statistics, equivalents, edge):
        group.register(only)
    if isinstance(only, _Only) and not only.built:  # not a command: all of them, for the error
        return build_parser()
    return parser


class _Only:
    """Subparsers that build only the parser of ``command``; the others are :class:`_Unbuilt`."""

    def __init__(self, sub: argparse._SubParsersAction, command: str) -> None:
        self.sub, self.command, self.built = sub, command, False

    def add_parser(self, name: str, **kwargs: object) -> object:
        if name == self.command or self.command in kwargs.get("aliases", ()):  # type: ignore[operator]
            self.built = True
            return self.sub.add_parser(name, **kwargs)  # type: ignore[arg-type]
        return _Unbuilt()


class _Unbuilt:
    """A parser this run does not use: every attribute and call returns it, and does nothing."""

    def __getattr__(self, name: str) -> _Unbuilt:
        return self

    def __call__(self, *args: object, **kwargs: object) -> _Unbuilt:
        return self


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``rmttheory`` console script.

    Parameters
    ----------
    argv
        The arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 1 when ``validate`` finds a failing check, 2 on bad input
        (one line on stderr), 130 when interrupted.

    Examples
    --------
    >>> main(["moments", "--eta", "1", "--zeta", "0", "--phi", "1", "--psi", "1", "--k", "2"])
    eta=1, zeta=0, phi=1, psi=1
    m1 = 1
    m2 = 2
    0
    """
    words = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(words[0] if words and not words[0].startswith("-") else None)
    try:
        args = parser.parse_args(words)
    except SystemExit as exc:  # --help (0) or an argument error, already printed (2)
        return int(exc.code or 0) if not isinstance(exc.code, str) else 2
    if argv is None:  # the console script, a process of its own (not a caller's process)
        from rmttheory.resources import cap_threads

        # threads: the cores free now, shared by the workers (no oversubscription on a
        # shared machine); --threads where a command has it
        cap_threads(max(1, getattr(args, "workers", 1) or 1), getattr(args, "threads", None))
    try:
        return int(args.func(args))
    except RmtError as exc:
        print(f"rmttheory: error: {exc}", file=sys.stderr)
        return 2
    except MemoryError:
        print("rmttheory: error: out of memory; try smaller sizes", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("rmttheory: interrupted", file=sys.stderr)
        return 130
