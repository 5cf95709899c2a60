"""Pennington & Worah (2017): densities, memorization, propagation through layers.

Conventions: :math:`M = YY^\\top/m`, :math:`Y = f(WX)` with :math:`f` centered,
:math:`\\phi = n_0/m`, :math:`\\psi = n_0/n_1` (:mod:`rmttheory.equation`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rmttheory.errors import RmtError
from rmttheory.figures.core import FigureContext, check, histogram, panels

__all__: list[str] = []  # used through rmttheory.figures.registry

#: activations spanning zeta/eta from 0 to 1
ACTIVATIONS = ["abs", "relu", "tanh", "x"]
LABELS = {"abs": "|x|", "relu": "ReLU", "tanh": "tanh", "x": "linear", "erf": "erf"}
RATIOS = [(0.5, 0.5), (1.0, 0.5), (0.5, 2.0), (2.0, 1.0)]


def spectra_record(ctx: FigureContext, cases: list[tuple[str, float, float]]) -> dict[str, Any]:
    """Sampled Gram spectra (the validate campaign's :func:`run_point`) and their laws."""
    from rmttheory.distributions import PenningtonWorah
    from rmttheory.validation.campaign import Point, run_point
    from rmttheory.validation.compare import clean_zeros

    n0, seeds = ctx.size(300, 1000), ctx.size(2, 4)
    panels, checks = [], []
    for i, (act, phi, psi) in enumerate(cases):
        pt = Point(act, phi, psi, n0, seeds=seeds, seed=ctx.seed + i, device=ctx.device)
        rec = run_point(pt, keep_eigenvalues=True)
        if rec["status"] != "ok":
            raise RmtError(f"{act} φ={phi} ψ={psi}: {rec['reason']}")
        law = PenningtonWorah(rec["eta"], rec["zeta"], rec["phi_eff"], rec["psi_eff"])
        ev = clean_zeros(rec["eigenvalues"])
        cont = ev[ev != 0] if law.atom_mass > 0 else ev
        top = 1.05 * max(law.support()[-1][1], float(ev.max()))
        x = np.linspace(0, top, 600)[1:]
        label = f"{LABELS.get(act, act)} φ={phi:g} ψ={psi:g}"
        panels.append({
            "act": act, "label": LABELS.get(act, act), "phi": phi, "psi": psi,
            "n0": rec["n0"], "n1": rec["n1"], "m": rec["m"], "seeds": seeds,
            "seed": ctx.seed + i, "eta": rec["eta"], "zeta": rec["zeta"], "atom": law.atom_mass,
            "hard_edge": law.hard_edge, "x": x, "pdf": law.pdf(x),
            "hist": histogram(cont, 50, (0.0, top), mass=1 - law.atom_mass),
            "ks": rec["ks"], "ks_tol": rec["ks_tol"], "trace": rec["trace"],
        })  # fmt: skip
        checks.append(check(f"{label}: KS", "KS", rec["ks"], rec["ks_tol"]))
        tr = rec["trace"]
        checks.append(check(f"{label}: mean eigenvalue", "|mean - E|",
                            abs(tr["mean"] - tr["target"]), tr["tol"]))  # fmt: skip
    return {"panels": panels, "checks": checks}


def densities_by_activation(ctx: FigureContext) -> dict[str, Any]:
    """Four activations (ζ/η = 0, 0.68, 0.93, 1) at φ = ψ = 1/2."""
    return spectra_record(ctx, [(a, 0.5, 0.5) for a in ACTIVATIONS])


def densities_by_ratio(ctx: FigureContext) -> dict[str, Any]:
    """tanh at four (φ, ψ)."""
    return spectra_record(ctx, [("tanh", p, q) for p, q in RATIOS])


def draw_spectra(record: dict[str, Any], by: str = "activation") -> Any:
    import matplotlib.pyplot as plt

    from rmttheory.plot import TWO_COLUMN

    fig, axes = plt.subplots(1, 4, figsize=(TWO_COLUMN, 1.9))
    for ax, p in zip(axes, record["panels"]):
        h = p["hist"]
        heights = np.asarray(h["density"])
        ax.stairs(heights, h["edges"], fill=True, color="0.8", label="sampled")
        y = np.asarray(p["pdf"], dtype=float)
        ax.plot(p["x"], np.where(np.isfinite(y), y, np.nan), color="C1", label="theory")
        top = np.max(heights[1:]) if p["hard_edge"] else max(heights.max(), np.nanmax(y))
        ax.set_ylim(0, 1.3 * top)
        ratio = p["zeta"] / p["eta"]
        if by == "activation":
            ax.set_title(f"{p['label']}, ζ/η = {ratio:.2f}")
        else:
            ax.set_title(f"φ = {p['phi']:g}, ψ = {p['psi']:g}")
        ax.set_xlabel(r"eigenvalue $\lambda$ of $M$")
        if p["atom"] > 0:
            ax.text(0.97, 0.6, f"atom {p['atom']:.2g} at 0", transform=ax.transAxes,
                    ha="right", fontsize=6.5)  # fmt: skip
    axes[0].set_ylabel("density")
    axes[0].legend(loc="upper right")
    return fig


def memorization(ctx: FigureContext) -> dict[str, Any]:
    """Training loss of random-feature ridge regression against γ (PW 2017, Fig. 4 kind)."""
    from rmttheory.distributions import PenningtonWorah
    from rmttheory.regression import ridge_training_loss
    from rmttheory.validation.risk import sampled_ridge_training_loss
    from rmttheory.validation.tolerance import mean_check

    n0, trials = ctx.size(200, 800), ctx.size(10, 16)  # t quantile 4.8 at 10 trials
    cases = [("tanh", 0.5, 0.5), ("tanh", 0.5, 1.0), ("relu", 0.5, 0.5), ("abs", 0.5, 0.5)]
    grid = np.logspace(-4, 1, 80)
    sim_g = [1e-3, 1e-2, 1e-1, 1.0]
    curves, checks = [], []
    for i, (act, phi, psi) in enumerate(cases):
        law = PenningtonWorah.from_activation(act, phi, psi)
        th = ridge_training_loss(law, grid)
        pts = []
        for j, g in enumerate(sim_g):
            vals = [sampled_ridge_training_loss(act, n0, phi, psi, g, seed=[ctx.seed, i, j, t])
                    for t in range(trials)]  # fmt: skip
            theory = float(ridge_training_loss(law, [g])[0])
            mc = mean_check(vals, theory, 3 / n0)
            pts.append({"gamma": g, **mc})
            checks.append(check(f"{LABELS[act]} φ={phi} ψ={psi} γ={g:g}", "|sim - theory|",
                                abs(mc["sim"] - theory), mc["tol"]))  # fmt: skip
        curves.append({"act": act, "label": LABELS[act], "phi": phi, "psi": psi,
                       "zeta_over_eta": law.zeta / law.eta, "gamma": grid, "loss": th,
                       "points": pts})  # fmt: skip
    return {"n0": n0, "trials": trials, "curves": curves, "checks": checks}


def draw_memorization(record: dict[str, Any]) -> Any:
    fig, ax = panels()
    for i, c in enumerate(record["curves"]):
        lab = f"{c['label']}, φ={c['phi']:g}, ψ={c['psi']:g}"
        ax.plot(c["gamma"], c["loss"], color=f"C{i}", label=lab)
        pts = c["points"]
        ax.errorbar([p["gamma"] for p in pts], [p["sim"] for p in pts],
                    yerr=[2 * p["se"] for p in pts], fmt="o", color=f"C{i}", ms=3)  # fmt: skip
    ax.set_xscale("log")
    ax.set_xlabel(r"ridge $\gamma$")
    ax.set_ylabel(r"training loss $E_{\mathrm{train}}$")
    ax.legend(title="lines: theory, points: simulation", title_fontsize=6.5)
    return fig


def propagation(ctx: FigureContext) -> dict[str, Any]:
    """Kernel spectra through L layers (width = m) for activations of different ζ/η."""
    from rmttheory.kernels import propagate_spectrum
    from rmttheory.validation.compare import ks_distance
    from rmttheory.validation.kernel_sampling import deep_kernel_eigenvalues
    from rmttheory.validation.tolerance import ks_tolerance

    depth, m = ctx.size(4, 6), ctx.size(300, 1000)
    u = (np.arange(400) + 0.5) / 400
    acts, curves, checks = ["abs", "relu", "erf", "tanh"], [], []
    for i, act in enumerate(acts):
        layers = propagate_spectrum(act, depth, 1.0)
        q0 = layers[0]["law"].ppf(u) / layers[0]["law"].mean()
        ev = deep_kernel_eigenvalues(act, depth, m, 1.0, rng=[ctx.seed, i])
        dist_th, dist_sim = [], []
        for lay, e in zip(layers, ev):
            law = lay["law"]
            dist_th.append(float(np.mean(np.abs(law.ppf(u) / law.mean() - q0))))
            s = np.sort(e) / np.mean(e)
            ql = layers[0]["law"].ppf((np.arange(s.size) + 0.5) / s.size) / layers[0]["law"].mean()
            dist_sim.append(float(np.mean(np.abs(s - ql))))
            if lay["layer"] > 0:
                tol = ks_tolerance(m, m, 1).value
                checks.append(check(f"{LABELS[act]} layer {lay['layer']}: KS", "KS",
                                    ks_distance(law, e), tol))  # fmt: skip
        last = layers[-1]["law"]
        x = np.linspace(0, 1.05 * last.support()[-1][1], 400)[1:]
        curves.append({"act": act, "label": LABELS[act],
                       "zeta_over_eta": float(layers[1]["zeta"] / layers[1]["eta"]),
                       "distance_theory": dist_th, "distance_sampled": dist_sim,
                       "x": x / last.mean(), "pdf": last.pdf(x) * last.mean(),
                       "hist": histogram(np.asarray(ev[-1]) / np.mean(ev[-1]), 40)})  # fmt: skip
    return {"depth": depth, "m": m, "width_ratio": 1.0, "curves": curves, "checks": checks}


def draw_propagation(record: dict[str, Any]) -> Any:
    import matplotlib.pyplot as plt

    from rmttheory.plot import TWO_COLUMN

    fig, (a0, a1) = plt.subplots(1, 2, figsize=(TWO_COLUMN, 2.3))
    L = record["depth"]
    for i, c in enumerate(record["curves"]):
        lab = f"{c['label']} (ζ/η = {c['zeta_over_eta']:.2f})"
        a0.plot(range(L + 1), c["distance_theory"], color=f"C{i}", label=lab)
        a0.plot(range(L + 1), c["distance_sampled"], "o", color=f"C{i}", ms=3)
        y = np.asarray(c["pdf"], dtype=float)
        a1.plot(c["x"], np.where(np.isfinite(y), y, np.nan), color=f"C{i}", label=c["label"])
    a0.set_xlabel("layer $l$")
    a0.set_ylabel(r"$W_1$ to the input spectrum")
    a0.legend(title="lines: theory, points: sampled", title_fontsize=6.5)
    a1.set_ylim(0, 1.6)
    a1.set_xlim(0, 8)
    a1.set_xlabel(rf"$\lambda/\bar\lambda$ of the kernel at layer {L}")
    a1.set_ylabel("density")
    a1.legend()
    return fig
