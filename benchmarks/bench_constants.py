"""Time the Gaussian constants of every registered activation, cold and cached.

Usage: python benchmarks/bench_constants.py [--digits 30] [--sweep 200]

Prints, per activation, the cold time (closed-form search under its time budget
plus mpmath quadrature), the cached time, and their ratio; the baseline is the
cold computation in the same run.

Cold times are measured with the on-disk cache off (``RMTTHEORY_CACHE=off``, set here unless
the environment names a cache).

``--fresh``: the user's view of one float64 value (``digits=15``, gelu, sigma = 1) in a
new interpreter, rmttheory with its on-disk cache warm and off, against
``scipy.integrate.quad`` of the three integrals (no rmttheory code); seconds after the
imports (and the imports apart), median of 5 processes each.

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
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

os.environ.setdefault("RMTTHEORY_CACHE", "off")  # cold means cold (rmttheory._disk_cache)

from rmttheory import gaussian_constants, registered_names  # noqa: E402
from rmttheory.constants import clear_caches  # noqa: E402

_OURS = """
import time
t0 = time.perf_counter()
from rmttheory import gaussian_constants
t1 = time.perf_counter()
c = gaussian_constants("gelu", digits=15)
t2 = time.perf_counter()
print(t1 - t0, t2 - t1, c.eta, c.zeta)
"""
_QUAD = """
import time
t0 = time.perf_counter()
import math
from scipy.integrate import quad
t1 = time.perf_counter()
p = lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi)
f = lambda z: 0.5 * z * math.erfc(-z / math.sqrt(2))
m = quad(lambda z: f(z) * p(z), -math.inf, math.inf, epsabs=1e-14)[0]
m2 = quad(lambda z: f(z) ** 2 * p(z), -math.inf, math.inf, epsabs=1e-14)[0]
h = quad(lambda z: z * f(z) * p(z), -math.inf, math.inf, epsabs=1e-14)[0]
t2 = time.perf_counter()
print(t1 - t0, t2 - t1, m2 - m * m, h * h)
"""


def fresh(repeat: int = 5) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        envs = {
            "rmttheory, cache warm": {**os.environ, "RMTTHEORY_CACHE": tmp},
            "rmttheory, cache off": {**os.environ, "RMTTHEORY_CACHE": "off"},
            "scipy quad": dict(os.environ),
        }
        subprocess.run([sys.executable, "-c", _OURS], env=envs["rmttheory, cache warm"],
                       check=True, capture_output=True)  # fills the cache  # fmt: skip
        print(
            f"{'gelu, sigma = 1, float64':24s} {'imports [s]':>11s} {'value [ms]':>11s}  eta, zeta"
        )
        for label, env in envs.items():
            code = _QUAD if label == "scipy quad" else _OURS
            runs = [
                subprocess.run(
                    [sys.executable, "-c", code],
                    env=env,
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout.split()  # fmt: skip
                for _ in range(repeat)
            ]
            imp = statistics.median(float(r[0]) for r in runs)
            val = statistics.median(float(r[1]) for r in runs)
            print(f"{label:24s} {imp:11.3f} {val * 1e3:11.2f}  {runs[0][2]}, {runs[0][3]}")


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
    ap.add_argument("--fresh", action="store_true", help="one float64 value in new processes")
    args = ap.parse_args()
    if args.fresh:
        fresh()
        return
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
