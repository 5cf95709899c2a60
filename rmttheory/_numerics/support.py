"""Support intervals of a spectral law from candidate edges and an "is inside" test.

Private numerics shared by every law whose support is not known in closed form
(Pennington–Worah, the linear network, Silverstein laws).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from rmttheory.errors import ParameterError

__all__ = ["support_from_candidates"]

#: candidates within this fraction of the span above ``lower`` are not probed around (the
#: bound, numerically); 1e-13 where they are accurate roots (``roots``: the Pennington-Worah
#: "inside" test holds down to ~1e-14 of the span at a hard edge, and flickers below)
FLOOR, ROOTS_FLOOR = 1e-10, 1e-13


def support_from_candidates(
    candidates: np.ndarray,
    inside: Callable[[np.ndarray], np.ndarray],
    lower: float = 0.0,
    roots: bool = False,
    tiny_edges: bool = False,
) -> list[tuple[float, float]]:
    """Support intervals from candidate edges and an 'is in the support' test.

    Parameters
    ----------
    candidates
        Points that may be edges (e.g. the real roots of a discriminant); every
        true edge must lie between two consecutive probes built from them.
    inside
        Vectorized test: ``inside(x)`` is True where ``x`` is in the support.
    lower
        Lower bound of the spectrum (0 for Gram matrices).  Candidates at or
        below it are dropped; a first probe inside means the support reaches
        ``lower`` (a hard edge there).
    roots
        The candidates are accurate roots of what locates the edges (not points near
        them): a change of state across one candidate is that candidate, unbisected.
    tiny_edges
        Candidates within ``FLOOR`` (``ROOTS_FLOOR`` with ``roots``) of the span above
        ``lower`` are too close to it to probe; by default they are dropped (numerically the
        bound).  True: they are accurate (the Pennington–Worah discriminant in its
        near-square form), and where the support reaches down to the probes the largest of
        them is its lower edge.

    Returns
    -------
    list of (float, float)
        The support components, in increasing order.

    Notes
    -----
    Probes inside every interval between consecutive candidates (and between
    ``lower`` and the first) classify it; with ``roots``, a change of state across one
    candidate is that candidate; any other change of state between consecutive probes is
    located by vectorized bisection to machine precision, so an edge the candidates missed
    is still found.

    Examples
    --------
    >>> support_from_candidates(np.array([1.0, 2.0]), lambda x: (x > 1) & (x < 2))
    [(1.0, 2.0)]
    """
    cand = np.sort(np.asarray(candidates, dtype=float))
    cand = cand[np.isfinite(cand) & (cand > lower)]
    tiny = np.empty(0)
    if cand.size:  # roots this close to the bound: below what a probe resolves
        span, floor = cand.max() - lower, ROOTS_FLOOR if roots else FLOOR
        tiny = cand[cand - lower <= floor * span]
        cand = cand[cand - lower > floor * span]
    if cand.size == 0:
        raise ParameterError("no support edges found (degenerate parameters?)")
    top = cand[-1] + 0.5 * (cand[-1] - lower) + 1.0
    pts = np.concatenate([[lower], cand, [top]])
    fr = np.array([0.02, 0.25, 0.5, 0.75, 0.98])
    probes = np.sort((pts[:-1, None] + (pts[1:] - pts[:-1])[:, None] * fr).ravel())
    probes = probes[np.r_[True, probes[1:] != probes[:-1]]]  # np.unique imports numpy.ma
    state = np.asarray(inside(probes), dtype=bool)
    flips = np.nonzero(state[:-1] != state[1:])[0]
    a, b = probes[flips], probes[flips + 1]
    left_inside = state[flips]
    # with `roots`, a change of state across one candidate is that candidate: edges are
    # roots of what gave them, and a root is more accurate than the test near it (the test's
    # own edge was 5.7e-10 off an mpmath root at phi = 0.0086; the Pennington-Worah
    # candidates, Newton-polished, at most 3e-11, median 6e-16); a change between
    # candidates (a root they missed) is bisected from the probes to machine precision
    count = np.searchsorted(cand, b) - np.searchsorted(cand, a, side="right")
    known = (count == 1) & roots
    edges = np.zeros(a.size)
    edges[known] = cand[np.searchsorted(cand, a[known], side="right")]
    a, b, lin = a[~known], b[~known], left_inside[~known]
    for _ in range(200 if a.size else 0):
        mid = 0.5 * (a + b)
        if np.all((mid == a) | (mid == b)):
            break
        ins = np.asarray(inside(mid), dtype=bool)
        move_a = ins == lin
        a, b = np.where(move_a, mid, a), np.where(move_a, b, mid)
    edges[~known] = np.where(lin, a, b)  # the outermost point still inside
    start = float(tiny[-1]) if tiny_edges and tiny.size else float(lower)
    bounds = ([start] if state[0] else []) + [float(e) for e in edges]
    if len(bounds) % 2:
        raise ParameterError("support classification failed: unbounded support")
    return [(bounds[k], bounds[k + 1]) for k in range(0, len(bounds), 2)]
