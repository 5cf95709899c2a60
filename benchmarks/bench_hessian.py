"""Exact dense Hessian of an MLP: vectorised rows (torch.func) vs the row-by-row loop.

Usage: python benchmarks/bench_hessian.py [--params 10000] [--hidden-layers 2]
       [--batches 8 64 256] [--device cpu|cuda] [--eig]

The model is a tanh MLP 64 -> h -> ... -> h -> 10 (``--hidden-layers`` layers of
width h) with h chosen so that P is about ``--params``; the loss is the mean cross-entropy on a random batch (float64).
The baseline, timed in the same run, is one double-backward pass per parameter
(``rmttheory.hessians.rowwise_hessian``; extrapolated from ``--rows`` rows when
it would take long).  ``--eig`` also times ``eigvalsh`` of the Hessian on the
same device.  Prints seconds and the ratio baseline / vectorised.
"""

from __future__ import annotations

import argparse
import math
import time

import torch

from rmttheory.hessians.exact import LossSpec, exact_hessian


def mlp(params: int, hidden_layers: int = 2) -> torch.nn.Module:
    """tanh MLP 64 -> h -> ... -> h -> 10 (``hidden_layers`` of width h) with about ``params``."""
    # P = (64 + 1) h + (L - 1)(h^2 + h) + 10 h + 10
    L = hidden_layers
    a, b, c = L - 1, 65 + (L - 1) + 10, 10 - params
    h = int(-c / b) if a == 0 else int((-b + math.sqrt(b * b - 4 * a * c)) / (2 * a))
    gen = torch.Generator().manual_seed(0)
    layers: list[torch.nn.Module] = [torch.nn.Linear(64, h), torch.nn.Tanh()]
    for _ in range(L - 1):
        layers += [torch.nn.Linear(h, h), torch.nn.Tanh()]
    layers.append(torch.nn.Linear(h, 10))
    model = torch.nn.Sequential(*layers).double()
    with torch.no_grad():  # seeded initialisation without touching the global generator
        for p in model.parameters():
            p.copy_(
                torch.randn(p.shape, generator=gen, dtype=torch.float64) / math.sqrt(p.shape[-1])
            )
    return model


def sync(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()


def rowwise_time(model, x, y, device: str, rows: int) -> float:
    """Seconds for the full row-by-row Hessian, extrapolated from ``rows`` rows."""
    spec = LossSpec.build(model, x, y, device=device)
    theta = spec.theta.clone().requires_grad_(True)
    sync(device)
    t0 = time.perf_counter()
    (g,) = torch.autograd.grad(spec.loss(theta), theta, create_graph=True)
    n = min(rows, spec.n_params)
    for i in range(n):
        torch.autograd.grad(g[i], theta, retain_graph=True)
    sync(device)
    return (time.perf_counter() - t0) * spec.n_params / n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--params", type=int, default=10_000)
    ap.add_argument("--hidden-layers", type=int, default=2)
    ap.add_argument("--batches", type=int, nargs="+", default=[8, 64, 256])
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--rows", type=int, default=2000, help="rows timed for the baseline")
    ap.add_argument("--eig", action="store_true")
    args = ap.parse_args()
    model = mlp(args.params, args.hidden_layers)
    P = sum(p.numel() for p in model.parameters())
    gen = torch.Generator().manual_seed(1)
    print(
        f"torch {torch.__version__}, threads {torch.get_num_threads()}, device {args.device}, P = {P}"
    )
    print(
        f"{'batch':>6s} {'row-by-row [s]':>15s} {'vectorised [s]':>15s} {'ratio':>6s}"
        + (f" {'eigvalsh [s]':>13s}" if args.eig else "")
    )
    x0 = torch.randn(4, 64, generator=gen, dtype=torch.float64)
    exact_hessian(model, x0, torch.tensor([0, 1, 2, 3]), device=args.device)  # warm-up
    for b in args.batches:
        x = torch.randn(b, 64, generator=gen, dtype=torch.float64)
        y = torch.randint(0, 10, (b,), generator=gen)
        base = rowwise_time(model, x, y, args.device, args.rows)
        sync(args.device)
        t0 = time.perf_counter()
        h = exact_hessian(model, x, y, device=args.device)
        sync(args.device)
        t = time.perf_counter() - t0
        line = f"{b:6d} {base:15.2f} {t:15.2f} {base / t:6.2f}"
        if args.eig:
            t0 = time.perf_counter()
            h.eigenvalues()
            line += f" {time.perf_counter() - t0:13.2f}"
        print(line, flush=True)


if __name__ == "__main__":
    main()
