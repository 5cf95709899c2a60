"""The algebra of spectral laws: derivation time and density throughput, against plain sympy
and a plain numpy.roots loop measured in the same run.

Usage: python benchmarks/bench_algebra.py [--points 1000 3000 10000 30000] [--baseline-points 2000]

**Derivation.** ``rmttheory.algebra`` derives the Gram law of random features by polynomial
arithmetic (``sympy.Poly``).  The baseline, with none of the package's code, performs the same
five substitutions (``docs/algebra.md``) on sympy *expressions* — ``subs``, ``together``,
``numer``, ``expand``, ``factor_list`` — and keeps the factor with a branch ``G ~ 1/z``, typed
here.  Both must give the same polynomial (checked).  Cases: the symbolic Pennington–Worah law,
tanh on structured data (degree 6), two tanh layers (degree 8), erf → relu on structured data
(degree 12); the activation constants are computed before the clocks start.

**Density.** ``law.distribution().pdf`` on ``--points`` points of the structured-data law
(continuation from a proven start, vectorized), against a plain Python loop calling
``numpy.roots`` per point on the same polynomial (lambdified here), the branch followed by
continuity from the right end of the grid (where G ~ 1/x is real) — the loop of
``bench_density.py``, which is faster but proves nothing.  The loop runs on
``--baseline-points`` points once; its time at n points is n times its time per point (it is
a loop over points).  For each n: a fresh law, its support found (before the clock: the
loop does not find it either), then the first pdf call — from 2,048 points it builds the
piecewise-Chebyshev density model from the solver's values and checks it against the solver
(``pdf_model_error``) — the same call again (the model alone), and the root solver alone (a
fresh law with the model switched off).  Prints each time, its ratio to the loop, the
model-to-solver difference, the largest difference to the loop, and the scaling exponents.
"""

from __future__ import annotations

import argparse
import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import time  # noqa: E402

import numpy as np  # noqa: E402
import sympy as sp  # noqa: E402

from rmttheory.algebra import deep_nonlinear_gram  # noqa: E402
from rmttheory.algebra.distribution import AlgebraicDistribution  # noqa: E402
from rmttheory.algebra.models import network_constants  # noqa: E402

g, z = sp.symbols("G z")


def _plain_sub(L, gexpr, zexpr):
    return sp.expand(
        sp.numer(sp.together(sp.expand(L.subs({g: gexpr, z: zexpr}, simultaneous=True))))
    )


def _plain_branch(L):
    y, h = sp.symbols("y h")
    for f, _ in sp.factor_list(L)[1]:
        if not f.has(g):
            continue
        q = sp.expand(sp.numer(sp.together(f.subs({g: y * h, z: 1 / y}, simultaneous=True))))
        low = min(m[0] for m in sp.Poly(q, y).monoms()[::-1])
        if sp.simplify(sp.expand(q / y**low).subs({y: 0, h: 1})) == 0:
            return f
    raise RuntimeError("no branch factor")


def plain_derivation(data, phi, psis, consts, sigma_w=1):
    """The five steps on sympy expressions (none of the package's code)."""
    items = list(data.items())
    prod = sp.Mul(*[z - t for t, _ in items])
    L = g * prod - sum(w * sp.cancel(prod / (z - t)) for t, w in items)
    mean = sum(t * w for t, w in items)
    ratio = phi
    gram = _plain_branch(_plain_sub(L, g * (1 - phi + phi * z * g), z / (1 - phi + phi * z * g)))
    for psi, (eta, zeta) in zip(psis, consts):
        sigma2 = sigma_w**2 * mean
        den = 1 - psi + psi * z * g
        k = _plain_branch(_plain_sub(gram, g * den, z / den))  # wishart(C, psi)
        a = sigma_w**2 / psi
        k = _plain_branch(_plain_sub(k, a * g, z / a))  # scale
        k = _plain_branch(_plain_sub(k, (g - (1 - psi) / z) / psi, z))  # change of size
        b = zeta / sigma2
        h = _plain_branch(_plain_sub(k, b * g, z / b))
        ratio = ratio / psi
        s2 = eta - zeta
        al = 1 - s2 * ratio * g
        gram = _plain_branch(_plain_sub(h, g / al, al**2 * z - al * s2 * (1 - ratio)))
        mean = eta
    return gram


def plain_density(coeffs, x):
    out = np.zeros_like(x)
    table = np.array([np.broadcast_to(c(x + 0j), x.shape) for c in coeffs], dtype=complex).T
    prev = 1.0 / x[-1]
    for i in range(x.size - 1, -1, -1):
        roots = np.roots(table[i])
        gi = roots[np.argmin(np.abs(roots - prev))]
        if gi.imag > 0:
            gi = np.conj(gi)
        out[i] = max(-gi.imag / np.pi, 0.0)
        prev = gi
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, nargs="+", default=[1000, 3000, 10_000, 30_000])
    ap.add_argument("--baseline-points", type=int, default=2000)
    args = ap.parse_args()
    R = sp.Rational
    cases = [
        ("PW, symbolic", None, sp.Symbol("phi", positive=True),
         [sp.Symbol("psi", positive=True)], None),
        ("tanh, structured data", {1: R(1, 2), 4: R(1, 2)}, R(1, 2), [R(4, 5)], ["tanh"]),
        ("two tanh layers", {1: 1}, R(1, 2), [R(1), R(4, 5)], ["tanh", "tanh"]),
        ("erf -> relu, structured", {R(1, 2): R(1, 4), 2: R(3, 4)}, R(1, 2), [R(4, 5), R(5, 4)],
         ["erf", "relu"]),
    ]  # fmt: skip
    for label, data, phi, psis, acts in cases:
        if acts is None:
            consts = [sp.symbols("eta zeta", positive=True)]
            data_law = {1: 1}
        else:
            consts = [(e, zt) for _, e, zt in network_constants(acts, 1, data)]
            data_law = data
        t0 = time.perf_counter()
        ours = deep_nonlinear_gram(
            acts or [None], phi, psis, data_spectrum=data_law, constants=consts
        )
        t_ours = time.perf_counter() - t0
        t0 = time.perf_counter()
        base = plain_derivation(data_law, phi, psis, consts)
        t_base = time.perf_counter() - t0
        same = sp.expand(ours.polynomial * sp.Poly(base, g, z).LC() - base * ours.poly.LC()) == 0
        print(f"derive {label:26s} degree {ours.degree:2d}: ours {t_ours:7.2f} s, plain sympy "
              f"{t_base:7.2f} s, ratio {t_base / t_ours:5.1f}x, same polynomial: {same}")  # fmt: skip
    law = deep_nonlinear_gram(["tanh"], R(1, 2), [R(4, 5)], data_spectrum={1: R(1, 2), 4: R(1, 2)})
    coeffs = [sp.lambdify(z, c, "numpy") for c in sp.Poly(law.polynomial, g).all_coeffs()]
    lo, hi = law.distribution().support()[0][0], law.distribution().support()[-1][1]
    xs = np.linspace(lo, hi * 1.05, args.baseline_points + 2)[1:-1]
    t0 = time.perf_counter()
    ref = plain_density(coeffs, xs)
    t_base = (time.perf_counter() - t0) / xs.size
    print(f"density (degree {law.degree}): plain numpy.roots loop {1 / t_base:,.0f} points/s "
          f"({xs.size} points); ours as a user meets it: a fresh law, its support found, then "
          "one pdf call (the model's build and check included from 2,048 points)")  # fmt: skip
    rows = []
    for n in args.points:
        x = np.linspace(lo, hi * 1.05, n + 2)[1:-1]
        dist = AlgebraicDistribution(law)  # fresh: nothing cached (law.distribution() is kept)
        dist.support()
        t0 = time.perf_counter()
        d = dist.pdf(x)  # builds and checks the density model (n >= 2,048), then evaluates it
        t_first = time.perf_counter() - t0
        t0 = time.perf_counter()
        d = dist.pdf(x)
        t_again = time.perf_counter() - t0
        exact = AlgebraicDistribution(law)  # a fresh law with the model switched off: the solver
        exact.PDF_FROM_MODEL = False
        exact.support()
        t0 = time.perf_counter()
        d_exact = exact.pdf(x)
        t_exact = time.perf_counter() - t0
        base = t_base * n
        model_vs_solver = np.max(np.abs(d - d_exact)) / np.max(d_exact)
        rows.append((n, t_first, t_again, t_exact, base))
        print(f"  {n:6d} points: first call {t_first * 1e3:8.1f} ms (ratio {base / t_first:6.1f}x), "
              f"again {t_again * 1e3:8.1f} ms ({base / t_again:6.1f}x), root solver alone "
              f"{t_exact * 1e3:8.1f} ms ({base / t_exact:5.2f}x), loop {base * 1e3:8.1f} ms; "
              f"model to solver {model_vs_solver:.1e} (checked error {dist.pdf_model_error})")  # fmt: skip
        assert np.isfinite(d).all()
    agree = np.max(np.abs(dist.pdf(xs) - ref)) / np.max(ref)
    print(f"  max |difference| / max density, ours to the loop ({xs.size} points): {agree:.1e}")
    for k, label, least in ((1, "first call", 2048), (2, "again", 2048), (3, "root solver", 0)):
        sel = [r for r in rows if r[0] >= least]  # the model serves calls from 2,048 points
        if len(sel) >= 3:
            slope = np.polyfit(np.log([r[0] for r in sel]), np.log([r[k] for r in sel]), 1)[0]
            print(f"  scaling exponent (time ~ points^k), {label}, {len(sel)} sizes from "
                  f"{sel[0][0]} points: {slope:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
