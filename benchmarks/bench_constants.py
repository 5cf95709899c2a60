"""Time the Gaussian constants of every registered activation, cold and cached.

Usage: python benchmarks/bench_constants.py [--digits 30]

Prints, per activation, the cold time (closed-form search under its time budget
plus mpmath quadrature), the cached time, and their ratio; the baseline is the
cold computation in the same run.
"""

from __future__ import annotations

import argparse
import time

from rmttheory import gaussian_constants, registered_names
from rmttheory.constants import clear_caches


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--digits", type=int, default=30)
    args = ap.parse_args()
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
