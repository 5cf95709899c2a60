"""Support intervals of a spectral law from candidate edges and an "is inside" test.

Private numerics shared by every law whose support is not known in closed form
(Pennington–Worah, the linear network, Silverstein laws).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from rmttheory.errors import ParameterError

__all__ = ["support_from_candidates"]


def support_from_candidates(
    candidates: np.ndarray,
    inside: Callable[[np.ndarray], np.ndarray],
    lower: float = 0.0,
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

    Returns
    -------
    list of (float, float)
        The support components, in increasing order.

    Notes
    -----
    Probes inside every interval between consecutive candidates (and between
    ``lower`` and the first) classify it; each change of state between
    consecutive probes is located by vectorized bisection to machine precision,
    so an edge the candidates missed is still found.

    Examples
    --------
    >>> support_from_candidates(np.array([1.0, 2.0]), lambda x: (x > 1) & (x < 2))
    [(1.0, 2.0)]
    """
    cand = np.sort(np.asarray(candidates, dtype=float))
    cand = cand[np.isfinite(cand) & (cand > lower)]
    if cand.size:  # roots within 1e-10 of the scale are numerically the bound, not edges
        span = cand.max() - lower
        cand = cand[cand - lower > 1e-10 * span]
    if cand.size == 0:
        raise ParameterError("no support edges found (degenerate parameters?)")
    top = cand[-1] + 0.5 * (cand[-1] - lower) + 1.0
    pts = np.concatenate([[lower], cand, [top]])
    fr = np.array([0.02, 0.25, 0.5, 0.75, 0.98])
    probes = np.unique((pts[:-1, None] + (pts[1:] - pts[:-1])[:, None] * fr).ravel())
    state = np.asarray(inside(probes), dtype=bool)
    flips = np.nonzero(state[:-1] != state[1:])[0]
    a, b = probes[flips], probes[flips + 1]
    left_inside = state[flips]
    for _ in range(200):
        mid = 0.5 * (a + b)
        if np.all((mid == a) | (mid == b)):
            break
        ins = np.asarray(inside(mid), dtype=bool)
        move_a = ins == left_inside
        a, b = np.where(move_a, mid, a), np.where(move_a, b, mid)
    edges = np.where(left_inside, a, b)  # the outermost point still inside
    bounds = ([float(lower)] if state[0] else []) + [float(e) for e in edges]
    if len(bounds) % 2:
        raise ParameterError("support classification failed: unbounded support")
    return [(bounds[k], bounds[k + 1]) for k in range(0, len(bounds), 2)]
