"""Baskerville, Granziol & Keating (2022): GOE local statistics of network Hessians.

Exact Hessians (:func:`rmttheory.validation.hessians.hessian_experiment`) of small
networks trained on offline data sets (scikit-learn digits); the paper used MNIST-size
networks with 5,000–64,000 parameters on 1,000 batches: captions state what was used.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from rmttheory import _params
from rmttheory.figures.core import FigureContext, check, histogram, panels
from rmttheory.validation.io import jsonable, read_json, write_json

__all__: list[str] = []  # used through rmttheory.figures.registry

MODELS = [("mlp", "digits"), ("cnn", "digits")]
NAMES = {"mlp": "MLP", "cnn": "CNN"}


def hessian_ensembles(ctx: FigureContext) -> dict[str, Any]:
    """The shared experiment of this paper's figures, computed once per folder
    (``DIR/data/_bgk_hessians.json``)."""
    from rmttheory.distributions import GaudinGOE, RatioLaw, WignerSurmise
    from rmttheory.local_statistics import spacings, unfold
    from rmttheory.validation.hessians import hessian_experiment

    path = Path(ctx.out) / "data" / "_bgk_hessians.json"
    if path.exists():
        rec = read_json(path)
        if rec.get("seed") == ctx.seed and rec.get("full") == ctx.full:
            return rec
    out = []
    for model, data in MODELS:
        r = hessian_experiment(model, data, hidden=ctx.size(32, 64),
                               n_batches=ctx.size(4, 50), train_steps=ctx.size(300, 1000),
                               device=ctx.device, seed=ctx.seed, at_init=True)  # fmt: skip
        eigs = np.asarray(r.pop("eigenvalues"))
        rt = np.asarray(r.pop("r_tilde"))
        scale = float(np.max(np.abs(eigs)))
        eps = np.logspace(-16, 0, 65)
        frac = [float(np.mean(np.abs(eigs) < e * scale)) for e in eps]
        nonzero = [row[np.abs(row) > r["cutoff"]] for row in eigs]
        s = spacings(unfold(nonzero, method="pool"), trim=0.1)
        r.update({
            "r_tilde_hist": histogram(rt, 40, (0.0, 1.0)), "n_r_tilde": int(rt.size),
            "spacing_hist": histogram(s, 40, (0.0, 4.0)), "n_spacings": int(s.size),
            "ks_spacing_gaudin": GaudinGOE().ks_distance(s),
            "ks_spacing_poisson": WignerSurmise("poisson").ks_distance(s),
            "ks_r_goe": RatioLaw("goe").ks_distance(rt),
            "eps": eps, "fraction_below": frac, "scale": scale,
        })  # fmt: skip
        out.append(r)
    rec = jsonable({"seed": ctx.seed, "full": ctx.full, "experiments": out})
    write_json(path, rec)
    return rec


def _label(e: dict[str, Any]) -> str:
    return f"{NAMES[e['model']]} on {e['dataset']} ({e['n_params']} parameters)"


def _ratio_checks(exps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # the GOE must fit at least twice as well as Poisson (the report's criterion)
    return [check(f"{_label(e)}: KS to GOE / KS to Poisson", "ratio of KS",
                  e["ks"]["goe"] / e["ks"]["poisson"], 0.5) for e in exps]  # fmt: skip


def ratio_histograms(ctx: FigureContext) -> dict[str, Any]:
    exps = hessian_ensembles(ctx)["experiments"]
    return {"experiments": exps, "checks": _ratio_checks(exps)}


def draw_ratios(record: dict[str, Any]) -> Any:
    from rmttheory.distributions import RatioLaw

    fig, axes = panels(len(record["experiments"]), height=2.2, sharey=True)
    x = np.linspace(0, 1, 300)
    for ax, e in zip(np.atleast_1d(axes), record["experiments"]):
        h = e["r_tilde_hist"]
        ax.stairs(h["density"], h["edges"], fill=True, color="0.8",
                  label=f"Hessian ({e['n_r_tilde']} ratios)")  # fmt: skip
        for i, ens in enumerate(("poisson", "goe", "gue")):
            ax.plot(x, RatioLaw(ens).pdf(x), color=f"C{i}", label=ens.upper() if ens != "poisson"
                    else "Poisson")  # fmt: skip
        ax.set_title(_label(e))
        ax.set_xlabel(r"adjacent-gap ratio $\tilde r$")
    np.atleast_1d(axes)[0].set_ylabel("density")
    np.atleast_1d(axes)[0].legend(loc="upper left")
    return fig


def spacing_histograms(ctx: FigureContext) -> dict[str, Any]:
    exps = hessian_ensembles(ctx)["experiments"]
    # unfolding a Hessian spectrum (a density varying over decades) is the weak step of
    # this statistic: the check only asks the spacings to be closer to GOE than to Poisson
    checks = [check(f"{_label(e)}: KS to Gaudin / KS to Poisson", "ratio of KS",
                    e["ks_spacing_gaudin"] / e["ks_spacing_poisson"], 1.0) for e in exps]  # fmt: skip
    return {"experiments": exps, "checks": checks}


def draw_spacings(record: dict[str, Any]) -> Any:
    from rmttheory.distributions import GaudinGOE, WignerSurmise

    fig, axes = panels(len(record["experiments"]), height=2.2, sharey=True)
    s = np.linspace(0, 4, 300)
    for ax, e in zip(np.atleast_1d(axes), record["experiments"]):
        h = e["spacing_hist"]
        ax.stairs(h["density"], h["edges"], fill=True, color="0.8",
                  label=f"unfolded spacings ({e['n_spacings']})")  # fmt: skip
        ax.plot(s, WignerSurmise("poisson").pdf(s), color="C0", label="Poisson $e^{-s}$")
        ax.plot(s, WignerSurmise("goe").pdf(s), color="C1", ls="--", label="GOE surmise")
        ax.plot(s, GaudinGOE().pdf(s), color="C2", label="GOE exact (Gaudin)")
        ax.set_title(_label(e))
        ax.set_xlabel("nearest-neighbour spacing $s$ (unit mean)")
    np.atleast_1d(axes)[0].set_ylabel("density")
    np.atleast_1d(axes)[0].legend(loc="upper right")
    return fig


def cutoff_sweep(ctx: FigureContext) -> dict[str, Any]:
    # descriptive (the paper's rank-degeneracy figure): no theory to check against
    return {"experiments": hessian_ensembles(ctx)["experiments"], "checks": []}


def draw_cutoff(record: dict[str, Any]) -> Any:
    fig, ax = panels(height=2.3)
    for i, e in enumerate(record["experiments"]):
        ax.plot(e["eps"], e["fraction_below"], color=f"C{i}", label=_label(e))
        ax.axvline(e["cutoff"] / e["scale"], color=f"C{i}", ls=":", lw=0.8)
    ax.set_xscale("log")
    ax.set_xlabel(r"cut-off $\epsilon$ (relative to $\max|\lambda|$)")
    ax.set_ylabel(r"fraction with $|\lambda| < \epsilon$")
    ax.legend(loc="upper left", title="dotted: cut-off used for the ratios", title_fontsize=6.5)
    return fig


def init_vs_trained(ctx: FigureContext) -> dict[str, Any]:
    from rmttheory.distributions.ratio import MEAN_R_TILDE

    exps = hessian_ensembles(ctx)["experiments"]
    checks = []
    for e in exps:  # trained: closer to the GOE's <r~> than to the GUE's or Poisson's
        d = {k: abs(e["mean_r_tilde"] - MEAN_R_TILDE[k]) for k in ("poisson", "goe", "gue")}
        checks.append(check(f"{_label(e)}: |<r~> - GOE| / distance to nearest other",
                            "ratio", d["goe"] / min(d["poisson"], d["gue"]), 0.5))  # fmt: skip
    return {"experiments": exps, "checks": checks}


def draw_init_vs_trained(record: dict[str, Any]) -> Any:
    from rmttheory.distributions.ratio import MEAN_R_TILDE

    fig, ax = panels(height=2.3)
    exps = record["experiments"]
    for i, e in enumerate(exps):
        ax.plot([0, 1], [e["init"]["mean_r_tilde"], e["mean_r_tilde"]], "o-", color=f"C{i + 3}",
                label=_label(e))  # fmt: skip
    for k, ls in (("poisson", ":"), ("goe", "--"), ("gue", "-.")):
        ax.axhline(MEAN_R_TILDE[k], color="0.3", ls=ls, lw=0.8)
        ax.text(1.04, MEAN_R_TILDE[k], "Poisson" if k == "poisson" else k.upper(),
                va="center", fontsize=6.5)  # fmt: skip
    ax.set_xticks([0, 1], ["initialization", "trained"])
    ax.set_xlim(-0.2, 1.3)
    ax.set_ylabel(r"mean adjacent-gap ratio $\langle\tilde r\rangle$")
    ax.legend(loc="lower left")
    return fig


def hessian_model(ctx: FigureContext) -> dict[str, Any]:
    """The model: GOE bulk + degenerate block + outliers, its density and local statistics."""
    from rmttheory.distributions import RatioLaw
    from rmttheory.distributions.ratio import MEAN_R_TILDE
    from rmttheory.hessians.model import HessianModel
    from rmttheory.local_statistics import spacing_ratios
    from rmttheory.validation.tolerance import mean_check

    n, rank = ctx.size(1200, 4000), ctx.size(700, 2400)
    model = HessianModel(n=n, rank=rank, spikes=(2.0, 4.0), sigma=1.0)
    draws = ctx.size(10, 20)
    samples = [model.sample(_params.generator([ctx.seed, k]))["eigenvalues"] for k in range(draws)]
    nonzero = [s[s != 0] for s in samples]
    bulk = np.concatenate([z[:-2] for z in nonzero])
    tops = np.array([z[-2:] for z in nonzero])
    ratios = [spacing_ratios(z[:-2], cutoff=0.0, trim=0.05) for z in nonzero]
    means = [float(np.mean(r.r_tilde)) for r in ratios]
    rt = np.concatenate([r.r_tilde for r in ratios])
    pred = model.outlier_locations()
    checks = [check("bulk <r~> against GOE (Student, 1% allowance)", "|mean - GOE|",
                    float(abs(np.mean(means) - MEAN_R_TILDE["goe"])),
                    mean_check(means, MEAN_R_TILDE["goe"], 0.01)["tol"])]  # fmt: skip
    for j, p in enumerate(sorted(pred)):
        mc = mean_check(tops[:, j], p, 1.0 / rank)  # finite-rank bias O(1/rank)
        checks.append(check(f"outlier {j + 1} at {p:.3g}", "|mean - theory|",
                            abs(mc["sim"] - p), mc["tol"]))  # fmt: skip
    x = np.linspace(-2.2, 2.2, 400)
    semi = np.sqrt(np.maximum(4 - x**2, 0)) / (2 * np.pi)
    return {"n": n, "rank": rank, "spikes": [2.0, 4.0], "sigma": 1.0, "draws": draws,
            "atom": model.atom_mass, "outliers_predicted": pred, "outliers_sampled": tops,
            "bulk_hist": histogram(bulk, 50, (-2.5, 2.5)), "x": x, "semicircle": semi,
            "r_tilde_hist": histogram(rt, 30, (0.0, 1.0)), "mean_r_tilde": float(np.mean(means)),
            "ks_r_goe": RatioLaw("goe").ks_distance(rt), "checks": checks}  # fmt: skip


def draw_model(record: dict[str, Any]) -> Any:
    import matplotlib.pyplot as plt

    from rmttheory.distributions import RatioLaw
    from rmttheory.plot import TWO_COLUMN

    fig, (a0, a1) = plt.subplots(1, 2, figsize=(TWO_COLUMN, 2.2))
    h = record["bulk_hist"]
    a0.stairs(h["density"], h["edges"], fill=True, color="0.8", label="sampled non-zero bulk")
    a0.plot(record["x"], record["semicircle"], color="C1", label="semicircle (radius 2σ)")
    tops = np.asarray(record["outliers_sampled"])
    a0.plot(tops.ravel(), np.full(tops.size, 0.02), "|", color="C2", ms=8,
            label="sampled outliers")  # fmt: skip
    for p in record["outliers_predicted"]:
        a0.axvline(p, color="C2", ls="--", lw=0.8)
    a0.set_xlabel(r"eigenvalue $\lambda$ (non-zero part)")
    a0.set_ylabel("density")
    a0.set_title(f"n = {record['n']}, rank {record['rank']}: atom {record['atom']:.2f} at 0")
    a0.legend(loc="upper left")
    h = record["r_tilde_hist"]
    a1.stairs(h["density"], h["edges"], fill=True, color="0.8", label="model bulk")
    x = np.linspace(0, 1, 300)
    a1.plot(x, RatioLaw("poisson").pdf(x), color="C0", label="Poisson")
    a1.plot(x, RatioLaw("goe").pdf(x), color="C1", label="GOE")
    a1.set_xlabel(r"adjacent-gap ratio $\tilde r$")
    a1.set_title(rf"local statistics: $\langle\tilde r\rangle$ = {record['mean_r_tilde']:.3f}")
    a1.legend(loc="upper left")
    return fig
