"""Hessian-vector products and stochastic Lanczos quadrature against plain torch and curvlinops.

Usage: python benchmarks/bench_operators.py [--params 2000 10000 20000] [--batch 64] [--model mlp|cnn]
       [--products 60] [--rounds 7] [--vectors 4] [--steps 64] [--device cpu|cuda]

Model: ``bench_hessian.mlp`` (tanh MLP 64 -> h -> h -> 10, about ``--params`` parameters,
float64), or with ``--model cnn`` a one-layer tanh CNN (:func:`cnn`), mean cross-entropy on a
random batch.  Timed in the same run:

* HVP: ``HessianOperator(...).matvec`` (numpy in, numpy out) against the plain autograd
  loop a user writes (no rmttheory code): differentiate the loss once with
  ``create_graph=True``, then ``torch.autograd.grad(g, theta, v, retain_graph=True)`` per
  vector; and the same loop doing our job, numpy in and out (``torch.from_numpy``,
  ``.numpy()``; no finiteness check).  Seconds per product after the first (the graph build
  is reported apart): the median over ``--rounds`` rounds of ``--products - 1`` products
  each, the three loops alternating and their order reversed every round (machine drift and
  order effects hit all).
* SLQ: ``slq_density(n_vectors, n_steps)`` against curvlinops'
  ``lanczos_approximate_spectrum(HessianLinearOperator, ncv=n_steps,
  num_repeats=n_vectors)`` (skipped where curvlinops is not installed; see
  ``bench_hessian.py`` for the install that keeps the pinned torch).

Prints seconds and the ratio baseline / ours (above 1: ours is faster), and the largest
difference between the two products.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from bench_hessian import flat_loss, mlp, sync

from rmttheory.hessians import HessianOperator, slq_density


def cnn(params: int) -> torch.nn.Module:
    """Conv1d(1 -> c, 5) on the 64 inputs, tanh, average pooling by 2, Linear(32 c -> 10):
    about ``params`` parameters (c = (params - 10) / 326), float64, seeded."""
    c = max(1, round((params - 10) / 326))
    gen = torch.Generator().manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Unflatten(1, (1, 64)), torch.nn.Conv1d(1, c, 5, padding=2), torch.nn.Tanh(),
        torch.nn.AvgPool1d(2), torch.nn.Flatten(), torch.nn.Linear(32 * c, 10),
    ).double()  # fmt: skip
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=gen, dtype=torch.float64) / p.shape[-1] ** 0.5)
    return model


def bench_hvp(model, x, y, products: int, device: str, rounds: int = 7) -> dict[str, float]:
    gen = torch.Generator().manual_seed(1)
    loss, theta = flat_loss(model, x, y)
    P = theta.numel()
    vs = torch.randn((products, P), generator=gen, dtype=torch.float64).to(device)
    # plain autograd: the gradient graph once, then one backward per vector
    sync(device)
    t = time.perf_counter()
    th = theta.clone().requires_grad_(True)
    (g,) = torch.autograd.grad(loss(th), th, create_graph=True)
    plain_first = torch.autograd.grad(g, th, vs[0], retain_graph=True)[0]
    sync(device)
    plain_build = time.perf_counter() - t
    # ours
    vn = vs.cpu().numpy()
    t = time.perf_counter()
    op = HessianOperator(model, x, y, device=device)
    ours_first = op.matvec(vn[0])
    ours_build = time.perf_counter() - t

    def run_plain():
        for v in vs[1:]:
            out = torch.autograd.grad(g, th, v, retain_graph=True)[0]
        sync(device)
        return out

    def run_plain_numpy():  # the same job as ours: numpy in and out (no finiteness check)
        for v in vn[1:]:
            out = torch.autograd.grad(g, th, torch.from_numpy(v), retain_graph=True)[0]
            mine = out.numpy()
        return mine

    def run_ours():
        for v in vn[1:]:
            mine = op.matvec(v)
        return mine

    # alternate rounds, the order swapped each round (drift and order effects hit both)
    runs = (run_plain, run_plain_numpy, run_ours)
    times: list[list[float]] = [[], [], []]
    for r in range(rounds):
        for which in (0, 1, 2) if r % 2 == 0 else (2, 1, 0):
            t = time.perf_counter()
            result = runs[which]()
            times[which].append(time.perf_counter() - t)
            if which == 0:
                out = result
            elif which == 2:
                mine = result
    plain, plain_numpy, ours = (float(np.median(ts)) / (products - 1) for ts in times)
    diff = float(np.max(np.abs(mine - out.cpu().numpy())))
    diff = max(diff, float(np.max(np.abs(ours_first - plain_first.cpu().numpy()))))
    return {"P": P, "plain": plain, "plain_numpy": plain_numpy, "ours": ours,
            "plain_build": plain_build,
            "ours_build": ours_build, "diff": diff}  # fmt: skip


def bench_slq(model, x, y, vectors: int, steps: int, device: str) -> dict[str, float] | None:
    t = time.perf_counter()
    q = slq_density(model, x, y, n_vectors=vectors, n_steps=steps, device=device)
    q.density(np.linspace(-1, 1, 1024), 0.01)
    ours = time.perf_counter() - t
    try:
        from curvlinops import HessianLinearOperator, lanczos_approximate_spectrum
    except ImportError:
        return {"ours": ours, "curvlinops": float("nan")}
    model = model.to(device)
    params = [p for p in model.parameters() if p.requires_grad]
    t = time.perf_counter()
    H = HessianLinearOperator(
        model, torch.nn.CrossEntropyLoss(), params, [(x.to(device), y.to(device))],
        check_deterministic=False,
    )  # fmt: skip
    lanczos_approximate_spectrum(H, ncv=steps, num_points=1024, num_repeats=vectors)
    theirs = time.perf_counter() - t
    return {"ours": ours, "curvlinops": theirs, "products": q.n_products}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--params", type=int, nargs="+", default=[2000, 10000, 20000])
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--products", type=int, default=60)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--vectors", type=int, default=4)
    ap.add_argument("--steps", type=int, default=64)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--skip-slq", action="store_true")
    ap.add_argument("--model", choices=["mlp", "cnn"], default="mlp")
    args = ap.parse_args()
    gen = torch.Generator().manual_seed(0)
    for params in args.params:
        model = (mlp(params) if args.model == "mlp" else cnn(params)).to(args.device)
        x = torch.randn((args.batch, 64), generator=gen, dtype=torch.float64).to(args.device)
        y = torch.randint(0, 10, (args.batch,), generator=gen).to(args.device)
        h = bench_hvp(model, x, y, args.products, args.device, args.rounds)
        print(
            f"HVP P={h['P']}: plain autograd {h['plain'] * 1e3:.2f} ms, ours "
            f"{h['ours'] * 1e3:.2f} ms per product (ratio {h['plain'] / h['ours']:.2f}); the plain "
            f"loop with numpy in and out {h['plain_numpy'] * 1e3:.2f} ms (ratio "
            f"{h['plain_numpy'] / h['ours']:.2f}); "
            f"graph build {h['plain_build']:.3f} s vs {h['ours_build']:.3f} s; "
            f"max diff {h['diff']:.1e}",
            flush=True,
        )
        if not args.skip_slq:
            s = bench_slq(model, x, y, args.vectors, args.steps, args.device)
            print(
                f"SLQ P={h['P']} ({args.vectors} x {args.steps}): ours {s['ours']:.2f} s, "
                f"curvlinops {s['curvlinops']:.2f} s (ratio {s['curvlinops'] / s['ours']:.2f})",
                flush=True,
            )


if __name__ == "__main__":
    main()
