r"""Paper figures: ``rmttheory figures`` regenerates the canonical figures of the three papers.

Each figure is a :class:`~rmttheory.figures.core.Figure`: an ``id``, the ``paper``
(``pw2017``: Pennington & Worah 2017; ``bgk2022``: Baskerville, Granziol & Keating
2022; ``lm2025``: Liao & Mahoney 2025), a ``compute`` step returning a JSON record
(theory curves, simulated points with seeds and sizes, and the theory-versus-simulation
``checks`` behind the figure, each with the calibrated tolerance of
:mod:`rmttheory.validation.tolerance`), a ``draw`` step in the package style
(:mod:`rmttheory.plot`) and a ``caption``.  :func:`make_figures` runs them like the
validation report runs its sections: every record is written to
``DIR/data/ID.json`` as soon as it is computed (a rerun after an interruption
recomputes nothing that finished), records are computed in parallel on any
``concurrent.futures`` executor, with progress bars; then every figure is written as
PDF and PNG, with ``DIR/manifest.json`` and ``DIR/index.md``.

Examples
--------
>>> from rmttheory.figures import FIGURES
>>> sorted({f.paper for f in FIGURES})
['bgk2022', 'lm2025', 'pw2017']
"""

from rmttheory.figures.core import PAPERS, Figure
from rmttheory.figures.registry import FIGURES
from rmttheory.figures.runner import make_figures

__all__ = ["FIGURES", "PAPERS", "Figure", "make_figures"]
