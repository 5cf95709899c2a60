"""A fresh process of ``rmttheory sample`` against a fresh process of a plain numpy script.

The user's view: the command line, from a new interpreter.  The baseline is the script a user
would write instead (no rmttheory code): draw W and X, Y = tanh(WX), M = YY^T/m, eigvalsh.
``rmttheory sample`` does that and compares with the theory (constants, support, KS, trace).

Rows: ours with the on-disk cache warm (the second and later runs of a machine: what users
see), and cold (``RMTTHEORY_CACHE=off``: 30-digit constants recomputed).  Each command runs
``--repeat`` times alternately; the table gives medians and the ratio baseline / ours (below 1:
the plain script is faster).

Usage: ``python benchmarks/bench_sample.py [--sizes 1000 2000 4000] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time

PLAIN = textwrap.dedent(
    """
    import sys
    import numpy as np
    n0 = int(sys.argv[1]); n1 = m = 2 * n0
    rng = np.random.default_rng(0)
    W = rng.standard_normal((n1, n0)) / np.sqrt(n0)
    X = rng.standard_normal((n0, m))
    Y = np.tanh(W @ X)
    lam = np.linalg.eigvalsh(Y @ Y.T / m)
    print(lam.mean())
    """
)


def _time(cmd: list[str], env: dict[str, str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 2000, 4000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--cold", action="store_true", help="also time RMTTHEORY_CACHE=off runs")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        script = os.path.join(tmp, "plain.py")
        with open(script, "w") as fh:
            fh.write(PLAIN)
        # both as on a user's machine: bytecode written and read (a pip install compiles it;
        # this machine sets PYTHONDONTWRITEBYTECODE, which left an editable install's modules
        # to be compiled in every process: ~0.06 s of ours, none of numpy's)
        base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        base["PYTHONPYCACHEPREFIX"] = os.path.join(tmp, "pycache")
        plain_env = dict(base)
        warm_env = {**base, "RMTTHEORY_CACHE": os.path.join(tmp, "cache")}
        cold_env = {**base, "RMTTHEORY_CACHE": "off"}
        ours = [sys.executable, "-m", "rmttheory.cli", "sample", "tanh", "--phi", "0.5"]
        ours += ["--psi", "0.5", "--n0"]
        print("n0, plain [s], ours warm [s], ours cold [s], plain/warm, plain/cold")
        for n0 in args.sizes:
            _time([*ours, str(n0)], warm_env)  # fills the cache (and the bytecode) once
            _time([sys.executable, script, str(n0)], plain_env)
            rows: dict[str, list[float]] = {"plain": [], "warm": [], "cold": []}
            for _ in range(args.repeat):
                rows["plain"].append(_time([sys.executable, script, str(n0)], plain_env))
                rows["warm"].append(_time([*ours, str(n0)], warm_env))
                if args.cold:
                    rows["cold"].append(_time([*ours, str(n0)], cold_env))
            med = {k: statistics.median(v) if v else math.nan for k, v in rows.items()}
            print(
                f"{n0}, {med['plain']:.2f}, {med['warm']:.2f}, {med['cold']:.2f}, "
                f"{med['plain'] / med['warm']:.2f}, {med['plain'] / med['cold']:.2f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
