"""Expected random-feature kernel Phi on real data against a plain per-pair quadrature loop.

Usage: python benchmarks/bench_kernel.py [--n 5000] [--baseline-pairs 2000]

Times :func:`rmttheory.kernels.expected_kernel` for ``--n`` MNIST-1D samples
(standardized, sigma_w = 1) with a closed form (ReLU) and with the Hermite series
(tanh, bound 1e-10), and, in the same run, a baseline with none of the package's
code in it: a plain Python loop over pairs of samples computing
E f(u) f(v) by a 64 × 64 tensor Gauss–Hermite rule in numpy (nodes from
``numpy.polynomial.hermite_e.hermegauss``), timed on ``--baseline-pairs`` random
pairs and scaled to all n(n+1)/2 pairs.  Prints seconds, the ratio, and the largest
difference between the two on the timed pairs.  Then the deterministic equivalent
(eigendecomposition of Phi, delta, train error) for the same n.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from rmttheory.data import design_matrix
from rmttheory.kernels import expected_kernel
from rmttheory.regression.data_equivalent import RandomFeaturesEquivalent


def baseline_pairs(f, X: np.ndarray, pairs: np.ndarray, q: int = 64) -> np.ndarray:
    """E f(w^T x_i) f(w^T x_j), w ~ N(0, I/d), by q × q Gauss–Hermite per pair (plain loop)."""
    z, w = np.polynomial.hermite_e.hermegauss(q)
    w = w / math.sqrt(2 * math.pi)
    d = X.shape[0]
    out = np.empty(len(pairs))
    for p, (i, j) in enumerate(pairs):
        a = X[:, i] @ X[:, i] / d
        b = X[:, j] @ X[:, j] / d
        c = X[:, i] @ X[:, j] / d
        rho = c / math.sqrt(a * b)
        r = math.sqrt(max(1 - rho * rho, 0.0))
        fu = f(math.sqrt(a) * z)
        fv = f(math.sqrt(b) * (rho * z[:, None] + r * z[None, :]))
        out[p] = w @ (fu * (fv @ w))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--baseline-pairs", type=int, default=2000)
    args = ap.parse_args()
    dm = design_matrix("mnist1d", args.n, n_test=0)
    X = dm.X
    n = X.shape[1]
    rng = np.random.default_rng(0)
    pairs = rng.integers(0, n, size=(args.baseline_pairs, 2))
    print(f"data: MNIST-1D, n = {n}, d = {X.shape[0]}")
    for act, f in (("relu", lambda x: np.maximum(x, 0.0)), ("tanh", np.tanh)):
        t0 = time.perf_counter()
        k = expected_kernel(act, X, tol=1e-10)
        t_ours = time.perf_counter() - t0
        t0 = time.perf_counter()
        base = baseline_pairs(f, X, pairs)
        t_pair = (time.perf_counter() - t0) / len(pairs)
        t_base = t_pair * n * (n + 1) / 2
        diff = np.abs(k.matrix[pairs[:, 0], pairs[:, 1]] - base).max()
        print(
            f"{act}: expected_kernel ({k.method}, bound {k.error_bound:.1e}, "
            f"{k.quadrature_pairs} quadrature pairs) {t_ours:.2f} s; baseline loop "
            f"{t_pair * 1e6:.0f} us/pair -> {t_base:.0f} s for all pairs; "
            f"ratio {t_base / t_ours:.0f}x; max |difference| on {len(pairs)} pairs {diff:.1e}"
        )
        if act == "tanh":
            t0 = time.perf_counter()
            eq = RandomFeaturesEquivalent(k.matrix)
            t_eig = time.perf_counter() - t0
            t0 = time.perf_counter()
            for N in (n // 4, n, 4 * n):
                eq.delta(1e-2, N)
            t_delta = (time.perf_counter() - t0) / 3
            print(
                f"equivalent: eigendecomposition of Phi {t_eig:.2f} s; delta {t_delta * 1e3:.1f} ms"
            )


if __name__ == "__main__":
    main()
