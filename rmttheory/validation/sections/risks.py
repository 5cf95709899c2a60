"""Report sections: ridge and random-features risks (double descent), scaling law, dynamics.

A simulated point passes when the trial mean is within 5 standard errors plus the
stated finite-size allowance of the prediction
(:func:`rmttheory.validation.tolerance.mean_check`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from rmttheory.regression.dynamics import gradient_flow_risk
from rmttheory.regression.random_features import RandomFeaturesRidge
from rmttheory.regression.ridge import RidgeSpectrum, ridge_risk
from rmttheory.validation.risk import risk_points, simulate_gradient_descent, simulate_ridge
from rmttheory.validation.sections import Check, Context, Section
from rmttheory.validation.tolerance import mean_check

__all__ = ["RidgeSection", "RandomFeaturesSection", "ScalingSection", "DynamicsSection", "CONFIG"]

CONFIG = {
    "quick": {"n": 200, "trials": 16, "rf_d": 100, "rf_trials": 10, "p_scaling": 2000},
    "full": {"n": 800, "trials": 32, "rf_d": 300, "rf_trials": 20, "p_scaling": 8000},
}


def _cfg(ctx: Context) -> dict[str, Any]:
    return CONFIG["full" if ctx.full else "quick"]


def _mean_checks(section: Section, label: str, rec: dict[str, Any], keys: tuple) -> list[Check]:
    return [
        section.check(f"{label}: {k}", "|sim - theory|", abs(rec[k]["sim"] - rec[k]["theory"]),
                      rec[k]["tol"], theory=rec[k]["theory"], sim=rec[k]["sim"], se=rec[k]["se"])
        for k in keys
    ]  # fmt: skip


def _errorbars(ax: Any, x: list, pts: list, key: str, **kw: Any) -> None:
    ax.errorbar(x, [p[key]["sim"] for p in pts], yerr=[2 * p[key]["se"] for p in pts],
                ls="none", **kw)  # fmt: skip


class RidgeSection(Section):
    """Ridge regression: test and training error against γ = p/n (double descent).

    Examples
    --------
    >>> RidgeSection().name
    'ridge'
    """

    name = "ridge"
    title = "Ridge regression (double descent)"
    NOISE = 0.25

    def compute(self, ctx: Context) -> dict[str, Any]:
        n, trials = _cfg(ctx)["n"], _cfg(ctx)["trials"]
        iso = RidgeSpectrum.isotropic(1.0)
        grid = np.concatenate([np.linspace(0.1, 0.98, 45), np.linspace(1.02, 4, 75)])
        curves = {
            str(lam): ridge_risk(iso, grid, lam, noise=self.NOISE)["test"].tolist()
            for lam in (0.0, 0.01, 0.1)
        }
        pts = []
        for lam in (0.0, 0.1):
            gammas = [g for g in (0.25, 0.5, 0.8, 1.0, 1.25, 2.0, 3.0) if lam or g != 1]
            for p in risk_points("ridge", gammas, lam, n=n, trials=trials, noise=self.NOISE,
                                 seed=[ctx.seed, 1, int(lam * 10)]):  # fmt: skip
                pts.append({"gamma": p["ratio"], "lam": lam, "spectrum": "isotropic", **p})
        for p in risk_points("ridge", (0.5, 1.0, 2.0), 0.01, n=n, trials=trials, noise=self.NOISE,
                             spectrum="power", alpha=1.0, beta=1.5, seed=[ctx.seed, 2]):  # fmt: skip
            pts.append(
                {"gamma": p["ratio"], "lam": 0.01, "spectrum": "power law (α 1, β 1.5)", **p}
            )
        return {"grid": grid.tolist(), "curves": curves, "noise": self.NOISE, "n": n, "points": pts}

    def checks(self, record: dict[str, Any]) -> list[Check]:
        return [
            c
            for q in record["points"]
            for c in _mean_checks(
                self, f"{q['spectrum']} γ={q['gamma']:.3g} λ={q['lam']:g}", q, ("test", "train")
            )  # fmt: skip
        ]

    def figures(self, record: dict[str, Any], out: Path) -> list[str]:
        import matplotlib.pyplot as plt

        from rmttheory.plot import save_figure

        fig, ax = plt.subplots()
        for lam, curve in record["curves"].items():
            ax.plot(record["grid"], curve, label=f"theory, λ = {float(lam):g}")
        for lam, mk in ((0.0, "o"), (0.1, "s")):
            q = [p for p in record["points"] if p["lam"] == lam and p["spectrum"] == "isotropic"]
            _errorbars(ax, [p["gamma"] for p in q], q, "test", marker=mk, color="k",
                       label=f"simulated, λ = {lam:g} (n = {record['n']})")  # fmt: skip
        ax.set_yscale("log")
        ax.set_xlabel(r"$\gamma = p/n$")
        ax.set_ylabel("test error")
        ax.set_title(f"ridge, isotropic, σ² = {record['noise']}")
        ax.legend()
        save_figure(fig, out / "ridge_double_descent.png")
        return ["ridge_double_descent.png"]

    def markdown(
        self, record: dict[str, Any], checks: list[Check], figures: list[str]
    ) -> list[str]:
        return [
            f"### {self.title} — {self.verdict(checks)}",
            "",
            "| spectrum | γ = p/n | λ | test: theory / simulated ± SE | train: theory / simulated ± SE |",
            "|---|---|---|---|---|",
            *[
                f"| {q['spectrum']} | {q['gamma']:.3g} | {q['lam']:g} | {q['test']['theory']:.4g} / "
                f"{q['test']['sim']:.4g} ± {q['test']['se']:.2g} | {q['train']['theory']:.4g} / "
                f"{q['train']['sim']:.4g} ± {q['train']['se']:.2g} |"
                for q in record["points"]
            ],
            "",
            *[f"![{f}]({f})" for f in figures],
            "",
        ]


class RandomFeaturesSection(Section):
    """Random-features ridge (tanh): f(WX) and its linear equivalent against the theory;
    memorization against Pennington–Worah.

    Examples
    --------
    >>> RandomFeaturesSection().name
    'random_features'
    """

    name = "random_features"
    title = "Random features (tanh) and the linear equivalent"
    LAM, NOISE = 1e-3, 0.1

    def compute(self, ctx: Context) -> dict[str, Any]:
        from rmttheory.constants import gaussian_constants
        from rmttheory.distributions import PenningtonWorah
        from rmttheory.regression.memorization import ridge_training_loss

        d, trials = _cfg(ctx)["rf_d"], _cfg(ctx)["rf_trials"]
        rf = RandomFeaturesRidge.from_activation("tanh")
        grid = np.concatenate([np.linspace(0.1, 0.98, 40), np.linspace(1.0, 4, 60)])
        th = rf.risk(grid, 1.0, self.LAM, snr=1.0, noise=self.NOISE)
        psi1 = (0.25, 0.5, 0.8, 1.0, 1.25, 2.0, 4.0)
        kw = {"n": d, "trials": trials, "noise": self.NOISE, "snr": 1.0, "act": "tanh"}
        nonlinear = risk_points("rf", psi1, self.LAM, seed=[ctx.seed, 3], **kw)
        equivalent = risk_points("rf", psi1, self.LAM, seed=[ctx.seed, 3], equivalent=True, **kw)
        pts = [
            {"psi1": a["ratio"], **{f"{k}_nonlinear": a[k] for k in ("test", "train")},
             **{f"{k}_equivalent": b[k] for k in ("test", "train")}}
            for a, b in zip(nonlinear, equivalent)
        ]  # fmt: skip
        # agreement with Pennington-Worah memorization (two independent derivations)
        c = gaussian_constants("tanh")
        diffs = []
        for phi, psi in [(0.5, 2.0), (2.0, 1.0), (1.0, 0.5)]:
            law = PenningtonWorah(c.eta, c.zeta, phi, psi)
            for g in (0.01, 0.1, 1.0):
                pw = float(ridge_training_loss(law, g))
                de = float(rf.risk(1 / psi, 1 / phi, g, snr=0.0, noise=1.0)["train"])
                diffs.append(abs(pw - de))
        return {
            "grid": grid.tolist(), "test": th["test"].tolist(), "train": th["train"].tolist(),
            "lam": self.LAM, "noise": self.NOISE, "d": d, "constants": [rf.mu0, rf.mu1, rf.mu_star],
            "points": pts, "memorization_max_diff": max(diffs),
        }  # fmt: skip

    def checks(self, record: dict[str, Any]) -> list[Check]:
        keys = ("test_nonlinear", "train_nonlinear", "test_equivalent", "train_equivalent")
        out = [
            c for q in record["points"] for c in _mean_checks(self, f"ψ1={q['psi1']:.3g}", q, keys)
        ]
        out.append(
            self.check("memorization: equivalent vs Pennington–Worah", "max |difference|",
                       record["memorization_max_diff"], 1e-8)
        )  # fmt: skip
        return out

    def figures(self, record: dict[str, Any], out: Path) -> list[str]:
        import matplotlib.pyplot as plt

        from rmttheory.plot import save_figure

        fig, ax = plt.subplots()
        ax.plot(record["grid"], record["test"], label="test (theory)")
        ax.plot(record["grid"], record["train"], "--", label="train (theory)")
        x = [p["psi1"] for p in record["points"]]
        for key, mk in (
            ("test_nonlinear", "o"),
            ("test_equivalent", "x"),
            ("train_nonlinear", "s"),
        ):
            _errorbars(ax, x, record["points"], key, marker=mk, label=key.replace("_", ", "))
        ax.set_yscale("log")
        ax.set_xlabel(r"$\psi_1 = N/d$  ($n = d$)")
        ax.set_ylabel("error")
        ax.set_title(f"random features, tanh, λ = {record['lam']:g}, d = {record['d']}")
        ax.legend()
        save_figure(fig, out / "rf_double_descent.png")
        return ["rf_double_descent.png"]

    def markdown(
        self, record: dict[str, Any], checks: list[Check], figures: list[str]
    ) -> list[str]:
        def cell(q: dict, k: str) -> str:
            return f"{q[k]['sim']:.4g} ± {q[k]['se']:.2g}"

        return [
            f"### {self.title} — {self.verdict(checks)}",
            "",
            f"μ0, μ1, μ* = {', '.join(f'{v:.6g}' for v in record['constants'])}; n = d = "
            f"{record['d']}, λ = {record['lam']:g}.",
            "",
            "| ψ1 = N/d | test theory | nonlinear | equivalent | train theory | nonlinear | equivalent |",
            "|---|---|---|---|---|---|---|",
            *[
                f"| {q['psi1']:.3g} | {q['test_nonlinear']['theory']:.4g} | {cell(q, 'test_nonlinear')} "
                f"| {cell(q, 'test_equivalent')} | {q['train_nonlinear']['theory']:.4g} "
                f"| {cell(q, 'train_nonlinear')} | {cell(q, 'train_equivalent')} |"
                for q in record["points"]
            ],
            "",
            "Training error on random labels from the Gaussian-equivalent ridge equivalent vs "
            "Pennington–Worah's",
            f"memorization formula (their quartic law): max difference "
            f"{record['memorization_max_diff']:.1e} over 9 (φ, ψ, γ).",
            "",
            *[f"![{f}]({f})" for f in figures],
            "",
        ]


class ScalingSection(Section):
    """Ridgeless regression on a power-law spectrum: test error against n, log–log slope.

    Examples
    --------
    >>> ScalingSection().name
    'scaling'
    """

    name = "scaling"
    title = "Scaling law"
    ALPHA, BETA = 1.5, 2.0

    def compute(self, ctx: Context) -> dict[str, Any]:
        p = _cfg(ctx)["p_scaling"]
        spec = RidgeSpectrum.power_law(p, self.ALPHA, self.BETA)
        ns = np.array([25, 50, 100, 200, 400])
        fine = np.geomspace(20, 500, 60)
        de = ridge_risk(spec, p / ns, 0.0)["test"]
        pts = []
        for n, t in zip(ns, de):
            sim = simulate_ridge(spec, int(n), p, 0.0, trials=8, rng=[ctx.seed, 7, int(n)])
            pts.append({"n": int(n), **mean_check(sim["test"], t, 3 / n)})
        return {
            "alpha": self.ALPHA, "beta": self.BETA, "p": p, "exponent_theory": -(self.BETA - 1),
            "slope_de": float(np.polyfit(np.log(ns), np.log(de), 1)[0]),
            "slope_sim": float(np.polyfit(np.log(ns), np.log([q["sim"] for q in pts]), 1)[0]),
            "fine_n": fine.tolist(), "fine_test": ridge_risk(spec, p / fine, 0.0)["test"].tolist(),
            "points": pts,
        }  # fmt: skip

    def checks(self, record: dict[str, Any]) -> list[Check]:
        out = [
            self.check("slope of the equivalent vs the exponent", "|difference|",
                       abs(record["slope_de"] - record["exponent_theory"]), 0.1),
            self.check("simulated slope vs the equivalent's", "|difference|",
                       abs(record["slope_sim"] - record["slope_de"]), 0.15),
        ]  # fmt: skip
        return out + [
            self.check(f"n={q['n']}: test", "|sim - theory|", abs(q["sim"] - q["theory"]), q["tol"])
            for q in record["points"]
        ]

    def figures(self, record: dict[str, Any], out: Path) -> list[str]:
        import matplotlib.pyplot as plt

        from rmttheory.plot import save_figure

        fig, ax = plt.subplots()
        ax.loglog(record["fine_n"], record["fine_test"],
                  label=f"deterministic equivalent (slope {record['slope_de']:.2f})")  # fmt: skip
        pts = record["points"]
        ax.errorbar([p["n"] for p in pts], [p["sim"] for p in pts], yerr=[2 * p["se"] for p in pts],
                    ls="none", marker="o", label=f"simulated (slope {record['slope_sim']:.2f})")  # fmt: skip
        ref = np.array(record["fine_n"])
        e = record["exponent_theory"]
        ax.loglog(ref, pts[0]["theory"] * (ref / pts[0]["n"]) ** e, ":", label=f"$n^{{{e:g}}}$")
        ax.set_xlabel("samples $n$")
        ax.set_ylabel("test error (ridgeless, noiseless)")
        ax.set_title(
            f"$s_j = j^{{-{record['alpha']}}}$, $s_j\\beta_j^2 \\propto j^{{-{record['beta']}}}$, p = {record['p']}"
        )
        ax.legend()
        save_figure(fig, out / "scaling_law.png")
        return ["scaling_law.png"]

    def markdown(
        self, record: dict[str, Any], checks: list[Check], figures: list[str]
    ) -> list[str]:
        return [
            f"### {self.title} — {self.verdict(checks)}",
            "",
            f"s_j = j^-{record['alpha']}, s_j β_j² ∝ j^-{record['beta']}, p = {record['p']}, "
            f"ridgeless, noiseless: predicted exponent {record['exponent_theory']:g}; "
            f"deterministic-equivalent slope {record['slope_de']:.3f}; simulated slope "
            f"{record['slope_sim']:.3f}.",
            "",
            *[f"![{f}]({f})" for f in figures],
            "",
        ]


class DynamicsSection(Section):
    """Gradient descent on ridgeless regression: errors over time against the MP filter formula.

    Examples
    --------
    >>> DynamicsSection().name
    'dynamics'
    """

    name = "dynamics"
    title = "Learning dynamics (gradient descent)"
    STEP, NOISE = 0.2, 0.3

    def compute(self, ctx: Context) -> dict[str, Any]:
        n, trials = _cfg(ctx)["n"], _cfg(ctx)["trials"]
        p = round(1.5 * n)
        steps = np.array([0, 2, 5, 12, 25, 50, 100, 200, 400, 1600])
        sim = simulate_gradient_descent(n, p, steps, self.STEP, snr=1.0, noise=self.NOISE,
                                        trials=trials // 2, rng=[ctx.seed, 8])  # fmt: skip
        fine = np.unique(np.round(np.geomspace(1, 2000, 80))).astype(int)
        kw = {"snr": 1.0, "noise": self.NOISE, "step": self.STEP}
        th_fine = gradient_flow_risk(p / n, fine * self.STEP, **kw)
        th = gradient_flow_risk(p / n, steps * self.STEP, **kw)
        pts = [
            {"step": int(k), **{key: mean_check(sim[key][:, j], th[key][j], 3 / n)
                                for key in ("test", "train")}}
            for j, k in enumerate(steps)
        ]  # fmt: skip
        return {
            "n": n, "p": p, "step": self.STEP, "noise": self.NOISE, "fine_steps": fine.tolist(),
            "fine_test": th_fine["test"].tolist(), "fine_train": th_fine["train"].tolist(),
            "points": pts,
        }  # fmt: skip

    def checks(self, record: dict[str, Any]) -> list[Check]:
        return [
            c for q in record["points"]
            for c in _mean_checks(self, f"step {q['step']}", q, ("test", "train"))
        ]  # fmt: skip

    def figures(self, record: dict[str, Any], out: Path) -> list[str]:
        import matplotlib.pyplot as plt

        from rmttheory.plot import save_figure

        fig, ax = plt.subplots()
        t = np.array(record["fine_steps"]) * record["step"]
        ax.semilogx(t, record["fine_test"], label="test (theory)")
        ax.semilogx(t, record["fine_train"], "--", label="train (theory)")
        pts = [p for p in record["points"] if p["step"] > 0]
        x = [p["step"] * record["step"] for p in pts]
        _errorbars(ax, x, pts, "test", marker="o", color="k", label="simulated (±2 SE)")
        _errorbars(ax, x, pts, "train", marker="s", color="k")
        ax.set_xlabel(r"time $t$ = steps × learning rate")
        ax.set_ylabel("error")
        ax.set_title(
            f"gradient descent, n = {record['n']}, p = {record['p']}, σ² = {record['noise']}"
        )
        ax.legend()
        save_figure(fig, out / "dynamics.png")
        return ["dynamics.png"]

    def markdown(
        self, record: dict[str, Any], checks: list[Check], figures: list[str]
    ) -> list[str]:
        return [
            f"### {self.title} — {self.verdict(checks)}",
            "",
            f"Isotropic ridgeless regression, n = {record['n']}, p = {record['p']}, step η = "
            f"{record['step']}, σ² = {record['noise']}: test and training error over time against "
            "the Marchenko–Pastur filter formula (`rmttheory.regression.gradient_flow_risk`).",
            "",
            *[f"![{f}]({f})" for f in figures],
            "",
        ]
