"""Figures of the edge section (:mod:`rmttheory.validation.sections.edge`), drawn from its
record: Tracy–Widom histograms, outliers and overlaps against the spike, rigidity."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["draw_tw", "draw_outliers", "draw_rigidity"]

_BETA_COLOR = {1: "C0", 2: "C1", 4: "C2"}


def draw_tw(record: dict[str, Any]) -> Any:
    """Left: standardized largest eigenvalues of the β-ensembles (histograms) and Wishart
    matrices (steps) against TW_β; right: f(WX) at its largest size against TW₁.

    Parameters
    ----------
    record
        The section's record (:class:`rmttheory.validation.sections.edge.EdgeSection`).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from rmttheory.plot import style
    >>> with style():
    ...     fig = draw_tw({"classical": [], "gram": []})
    >>> len(fig.axes)
    2
    """
    import matplotlib.pyplot as plt

    from rmttheory.distributions import TracyWidom
    from rmttheory.plot import TWO_COLUMN
    from rmttheory.validation.edge import HIST_EDGES

    fig, (ax, bx) = plt.subplots(1, 2, figsize=(TWO_COLUMN, 2.6))
    x = np.linspace(-7, 4, 400)
    mid = (HIST_EDGES[1:] + HIST_EDGES[:-1]) / 2
    for beta in (1, 2, 4):
        law = TracyWidom(beta, "beta-ensemble") if beta == 4 else TracyWidom(beta)
        note = " (β-ensemble scaling)" if beta == 4 else ""
        ax.plot(x, law.pdf(x), color=_BETA_COLOR[beta], lw=1.2, label=f"TW$_{beta}${note}")
    for p in record["classical"]:
        color = _BETA_COLOR[p["beta"]]
        if p["kind"] == "hermite":
            ax.bar(mid, p["hist"], width=HIST_EDGES[1] - HIST_EDGES[0], color=color, alpha=0.25,
                   lw=0, label=f"β = {p['beta']} ensemble, n = {p['n']}")  # fmt: skip
        else:
            ax.step(mid, p["hist"], where="mid", color=color, lw=0.7, ls="--",
                    label=f"{'real' if p['beta'] == 1 else 'complex'} Wishart")  # fmt: skip
    ax.set_xlabel(r"$(\lambda_{\max} - E)/\sigma$")
    ax.set_ylabel("density")
    ax.set_title("Gaussian β-ensembles and Wishart matrices", fontsize=8)
    ax.legend(fontsize=5.5, loc="upper left")
    tw1 = TracyWidom(1)
    bx.plot(x, tw1.pdf(x), color="k", lw=1.2, label="TW$_1$")
    largest: dict[str, dict[str, Any]] = {}
    for p in record["gram"]:
        if p["center"] and p["act"] in ("tanh", "relu"):
            if p["n0"] >= largest.get(p["act"], {"n0": 0})["n0"]:
                largest[p["act"]] = p
    for i, (act, p) in enumerate(sorted(largest.items())):
        q = sum(o["location"] is not None for o in p["outliers"])
        s = (np.array(p["top"])[:, q] - p["edge"]["location"]) / p["edge"]["scale"]
        bx.hist(s, bins=np.linspace(-6, 4, 26), density=True, histtype="step", lw=1.0,
                color=f"C{i + 3}", label=f"{act}, n$_0$ = {p['n0']} ({s.size} draws)")  # fmt: skip
    bx.set_xlabel(r"$(\lambda_{\max} - E_{\rm PW})/(c\,n_1)^{-2/3}$")
    bx.set_title("random features f(WX) at the Pennington–Worah edge", fontsize=8)
    bx.legend(fontsize=5.5, loc="upper right")
    for a in (ax, bx):
        a.set_xlim(-7, 4)
        a.set_ylim(0, None)
    return fig


def draw_outliers(record: dict[str, Any]) -> Any:
    """Outlier location (top row) and squared overlap (bottom row) against the spike, per
    model: theory (open markers; lines for the closed forms), sampled mean ± 2 SE.

    Parameters
    ----------
    record
        The section's record (:class:`rmttheory.validation.sections.edge.EdgeSection`).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from rmttheory.plot import style
    >>> with style():
    ...     fig = draw_outliers({"spiked": []})
    >>> len(fig.axes)
    6
    """
    import matplotlib.pyplot as plt

    from rmttheory.plot import TWO_COLUMN

    models = ("goe", "covariance", "features")
    titles = {"goe": "spiked GOE", "covariance": "spiked covariance (p/N = ½)",
              "features": "spike in the data of tanh features"}  # fmt: skip
    fig, axes = plt.subplots(2, 3, figsize=(TWO_COLUMN, 3.8), sharex="col")
    for j, model in enumerate(models):
        pts = [p for p in record["spiked"] if p["model"] == model]
        top, low = axes[0, j], axes[1, j]
        if model in ("goe", "covariance"):
            t = np.linspace(0.05, 6.5, 300)
            if model == "goe":
                loc = np.where(t > 1, t + 1 / t, 2.0)
                ov = np.where(t > 1, 1 - 1 / t**2, 0.0)
            else:
                c = 0.5
                loc = np.where(t > c**0.5, (1 + t) * (1 + c / t), (1 + c**0.5) ** 2)
                ov = np.where(t > c**0.5, (1 - c / t**2) / (1 + c / t), 0.0)
            top.plot(t, loc, color="0.3", lw=0.9, label="theory (edge below threshold)")
            low.plot(t, ov, color="0.3", lw=0.9, label="theory")
        for p in pts:
            pred, th = p["prediction"], p["theta"]
            sampled_top = np.array(p["top"])
            sampled_ov = np.array(p["overlaps"])
            if pred["location"] is not None:
                top.plot(th, pred["location"], "o", mfc="none", color="C0", ms=5)
                low.plot(th, pred["overlap"], "o", mfc="none", color="C0", ms=5)
            else:
                top.plot(th, p["edge"], "s", mfc="none", color="C0", ms=4)
                if model != "features":  # there C's top eigenvector is a bulk vector
                    low.plot(th, 0.0, "s", mfc="none", color="C0", ms=4)
            pairs = [(top, sampled_top, 0.0)]
            if pred["location"] is not None or model != "features":
                pairs.append((low, sampled_ov, 0.0))
            if model == "features" and pred["location"] is not None:
                pairs.append((top, np.array(p["gaussian_equivalent_top"]), 0.12))
            for a, v, dx in pairs:
                a.errorbar(th + dx, v.mean(), yerr=2 * v.std(ddof=1) / np.sqrt(v.size), fmt=".",
                           color="C2" if dx else "C1", ms=4, capsize=2)  # fmt: skip
        top.set_title(titles[model], fontsize=8)
        low.set_xlabel(r"spike $\theta$")
        low.set_ylim(-0.05, 1.0)
    axes[0, 0].set_ylabel("largest eigenvalue")
    axes[1, 0].set_ylabel(r"squared overlap $\langle u, v\rangle^2$")
    from matplotlib.lines import Line2D

    handles = [
        Line2D([], [], color="0.3", lw=0.9, label="closed form"),
        Line2D([], [], marker="o", mfc="none", color="C0", lw=0, label="predicted outlier"),
        Line2D([], [], marker="s", mfc="none", color="C0", lw=0, label="below threshold: edge"),
        Line2D([], [], marker=".", color="C1", lw=0, label="sampled mean ± 2 SE"),
        Line2D([], [], marker=".", color="C2", lw=0, label="Gaussian-equivalent features"),
    ]
    fig.legend(handles=handles, fontsize=6, loc="outside lower center", ncol=5)
    return fig


def draw_rigidity(record: dict[str, Any]) -> Any:
    """Σ²(L) and Δ₃(L): theory of Poisson, GOE and GUE (lines) and sampled levels (points
    ± 2 SE).

    Parameters
    ----------
    record
        The section's record (:class:`rmttheory.validation.sections.edge.EdgeSection`).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from rmttheory.plot import style
    >>> with style():
    ...     fig = draw_rigidity({"rigidity": []})
    >>> len(fig.axes)
    2
    """
    import matplotlib.pyplot as plt

    from rmttheory.local_statistics import number_variance_theory, spectral_rigidity_theory
    from rmttheory.plot import TWO_COLUMN, log_ticks

    fig, (ax, bx) = plt.subplots(1, 2, figsize=(TWO_COLUMN, 2.5))
    L = np.geomspace(0.3, 25, 200)
    colors = {"poisson": "C2", "goe": "C0", "gue": "C1"}
    names = {"poisson": "Poisson", "goe": "GOE", "gue": "GUE"}
    for ens, color in colors.items():
        ax.plot(L, number_variance_theory(ens, L), color=color, lw=1, label=f"{names[ens]} theory")
        bx.plot(L, spectral_rigidity_theory(ens, L), color=color, lw=1)
    for p in record["rigidity"]:
        for a, stat in ((ax, "sigma2"), (bx, "delta3")):
            a.errorbar(p["L"], p[stat]["sample"], yerr=2 * np.array(p[stat]["se"]), fmt="o",
                       ms=3, mfc="none", color=colors[p["ensemble"]], capsize=2,
                       label=f"{names[p['ensemble']]} sampled" if a is ax else None)  # fmt: skip
    for a, label in ((ax, r"number variance $\Sigma^2(L)$"), (bx, r"rigidity $\Delta_3(L)$")):
        a.set_xscale("log")
        a.set_yscale("log")
        log_ticks(a, "x", [0.5, 1, 2, 5, 10, 20])
        a.set_xlabel("window $L$ (mean spacings)")
        a.set_ylabel(label)
    fig.legend(*ax.get_legend_handles_labels(), fontsize=6, loc="outside right center")
    return fig
