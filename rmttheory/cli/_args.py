"""Argument helpers shared by every command, so a flag means the same everywhere.

* ``ACT`` is always positional: a registered name, ``NAME:key=value,...`` or a
  sympy expression of ``x``.
* ``--phi``/``--psi`` are the ratios :math:`n_0/m` and :math:`n_0/n_1` (> 0);
  ``--sigma-w``/``--sigma-x`` are scales (> 0).
* ``--device`` is ``auto`` (a GPU if present), ``cpu`` or ``cuda``; ``--seed``
  seeds everything random; ``--json`` prints one JSON object; ``--plot FILE``
  writes a figure (PNG, PDF or SVG), its folder checked *before* computing.
* Grids are ``LO:HI:N`` and lists ``A,B,C``; sizes that would not fit or would
  run for hours are refused with what they would need.
"""

from __future__ import annotations

import argparse
import json
import math
from typing import Any

import numpy as np

from rmttheory.errors import ParameterError, ResourceError

__all__ = [
    "finite_float",
    "positive_float",
    "nonneg_float",
    "nonneg_int",
    "add_activation",
    "add_ratios",
    "add_scales",
    "add_output",
    "add_seed",
    "add_device",
    "parse_grid",
    "parse_list",
    "emit",
    "check_plot",
    "require_seconds",
    "MAX_GRID",
]

#: largest evaluation grid a command accepts (points)
MAX_GRID = 1_000_000
#: longest estimated run a command starts without being told to (seconds)
MAX_SECONDS = 3600.0
#: assumed CPU throughput of dense linear algebra for run-time estimates (flop/s)
FLOPS = 5e9


def finite_float(text: str) -> float:
    """argparse type: a finite float."""
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(v):
        raise argparse.ArgumentTypeError(f"must be finite: {text!r}")
    return v


def positive_float(text: str) -> float:
    """argparse type: a finite float > 0."""
    v = finite_float(text)
    if v <= 0:
        raise argparse.ArgumentTypeError(f"must be > 0: {text!r}")
    return v


def nonneg_float(text: str) -> float:
    """argparse type: a finite float >= 0."""
    v = finite_float(text)
    if v < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0: {text!r}")
    return v


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1."""
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1: {text!r}")
    return v


def nonneg_int(text: str) -> int:
    """argparse type: an integer >= 0 (seeds)."""
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if v < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0: {text!r}")
    return v


def add_activation(p: argparse.ArgumentParser, optional: bool = False) -> None:
    """The positional ``ACT``."""
    p.add_argument(
        "act",
        nargs="?" if optional else None,
        metavar="ACT",
        help="activation: a name (relu, tanh, ...), NAME:key=value, or an expression of x",
    )


def add_ratios(p: argparse.ArgumentParser, required: bool = True) -> None:
    """``--phi`` and ``--psi``."""
    p.add_argument("--phi", type=positive_float, required=required, help="phi = n0/m")
    p.add_argument("--psi", type=positive_float, required=required, help="psi = n0/n1")


def add_scales(p: argparse.ArgumentParser) -> None:
    """``--sigma-w`` and ``--sigma-x``."""
    p.add_argument("--sigma-w", type=positive_float, default=1.0, help="weight scale (default 1)")
    p.add_argument("--sigma-x", type=positive_float, default=1.0, help="data scale (default 1)")


def add_mode(p: argparse.ArgumentParser, full_help: str) -> None:
    """``--quick`` (default: minutes on 2 CPU cores) or ``--full`` (``args.mode``)."""
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--quick", dest="mode", action="store_const", const="quick",
                      help="small sizes, minutes on 2 CPU cores (default)")  # fmt: skip
    mode.add_argument("--full", dest="mode", action="store_const", const="full", help=full_help)
    p.set_defaults(mode="quick")


def add_seed(p: argparse.ArgumentParser) -> None:
    """``--seed``."""
    p.add_argument("--seed", type=nonneg_int, default=0,
                   help="seed of everything random, an integer >= 0 (default 0)")  # fmt: skip


def add_device(p: argparse.ArgumentParser) -> None:
    """``--device``."""
    p.add_argument(
        "--device", default="auto", choices=["auto", "cpu", "cuda"], help="default: auto"
    )


def add_output(p: argparse.ArgumentParser, plot: bool = True) -> None:
    """``--json`` and (optionally) ``--plot FILE``."""
    p.add_argument("--json", action="store_true", help="print one JSON object")
    if plot:
        p.add_argument("--plot", default=None, metavar="FILE", help="write a figure (png/pdf/svg)")


def check_plot(args: argparse.Namespace) -> None:
    """Refuse a bad ``--plot`` path before any computation."""
    if getattr(args, "plot", None):
        from rmttheory.plot import check_output

        check_output(args.plot)


def parse_grid(text: str, name: str = "--grid", max_points: int = MAX_GRID) -> np.ndarray:
    """``LO:HI:N`` as an array, refusing malformed, non-finite or oversize grids."""
    try:
        lo, hi, n = text.split(":")
        lo_f, hi_f, n_i = float(lo), float(hi), int(n)
    except ValueError:
        raise ParameterError(f"{name} must be LO:HI:N, got {text!r}") from None
    if not (math.isfinite(lo_f) and math.isfinite(hi_f)) or n_i < 1:
        raise ParameterError(f"{name} must have finite ends and N >= 1, got {text!r}")
    if n_i > max_points:
        raise ResourceError(
            f"{name} asks for {n_i} points; at most {max_points} (each costs a root solve "
            "and ~30 bytes of JSON): use fewer points or several commands"
        )
    return np.linspace(lo_f, hi_f, n_i)


def parse_list(text: str, name: str) -> np.ndarray:
    """``A,B,C`` as a finite float array."""
    try:
        vals = np.array([float(v) for v in text.split(",") if v.strip()])
    except ValueError:
        raise ParameterError(f"{name} must be comma-separated numbers, got {text!r}") from None
    if vals.size == 0 or not np.all(np.isfinite(vals)):
        raise ParameterError(f"{name} must be finite numbers, got {text!r}")
    if vals.size > MAX_GRID:
        raise ResourceError(f"{name} has {vals.size} values; at most {MAX_GRID}")
    return vals


def require_seconds(flop: float, what: str, hint: str) -> float:
    """Refuse a run whose estimated CPU time exceeds :data:`MAX_SECONDS`; return the estimate."""
    seconds = flop / FLOPS
    if seconds > MAX_SECONDS:
        raise ResourceError(
            f"{what} would take about {seconds / 3600:.1f} h on a CPU "
            f"(~{flop:.1e} flop at {FLOPS:.0e} flop/s); {hint}"
        )
    return seconds


def emit(args: argparse.Namespace, payload: dict[str, Any], text: str) -> None:
    """Print ``payload`` as one JSON object with ``--json``, else ``text``."""
    if getattr(args, "json", False):
        print(json.dumps(payload, allow_nan=False))
    else:
        print(text)
