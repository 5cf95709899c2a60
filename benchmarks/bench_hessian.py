"""Exact dense Hessian of an MLP: ``exact_hessian`` against three baselines, in one run.

Usage: python benchmarks/bench_hessian.py [--params 10000] [--hidden-layers 2]
       [--batches 8 64 256] [--device cpu|cuda] [--rows 2000] [--repeat 3]

The model is a tanh MLP 64 -> h -> ... -> h -> 10 (``--hidden-layers`` layers of
width h, P about ``--params``); the loss is the mean cross-entropy on a random
batch, float64.  Timed in the same run, with none of rmttheory's code in them:

* ``row loop``: one double-backward pass per parameter through the gradient
  graph, the plain torch loop (extrapolated from ``--rows`` rows);
* ``torch.func``: ``torch.func.hessian`` of the loss as a function of the flat
  parameter vector (forward-over-reverse, all P tangents at once);
* ``curvlinops``: ``curvlinops.HessianLinearOperator(...) @ I`` (skipped when
  curvlinops is not installed: ``pip install --no-deps curvlinops-for-pytorch
  backpack-for-pytorch einconv einops linear_operator opt-einsum``, which keeps
  the pinned torch).

``exact_hessian``, ``torch.func`` and curvlinops run ``--repeat`` times, alternating (order
swapped each round), and their medians are compared; the row loop runs once.
Prints seconds and the ratios baseline / ``exact_hessian``, and the largest
difference of each dense Hessian from ``exact_hessian``'s.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time

import torch
from torch.func import functional_call

from rmttheory.hessians import exact_hessian


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


def flat_loss(model, x, y):
    """The mean cross-entropy as a function of the flat parameter vector (plain torch)."""
    names = [n for n, _ in model.named_parameters()]
    shapes = [p.shape for p in model.parameters()]
    sizes = [p.numel() for p in model.parameters()]
    theta = torch.cat([p.detach().reshape(-1) for p in model.parameters()])

    def loss(t):
        params = {n: q.view(s) for n, s, q in zip(names, shapes, torch.split(t, sizes))}
        return torch.nn.functional.cross_entropy(functional_call(model, params, (x,)), y)

    return loss, theta


def row_loop(model, x, y, device: str, rows: int) -> float:
    """Seconds for the full row-by-row Hessian (plain torch), extrapolated from ``rows`` rows."""
    loss, theta = flat_loss(model, x, y)
    theta = theta.clone().requires_grad_(True)
    sync(device)
    t0 = time.perf_counter()
    (g,) = torch.autograd.grad(loss(theta), theta, create_graph=True)
    n = min(rows, theta.numel())
    for i in range(n):
        torch.autograd.grad(g[i], theta, retain_graph=True)
    sync(device)
    return (time.perf_counter() - t0) * theta.numel() / n


def timed(fn, device, *args):
    sync(device)
    t0 = time.perf_counter()
    out = fn(*args)
    sync(device)
    return out, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--params", type=int, default=10_000)
    ap.add_argument("--hidden-layers", type=int, default=2)
    ap.add_argument("--batches", type=int, nargs="+", default=[8, 64, 256])
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--rows", type=int, default=2000, help="rows timed for the row loop")
    ap.add_argument("--repeat", type=int, default=3, help="alternating runs of ours and curvlinops")
    args = ap.parse_args()
    dev = args.device
    model = mlp(args.params, args.hidden_layers).to(dev)
    P = sum(p.numel() for p in model.parameters())
    try:
        from curvlinops import HessianLinearOperator
    except ImportError:
        HessianLinearOperator = None
    gen = torch.Generator().manual_seed(1)
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, device {dev}, P = {P}")
    print(f"{'batch':>5s} {'ours [s]':>9s} {'row loop':>9s} {'torch.func':>10s} "
          f"{'curvlinops':>10s}  ratios (baseline / ours)   max |diff| / max |H|")  # fmt: skip
    x0 = torch.randn(4, 64, generator=gen, dtype=torch.float64).to(dev)
    exact_hessian(model, x0, torch.tensor([0, 1, 2, 3], device=dev), device=dev)  # warm-up
    for b in args.batches:
        x = torch.randn(b, 64, generator=gen, dtype=torch.float64).to(dev)
        y = torch.randint(0, 10, (b,), generator=gen).to(dev)
        ours_runs: list[float] = []
        curv_runs: list[float] = []
        op = None
        if HessianLinearOperator is not None:
            op = HessianLinearOperator(model, torch.nn.CrossEntropyLoss(),
                                       list(model.parameters()), [(x, y)],
                                       check_deterministic=False)  # fmt: skip
        func_runs: list[float] = []
        loss, theta = flat_loss(model, x, y)
        for r in range(args.repeat):  # ours and the peers alternating, order swapped each round
            for which in ("ours", "func", "curv") if r % 2 == 0 else ("curv", "func", "ours"):
                if which == "func":
                    hf, t = timed(lambda f, t: torch.func.hessian(f)(t), dev, loss, theta)
                    func_runs.append(t)
                elif which == "ours":
                    h, t = timed(lambda a, b: exact_hessian(model, a, b, device=dev).matrix,
                                 dev, x, y)  # fmt: skip
                    ours_runs.append(t)
                elif op is not None:
                    eye = torch.eye(P, dtype=torch.float64, device=dev)
                    hc, t = timed(lambda a, e: a @ e, dev, op, eye)
                    curv_runs.append(t)
                    del eye
        t_ours = statistics.median(ours_runs)
        t_rows = row_loop(model, x, y, dev, args.rows)
        t_func = statistics.median(func_runs)
        scale = float(h.abs().max())
        diffs = [float((hf - h).abs().max()) / scale]
        del hf
        t_curv = math.nan
        if op is not None:
            t_curv = statistics.median(curv_runs)
            diffs.append(float((hc - h).abs().max()) / scale)
            del hc
        ratios = " ".join(f"{t / t_ours:6.2f}" for t in (t_rows, t_func, t_curv))
        print(f"{b:5d} {t_ours:9.2f} {t_rows:9.2f} {t_func:10.2f} {t_curv:10.2f}  {ratios}"
              f"        {' '.join(f'{d:.1e}' for d in diffs)}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
