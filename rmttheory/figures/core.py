"""What every paper figure is made of: the Figure record type, its context, checks, panels."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Figure", "FigureContext", "PAPERS", "check", "histogram", "panels"]

#: the papers and their full references
PAPERS = {
    "pw2017": "Pennington & Worah (2017), Nonlinear random matrix theory for deep learning",
    "bgk2022": "Baskerville, Granziol & Keating (2022), Appearance of random matrix theory "
    "in deep learning",
    "lm2025": "Liao & Mahoney (2025), Random matrix theory for deep learning: beyond "
    "eigenvalues of linear models",
}


@dataclass(frozen=True)
class FigureContext:
    """Sizes and devices of one run (picklable: it travels to worker processes).

    Parameters
    ----------
    out
        Output folder.
    full
        Paper-scale sizes instead of the quick ones.
    device
        ``"cpu"``, ``"cuda"`` or ``"auto"`` (sampled spectra and Hessians).
    seed
        Seed of everything random.

    Examples
    --------
    >>> FigureContext(Path("figs")).size(100, 400)
    100
    """

    out: Path
    full: bool = False
    device: str = "cpu"
    seed: int = 0

    def size(self, quick: Any, full: Any) -> Any:
        """``full`` at ``--full``, else ``quick``."""
        return full if self.full else quick


@dataclass(frozen=True)
class Figure:
    """One paper figure.

    Parameters
    ----------
    id
        File stem (``pw_densities_by_activation``).
    paper
        A key of :data:`PAPERS`.
    title
        One line.
    compute
        ``compute(ctx) -> record`` (JSON-able; ``record["checks"]`` lists the
        theory-versus-simulation checks, see :func:`check`).
    draw
        ``draw(record) -> matplotlib.figure.Figure``, called inside :func:`rmttheory.plot.style`.
    caption
        ``caption(record) -> str``: what is plotted, the normalization, sizes, seeds.

    Examples
    --------
    >>> from rmttheory.figures import FIGURES
    >>> FIGURES[0].id, FIGURES[0].paper
    ('pw_densities_by_activation', 'pw2017')
    """

    id: str
    paper: str
    title: str
    compute: Callable[[FigureContext], dict[str, Any]]
    draw: Callable[[dict[str, Any]], Any]
    caption: Callable[[dict[str, Any]], str]


def check(name: str, statistic: str, value: float, tolerance: float) -> dict[str, Any]:
    """A theory-versus-simulation check of a figure (passes when ``value <= tolerance``).

    Parameters
    ----------
    name, statistic
        What is compared, and the statistic (``"KS"``, ``"|sim - theory|"``...).
    value, tolerance
        The statistic and its tolerance (from :mod:`rmttheory.validation.tolerance`).

    Returns
    -------
    dict
        ``name``, ``statistic``, ``value``, ``tolerance``, ``passed``.

    Examples
    --------
    >>> check("tanh", "KS", 0.004, 0.006)["passed"]
    True
    """
    return {"name": name, "statistic": statistic, "value": float(value),
            "tolerance": float(tolerance), "passed": bool(value <= tolerance)}  # fmt: skip


def histogram(values: Any, bins: int = 60, range_: tuple[float, float] | None = None,
              mass: float = 1.0) -> dict[str, list[float]]:  # fmt: skip
    """A density histogram scaled to ``mass`` (``edges``, ``density``) for the records.

    Parameters
    ----------
    values
        The sample.
    bins, range_
        As in :func:`numpy.histogram`.
    mass
        Total area (``1 - atom`` for the continuous part of a law with an atom).

    Returns
    -------
    dict
        ``edges`` and ``density`` (lists).

    Examples
    --------
    >>> h = histogram([0.0, 1.0], bins=2)
    >>> h["density"]
    [1.0, 1.0]
    """
    import numpy as np

    v = np.asarray(values, dtype=float).ravel()
    counts, edges = np.histogram(v, bins=bins, range=range_)
    width = np.diff(edges)
    dens = counts / max(v.size, 1) / width * mass
    return {"edges": edges.tolist(), "density": dens.tolist()}


def panels(ncols: int = 1, *, two_column: bool | None = None, height: float = 2.4,
           **kw: Any) -> tuple[Any, Any]:  # fmt: skip
    """A figure of ``ncols`` panels, one paper column wide (two columns when several).

    Parameters
    ----------
    ncols
        Panels in a row.
    two_column
        Force the width (default: two columns when ``ncols > 1``).
    height
        Height in inches.
    **kw
        Passed to :func:`matplotlib.pyplot.subplots`.

    Returns
    -------
    (Figure, Axes or array of Axes)

    Examples
    --------
    >>> from rmttheory.plot import style
    >>> with style():
    ...     fig, ax = panels()
    >>> float(round(fig.get_figwidth(), 1))
    3.4
    """
    import matplotlib.pyplot as plt

    from rmttheory.plot import COLUMN, TWO_COLUMN

    wide = ncols > 1 if two_column is None else two_column
    return plt.subplots(1, ncols, figsize=(TWO_COLUMN if wide else COLUMN, height), **kw)
