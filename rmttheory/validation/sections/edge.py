"""Report section: the top of the spectrum (Tracy–Widom edges, outliers, spectral rigidity).

* Largest eigenvalues of the Gaussian β-ensembles (β = 1, 2, 4) and of real and complex
  Wishart matrices against TW_β (:func:`rmttheory.validation.edge.classical_edge_point`),
  with the wrong β and a 5% wrong scale as power;
* the largest eigenvalue of random-feature Gram matrices f(WX) at the Pennington–Worah
  edge, and the outliers of an uncentered ReLU and of the even activation x² − 1
  (:func:`~rmttheory.validation.edge.gram_edge_point`);
* spiked GOE, spiked covariance and a spike in the data of random features, below and
  above threshold (:func:`~rmttheory.validation.spikes.spiked_point`);
* :math:`\\Sigma^2(L)` and :math:`\\Delta_3(L)` of GOE, GUE and Poisson levels
  (:func:`~rmttheory.validation.rigidity.rigidity_point`).

Each point is written to ``DIR/edge/`` when done (the section resumes).  Checks: the
classical TW laws (with power), the spiked GOE and covariance outliers and overlaps, the
absence of outliers below threshold, the two-stage data-spike prediction on the
Gaussian-equivalent features, Σ² and Δ₃.  Findings (reported, not checks): the f(WX)
edges against TW₁, the f(WX) outliers (uncentered ReLU, x² − 1), the nonlinear
features' data-spike outlier, and the limit-law centring of the classical ensembles.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rmttheory.validation.io import read_json, write_json
from rmttheory.validation.sections import Check, Context, Section

__all__ = ["EdgeSection", "SIZES"]

#: sizes per run
SIZES: dict[str, dict[str, Any]] = {
    "quick": {
        "classical": (200, 10_000), "gram": ((100,), (100,)),
        "spiked": ({"goe": 300, "covariance": 150, "features": 100}, 16), "rigidity": (400, 8),
    },
    "full": {
        "classical": (1000, 40_000), "gram": ((500, 1000, 2000), (400, 150, 40)),
        "spiked": ({"goe": 1000, "covariance": 500, "features": 500}, 24), "rigidity": (2000, 16),
    },
}  # fmt: skip
CLASSICAL = (("hermite", 1), ("hermite", 2), ("hermite", 4), ("laguerre", 1), ("laguerre", 2))
#: activations of the f(WX) experiment (φ = 1/2, ψ = 1): name, centered (findings, not checks)
GRAM = (("tanh", True), ("relu", True), ("x**2 - 1", True), ("relu", False))
SPIKES = {"goe": (0.5, 1.5, 3.0), "covariance": (0.5, 2.0, 4.0), "features": (0.5, 3.0, 6.0)}
RIGIDITY_L = (0.5, 1.0, 2.0, 5.0, 10.0, 20.0)
NAMES = {("hermite", 1): "GOE", ("hermite", 2): "GUE", ("hermite", 4): "GSE (β = 4)",
         ("laguerre", 1): "real Wishart", ("laguerre", 2): "complex Wishart"}  # fmt: skip


def _cached(folder: Path, name: str, compute: Any) -> dict[str, Any]:
    path = folder / f"{name}.json"
    if path.exists():
        return read_json(path)
    record = compute()
    write_json(path, record)
    return record


class EdgeSection(Section):
    """Largest eigenvalues, outliers and rigidity (module docstring).

    Examples
    --------
    >>> EdgeSection().name
    'edge'
    """

    name = "edge"
    title = "The top of the spectrum: Tracy–Widom edges, outliers, rigidity"

    def compute(self, ctx: Context) -> dict[str, Any]:
        from rmttheory.validation import edge
        from rmttheory.validation.rigidity import rigidity_point
        from rmttheory.validation.spikes import spiked_point

        size = SIZES["full" if ctx.full else "quick"]
        folder = Path(ctx.out) / "edge"
        n, K = size["classical"]
        classical = [
            _cached(
                folder,
                f"{kind}{beta}_{n}",
                lambda kind=kind, beta=beta, k=k: edge.classical_edge_point(
                    kind, n, beta, K, rng=[ctx.seed, 41, k]
                ),
            )  # fmt: skip
            for k, (kind, beta) in enumerate(CLASSICAL)
        ]
        gram = []
        n0s, draws = size["gram"]
        for k, (act, center) in enumerate(GRAM):
            for j, (n0, draw) in enumerate(zip(n0s, draws)):
                if not center and n0 > 1000:
                    continue  # the mean outlier: two sizes are enough
                tag = f"gram_{act.replace('*', '').replace(' ', '')}{'' if center else '_raw'}_{n0}"
                gram.append(_cached(folder, tag, lambda a=act, c=center, n0=n0, d=draw, k=k, j=j:
                    edge.gram_edge_point(a, n0, 0.5, 1.0, d, rng=[ctx.seed, 43, k, j],
                                         center=c)))  # fmt: skip
        sizes, draws = size["spiked"]
        spiked = [
            _cached(
                folder,
                f"spike_{model}_{theta:g}",
                lambda model=model, theta=theta, j=j: spiked_point(
                    model, sizes[model], theta, draws, rng=[ctx.seed, 47, j]
                ),
            )  # fmt: skip
            for j, (model, thetas) in enumerate(SPIKES.items())
            for theta in thetas
        ]
        n, spectra = size["rigidity"]
        rigidity = [
            _cached(
                folder,
                f"rigidity_{ens}",
                lambda ens=ens, j=j: rigidity_point(
                    ens, n, spectra, RIGIDITY_L, rng=[ctx.seed, 53, j]
                ),
            )  # fmt: skip
            for j, ens in enumerate(("goe", "gue", "poisson"))
        ]
        return {"classical": classical, "gram": gram, "spiked": spiked, "rigidity": rigidity}

    # -- checks ----------------------------------------------------------------------
    def checks(self, record: dict[str, Any]) -> list[Check]:
        out = []
        for p in record["classical"]:
            name = f"{NAMES[(p['kind'], p['beta'])]} n = {p['n']}: λmax vs TW"
            out.append(self._tw(name, p["check"], p["samples"]))
        for p in record["spiked"]:
            label = f"spiked {p['model']} θ = {p['theta']:g}, n = {p['size']}"
            if p["prediction"]["location"] is not None and p["model"] == "features":
                # the two-stage prediction is exact for the Gaussian-equivalent model; the
                # nonlinear features' outlier is a finding (markdown)
                out.append(self._mean(label + ": Gaussian-equivalent outlier",
                                      p["gaussian_equivalent_check"]))  # fmt: skip
            elif p["prediction"]["location"] is not None:
                out.append(self._mean(label + ": outlier", p["location_check"]))
                out.append(self._mean(label + ": overlap", p["overlap_check"]))
            else:
                tol = _no_outlier_quantile(p["samples"])
                out.append(self.check(label + ": no outlier", "max (λ1 - E)/σ",
                                      p["max_standardized"], tol,
                                      mean_overlap=p["mean_overlap"]))  # fmt: skip
        for p in record["rigidity"]:
            for stat in ("sigma2", "delta3"):
                r = p[stat]
                for j, L in enumerate(p["L"]):
                    tol = p["z"] * r["se"][j]
                    power = [
                        {"perturbation": f"{o} theory", "parameter": o, "relative": 0.0,
                         "applies": True, "cell": "T",
                         "reject": bool(abs(r["sample"][j] - r[o][j]) > tol)}
                        for o in ("poisson", "goe", "gue") if o != p["ensemble"]
                    ]  # fmt: skip
                    c = self.check(f"{p['ensemble']} {'Σ²' if stat == 'sigma2' else 'Δ3'}"
                                   f"({L:g})", "|sample - theory|",
                                   abs(r["sample"][j] - r[p["ensemble"]][j]), tol)  # fmt: skip
                    c.power = power
                    out.append(c)
        return out

    def _tw(self, name: str, check: dict[str, Any], samples: int) -> Check:
        c = self.check(name, "KS", check["ks"], check["tol"], samples=samples)
        c.power = [
            {"perturbation": r["perturbation"], "parameter": "tw", "relative": 0.0,
             "applies": True, "reject": r["reject"], "cell": "K"}
            for r in check["power"]
        ]  # fmt: skip
        return c

    def _mean(self, name: str, check: dict[str, Any]) -> Check:
        return self.check(name, "|sim - theory|", abs(check["sim"] - check["theory"]),
                          check["tol"], theory=check["theory"], sim=check["sim"],
                          se=check["se"])  # fmt: skip

    # -- figures and markdown --------------------------------------------------------------
    def figures(self, record: dict[str, Any], out: Path) -> list[str]:
        from rmttheory.plot import save_figure
        from rmttheory.validation.edge_figures import draw_outliers, draw_rigidity, draw_tw

        names = []
        for stem, fig in (("edge_tracy_widom", draw_tw(record)),
                          ("edge_outliers", draw_outliers(record)),
                          ("edge_rigidity", draw_rigidity(record))):  # fmt: skip
            save_figure(fig, out / stem, ("pdf", "png"))
            names.append(f"{stem}.png")
        return names

    def markdown(
        self, record: dict[str, Any], checks: list[Check], figures: list[str]
    ) -> list[str]:
        lines = [
            f"### {self.title} — {self.verdict(checks)}",
            "",
            "Largest eigenvalues standardized by the finite-n centrings (GOE n − ½, real "
            "Wishart n − ½ and m − ½; `rmttheory.distributions.hermite_edge`/`laguerre_edge`), "
            "KS to TW_β within the exact Kolmogorov null (α = 1e-3); the limit-law centring "
            "beside it (a finding: its O(n^-1/3) bias for β = 1).",
            "",
            "| ensemble | n | samples | KS | tol | verdict | KS, limit centring | rejects |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for p in record["classical"]:
            c, lim = p["check"], p["limit_check"]
            rej = ", ".join(r["perturbation"] for r in c["power"] if r["reject"]) or "—"
            lines.append(f"| {NAMES[(p['kind'], p['beta'])]} | {p['n']} | {p['samples']} | "
                         f"{c['ks']:.4f} | {c['tol']:.4f} | {'yes' if c['pass'] else 'NO'} | "
                         f"{lim['ks']:.4f} | {rej} |")  # fmt: skip
        lines += [
            "",
            "**Findings** (not checks). Random features f(WX), φ = ½, ψ = 1: the largest "
            "eigenvalue below the predicted outliers against TW1 at the Pennington–Worah edge "
            "(scale (c n1)^-2/3; standardized mean and variance beside TW1's −1.207 and 1.608), "
            "and the predicted outliers (rectangular spiked model with the Pennington–Worah "
            "bulk, `rmttheory.algebra.outliers`) against the sampled ones (mean ± standard "
            "error).",
            "",
            "| f | centered | n0 | samples | TW1: KS / tol | mean, var | predicted outliers "
            "| sampled |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for p in record["gram"]:
            pred = [o["location"] for o in p["outliers"] if o["location"] is not None]
            sim = ", ".join(f"{c['sim']:.3f} ± {c['se']:.3f}" for c in p["outlier_checks"])
            lines.append(
                f"| {p['act']} | {'yes' if p['center'] else 'no'} | {p['n0']} | {p['samples']} | "
                f"{p['check']['ks']:.3f} / {p['check']['tol']:.3f} | "
                f"{p['check']['mean']:.2f}, {p['check']['var']:.2f} | "
                f"{', '.join(f'{v:.3f}' for v in pred) or 'none'} | {sim or '—'} |"
            )
        lines += [
            "",
            "Spikes: predicted outlier and squared overlap (none below threshold) against the "
            "sampled means ± standard errors. Data spike of tanh features: the two-stage "
            "prediction against the Gaussian-equivalent features (the check) and the tanh "
            "features themselves (a finding).",
            "",
            "| model | θ | n | threshold | outlier: theory / sampled | overlap: theory / sampled |",
            "|---|---|---|---|---|---|",
        ]
        for p in record["spiked"]:
            pr = p["prediction"]
            if pr["location"] is None:
                cells = (f"none / max (λ1 − E)/σ = {p['max_standardized']:.2f}",
                         "—" if p["model"] == "features" else f"0 / {p['mean_overlap']:.3f}")  # fmt: skip
            else:
                lc, oc = p["location_check"], p["overlap_check"]
                cells = (f"{lc['theory']:.4f} / {lc['sim']:.4f} ± {lc['se']:.4f}",
                         f"{oc['theory']:.4f} / {oc['sim']:.4f} ± {oc['se']:.4f}")  # fmt: skip
                if p["model"] == "features":
                    ge = p["gaussian_equivalent_check"]
                    cells = (f"{cells[0]} (Gaussian equivalent {ge['sim']:.4f} ± "
                             f"{ge['se']:.4f})", cells[1])  # fmt: skip
            lines.append(f"| {p['model']} | {p['theta']:g} | {p['size']} | "
                         f"{pr['threshold']:.4f} | {cells[0]} | {cells[1]} |")  # fmt: skip
        return [*lines, "", *self.images(figures)]


def _no_outlier_quantile(samples: int) -> float:
    """The TW1 quantile that the largest of ``samples`` standardized draws exceeds with
    probability ALPHA (no outlier: the top eigenvalue stays in the edge law)."""
    from rmttheory.distributions import TracyWidom
    from rmttheory.validation.tolerance import ALPHA

    return float(TracyWidom(1).ppf((1 - ALPHA) ** (1 / samples)))
