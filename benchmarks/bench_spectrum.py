"""The whole Hessian spectrum: ``hessian_spectrum`` (low-rank) against dense Hessian + eigvalsh.

Usage: python benchmarks/bench_spectrum.py [--batch 16] [--widths 40 200] [--device cpu]

The network of issue 14: a ReLU MLP 61 -> 40 -> 200 -> 10 (P = 12,690; PyTorch's
default initialisation after ``torch.manual_seed(0)``), the mean cross-entropy
on the first ``--batch`` samples of the offline digits, float64.  Timed in the
same run:

* baseline, none of rmttheory's code: ``torch.func.hessian`` of the loss as a
  function of the flat parameters, then ``torch.linalg.eigvalsh``;
* ``hessian_spectrum(method="auto")`` (the certified low-rank path here);
* ``hessian_spectrum(method="dense")`` (``exact_hessian`` + LAPACK), for reference.

Prints seconds, the ratio baseline / low-rank, the rank and the largest
difference of the eigenvalues (all P, the null space as zeros) relative to max|λ|.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from bench_hessian import flat_loss  # benchmarks/ is on sys.path when run as a script

from rmttheory.data import load_dataset
from rmttheory.hessians import hessian_spectrum


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--widths", type=int, nargs="+", default=[40, 200])
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args()
    dev = args.device
    data = load_dataset("digits")
    torch.manual_seed(0)  # a benchmark script: PyTorch's default initialisation, seeded
    dims = [data.dim, *args.widths, data.n_classes]
    layers: list[torch.nn.Module] = []
    for a, b in zip(dims[:-1], dims[1:]):
        layers += [torch.nn.Linear(a, b), torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1]).double().to(dev)
    x = torch.as_tensor(data.x[: args.batch], dtype=torch.float64, device=dev)
    y = torch.as_tensor(data.y[: args.batch], dtype=torch.long, device=dev)
    P = sum(p.numel() for p in model.parameters())
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, device {dev}, "
          f"MLP {dims}, P = {P}, batch {args.batch}")  # fmt: skip

    loss, theta = flat_loss(model, x, y)  # plain torch, from the sibling benchmark
    # warm-up of both (first-call costs of torch.func and of our products: ~1.5 s)
    small = torch.nn.Sequential(torch.nn.Linear(data.dim, 3), torch.nn.Tanh(),
                                torch.nn.Linear(3, data.n_classes)).double().to(dev)  # fmt: skip
    torch.func.hessian(flat_loss(small, x[:4], y[:4])[0])(flat_loss(small, x[:4], y[:4])[1])
    hessian_spectrum(small, x[:4], y[:4], device=dev)
    t0 = time.perf_counter()
    H = torch.func.hessian(loss)(theta)
    t_h = time.perf_counter() - t0
    lam = torch.linalg.eigvalsh(0.5 * (H + H.T)).cpu().numpy()
    t_base = time.perf_counter() - t0
    del H
    low = hessian_spectrum(model, x, y, method="auto", device=dev)
    dense = hessian_spectrum(model, x, y, method="dense", device=dev)
    scale = np.abs(lam).max()
    base = np.where(np.abs(lam) <= 1e-10 * scale, 0.0, lam)
    print(f"baseline torch.func.hessian + eigvalsh: {t_base:8.2f} s (Hessian {t_h:.2f} s)")
    print(f"hessian_spectrum auto -> {low.method}:  {low.seconds:8.2f} s, rank {low.rank}, "
          f"{low.n_products} products, certificate {(low.certificate or 0.0) / scale:.1e} max|λ|")  # fmt: skip
    print(f"hessian_spectrum dense:               {dense.seconds:8.2f} s, rank {dense.rank}")
    print(f"ratio baseline / low-rank: {t_base / low.seconds:.2f}; "
          f"dense / low-rank: {dense.seconds / low.seconds:.2f}")  # fmt: skip
    for name, s in (("low-rank", low), ("dense", dense)):
        err = np.max(np.abs(np.sort(base) - s.eigenvalues)) / scale
        print(f"max |λ_{name} - λ_baseline| / max|λ| = {err:.1e}")


if __name__ == "__main__":
    main()
