"""Density evaluation throughput of the Pennington–Worah law against a plain numpy loop.

Usage: python benchmarks/bench_density.py [--points 1000000] [--baseline-points 5000]

Times ``PenningtonWorah.pdf`` on ``--points`` points (one core: OMP/MKL threads
are pinned to 1 before numpy loads) and, in the same run, a baseline with none
of the package's code in it: the Pennington–Worah quartic in G is typed here from
the paper's P-equation (expanded once by sympy), and a plain Python loop calls
``numpy.roots`` per point, choosing the branch by continuity from the right end
of the grid (where G ~ 1/x is real).  Two such loops are timed, both reported:

* ``per-point coefficients``: the quartic's coefficients evaluated inside the
  loop (five lambdified calls per point);
* ``plain numpy.roots loop``: the coefficients evaluated once for all points
  as numpy arrays, the loop doing only ``numpy.roots`` and the branch choice
  (the fairer baseline: nothing but the root finding is per point).

Each is timed on a subsample and scaled.  Prints points/s, the ratios, and the
largest difference of the densities.
"""

from __future__ import annotations

import argparse
import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import time  # noqa: E402

import numpy as np  # noqa: E402
import sympy as sp  # noqa: E402

from rmttheory.distributions import PenningtonWorah  # noqa: E402


def baseline_coefficients(eta: float, zeta: float, phi: float, psi: float):
    """G-quartic coefficients as functions of z, from the P-equation of the paper."""
    P, t, z, G = sp.symbols("P t z G")
    A = (1 + (P - 1) * phi) * (1 + (P - 1) * psi)
    q = (P - 1 - (eta - zeta) * t * A) * (1 - A * t * zeta) - A * t * zeta
    q = q.subs({P: (z * G - 1 + psi) / psi, t: 1 / (z * psi)})
    poly = sp.Poly(sp.numer(sp.together(sp.expand(q))), G)
    return [sp.lambdify(z, c, "numpy") for c in poly.all_coeffs()]


def baseline_density(coeffs, x: np.ndarray, vectorized: bool = False) -> np.ndarray:
    """Per-point numpy.roots; the root followed by continuity from the right end."""
    out = np.zeros_like(x)
    prev = 1.0 / x[-1]  # G ~ 1/x beyond the support
    table = (
        np.array([np.broadcast_to(c(x + 0j), x.shape) for c in coeffs]).T if vectorized else None
    )
    for i in range(x.size - 1, -1, -1):
        row = table[i] if table is not None else [complex(c(x[i])) for c in coeffs]
        roots = np.roots(row)
        g = roots[np.argmin(np.abs(roots - prev))]
        if g.imag > 0:  # the conjugate is the boundary value from above
            g = np.conj(g)
        out[i] = max(-g.imag / np.pi, 0.0)
        prev = g
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--baseline-points", type=int, default=5000)
    args = ap.parse_args()
    law = PenningtonWorah.from_activation("tanh", 0.5, 0.5)
    hi = law.support()[-1][1]
    x = np.linspace(hi * 1e-3, hi * 1.05, args.points)
    law.pdf(x[:1000])  # warm up (symbolic set-up, support)
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        d = law.pdf(x)
        best = min(best, time.perf_counter() - t0)
    coeffs = baseline_coefficients(law.eta, law.zeta, law.phi, law.psi)
    xs = np.linspace(hi * 1e-3, hi * 1.05, args.baseline_points)
    rate = args.points / best
    print(f"law: {law!r}")
    print(f"vectorized: {args.points} points in {best:.3f} s = {rate:,.0f} points/s")
    for label, vec in (("per-point coefficients", False), ("plain numpy.roots loop", True)):
        t0 = time.perf_counter()
        ref = baseline_density(coeffs, xs, vectorized=vec)
        t_base = (time.perf_counter() - t0) / xs.size
        agree = np.max(np.abs(law.pdf(xs) - ref)) / np.max(ref)
        print(f"baseline ({label}): {1 / t_base:,.0f} points/s ({xs.size} timed); "
              f"speed-up {rate * t_base:,.0f}x; max |difference| / max density {agree:.1e}")  # fmt: skip
    assert np.isfinite(d).all()


if __name__ == "__main__":
    main()
