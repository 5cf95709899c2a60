"""Report sections: the scaling law and gradient-flow dynamics of ridge regression.

Same tolerance and power as :mod:`rmttheory.validation.sections.risks` (whose
helpers these sections share).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from rmttheory.regression.dynamics import gradient_flow_risk
from rmttheory.regression.ridge import RidgeSpectrum, ridge_risk
from rmttheory.validation.power import Perturbation
from rmttheory.validation.risk import simulate_gradient_descent, simulate_ridge
from rmttheory.validation.sections import Check, Context, Section
from rmttheory.validation.sections.risks import (
    _attach_power,
    _cfg,
    _errorbars,
    _mean_checks,
    _pm,
    _power_rows,
)
from rmttheory.validation.tolerance import mean_check

__all__ = ["ScalingSection", "DynamicsSection"]


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
        pts: list[dict[str, Any]] = []
        for n, t in zip(ns, de):
            sim = simulate_ridge(spec, int(n), p, 0.0, trials=8, rng=[ctx.seed, 7, int(n)])
            q = {"n": int(n), "test": mean_check(sim["test"], t, 3 / n)}

            def theory(pert: Perturbation, key: str, n: int = int(n)) -> float:
                alt = RidgeSpectrum.power_law(p, self.ALPHA, self.BETA * (1 + pert.relative))
                return float(ridge_risk(alt, p / n, 0.0)[key])

            _attach_power(q, ("test",), theory, _pm("beta", 0.05))
            pts.append(q)
        return {
            "alpha": self.ALPHA, "beta": self.BETA, "p": p, "exponent_theory": -(self.BETA - 1),
            "slope_de": float(np.polyfit(np.log(ns), np.log(de), 1)[0]),
            "slope_sim": float(
                np.polyfit(np.log(ns), np.log([q["test"]["sim"] for q in pts]), 1)[0]
            ),
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
            c for q in record["points"] for c in _mean_checks(self, f"n={q['n']}", q, ("test",))
        ]

    def figures(self, record: dict[str, Any], out: Path) -> list[str]:
        import matplotlib.pyplot as plt

        from rmttheory.plot import save_figure

        fig, ax = plt.subplots()
        ax.loglog(record["fine_n"], record["fine_test"],
                  label=f"deterministic equivalent (slope {record['slope_de']:.2f})")  # fmt: skip
        pts = record["points"]
        _errorbars(ax, [p["n"] for p in pts], pts, "test", marker="o",
                   label=f"simulated (slope {record['slope_sim']:.2f})")  # fmt: skip
        ref = np.array(record["fine_n"])
        e = record["exponent_theory"]
        first = pts[0]["test"]["theory"]
        ax.loglog(ref, first * (ref / pts[0]["n"]) ** e, ":", label=f"$n^{{{e:g}}}$")
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
            "Power (te: the test error rejects the prediction with the exponent β moved by 5%):",
            "",
            *_power_rows(self, record, lambda q: f"n={q['n']}"),
            "",
            *self.images(figures),
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
        for q in pts:

            def theory(pert: Perturbation, key: str, q: dict = q) -> float:
                g, noise = p / n, self.NOISE
                if pert.parameter == "gamma":
                    g *= 1 + pert.relative
                else:
                    noise *= 1 + pert.relative
                t = q["step"] * self.STEP
                r = gradient_flow_risk(g, [t], snr=1.0, noise=noise, step=self.STEP)
                return float(r[key][0])

            _attach_power(q, ("test", "train"), theory, _pm("gamma", 0.05) + _pm("noise", 0.05))
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
            "Power (te/tr: the test/training error rejects):",
            "",
            *_power_rows(self, record, lambda q: f"step {q['step']}"),
            "",
            *self.images(figures),
        ]
