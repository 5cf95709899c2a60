"""Largest eigenvalues and Tracy–Widom values: the package against plain scripts.

Usage: python benchmarks/bench_edge.py [--sizes 250 500 1000 2000] [--repeats 5]

1. The largest eigenvalue of an n × n GOE matrix: ``beta_hermite(n, 1, largest=1)``
   (tridiagonal model, bisection) against the baseline a user writes, a dense GOE matrix
   and ``numpy.linalg.eigvalsh`` (none of our code), at the sizes both can do; then the
   tridiagonal alone up to n = 10⁶.  Prints seconds per draw and the ratio.
2. TW₁ cdf on 1,000 points: ``TracyWidom(1).cdf`` against a plain per-point Nyström loop
   (Bornemann's kernel Ai((x+y)/2)/2 on (s, s + 32), 70 Gauss–Legendre nodes, numpy
   ``det``), which is what a user without the package would write, and the largest
   difference between the two.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
from scipy.special import airy

from rmttheory.distributions import TracyWidom
from rmttheory.local_statistics import beta_hermite


def dense_goe_top(n: int, rng: np.random.Generator) -> float:
    a = rng.standard_normal((n, n))
    return float(np.linalg.eigvalsh((a + a.T) / math.sqrt(2 * n))[-1])


def plain_tw1_cdf(s: float, m: int = 70) -> float:
    t, w = np.polynomial.legendre.leggauss(m)
    x, w = s + 16 * (t + 1), 16 * w
    sw = np.sqrt(w)
    K = sw[:, None] * 0.5 * airy((x[:, None] + x[None, :]) / 2)[0] * sw[None, :]
    return float(np.linalg.det(np.eye(m) - K))


def per_draw(fn, repeats: int) -> float:
    fn()  # warm-up
    t0 = time.perf_counter()
    for _ in range(repeats):
        fn()
    return (time.perf_counter() - t0) / repeats


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[250, 500, 1000, 2000])
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    print("largest GOE eigenvalue, seconds per draw")
    print(f"{'n':>9s} {'dense eigvalsh':>15s} {'tridiagonal':>12s} {'ratio':>8s}")
    for n in args.sizes:
        base = per_draw(lambda n=n: dense_goe_top(n, rng), args.repeats)
        ours = per_draw(lambda n=n: beta_hermite(n, 1, largest=1, rng=rng), 20 * args.repeats)
        print(f"{n:9d} {base:15.4f} {ours:12.5f} {base / ours:8.0f}")
    for n in (10**4, 10**5, 10**6):
        ours = per_draw(lambda n=n: beta_hermite(n, 1, largest=1, rng=rng), 3)
        print(f"{n:9d} {'—':>15s} {ours:12.4f}")
    x = np.linspace(-6, 4, 1000)
    t0 = time.perf_counter()
    plain = np.array([plain_tw1_cdf(v) for v in x])
    base = time.perf_counter() - t0
    tw = TracyWidom(1)
    t0 = time.perf_counter()
    ours = tw.cdf(x)
    mine = time.perf_counter() - t0
    print(f"TW1 cdf on 1,000 points: plain Nyström loop {base:.2f} s, TracyWidom(1).cdf "
          f"{mine:.2f} s, ratio {base / mine:.2f}; max |difference| "
          f"{np.max(np.abs(plain - ours)):.1e}")  # fmt: skip


if __name__ == "__main__":
    main()
