"""Density evaluation throughput of the Pennington–Worah solver.

Usage: python benchmarks/bench_density.py [--points 1000000]

Times ``PenningtonWorah.pdf`` on ``--points`` points (one core: OMP/MKL threads
are pinned to 1 before numpy loads) and, in the same run, a per-point baseline
that calls ``numpy.roots`` on the same quartic and applies the same branch rule,
timed on a subsample and scaled.  Prints points/s and the ratio.
"""

from __future__ import annotations

import argparse
import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import time  # noqa: E402

import numpy as np  # noqa: E402

from rmttheory.distributions import PenningtonWorah  # noqa: E402


def baseline_density(law: PenningtonWorah, x: np.ndarray) -> np.ndarray:
    """Per-point numpy.roots on the same polynomial, same branch rule."""
    sv = law.solver
    out = np.zeros_like(x)
    for i, xi in enumerate(x / law.eta):
        co = np.array([c for c in sv._coeffs(np.array([xi]))]).ravel()
        u = np.roots(co)
        u = u[u != 0]
        v = 1 / u
        sc = sv._score(v[None, :], np.array([[xi]]))[0]
        b = np.argmax(sc)
        out[i] = v[b].imag / (sv.c * np.pi) / law.eta if sc[b] > 1e-12 else 0.0
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--baseline-points", type=int, default=5000)
    args = ap.parse_args()
    law = PenningtonWorah.from_activation("tanh", phi=0.5, psi=0.5)
    hi = law.support()[-1][1]
    x = np.linspace(0, hi * 1.05, args.points)
    law.pdf(x[:1000])  # warm up (symbolic set-up, support)
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        d = law.pdf(x)
        best = min(best, time.perf_counter() - t0)
    xs = x[:: max(1, args.points // args.baseline_points)][: args.baseline_points]
    xs = xs[xs > 0]  # the hard edge at 0 is +inf in both
    t0 = time.perf_counter()
    ref = baseline_density(law, xs)
    t_base = (time.perf_counter() - t0) / xs.size
    agree = np.max(np.abs(law.pdf(xs) - ref)) / np.max(ref)
    rate = args.points / best
    print(f"law: {law!r}")
    print(f"vectorized: {args.points} points in {best:.3f} s = {rate:,.0f} points/s")
    print(f"baseline numpy.roots per point: {1 / t_base:,.0f} points/s ({xs.size} points timed)")
    print(f"speed-up: {rate * t_base:,.0f}x; max |difference| / max density = {agree:.1e}")
    assert np.isfinite(d).all() or np.isinf(d).any()


if __name__ == "__main__":
    main()
