"""Report section: random features on real data (digits) against the fluctuating equivalent.

For tanh and ReLU on the first ``n`` digits (standardized, :func:`rmttheory.data.design_matrix`),
``N`` in three widths around ``n``, σ_w = 1: the KS distance of the pooled sampled
spectra of :math:`K = \\Sigma^\\top\\Sigma/N` to the equivalent's law, and the mean
training and test errors of ridge read-outs at λ ∈ {1e-3, 1e-1} against the
equivalent's (:mod:`rmttheory.regression.fluctuating`: δ(w) kept inside the
expectation), with the tolerances of :mod:`rmttheory.validation.features` (noise and
the equivalent's measured numerical error, no allowance for the input dimension) and
a power table (kernel ±2%, width ±5%, λ ±5%, isotropic data).  The record also keeps
the Louart–Liao–Couillet values at each point (``llc``), to show what the fluctuating
equivalent changes.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from rmttheory.data import design_matrix, load_dataset
from rmttheory.regression.data_equivalent import RandomFeaturesEquivalent
from rmttheory.validation.compare import ks_distance
from rmttheory.validation.features import (
    features_point,
    isotropic_equivalent,
    sample_features,
)
from rmttheory.validation.sections import Check, Context, Section

__all__ = ["FeaturesSection", "CONFIG", "draw_features"]

CONFIG: dict[str, dict[str, Any]] = {
    # quick: the ratios N/n at n = 300; full: n = 1000, N in {250, 1000, 4000}
    "quick": {"n": 300, "widths": (75, 300, 1200), "trials": 6, "acts": ("tanh", "relu"),
              "profiles": 1000, "factor": 2.0, "curve": 5, "replicates": 3},
    "full": {"n": 1000, "widths": (250, 1000, 4000), "trials": 16, "acts": ("tanh", "relu"),
             "profiles": 2000, "factor": 4.0, "curve": 9, "replicates": 4},
}  # fmt: skip
LAMS = (1e-3, 1e-1)
#: N/n from 1/4 to 4 of the fluctuating equivalent's double-descent curve (one replicate
#: each, first λ; ``CONFIG[...]["curve"]`` points)
CURVE_RANGE = (0.25, 4.0)


def _log_spectrum(law: Any, ev: np.ndarray) -> dict[str, Any]:
    """Density of u = log10 λ (nonzero part): theory λ p(λ) ln 10, and the histogram."""
    sup = law.support()
    nz = ev[ev > 1e-9 * ev.max()]
    lo, hi = max(sup[0][0], float(np.quantile(nz, 1e-3)) / 3), sup[-1][1]
    u = np.linspace(math.log10(lo) - 0.2, math.log10(hi) + 0.2, 500)
    lam = 10.0**u
    dens = np.nan_to_num(law.pdf(lam) * lam * math.log(10), posinf=0.0)
    counts, edges = np.histogram(np.log10(nz), bins=70, range=(u[0], u[-1]))
    hist = counts / ev.size / np.diff(edges)
    return {"u": u.tolist(), "density": dens.tolist(), "edges": edges.tolist(),
            "hist": hist.tolist(), "atom": law.atom_mass}  # fmt: skip


class FeaturesSection(Section):
    """Random features on digits: spectrum and ridge errors against the equivalent.

    Examples
    --------
    >>> FeaturesSection().name
    'features'
    """

    name = "features"
    title = "Random features on real data (digits; full: and a Gaussian mixture)"

    def compute(self, ctx: Context) -> dict[str, Any]:
        cfg = CONFIG["full" if ctx.full else "quick"]
        grid = np.geomspace(0.1, 8, 41)
        data = [("digits", design_matrix("digits", cfg["n"]))]
        if ctx.full:  # the Gaussian mixture of the issue: d = 200, 4 classes
            mix = load_dataset("gaussian", num_samples=2 * cfg["n"], dim=200, n_classes=4,
                               sep=3.0, seed=0)  # fmt: skip
            data.append(("gaussian mixture", design_matrix(mix.x, cfg["n"], labels=mix.y)))
        acts = []
        for k, (name, dm) in enumerate(data):
            for i, act in enumerate(cfg["acts"]):
                entry = self._activation(ctx, cfg, dm, act, [ctx.seed, k, i], grid)
                acts.append({"dataset": name, "d": dm.dim, **entry})
        dm = data[0][1]
        return {"dataset": "digits", "n": dm.n, "n_test": dm.n_test, "d": dm.dim,
                "trials": cfg["trials"], "lams": list(LAMS), "grid": grid.tolist(),
                "shown_width": cfg["widths"][1], "acts": acts}  # fmt: skip

    def _activation(self, ctx: Context, cfg: dict[str, Any], dm: Any, act: str, key: list[int],
                    grid: np.ndarray) -> dict[str, Any]:  # fmt: skip
        eq = RandomFeaturesEquivalent.from_data(act, dm.X, dm.X_test, seed=[*key, 5],
                                                spectrum_samples=cfg["profiles"],
                                                samples_factor=cfg["factor"],
                                                replicates=cfg["replicates"])  # fmt: skip
        llc = eq.with_method("llc")
        iso = isotropic_equivalent(act, dm, 1.0, seed=[*key, 77])
        points = []
        shown: dict[str, Any] = {}
        for j, N in enumerate(cfg["widths"]):
            sim = sample_features(act, dm, N, LAMS, trials=cfg["trials"], seed=[*key, 13, j])
            # quick: the width ±5% spectra only at N = n (each is one more law solve)
            p = features_point(act, dm, eq, N, LAMS, trials=cfg["trials"],
                               alternatives={"isotropic data": iso},
                               width_spectra=ctx.full or j == 1, sim=sim,
                               lam_rows=ctx.full)  # fmt: skip
            # what the Louart-Liao-Couillet equivalent says at the same point
            # (its law's KS only with --full: the Silverstein law of n nodes costs seconds)
            p["llc"] = {
                "ks": ks_distance(llc.spectrum(N), sim["eigenvalues"].ravel())
                if ctx.full else math.nan,
                "risks": [llc.errors(dm.Y, dm.Y_test, r["lam"], N).to_dict()[r["kind"]]
                          for r in p["risks"]],
            }  # fmt: skip
            if j == 1:  # the middle width, N = n: two draws' histogram
                shown = _log_spectrum(eq.spectrum(N), sim["eigenvalues"][:2].ravel())
                lam_u = 10.0 ** np.asarray(shown["u"])
                shown["llc_density"] = np.nan_to_num(
                    llc.spectrum(N).pdf(lam_u) * lam_u * math.log(10), posinf=0.0
                ).tolist()
            points.append(p)
        curves: dict[str, Any] = {
            str(lam): {
                "train": [llc.train_mse(dm.Y, lam, max(1, round(r * dm.n))) for r in grid],
                "test": [llc.test_mse(dm.Y, dm.Y_test, lam, max(1, round(r * dm.n)))
                         for r in grid],
            }
            for lam in LAMS
        }  # fmt: skip
        lam0 = LAMS[0]
        ratios = [float(v) for v in np.geomspace(*CURVE_RANGE, cfg["curve"])]
        fl = [eq.errors(dm.Y, dm.Y_test, lam0, max(1, round(r * dm.n)), replicates=1)
              for r in ratios]  # fmt: skip
        curves["fluctuating"] = {"ratio": ratios, "lam": lam0,
                                 "train": [e.train for e in fl], "test": [e.test for e in fl]}  # fmt: skip
        return {"act": act, "kernel": eq.kernel, "points": points, "curves": curves,
                "spectrum": shown}  # fmt: skip

    def checks(self, record: dict[str, Any]) -> list[Check]:
        out = []
        for a in record["acts"]:
            where = "" if a.get("dataset", "digits") == "digits" else f"{a['dataset']}, "
            for p in a["points"]:
                ks = p["ks"]
                c = self.check(f"{where}{a['act']} N={p['width']}: spectrum", "KS", ks["value"],
                               ks["tol"], null_quantile=ks["null_quantile"],
                               numerical_error=ks["numerical_error"])  # fmt: skip
                c.power = ks["power"]
                out.append(c)
                for r in p["risks"]:
                    c = self.check(f"{where}{a['act']} N={p['width']} λ={r['lam']:g}: {r['kind']}",
                                   "|sim - theory|", abs(r["sim"] - r["theory"]), r["tol"],
                                   theory=r["theory"], sim=r["sim"], se=r["se"],
                                   numerical_se=r["numerical_se"])  # fmt: skip
                    c.power = r["power"]
                    out.append(c)
        return out

    def figures(self, record: dict[str, Any], out: Path) -> list[str]:
        from rmttheory.plot import save_figure

        save_figure(draw_features(record), out / "features_digits", ("pdf", "png"))
        return ["features_digits.png"]

    def markdown(
        self, record: dict[str, Any], checks: list[Check], figures: list[str]
    ) -> list[str]:
        lines = [
            f"### {self.title} — {self.verdict(checks)}",
            "",
            f"{record['dataset']}: n = {record['n']} training and {record['n_test']} held-out "
            f"samples, d = {record['d']}, {record['trials']} draws of W per width. "
            "Theory: the fluctuating equivalent (δ(w) kept inside the expectation, "
            "`rmttheory.regression.fluctuating`), errors ± their Monte-Carlo standard error. "
            "Tolerances: KS ≤ Wishart null quantile (α = 10⁻³) + 3/n + the law's tabulation "
            "error; errors within the Student quantile of √(SE² + SE_num²). No allowance for "
            "the input dimension (`rmttheory.validation.tolerance`). The LLC columns show the "
            "Louart–Liao–Couillet equivalent at the same points.",
            "",
            "| data, activation | N | KS / tol (LLC KS) | λ | train: theory ± num / sim ± SE "
            "(LLC) | test: theory ± num / sim ± SE (LLC) |",
            "|---|---|---|---|---|---|",
        ]
        for a in record["acts"]:
            for p in a["points"]:
                llc = p.get("llc", {})
                old = llc.get("risks", [math.nan] * len(p["risks"]))
                for k, (r_tr, r_te) in enumerate(zip(p["risks"][0::2], p["risks"][1::2])):
                    lines.append(
                        f"| {a.get('dataset', 'digits')} (d = {a.get('d', record['d'])}), "
                        f"{a['act']} | {p['width']} | {p['ks']['value']:.4f} / "
                        f"{p['ks']['tol']:.4f} ({llc.get('ks', math.nan):.4f}) | "
                        f"{r_tr['lam']:g} | {r_tr['theory']:.4g} ± {r_tr['numerical_se']:.1g} / "
                        f"{r_tr['sim']:.4g} ± {r_tr['se']:.2g} ({old[2 * k]:.4g}) | "
                        f"{r_te['theory']:.4g} ± {r_te['numerical_se']:.1g} / "
                        f"{r_te['sim']:.4g} ± {r_te['se']:.2g} ({old[2 * k + 1]:.4g}) |"
                    )
        entries = []
        for c in checks:
            rows = [{"perturbation": r["perturbation"], "applies": r["applies"],
                     "reject": r["reject"], "cell": "K" if c.statistic == "KS" else "E"}
                    for r in c.power]  # fmt: skip
            entries.append((c.name, rows, ""))
        lines += ["", "Power (K: the spectrum check rejects, E: the error check):", ""]
        lines += self.power_table(entries, note="")
        return [*lines, "", *self.images(figures)]


def draw_features(record: dict[str, Any]) -> Any:
    """Spectra of K (log scale) for each activation, and train/test error against N/n.

    Parameters
    ----------
    record
        The section's record (:meth:`FeaturesSection.compute`).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from rmttheory.plot import style
    >>> rec = {"acts": [], "lams": [0.001], "grid": [0.5, 1.0], "n": 10, "shown_width": 10}
    >>> with style():
    ...     fig = draw_features(rec)
    >>> len(fig.axes)
    1
    """
    import matplotlib.pyplot as plt

    from rmttheory.plot import TWO_COLUMN

    acts = [a for a in record["acts"] if a.get("dataset", "digits") == "digits"]
    fig, axes = plt.subplots(1, len(acts) + 1, figsize=(TWO_COLUMN, 2.5), squeeze=False)
    axes = axes[0]
    for ax, a in zip(axes, acts):
        s = a["spectrum"]
        if not s:
            continue
        edges = np.asarray(s["edges"])
        ax.stairs(s["hist"], edges, fill=True, alpha=0.3, color="C0")
        ax.stairs(s["hist"], edges, color="C0", lw=0.8,
                  label=f"sampled, N = {record['shown_width']}")  # fmt: skip
        ax.plot(s["u"], s["density"], color="k", lw=1, label="fluctuating equivalent")
        if "llc_density" in s:
            ax.plot(s["u"], s["llc_density"], color="C3", lw=0.8, ls="--", label="LLC equivalent")
        ax.set_ylim(0, 1.3 * max(max(s["density"]), max(s["hist"])))
        ax.set_xlabel(r"$\log_{10}\lambda$, eigenvalues of $K$")
        ax.set_ylabel(r"density of $\log_{10}\lambda$")
        ax.set_title(f"{a['act']}, digits, n = {record['n']}")
        ax.legend(fontsize=6, loc="upper left")
    ax = axes[-1]
    lam = str(record["lams"][0])
    for i, a in enumerate(acts):
        c = a["curves"][lam]
        fl = a["curves"].get("fluctuating")
        if fl is not None:
            ax.plot(fl["ratio"], fl["test"], color=f"C{i}", label=f"{a['act']} test")
            ax.plot(fl["ratio"], fl["train"], color=f"C{i}", ls="--", label=f"{a['act']} train")
        ax.plot(record["grid"], c["test"], color=f"C{i}", lw=0.6, ls=":",
                label=f"{a['act']} LLC" if fl is not None else f"{a['act']} test")  # fmt: skip
        ax.plot(record["grid"], c["train"], color=f"C{i}", lw=0.6, ls=":")
        for kind, mk in (("test", "o"), ("train", "s")):
            pts = [(p["ratio"], r) for p in a["points"] for r in p["risks"]
                   if r["kind"] == kind and math.isclose(r["lam"], float(lam))]  # fmt: skip
            ax.errorbar([x for x, _ in pts], [r["sim"] for _, r in pts],
                        yerr=[2 * r["se"] for _, r in pts], fmt=mk, color=f"C{i}", ms=3,
                        mfc="none" if kind == "train" else f"C{i}")  # fmt: skip
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(r"features per sample $N/n$")
    ax.set_ylabel("mean squared error")
    ax.set_title(rf"ridge read-out, $\lambda$ = {float(lam):g}")
    if acts:
        ax.legend(fontsize=5.5, title="lines: fluctuating equivalent\n"
                  "dotted: LLC; points: sampled ± 2 SE",
                  title_fontsize=5.5,
                  loc="lower left", ncol=2)  # fmt: skip
    return fig
