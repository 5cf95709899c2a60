"""Closed-form expected kernels (ReLU, erf) against neural-tangents' infinite-width NNGP kernel.

The peer: ``neural_tangents.stax.serial(stax.Dense(1, W_std=1, b_std=None), stax.Relu())``
(``stax.Erf()`` for erf), whose ``kernel_fn(X, None, "nngp")`` is
:math:`\\mathbb E_w f(w^\\top x_i) f(w^\\top x_j)` with :math:`w\\sim\\mathcal N(0, I/d)`: the
same matrix as :func:`rmttheory.kernels.expected_kernel` (not centered), in float64
(``jax_enable_x64``), jitted, timed after a warm-up call (compilation excluded), on the CPU.
neural-tangents needs an older jax than most environments hold, so it runs in the
interpreter named by ``--peer-python`` (a separate virtual environment; the data are passed as
a ``.npy`` file and the peer's matrix comes back the same way, to compare the entries).

Data: scikit-learn's digits (64 features, standardized by :func:`rmttheory.data.design_matrix`)
at the sizes ``--sizes`` (the first n samples); then the scaling exponent of ours.  Ratio =
peer time / ours (best of ``--repeat``), below 1: the peer is faster.

Usage::

    python benchmarks/bench_kernel_peer.py --peer-python /path/to/nt-venv/bin/python
        [--sizes 450 900 1797] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import textwrap
import time

import numpy as np

from rmttheory.data import design_matrix
from rmttheory.kernels import expected_kernel

PEER = textwrap.dedent(
    """
    import sys, time
    import jax
    jax.config.update("jax_enable_x64", True)
    import numpy as np
    from neural_tangents import stax
    X = np.load(sys.argv[1]).T  # samples x features
    act = {"relu": stax.Relu(), "erf": stax.Erf()}[sys.argv[2]]
    _, _, kernel_fn = stax.serial(stax.Dense(1, W_std=1.0, b_std=None), act)
    fn = jax.jit(lambda x: kernel_fn(x, None, "nngp"))
    x = jax.numpy.asarray(X)
    fn(x).block_until_ready()  # compile
    best = float("inf")
    for _ in range(int(sys.argv[4])):
        t = time.perf_counter()
        K = fn(x).block_until_ready()
        best = min(best, time.perf_counter() - t)
    np.save(sys.argv[3], np.asarray(K))
    print(best)
    """
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--peer-python", required=True, help="an interpreter with neural-tangents")
    ap.add_argument("--sizes", type=int, nargs="+", default=[450, 900, 1797])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    print("| activation | n | neural-tangents | ours | peer / ours | max abs difference |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        script = os.path.join(tmp, "peer.py")
        with open(script, "w") as fh:
            fh.write(PEER)
        for act in ("relu", "erf"):
            times = []
            for n in args.sizes:
                X = design_matrix("digits", n, n_test=0).X
                data, back = os.path.join(tmp, "x.npy"), os.path.join(tmp, "k.npy")
                np.save(data, X)
                out = subprocess.run(
                    [args.peer_python, script, data, act, back, str(args.repeat)],
                    check=True,
                    capture_output=True,
                    text=True,
                )
                t_peer = float(out.stdout.split()[-1])
                expected_kernel(act, X)  # warm-up (imports, first-call work)
                t_ours = float("inf")
                for _ in range(args.repeat):
                    t = time.perf_counter()
                    K = expected_kernel(act, X).matrix
                    t_ours = min(t_ours, time.perf_counter() - t)
                diff = float(np.max(np.abs(K - np.load(back))))
                times.append(t_ours)
                print(
                    f"| {act} | {n:,} | {t_peer * 1e3:.1f} ms | {t_ours * 1e3:.1f} ms "
                    f"| {t_peer / t_ours:.2f} | {diff:.1e} |"
                )
            slope = np.polyfit(np.log(args.sizes), np.log(times), 1)[0]
            print(f"| {act} | scaling exponent of ours | | {slope:.2f} | | |")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
