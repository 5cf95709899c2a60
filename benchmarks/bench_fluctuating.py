"""The fluctuating random-features equivalent against the present (LLC) one and a plain simulation.

Usage: python benchmarks/bench_fluctuating.py [--n 1000] [--width 1000] [--act tanh] [--trials 16]

On the first ``--n`` digits (d = 61, the rest held out), ``--width`` features, ridge 1e-3,
times, each from a fresh equivalent:

- the LLC equivalent (``method="llc"``): kernels, the Silverstein law, its cdf on 400 points,
  the training and test errors;
- the fluctuating equivalent (the default): kernels, the mixture law, its cdf on 400 points,
  the errors with 4 replicates of the draws of w;
- a baseline with none of the package's code: a plain numpy simulation of ``--trials`` draws
  of W (features, eigendecomposition of K, both errors), which is what a user without an
  equivalent would run to get the same numbers with a standard error.

Prints seconds and ratios, and the values each gives (the simulation's mean ± standard error).
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from rmttheory.data import design_matrix
from rmttheory.regression import RandomFeaturesEquivalent


def simulate(X, Xt, Y, Yt, width, lam, trials, seed=0):
    """Plain numpy: ``trials`` draws of W ~ N(0, 1/d), K = S^T S/N, ridge errors."""
    d, n = X.shape
    rng = np.random.default_rng(seed)
    train, test = [], []
    for _ in range(trials):
        W = rng.standard_normal((width, d)) / math.sqrt(d)
        S, St = np.tanh(W @ X), np.tanh(W @ Xt)
        ev, U = np.linalg.eigh(S.T @ S / width)
        QY = U @ ((U.T @ Y) / (ev + lam)[:, None])
        train.append(lam**2 * np.sum(QY**2) / n)
        test.append(np.sum((Yt - St.T @ (S @ QY) / width) ** 2) / Xt.shape[1])
    return np.array(train), np.array(test)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--width", type=int, default=1000)
    ap.add_argument("--act", default="tanh")
    ap.add_argument("--trials", type=int, default=16)
    args = ap.parse_args()
    dm = design_matrix("digits", args.n)
    lam, N = 1e-3, args.width
    print(
        f"digits: n = {dm.n}, n_test = {dm.n_test}, d = {dm.dim}; {args.act}, N = {N}, ridge {lam}"
    )
    rows = {}
    for method in ("llc", "fluctuating"):
        t0 = time.perf_counter()
        eq = RandomFeaturesEquivalent.from_data(args.act, dm.X, dm.X_test, method=method)
        law = eq.spectrum(N)
        top = law.support()[-1][1]
        law.cdf(np.geomspace(1e-6 * top, top, 400))
        t1 = time.perf_counter()
        e = eq.errors(dm.Y, dm.Y_test, lam, N)
        t2 = time.perf_counter()
        rows[method] = (t2 - t0, t1 - t0, t2 - t1)
        print(f"{method:12s} {t2 - t0:6.1f} s (kernels + law + 400-point cdf {t1 - t0:5.1f} s, "
              f"errors {t2 - t1:5.1f} s): train {e.train:.6g} ± {e.train_se:.2g}, "
              f"test {e.test:.6g} ± {e.test_se:.2g}")  # fmt: skip
    if args.act == "tanh":
        t0 = time.perf_counter()
        tr, te = simulate(dm.X, dm.X_test, dm.Y, dm.Y_test, N, lam, args.trials)
        ts = time.perf_counter() - t0
        se = math.sqrt(args.trials)
        print(f"{'simulation':12s} {ts:6.1f} s ({args.trials} draws, plain numpy): "
              f"train {tr.mean():.6g} ± {tr.std(ddof=1) / se:.2g}, "
              f"test {te.mean():.6g} ± {te.std(ddof=1) / se:.2g}")  # fmt: skip
        print(f"ratios: simulation / fluctuating = {ts / rows['fluctuating'][0]:.2f}, "
              f"simulation / llc = {ts / rows['llc'][0]:.2f}")  # fmt: skip
    print(f"ratio: llc / fluctuating = {rows['llc'][0] / rows['fluctuating'][0]:.2f}")


if __name__ == "__main__":
    main()
