"""One ``pdf`` call on many points against the same points in calls of 10⁴ (issue 23's row:
10⁶ points in one call were 3.3× slower than in chunks, memory-bound temporaries).

The baseline contains no rmttheory code of its own: a plain Python loop calling the same
``law.pdf`` on consecutive slices of 10⁴ points (what a user would write to stay in cache)
and concatenating the results.  Law: Pennington–Worah for tanh at φ = ψ = ½ (the quartic
solver; its support and atom computed before the clocks start).  The two are timed
alternately, their order swapped every round; the table gives the median and the best
round of each and the ratio chunks / one call (above 1: the single call is faster).

Usage: ``python benchmarks/bench_pdf_blocks.py [--points 1000000] [--chunk 10000] [--rounds 9]``
"""

from __future__ import annotations

import argparse
import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import time  # noqa: E402

import numpy as np  # noqa: E402

from rmttheory.constants import gaussian_constants  # noqa: E402
from rmttheory.distributions import PenningtonWorah  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=10**6)
    ap.add_argument("--chunk", type=int, default=10**4)
    ap.add_argument("--rounds", type=int, default=9)
    args = ap.parse_args()
    law = PenningtonWorah.from_constants(gaussian_constants("tanh"), 0.5, 0.5)
    hi = law.support()[-1][1]
    x = np.linspace(0.0, 1.1 * hi, args.points)
    law.pdf(x[:1000])  # support, atom, solver set up

    def chunks() -> np.ndarray:
        return np.concatenate(
            [law.pdf(x[i : i + args.chunk]) for i in range(0, x.size, args.chunk)]
        )

    one_t, chunk_t = [], []
    for r in range(args.rounds):
        for which in (0, 1) if r % 2 == 0 else (1, 0):
            t = time.perf_counter()
            if which == 0:
                one = law.pdf(x)
            else:
                many = chunks()
            (one_t if which == 0 else chunk_t).append(time.perf_counter() - t)
    same = one == many  # (inf at a hard edge equals inf)
    diff = float(np.max(np.abs(one[~same] - many[~same]), initial=0.0))
    print(f"{law!r}, {x.size:,} points, {args.rounds} alternating rounds")
    print("| | median | best |")
    print("|---|---|---|")
    print(f"| one call | {np.median(one_t):.3f} s | {min(one_t):.3f} s |")
    print(
        f"| {x.size // args.chunk} calls of {args.chunk:,} | {np.median(chunk_t):.3f} s "
        f"| {min(chunk_t):.3f} s |"
    )
    print(
        f"| ratio (chunks / one call) | {np.median(chunk_t) / np.median(one_t):.3f} "
        f"| {min(chunk_t) / min(one_t):.3f} |"
    )
    print(f"max |difference| {diff:.1e}")


if __name__ == "__main__":
    main()
