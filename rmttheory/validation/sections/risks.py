"""Report sections: ridge and random-features risks (double descent).

The scaling-law and dynamics sections live in :mod:`rmttheory.validation.sections.dynamics`.

A simulated point passes when the trial mean is within the two-sided Student
quantile (false-alarm rate 10⁻³) of standard errors plus the stated finite-size
allowance of the prediction (:func:`rmttheory.validation.tolerance.mean_check`).
Every point is also compared with perturbed predictions (γ, σ², ψ1, η, ζ or the
exponent β moved by a few percent, :func:`rmttheory.validation.power.mean_power`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from rmttheory.regression.random_features import RandomFeaturesRidge
from rmttheory.regression.ridge import RidgeSpectrum, ridge_risk
from rmttheory.validation.power import Perturbation, mean_power
from rmttheory.validation.risk import risk_points
from rmttheory.validation.sections import Check, Context, Section

__all__ = ["RidgeSection", "RandomFeaturesSection", "CONFIG"]

CONFIG = {
    "quick": {"n": 200, "trials": 16, "rf_d": 100, "rf_trials": 10, "p_scaling": 2000},
    "full": {"n": 800, "trials": 32, "rf_d": 300, "rf_trials": 20, "p_scaling": 8000},
}


def _cfg(ctx: Context) -> dict[str, Any]:
    return CONFIG["full" if ctx.full else "quick"]


def _pm(parameter: str, size: float) -> list[Perturbation]:
    return [Perturbation(parameter, size), Perturbation(parameter, -size)]


def _attach_power(
    rec: dict[str, Any], keys: tuple, theory: Any, perturbations: list[Perturbation]
) -> None:
    """``rec["power"][key]``: the point's checks against ``theory(p, key)``."""

    def bound(key: str) -> Any:
        return lambda p: theory(p, key)

    rec["power"] = {k: mean_power(rec[k], bound(k), perturbations) for k in keys}


def _mean_checks(section: Section, label: str, rec: dict[str, Any], keys: tuple) -> list[Check]:
    out = []
    for k in keys:
        c = section.check(f"{label}: {k}", "|sim - theory|", abs(rec[k]["sim"] - rec[k]["theory"]),
                          rec[k]["tol"], theory=rec[k]["theory"], sim=rec[k]["sim"],
                          se=rec[k]["se"])  # fmt: skip
        c.power = rec.get("power", {}).get(k, [])
        out.append(c)
    return out


def _power_rows(section: Section, record: dict[str, Any], label: Any) -> list[str]:
    """A power table over the points of a risk section (cells: which of test/train reject)."""
    entries = []
    for q in record["points"]:
        power = q.get("power", {})
        if not power:
            continue
        names = [r["perturbation"] for r in next(iter(power.values()))]
        rows = []
        for i, name in enumerate(names):
            rs = [power[k][i] for k in power]
            rows.append({"perturbation": name, "applies": rs[0]["applies"],
                         "reject": any(r["reject"] for r in rs if r["applies"]),
                         "cell": "/".join(k.split("_")[0][:2] for k, r in zip(power, rs) if r["reject"])})  # fmt: skip
        entries.append((label(q), rows, ""))
    return section.power_table(entries, note="")


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
        for q in pts:
            spec = iso if q["spectrum"] == "isotropic" else RidgeSpectrum.power_law(
                round(q["gamma"] * n), 1.0, 1.5)  # fmt: skip

            def theory(pert: Perturbation, key: str, q: dict = q, spec: Any = spec) -> float:
                g, noise = q["gamma"], self.NOISE
                if pert.parameter == "gamma":
                    g *= 1 + pert.relative
                else:
                    noise *= 1 + pert.relative
                return float(ridge_risk(spec, g, q["lam"], noise=noise)[key])

            _attach_power(q, ("test", "train"), theory, _pm("gamma", 0.05) + _pm("noise", 0.05))
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
            "Power (te: the test error rejects, tr: the training error):",
            "",
            *_power_rows(
                self, record, lambda q: f"{q['spectrum']} γ={q['gamma']:.3g} λ={q['lam']:g}"
            ),
            "",
            *self.images(figures),
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
        c0 = gaussian_constants("tanh")
        keys = ("test_nonlinear", "train_nonlinear", "test_equivalent", "train_equivalent")
        for q in pts:

            def theory(pert: Perturbation, key: str, q: dict = q) -> float:
                eta, zeta, psi1 = c0.eta, c0.zeta, q["psi1"]
                if pert.parameter == "eta":
                    eta *= 1 + pert.relative
                elif pert.parameter == "zeta":
                    zeta = min(zeta * (1 + pert.relative), eta)
                else:
                    psi1 *= 1 + pert.relative
                alt = RandomFeaturesRidge(rf.mu0, np.sqrt(zeta), np.sqrt(max(eta - zeta, 0.0)))
                risk = alt.risk(psi1, 1.0, self.LAM, snr=1.0, noise=self.NOISE)
                return float(risk[key.split("_")[0]])

            _attach_power(q, keys, theory, _pm("eta", 0.02) + _pm("zeta", 0.05) + _pm("psi1", 0.05))
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
            "Power (te/tr: the test/training error of f(WX) or of its equivalent rejects):",
            "",
            *_power_rows(self, record, lambda q: f"ψ1={q['psi1']:.3g}"),
            "",
            "Training error on random labels from the Gaussian-equivalent ridge equivalent vs "
            "Pennington–Worah's",
            f"memorization formula (their quartic law): max difference "
            f"{record['memorization_max_diff']:.1e} over 9 (φ, ψ, γ).",
            "",
            *self.images(figures),
        ]
