"""Liao & Mahoney (2025): Marchenko–Pastur, double descent, linear equivalents, deep
conjugate kernels, scaling laws and learning dynamics.

The risk, kernel, scaling and dynamics figures draw the records of the validation
report's sections (:mod:`rmttheory.validation.sections`), computed the same way and
with the same checks; the spectral figures sample their own matrices.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from rmttheory import _params
from rmttheory.figures.core import FigureContext, check, histogram, panels

__all__: list[str] = []  # used through rmttheory.figures.registry


def _section(name: str, ctx: FigureContext) -> dict[str, Any]:
    """A report section's record and checks, stored in the figure's data.  The record is
    the report's (:func:`rmttheory.validation.sections.section_record`): in a report's
    folder, of the same sizes and seed, it is loaded, not recomputed."""
    from rmttheory.validation.sections import Context, section_record
    from rmttheory.validation.sections.registry import SECTIONS

    section = next(s for s in SECTIONS if s.name == name)
    sctx = Context(ctx.out, full=ctx.full, device=ctx.device, seed=ctx.seed, progress=False)
    record = section_record(section, sctx)
    checks = [check(c.name, c.statistic, c.value, c.tolerance) for c in section.checks(record)]
    return {**record, "checks": checks}


# ------------------------------------------------------------------ spectra
def marchenko_pastur(ctx: FigureContext) -> dict[str, Any]:
    """Wishart spectra against Marchenko–Pastur, and a two-atom population (Silverstein)."""
    from rmttheory.distributions import MarchenkoPastur, SilversteinLaw
    from rmttheory.validation.tolerance import ks_tolerance

    p = ctx.size(500, 2000)
    rng = _params.generator([ctx.seed, 21])
    panels: list[tuple[str, Any, np.ndarray, int, int]] = []
    checks = []
    for ratio in (0.25, 0.8):
        n = round(p / ratio)
        Z = rng.standard_normal((p, n))
        ev = np.linalg.eigvalsh(Z @ Z.T / n)
        law = MarchenkoPastur(p / n)
        panels.append((f"MP, p/n = {p / n:g}", law, ev, p, n))
    tau = np.repeat([1.0, 4.0], p // 2)
    n = 2 * p
    Z = rng.standard_normal((p, n))
    ev = np.linalg.eigvalsh(np.sqrt(tau)[:, None] * (Z @ Z.T / n) * np.sqrt(tau)[None, :])
    pop_law = SilversteinLaw(np.array([1.0, 4.0]), np.array([0.5, 0.5]), p / n)
    panels.append((r"population {1: ½, 4: ½}, p/n = 0.5", pop_law, ev, p, n))
    out = []
    for name, law, ev, pp, nn in panels:
        top = 1.05 * max(law.support()[-1][1], float(ev.max()))
        x = np.linspace(0, top, 600)[1:]
        ks, tol = law.ks_distance(ev), ks_tolerance(pp, nn, 1).value
        out.append({"name": name, "p": pp, "n": nn, "x": x, "pdf": law.pdf(x),
                    "hist": histogram(ev, 50, (0.0, top)), "ks": ks, "ks_tol": tol})  # fmt: skip
        checks.append(check(f"{name}: KS", "KS", ks, tol))
    return {"panels": out, "seed": [ctx.seed, 21], "checks": checks}


def draw_panels(record: dict[str, Any], xlabel: str = r"eigenvalue $\lambda$") -> Any:
    import matplotlib.pyplot as plt

    from rmttheory.plot import TWO_COLUMN

    panels = record["panels"]
    fig, axes = plt.subplots(1, len(panels), figsize=(TWO_COLUMN, 2.0))
    for ax, p in zip(np.atleast_1d(axes), panels):
        h = p["hist"]
        ax.stairs(h["density"], h["edges"], fill=True, color="0.8", label="sampled")
        y = np.asarray(p["pdf"], dtype=float)
        ax.plot(p["x"], np.where(np.isfinite(y), y, np.nan), color="C1", label="theory")
        ax.set_ylim(0, 1.25 * max(max(h["density"]), float(np.nanmax(y))))
        ax.set_title(p["name"])
        ax.set_xlabel(xlabel)
    np.atleast_1d(axes)[0].set_ylabel("density")
    np.atleast_1d(axes)[0].legend(loc="upper right")
    return fig


def linear_equivalent(ctx: FigureContext) -> dict[str, Any]:
    """Spectrum of f(WX) (ReLU, not centered) against its linear equivalent
    μ0 11ᵀ + μ1 WX/√d + μ* Z: same bulk (Pennington–Worah), and an outlier only with μ0."""
    from rmttheory.constants import gaussian_constants
    from rmttheory.distributions import PenningtonWorah
    from rmttheory.regression.random_features import RandomFeaturesRidge
    from rmttheory.validation.compare import ks_distance
    from rmttheory.validation.tolerance import ks_tolerance

    d = N = ctx.size(400, 1500)
    n = 2 * d
    rf = RandomFeaturesRidge.from_activation("relu")
    c = gaussian_constants("relu")
    law = PenningtonWorah(c.eta, c.zeta, d / n, d / N, constants=c)
    rng = _params.generator([ctx.seed, 22])
    W, X = rng.standard_normal((N, d)), rng.standard_normal((d, n))
    pre = W @ X / math.sqrt(d)
    E = rf.mu1 * pre + rf.mu_star * rng.standard_normal(pre.shape)
    feats = {"f(WX) = ReLU(WX)": np.maximum(pre, 0), "linear equivalent with μ0": E + rf.mu0,
             "linear equivalent without μ0": E}  # fmt: skip
    top_bulk = 1.1 * law.support()[-1][1]
    x = np.linspace(0, top_bulk, 500)[1:]
    tol = ks_tolerance(N, n, 1).value
    spectra: list[dict[str, Any]] = []
    checks = []
    for name, F in feats.items():
        lam = np.linalg.eigvalsh(F @ F.T / n)
        spiked = "without" not in name  # f uncentered, or mu0 != 0: one outlier
        bulk = lam[:-1] if spiked else lam
        ks = ks_distance(law, bulk)
        spectra.append({"name": name, "top": float(lam[-1]),
                        "hist": histogram(bulk, 50, (0.0, top_bulk)), "ks": ks})  # fmt: skip
        checks.append(check(f"{name}: bulk KS", "KS", ks, tol))
    spike = law.spike(N)
    for s in spectra[:2]:
        checks.append(check(f"{s['name']}: outlier vs μ0²·n1 + η (10%)", "relative error",
                            abs(s["top"] - spike) / spike, 0.1))  # fmt: skip
    return {"d": d, "N": N, "n": n, "mu0": rf.mu0, "mu1": rf.mu1, "mu_star": rf.mu_star,
            "x": x, "pdf": law.pdf(x), "spike_predicted": spike, "spectra": spectra,
            "ks_tol": tol, "seed": [ctx.seed, 22], "checks": checks}  # fmt: skip


def draw_linear_equivalent(record: dict[str, Any]) -> Any:
    import matplotlib.pyplot as plt

    from rmttheory.plot import TWO_COLUMN

    fig, (a0, a1) = plt.subplots(1, 2, figsize=(TWO_COLUMN, 2.2), width_ratios=(2, 1))
    styles = [dict(color="0.75", fill=True), dict(color="C0", lw=1.0), dict(color="C2", lw=1.0,
              ls="--")]  # fmt: skip
    for s, st in zip(record["spectra"], styles):
        h = s["hist"]
        a0.stairs(h["density"], h["edges"], label=s["name"], **st)
    a0.plot(record["x"], record["pdf"], color="C1", label="Pennington–Worah law")
    a0.set_xlabel(r"eigenvalue $\lambda$ of $FF^\top/n$ (bulk)")
    a0.set_ylabel("density")
    a0.legend(loc="upper right")
    names = [s["name"].replace("linear equivalent", "lin. eq.") for s in record["spectra"]]
    a1.bar(range(3), [s["top"] for s in record["spectra"]], color=["0.6", "C0", "C2"])
    a1.axhline(record["spike_predicted"], color="C1", ls="--", lw=0.8,
               label=r"$\mu_0^2 n_1 + \eta$")  # fmt: skip
    a1.set_xticks(range(3), [n.replace(" with", "\nwith").replace(" without", "\nwithout")
                             .replace(" = ", "\n= ") for n in names], fontsize=6)  # fmt: skip
    a1.set_yscale("log")
    from matplotlib.ticker import NullFormatter

    a1.yaxis.set_minor_formatter(NullFormatter())
    a1.set_ylabel("largest eigenvalue")
    a1.legend(loc="center right")
    return fig


# ------------------------------------------------------------ from sections
def ridge_double_descent(ctx: FigureContext) -> dict[str, Any]:
    return _section("ridge", ctx)


def draw_ridge(record: dict[str, Any]) -> Any:
    fig, ax = panels()
    for i, (lam, curve) in enumerate(record["curves"].items()):
        ax.plot(record["grid"], curve, color=f"C{i}", label=rf"$\lambda$ = {float(lam):g}")
        pts = [q for q in record["points"] if math.isclose(q["lam"], float(lam))
               and q["spectrum"] == "isotropic"]  # fmt: skip
        ax.errorbar([q["gamma"] for q in pts], [q["test"]["sim"] for q in pts],
                    yerr=[2 * q["test"]["se"] for q in pts], fmt="o", color=f"C{i}")  # fmt: skip
    ax.set_xscale("log")
    ax.set_ylim(0, 3)
    ax.set_xlabel(r"$\gamma = p/n$")
    ax.set_ylabel("test risk")
    ax.legend(title=f"lines: theory; points: n = {record['n']}", title_fontsize=6.5)
    return fig


def rf_double_descent(ctx: FigureContext) -> dict[str, Any]:
    return _section("random_features", ctx)


def draw_rf(record: dict[str, Any]) -> Any:
    fig, ax = panels()
    ax.plot(record["grid"], record["test"], color="C0", label="test (theory)")
    ax.plot(record["grid"], record["train"], color="C1", label="train (theory)")
    pts = record["points"]
    for key, col, mk, lab in (("test_nonlinear", "C0", "o", "test, f(WX)"),
                              ("train_nonlinear", "C1", "o", "train, f(WX)"),
                              ("test_equivalent", "C0", "s", "test, linear equivalent"),
                              ("train_equivalent", "C1", "s", "train, linear equivalent")):  # fmt: skip
        ax.errorbar([q["psi1"] for q in pts], [q[key]["sim"] for q in pts],
                    yerr=[2 * q[key]["se"] for q in pts], fmt=mk, color=col, mfc="none"
                    if mk == "s" else col, label=lab)  # fmt: skip
    ax.set_xscale("log")
    ax.set_ylim(0, 1.1 * max(max(record["test"]), max(q["test_nonlinear"]["sim"] for q in pts)))
    ax.set_xlabel(r"features per sample $N/n$")
    ax.set_ylabel("mean squared error")
    ax.legend(fontsize=6)
    return fig


def real_data(ctx: FigureContext) -> dict[str, Any]:
    return _section("features", ctx)


def draw_real_data(record: dict[str, Any]) -> Any:
    from rmttheory.validation.sections.features import draw_features

    return draw_features(record)


def deep_kernels(ctx: FigureContext) -> dict[str, Any]:
    return _section("kernels", ctx)


def draw_kernels(record: dict[str, Any]) -> Any:
    import matplotlib.pyplot as plt

    from rmttheory.plot import TWO_COLUMN

    ks = record["kernels"]
    fig, axes = plt.subplots(1, len(ks), figsize=(TWO_COLUMN, 1.9))
    for ax, k in zip(axes, ks):
        ev = np.asarray(k["eigenvalues"])
        x = np.asarray(k["x"])
        h = histogram(ev, 40, (0.0, float(x[-1])))
        ax.stairs(h["density"], h["edges"], fill=True, color="0.8", label="sampled")
        y = np.asarray(k["density"], dtype=float)
        ax.plot(x, np.where(np.isfinite(y), y, np.nan), color="C1", label="theory")
        ax.set_ylim(0, 1.3 * max(h["density"][1:]))
        ax.set_title(k["name"])
        ax.set_xlabel(r"$\lambda$")
    axes[0].set_ylabel("density")
    axes[0].legend(loc="upper right")
    return fig


def scaling_law(ctx: FigureContext) -> dict[str, Any]:
    return _section("scaling", ctx)


def draw_scaling(record: dict[str, Any]) -> Any:
    fig, ax = panels()
    ax.plot(record["fine_n"], record["fine_test"], color="C0", label="deterministic equivalent")
    pts = record["points"]
    ax.errorbar([q["n"] for q in pts], [q["test"]["sim"] for q in pts],
                yerr=[2 * q["test"]["se"] for q in pts], fmt="o", color="C1",
                label="simulation (± 2 SE)")  # fmt: skip
    ax.set_xscale("log")
    ax.set_yscale("log")
    from matplotlib.ticker import NullFormatter

    for axis in (ax.xaxis, ax.yaxis):
        axis.set_minor_formatter(NullFormatter())
    ax.set_xticks([q["n"] for q in pts], [str(q["n"]) for q in pts])
    ax.set_xlabel("samples $n$")
    ax.set_ylabel("test risk")
    ax.set_title(f"slope: theory {record['exponent_theory']:.2f}, fitted "
                 f"{record['slope_sim']:.2f} (α = {record['alpha']:g}, β = {record['beta']:g})")  # fmt: skip
    ax.legend()
    return fig


def dynamics(ctx: FigureContext) -> dict[str, Any]:
    return _section("dynamics", ctx)


def draw_dynamics(record: dict[str, Any]) -> Any:
    fig, ax = panels()
    ax.plot(record["fine_steps"], record["fine_test"], color="C0", label="test (gradient flow)")
    ax.plot(record["fine_steps"], record["fine_train"], color="C1", label="train (gradient flow)")
    pts = record["points"]
    for key, col in (("test", "C0"), ("train", "C1")):
        ax.errorbar([max(q["step"], 0.5) for q in pts], [q[key]["sim"] for q in pts],
                    yerr=[2 * q[key]["se"] for q in pts], fmt="o", color=col,
                    label=f"{key} (gradient descent)")  # fmt: skip
    ax.set_xscale("log")
    ax.set_xlabel(f"gradient-descent step (step size {record['step']:g})")
    ax.set_ylabel("mean squared error")
    ax.legend()
    return fig
