"""Figures in one style: the shipped style sheet, one saver, output-path checks.

Every figure of the package (command-line ``--plot``, the validation report,
``rmttheory figures``) is drawn under :func:`style` and written by
:func:`save_figure`, so they share fonts, sizes, a colour-blind-safe palette and
resolution.  :func:`check_output` is called by commands *before* computing, so a
bad path fails in a second, not after the computation.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import matplotlib.pyplot as plt
>>> with style():
...     fig, ax = plt.subplots()
>>> plt.close(fig)
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rmttheory.errors import ParameterError

__all__ = [
    "law_axes",
    "STYLE",
    "FORMATS",
    "style",
    "save_figure",
    "check_output",
    "density_vs_sample",
    "log_ticks",
    "COLUMN",
    "TWO_COLUMN",
    "zero_floor",
    "legend_outside",
]

#: the style sheet shipped with the package
STYLE = Path(__file__).with_name("rmttheory.mplstyle")
#: image formats the saver writes
FORMATS = ("png", "pdf", "svg")
#: figure widths in inches: one column and two columns of a paper
COLUMN, TWO_COLUMN = 3.4, 7.0


@contextmanager
def style() -> Iterator[None]:
    """Draw inside this context to use the package's style sheet (Agg backend).

    Returns
    -------
    contextlib.AbstractContextManager

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> with style():
    ...     plt.rcParams["font.family"]
    ['serif']
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with plt.style.context(str(STYLE)):
        yield


def check_output(path: str | os.PathLike, formats: Sequence[str] | None = None) -> Path:
    """Refuse (ParameterError) an output path whose folder is missing or not writable,
    or whose extension is not an image format the saver writes.

    Parameters
    ----------
    path
        ``FILE.png``/``FILE.pdf``/``FILE.svg``, or a stem when ``formats`` is given.
    formats
        When given, the extensions that will be written next to the stem.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> check_output("figure.xyz")
    Traceback (most recent call last):
    ...
    rmttheory.errors.ParameterError: cannot write a figure as 'xyz' (figure.xyz); use one of png, pdf, svg
    """
    p = Path(path)
    exts = list(formats) if formats else [p.suffix.lstrip(".").lower()]
    bad = [e for e in exts if e not in FORMATS]
    if bad:
        raise ParameterError(
            f"cannot write a figure as {bad[0]!r} ({p}); use one of {', '.join(FORMATS)}"
        )
    folder = p.parent if str(p.parent) else Path(".")
    if not folder.is_dir():
        raise ParameterError(f"the folder of {p} does not exist")
    from rmttheory.resources import writable_folder

    writable_folder(folder, create=False, label=f"the folder of {p}")  # a probe, not os.access
    if p.exists() and p.is_dir():
        raise ParameterError(f"{p} is a folder, not a figure file")
    return p


def save_figure(
    fig: Any, path: str | os.PathLike, formats: Sequence[str] | None = None
) -> list[str]:
    """Save ``fig`` and close it.

    Parameters
    ----------
    fig
        A matplotlib figure.
    path
        A file name (its extension is the format), or a stem with ``formats``.
    formats
        Formats written next to the stem (e.g. ``("pdf", "png")``).

    Returns
    -------
    list of str
        The files written.

    Examples
    --------
    >>> import tempfile, matplotlib.pyplot as plt
    >>> with style():
    ...     fig, ax = plt.subplots()
    >>> folder = tempfile.mkdtemp()
    >>> [f.endswith(".pdf") for f in save_figure(fig, folder + "/fig", ("pdf", "png"))]
    [True, False]
    """
    import matplotlib.pyplot as plt

    p = check_output(path, formats)
    targets = [p.with_suffix("." + f) for f in formats] if formats else [p]
    try:
        for t in targets:
            fig.savefig(t)
    finally:
        plt.close(fig)
    return [str(t) for t in targets]


def log_ticks(ax: Any, which: str, ticks: Sequence[float]) -> None:
    """A log-scaled axis labelled only at ``ticks``, in plain numbers (no minor labels).

    Matplotlib labels the minor ticks of a short log axis (``3×10²``, ``4×10²`` …), and
    they run together; this sets the scale, puts major ticks at ``ticks`` with labels
    such as ``250`` or ``0.5``, and removes the minor labels.

    Parameters
    ----------
    ax
        Matplotlib axes.
    which
        ``"x"`` or ``"y"``.
    ticks
        Positive tick values.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> with style():
    ...     fig, ax = plt.subplots()
    >>> log_ticks(ax, "x", [250, 1000, 4000])
    >>> [t.get_text() for t in ax.xaxis.get_ticklabels()]
    ['250', '1000', '4000']
    >>> plt.close(fig)
    """
    from matplotlib.ticker import FixedLocator, NullFormatter

    ticks = [float(t) for t in ticks]
    if which not in ("x", "y") or not ticks or min(ticks) <= 0:
        raise ParameterError("log_ticks needs which in {'x', 'y'} and positive ticks")
    getattr(ax, f"set_{which}scale")("log")
    axis = ax.xaxis if which == "x" else ax.yaxis
    axis.set_major_locator(FixedLocator(ticks))
    axis.set_ticks(ticks, [f"{t:g}" for t in ticks])
    axis.set_minor_formatter(NullFormatter())


def zero_floor(values: Sequence[float], decades: float = 0.5) -> float:
    """The bottom of a log axis for ``values`` that may hold exact (or numerically exact,
    below 1e-12 of the largest) zeros: half a decade under the smallest positive value.
    Values at or below it are zeros: draw them on the floor, marked, never on a log axis
    that spans 30 decades of rounding noise.

    Parameters
    ----------
    values
        Everything the axis shows.
    decades
        Room below the smallest positive value.

    Returns
    -------
    float

    Examples
    --------
    >>> zero_floor([0.0, 1e-31, 0.02, 5.0])  # the 1e-31 is rounding noise, a zero
    0.006324555320336759
    """
    import numpy as np

    v = np.abs(np.asarray(values, dtype=float))
    v = v[np.isfinite(v)]
    top = float(v.max()) if v.size else 1.0
    positive = v[v > 1e-12 * top]
    return float(positive.min() if positive.size else top) * 10.0**-decades


def legend_outside(ax: Any, **kwargs: Any) -> Any:
    """The legend of ``ax`` below the figure's axes, in two columns: it never covers the data
    (the package's style uses constrained layout, which makes room for it).

    Parameters
    ----------
    ax
        Matplotlib axes.
    **kwargs
        Passed to ``ax.legend``.

    Returns
    -------
    matplotlib.legend.Legend

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> with style():
    ...     fig, ax = plt.subplots()
    ...     _ = ax.plot([0, 1], label="a")
    ...     legend = legend_outside(ax)
    >>> legend.get_texts()[0].get_text()
    'a'
    >>> plt.close(fig)
    """
    handles, labels = ax.get_legend_handles_labels()
    opts = {"loc": "outside lower center", "ncol": 2, "fontsize": "small", "frameon": False}
    opts.update(kwargs)
    return ax.figure.legend(handles, labels, **opts)


def density_vs_sample(
    law: Any,
    eigenvalues: Any,
    path: str | os.PathLike | None = None,
    *,
    ax: Any = None,
    bins: int = 60,
    title: str | None = None,
    zero_tol: float = 1e-9,
) -> Any:
    """The theory density of ``law`` as a line over the histogram of sampled eigenvalues.

    The histogram shows the continuous part: eigenvalues within ``zero_tol`` of the
    largest in modulus are counted at 0, removed when the law has an atom there,
    and the histogram is scaled to the law's continuous mass, so both integrate
    to the same value.  The atom is written in the legend.

    Parameters
    ----------
    law
        A :class:`~rmttheory.distributions.SpectralDistribution`.
    eigenvalues
        Sampled eigenvalues (one array, pooled over samples).
    path
        Write the figure there (and return the path); else draw on ``ax``.
    ax
        Axes to draw on (created when None).
    bins, title
        Histogram bins; panel title.

    Returns
    -------
    str or matplotlib.axes.Axes
        The file written, or the axes.

    Examples
    --------
    >>> import numpy as np
    >>> from rmttheory.distributions import MarchenkoPastur
    >>> law = MarchenkoPastur(0.5)
    >>> with style():
    ...     ax = density_vs_sample(law, law.rvs(2000, random_state=0))
    >>> ax.get_xlabel()
    'eigenvalue $\\\\lambda$'
    """
    import matplotlib.pyplot as plt
    import numpy as np

    if path is not None:
        check_output(path)
    eig = np.sort(np.asarray(eigenvalues, dtype=float).ravel())
    scale = float(np.max(np.abs(eig))) if eig.size else 1.0
    zero = np.abs(eig) <= zero_tol * scale
    atoms = law.atoms()
    cont = eig[~zero] if 0.0 in atoms else eig
    created = ax is None
    if created:
        with style():
            fig, ax = plt.subplots()
    weights = np.full(cont.size, (1 - law.atom_mass) / max(cont.size, 1))
    heights, _, _ = ax.hist(cont, bins=bins, weights=weights / max(np.ptp(cont) / bins, 1e-300),
                            histtype="stepfilled", color="0.78",
                            label=f"sampled ({eig.size} eigenvalues)")  # fmt: skip
    hi = max(law.support()[-1][1], float(eig[-1]) if eig.size else 0.0)
    lo = min(law.support()[0][0], float(eig[0]) if eig.size else 0.0)
    x = np.linspace(lo, hi, 800)
    y = law.pdf(x)
    ax.plot(x, np.where(np.isfinite(y), y, np.nan), color="C1", label="theory")
    notes = []
    if atoms:
        notes.append("atoms: " + ", ".join(f"{m:.3g} at {a:g}" for a, m in atoms.items()))
    finite = y[np.isfinite(y)]
    if law.hard_edge and len(heights) > 1:
        # the density diverges at the hard edge: scale to the bulk, not to the edge bin, and
        # say so with an arrow at the edge
        top = 1.3 * max(float(np.max(heights[1:])), 1e-300)
        ax.set_ylim(0, top)
        edge = law.support()[0][0]
        ax.annotate("→ ∞ (hard edge)", xy=(edge, 0.97 * top), xytext=(edge + 0.06 * (hi - lo),
                    0.88 * top), fontsize="x-small", color="C1",
                    arrowprops={"arrowstyle": "->", "color": "C1"})  # fmt: skip
    elif finite.size:
        top = max(float(np.percentile(finite, 99.5)), float(np.max(heights, initial=0.0)))
        ax.set_ylim(0, 1.25 * max(top, 1e-300))
    if notes:
        ax.text(0.98, 0.95, "\n".join(notes), transform=ax.transAxes, ha="right", va="top",
                fontsize="x-small")  # fmt: skip
    ax.set_xlabel(r"eigenvalue $\lambda$")
    ax.set_ylabel("density")
    if title:
        ax.set_title(title, fontsize="small")
    legend_outside(ax)
    if path is not None:
        return save_figure(ax.figure, path)[0]
    return ax


def law_axes(law: Any, ax: Any = None, n: int = 600, **kwargs: Any) -> Any:
    """Draw a spectral law's density on ``ax`` (created if None): each support component on
    ``n`` points graded toward its edges, atoms as labelled arrows (the body of
    :meth:`rmttheory.distributions.SpectralDistribution.plot`).

    Parameters
    ----------
    law
        A :class:`~rmttheory.distributions.SpectralDistribution`.
    ax
        Axes, or None.
    n
        Points per component.
    **kwargs
        Passed to ``ax.plot`` (``label`` defaults to the law's class name).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from rmttheory.distributions import MarchenkoPastur
    >>> law_axes(MarchenkoPastur(2.0)).get_ylabel().startswith("density")
    True
    """
    import matplotlib.pyplot as plt
    import numpy as np

    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.2))
    label = kwargs.pop("label", type(law).__name__)
    first = True
    for lo, hi in law.support():
        t = np.linspace(0, np.pi, n)
        x = lo + (hi - lo) * np.sin(t / 2) ** 2
        y = law.pdf(x)
        y = np.where(np.isfinite(y), y, np.nan)
        ax.plot(x, y, label=label if first else None, **kwargs)
        first = False
    for loc, mass in law.atoms().items():
        ax.annotate(
            f"atom {mass:.3g}",
            (loc, 0),
            xytext=(loc, ax.get_ylim()[1] * 0.8),
            arrowprops={"arrowstyle": "->"},
            fontsize=8,
        )
    ax.set_xlabel(r"eigenvalue $\lambda$")
    ax.set_ylabel(r"density $\rho(\lambda)$")
    return ax
