"""Report section: the finite-size map (how large must a network be for its limit law).

For every family of :data:`rmttheory.validation.size_map.FAMILIES` and sizes from
150 to 600 (quick) or 250 to 4000 (full; digits up to its 1,700 samples), the KS
distance of a sampled spectrum to the family's law, the Wishart null at the same size,
and the fitted rate :math:`\\mathrm{KS}\\approx Cn^{-a}` with the sizes at which it meets
0.01 and 0.005 (:func:`~rmttheory.validation.size_map.fit_rate`).  Each point is written
to ``DIR/size_map/`` when done (the section resumes).

Checks: the laws that are meant to hold at these sizes (every family except the slow
``x^2 - 1`` limit law and the LLC equivalent on digits, which are the findings the map
exists to show) must be within their noise tolerance at every size.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from rmttheory.validation.io import read_json, write_json
from rmttheory.validation.sections import Check, Context, Section
from rmttheory.validation.size_map import ACCURACIES, FAMILIES, fit_rate, size_map_point

__all__ = ["SizeMapSection", "SIZES", "FINDINGS"]

#: sizes per run (digits: at most its samples)
SIZES = {"quick": (150, 300, 600), "full": (250, 500, 1000, 2000, 4000)}
DIGITS_FULL = (250, 500, 1000, 1700)
#: families whose law is known not to hold at these sizes (reported, not checked)
FINDINGS = ("x^2 - 1", "digits (LLC)")


class SizeMapSection(Section):
    """Distance to sampling against size for every family, with fitted rates.

    Examples
    --------
    >>> SizeMapSection().name
    'size_map'
    """

    name = "size_map"
    title = "Finite-size map: how large must the network be"

    def compute(self, ctx: Context) -> dict[str, Any]:
        folder = Path(ctx.out) / "size_map"
        families = []
        for k, family in enumerate(FAMILIES):
            sizes = SIZES["full" if ctx.full else "quick"]
            if family.startswith("digits") and ctx.full:
                sizes = DIGITS_FULL
            points = []
            for size in sizes:
                path = folder / f"{family.replace(' ', '_').replace('^', '')}_{size}.json"
                if path.exists():
                    points.append(read_json(path))
                    continue
                p = size_map_point(family, size, 1, rng=[ctx.seed, 31, k, size])
                write_json(path, p)
                points.append(p)
            fit = fit_rate([p["size"] for p in points], [p["ks"] for p in points])
            fit["n_at"] = {str(e): v for e, v in fit["n_at"].items()}
            families.append({"family": family, "points": points, "fit": fit})
        return {"families": families, "accuracies": list(ACCURACIES)}

    def checks(self, record: dict[str, Any]) -> list[Check]:
        out = []
        for f in record["families"]:
            if f["family"] in FINDINGS:
                continue
            for p in f["points"]:
                out.append(self.check(f"{f['family']} at {p['size']}: KS", "KS", p["ks"], p["tol"],
                                      null_mean=p["null_mean"]))  # fmt: skip
        return out

    def figures(self, record: dict[str, Any], out: Path) -> list[str]:
        from rmttheory.plot import save_figure

        save_figure(draw_size_map(record), out / "finite_size_map", ("pdf", "png"))
        return ["finite_size_map.png"]

    def markdown(
        self, record: dict[str, Any], checks: list[Check], figures: list[str]
    ) -> list[str]:
        eps = [str(e) for e in record["accuracies"]]
        lines = [
            f"### {self.title} — {self.verdict(checks)}",
            "",
            "KS distance of one sampled spectrum to the family's law at each size, over the "
            "Wishart null's mean at the same size (1 = the noise floor of a correct law); "
            "fitted KS ≈ C n^-a and the size where the fit meets each accuracy "
            "(`rmttheory.validation.size_map`). Findings, not checks: " + ", ".join(FINDINGS) + ".",
            "",
            "| family | size: KS (× noise floor) | rate a | "
            + " | ".join(f"n at KS {e}" for e in eps)
            + " |",
            "|---|---|---|" + "---|" * len(eps),
        ]
        for f in record["families"]:
            pts = ", ".join(f"{p['size']}: {p['ks']:.4f} (×{p['ratio']:.1f})" for p in f["points"])
            at = [f["fit"]["n_at"].get(e) for e in eps]
            cells = " | ".join("—" if v is None else f"{v:,.0f}" for v in at)
            lines.append(f"| {f['family']} | {pts} | {f['fit']['rate']:.2f} | {cells} |")
        return [*lines, "", *self.images(figures)]


def draw_size_map(record: dict[str, Any]) -> Any:
    """KS against size (log-log, with the fits) and KS over the noise floor.

    Parameters
    ----------
    record
        The section's record.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from rmttheory.plot import style
    >>> with style():
    ...     fig = draw_size_map({"families": [], "accuracies": [0.01]})
    >>> len(fig.axes)
    2
    """
    import matplotlib.pyplot as plt

    from rmttheory.plot import TWO_COLUMN, log_ticks

    fig, (ax, bx) = plt.subplots(1, 2, figsize=(TWO_COLUMN, 2.6))
    for i, f in enumerate(record["families"]):
        n = np.array([p["size"] for p in f["points"]], dtype=float)
        ks = np.array([p["ks"] for p in f["points"]])
        ratio = np.array([p["ratio"] for p in f["points"]])
        finding = f["family"] in FINDINGS
        color = f"C{(0, 1, 2, 3, 4, 5, 7)[i % 7]}"  # not the pale yellow C6
        style = {"color": color, "ls": "--" if finding else "-", "marker": "o", "ms": 3}
        ax.plot(n, ks, lw=0, **{k: v for k, v in style.items() if k != "ls"})
        grid = np.geomspace(n.min(), n.max(), 20)
        fit = f["fit"]
        ax.plot(grid, fit["constant"] * grid ** -fit["rate"], color=color, ls=style["ls"],
                lw=0.9, label=f"{f['family']} (a = {fit['rate']:.2f})")  # fmt: skip
        bx.plot(n, ratio, lw=0.9, **style, label=f["family"])
        null = np.array([p["null_mean"] for p in f["points"]])
        if i == 0:
            ax.plot(n, null, color="0.5", lw=0.8, ls=":", label="Wishart null mean")
    for eps in record["accuracies"]:
        ax.axhline(eps, color="0.6", lw=0.6)
        ax.annotate(f"KS = {eps:g}", (1.0, eps), xycoords=("axes fraction", "data"),
                    xytext=(-2, 2), textcoords="offset points", ha="right", fontsize=6,
                    color="0.4")  # fmt: skip
    sizes = sorted({p["size"] for f in record["families"] for p in f["points"]})
    xt = [s for s in (250, 500, 1000, 2000, 4000) if sizes and sizes[0] <= s <= sizes[-1]]
    xt = xt if len(xt) >= 3 else sizes
    for a in (ax, bx):
        if xt:
            log_ticks(a, "x", xt)
        a.set_xlabel(r"size $n_0$ (digits: $n$)")
    ks_all = [p["ks"] for f in record["families"] for p in f["points"]] or [0.01]
    lo, hi = min(ks_all) / 1.5, max(ks_all) * 1.5
    log_ticks(ax, "y", [t for t in (5e-4, 1e-3, 2e-3, 5e-3, 1e-2, 2e-2, 5e-2, 0.1) if lo <= t <= hi]
              or [0.01])  # fmt: skip
    ax.set_ylabel("KS distance to the law")
    ax.set_title("distance to sampling, fitted $Cn^{-a}$", fontsize=8)
    bx.axhline(1.0, color="0.5", lw=0.8, ls=":")
    top = max([p["ratio"] for f in record["families"] for p in f["points"]], default=1.0)
    log_ticks(bx, "y", [t for t in (0.5, 1, 2, 4, 8, 16, 32) if t <= 2 * top])
    bx.set_ylabel("KS / noise floor")
    bx.set_title("1 = a correct law; dashed: findings", fontsize=8)
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, fontsize=6, loc="outside right center")
    return fig
