"""Time the Gaussian constants of every registered activation, cold and cached.

Usage: python benchmarks/bench_constants.py [--digits 30] [--sweep 200]

Prints, per activation, the cold time (closed-form search under its time budget
plus mpmath quadrature), the cached time, and their ratio; the baseline is the
cold computation in the same run.

``--sweep N``: a sweep over N values of sigma_w in [0.5, 2] for smooth
activations, every value a cache miss: the float64 path (``digits=15``) and the
30-digit mpmath path (timed on 3 values, scaled) against a baseline with none
of rmttheory's code, a 160-node Gauss–Hermite rule in numpy
(``numpy.polynomial.hermite_e.hermegauss``); prints seconds per value, the
ratios and the largest difference of eta and zeta from the 30-digit values.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from rmttheory import gaussian_constants, registered_names
from rmttheory.constants import clear_caches

SMOOTH = {
    "tanh": np.tanh,
    "gelu": lambda x: 0.5 * x * (1 + np.vectorize(math.erf)(x / math.sqrt(2))),
    "softplus": lambda x: np.logaddexp(0, x),
    "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
}


def baseline(f, sigma: float, nodes: int = 160) -> tuple[float, float, float]:
    """(mean, eta, zeta) of f(sigma z) by a plain Gauss–Hermite rule (weight exp(-z^2/2))."""
    z, w = np.polynomial.hermite_e.hermegauss(nodes)
    w = w / math.sqrt(2 * math.pi)
    fz = f(sigma * z)
    mean = float(w @ fz)
    return mean, float(w @ fz**2) - mean**2, float(w @ (z * fz)) ** 2


def sweep(n: int) -> None:
    sigmas = np.linspace(0.5, 2.0, n)
    print(f"sweep over {n} values of sigma_w in [0.5, 2] (seconds per value)")
    print(f"{'activation':10s} {'float64':>9s} {'30 digits':>10s} {'numpy GH':>9s} "
          f"{'30d/f64':>8s} {'f64/GH':>7s} {'max|err| f64':>13s} {'max|err| GH':>12s}")  # fmt: skip
    for name, f in SMOOTH.items():
        gaussian_constants(name, digits=15)  # the closed-form search, cached per activation
        t0 = time.perf_counter()
        fast = [gaussian_constants(name, sigma_w=float(s), digits=15) for s in sigmas]
        t64 = (time.perf_counter() - t0) / n
        pick = sigmas[:: max(1, n // 3)][:3]
        t0 = time.perf_counter()
        slow = [gaussian_constants(name, sigma_w=float(s), digits=30) for s in pick]
        t30 = (time.perf_counter() - t0) / len(pick)
        t0 = time.perf_counter()
        base = [baseline(f, float(s)) for s in sigmas]
        tgh = (time.perf_counter() - t0) / n
        idx = [int(np.argmin(np.abs(sigmas - s))) for s in pick]
        e64 = max(
            max(abs(fast[i].eta - c.eta), abs(fast[i].zeta - c.zeta)) for i, c in zip(idx, slow)
        )
        egh = max(max(abs(base[i][1] - c.eta), abs(base[i][2] - c.zeta)) for i, c in zip(idx, slow))
        print(f"{name:10s} {t64:9.2e} {t30:10.2e} {tgh:9.2e} {t30 / t64:8.0f} {t64 / tgh:7.1f} "
              f"{e64:13.1e} {egh:12.1e}")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--digits", type=int, default=30)
    ap.add_argument("--sweep", type=int, default=0, help="also a sigma sweep of N values")
    args = ap.parse_args()
    if args.sweep:
        sweep(args.sweep)
        return
    clear_caches()
    rows, total_cold, total_hot = [], 0.0, 0.0
    for name in registered_names():
        t0 = time.perf_counter()
        c = gaussian_constants(name, digits=args.digits)
        cold = time.perf_counter() - t0
        t0 = time.perf_counter()
        for _ in range(1000):
            gaussian_constants(name, digits=args.digits)
        hot = (time.perf_counter() - t0) / 1000
        total_cold += cold
        total_hot += hot
        rows.append((name, c.method, cold, hot))
    print(
        f"{'activation':12s} {'method':12s} {'cold [s]':>9s} {'cached [us]':>12s} {'cold/cached':>12s}"
    )
    for name, method, cold, hot in rows:
        print(f"{name:12s} {method:12s} {cold:9.3f} {hot * 1e6:12.2f} {cold / hot:12.0f}")
    print(
        f"{'all':12s} {'':12s} {total_cold:9.3f} {total_hot * 1e6:12.2f} {total_cold / total_hot:12.0f}"
    )


if __name__ == "__main__":
    main()
