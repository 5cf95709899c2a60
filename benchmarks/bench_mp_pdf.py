"""``MarchenkoPastur.pdf`` against the closed-form numpy line a user would write instead.

The baseline contains no rmttheory code::

    np.sqrt(np.maximum((b - x) * (x - a), 0)) / (2 * np.pi * s * r * x)

(inside ``np.errstate`` for the 0/0 at x = 0).  Ours also refuses NaN input and returns 0 off
the support without a floating-point flag.  The points cover the support and 10% beyond, and
both ratios of the row (r = 1/4: no atom; r = 4: an atom at 0).  Each timing is the best of
``--repeat`` runs of a loop of ~2e6 points; the two are timed alternately.  The table gives
the ratio baseline / ours (below 1: the plain line is faster) and the scaling exponent of ours
(slope of log time against log size over the sizes).

Usage: ``python benchmarks/bench_mp_pdf.py [--sizes 1000 10000 100000 1000000] [--repeat 7]``
"""

from __future__ import annotations

import argparse
import math
import timeit

import numpy as np

from rmttheory import MarchenkoPastur


def plain_line(x: np.ndarray, r: float, s: float = 1.0) -> np.ndarray:
    a, b = s * (1 - math.sqrt(r)) ** 2, s * (1 + math.sqrt(r)) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.sqrt(np.maximum((b - x) * (x - a), 0)) / (2 * np.pi * s * r * x)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000, 1000000])
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    print("| ratio r | points | plain line | ours | baseline / ours | max abs difference |")
    print("|---|---|---|---|---|---|")
    for r in (0.25, 4.0):
        law = MarchenkoPastur(r)
        times = []
        for n in args.sizes:
            x = np.linspace(0.0, 1.1 * law.upper, n)
            k = max(1, int(2e6 / n))
            tp, to = [], []
            for _ in range(args.repeat):  # alternate, so that drift hits both
                tp.append(timeit.timeit(lambda x=x, r=r: plain_line(x, r), number=k) / k)
                to.append(timeit.timeit(lambda x=x, law=law: law.pdf(x), number=k) / k)
            diff = float(np.max(np.abs(law.pdf(x) - np.nan_to_num(plain_line(x, r)))))
            times.append(min(to))
            print(
                f"| {r:g} | {n:,} | {min(tp) * 1e6:.1f} us | {min(to) * 1e6:.1f} us "
                f"| {min(tp) / min(to):.2f} | {diff:.1e} |"
            )
        slope = np.polyfit(np.log(args.sizes), np.log(times), 1)[0]
        print(f"| {r:g} | scaling exponent of ours | | | {slope:.2f} | |")


if __name__ == "__main__":
    main()
