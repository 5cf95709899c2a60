"""Eigenvalue throughput of the sampled Gram matrix: numpy vs torch (CPU, and CUDA if present).

Usage: python benchmarks/bench_eigen.py [--sizes 2048 4096] [--repeats 2]

For each n1 (square case n0 = n1 = m, tanh), times sampling M and computing its
eigenvalues with numpy (LAPACK syevd) and with torch on each available device;
the baseline is numpy in the same run.  Prints seconds per sample and the ratio.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from rmttheory.validation.gram import gram_eigenvalues
from rmttheory.validation.sampling import GramSpec


def timed(spec: GramSpec, device: str, repeats: int) -> float:
    gram_eigenvalues(spec, 0, device)  # warm-up
    if device == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    for s in range(repeats):
        gram_eigenvalues(spec, s + 1, device)
    if device == "cuda":
        torch.cuda.synchronize()
    return (time.perf_counter() - t0) / repeats


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[2048, 4096])
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, devices {devices}")
    print(
        f"{'n1':>6s} {'numpy [s]':>10s} "
        + " ".join(f"{'torch-' + d + ' [s]':>16s} {'ratio':>6s}" for d in devices)
    )
    for n in args.sizes:
        spec = GramSpec("tanh", n, 1.0, 1.0)
        base = timed(spec, "cpu", args.repeats)
        cols = []
        for d in devices:
            t = _torch_time(spec, d, args.repeats)
            cols.append(f"{t:16.3f} {base / t:6.2f}")
        print(f"{n:6d} {base:10.3f} " + " ".join(cols))


def _torch_time(spec: GramSpec, device: str, repeats: int) -> float:
    """Torch sampling + eigvalsh on ``device`` (the cpu path of gram_eigenvalues is numpy)."""
    from rmttheory.validation.sampling import sample_features_torch

    def one(seed: int) -> np.ndarray:
        Y = sample_features_torch(spec, seed, device)
        return torch.linalg.eigvalsh(Y @ Y.T / Y.shape[1]).cpu().numpy()

    one(0)
    if device == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    for s in range(repeats):
        one(s + 1)
    if device == "cuda":
        torch.cuda.synchronize()
    return (time.perf_counter() - t0) / repeats


if __name__ == "__main__":
    main()
