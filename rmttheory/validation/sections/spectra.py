"""Report sections: where the linear equivalent matches f(WX), and CK/NTK kernel spectra.

Spectra pass when the KS distance between sampled eigenvalues and the law is
below :func:`rmttheory.validation.tolerance.ks_tolerance`.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from rmttheory.validation.sections import Check, Context, Section
from rmttheory.validation.tolerance import ks_tolerance

__all__ = ["EquivalenceSection", "KernelSection"]

M = {"quick": 300, "full": 1000}


class EquivalenceSection(Section):
    """ReLU features: bulk of f(WX), of its linear equivalent, and the μ0 outlier.

    Examples
    --------
    >>> EquivalenceSection().name
    'equivalence'
    """

    name = "equivalence"
    title = "Where the linear equivalent matches"

    def compute(self, ctx: Context) -> dict[str, Any]:
        from rmttheory.constants import gaussian_constants
        from rmttheory.distributions import PenningtonWorah
        from rmttheory.regression.random_features import RandomFeaturesRidge
        from rmttheory.validation.compare import ks_distance

        rng = np.random.default_rng([ctx.seed, 4])
        d = N = M["full" if ctx.full else "quick"]
        n = 2 * d
        rf = RandomFeaturesRidge.from_activation("relu")
        W = rng.standard_normal((N, d))
        X = rng.standard_normal((d, n))
        pre = W @ X / math.sqrt(d)
        relu = np.maximum(pre, 0)
        lf = np.linalg.eigvalsh(relu @ relu.T / n)
        E = rf.mu1 * pre + rf.mu_star * rng.standard_normal(pre.shape)
        le0 = np.linalg.eigvalsh(E @ E.T / n)
        E += rf.mu0
        le = np.linalg.eigvalsh(E @ E.T / n)
        c = gaussian_constants("relu")
        law = PenningtonWorah(c.eta, c.zeta, d / n, d / N)
        return {
            "d": d, "N": N, "n": n,
            "ks_nonlinear": ks_distance(law, lf[:-1]), "ks_equivalent": ks_distance(law, le[:-1]),
            "ks_tol": ks_tolerance(N - 1), "top_nonlinear": float(lf[-1]),
            "top_equivalent": float(le[-1]), "top_without_mu0": float(le0[-1]),
            "spike_predicted": rf.mu0**2 * N + c.eta,
        }  # fmt: skip

    def checks(self, record: dict[str, Any]) -> list[Check]:
        spike = record["spike_predicted"]
        return [
            self.check("bulk of f(WX)", "KS", record["ks_nonlinear"], record["ks_tol"]),
            self.check("bulk of the equivalent", "KS", record["ks_equivalent"], record["ks_tol"]),
            self.check("top of f(WX) vs μ0²N + η", "relative error",
                       abs(record["top_nonlinear"] / spike - 1), 0.05),
            self.check("top of the equivalent vs μ0²N + η", "relative error",
                       abs(record["top_equivalent"] / spike - 1), 0.05),
            self.check("without μ0 there is no outlier", "top / prediction",
                       record["top_without_mu0"] / spike, 0.1),
        ]  # fmt: skip

    def markdown(
        self, record: dict[str, Any], checks: list[Check], figures: list[str]
    ) -> list[str]:
        e = record
        return [
            f"### {self.title} — {self.verdict(checks)}",
            "",
            f"ReLU features, d = N = {e['d']}, n = {e['n']}: bulk KS to the Pennington–Worah law "
            f"{e['ks_nonlinear']:.4f} (f(WX)) and {e['ks_equivalent']:.4f} (equivalent), tolerance "
            f"{e['ks_tol']:.4f}. Top eigenvalue {e['top_nonlinear']:.4g} (f(WX)), "
            f"{e['top_equivalent']:.4g} (equivalent with μ0), predicted μ0²N + η = "
            f"{e['spike_predicted']:.4g}; without the μ0 term the equivalent's top eigenvalue is "
            f"{e['top_without_mu0']:.4g}: the equivalent stops matching at the outlier unless it "
            "keeps the mean term.",
            "",
        ]


class KernelSection(Section):
    """Conjugate kernels of three tanh layers and the one-hidden-layer NTK against sampling.

    Examples
    --------
    >>> KernelSection().name
    'kernels'
    """

    name = "kernels"
    title = "Conjugate-kernel and NTK spectra"
    RATIO, DEPTH = 2.0, 3

    def compute(self, ctx: Context) -> dict[str, Any]:
        from rmttheory.kernels import kernel_laws
        from rmttheory.validation.kernel_sampling import sampled_kernel_spectra

        m = M["full" if ctx.full else "quick"]
        out: dict[str, Any] = {"m": m, "ratio": self.RATIO, "kernels": []}
        for kind, depth, ratio, size, rng in (
            ("ck", self.DEPTH, self.RATIO, m, [ctx.seed, 5]),
            ("ntk", 1, 1.0, 2 * m, [ctx.seed, 6]),
        ):
            laws = kernel_laws("tanh", kind, depth, ratio)
            samples = sampled_kernel_spectra("tanh", kind, depth, ratio, size, rng=rng)
            top = max(law.support()[-1][1] for _, law in laws)
            x = np.linspace(0, 1.05 * top, 300)
            if kind == "ntk":  # the CK of layer 1 is shown as a reference curve only
                laws, samples = laws[1:], samples[1:]
            for (name, law), ev in zip(laws, samples):
                out["kernels"].append(
                    {"name": name, "m": size, "x": x.tolist(), "density": law.pdf(x).tolist(),
                     "eigenvalues": ev.tolist(), "ks": law.ks_distance(ev),
                     "ks_tol": ks_tolerance(ev.size)}
                )  # fmt: skip
        return out

    def checks(self, record: dict[str, Any]) -> list[Check]:
        return [
            self.check(f"{k['name']} (m = {k['m']})", "KS", k["ks"], k["ks_tol"])
            for k in record["kernels"]
        ]

    def figures(self, record: dict[str, Any], out: Path) -> list[str]:
        import matplotlib.pyplot as plt

        from rmttheory.plot import save_figure

        fig, axes = plt.subplots(1, 2, figsize=(7.0, 2.6))
        for k in record["kernels"]:
            ax = axes[1] if k["name"] == "NTK" else axes[0]
            (ln,) = ax.plot(k["x"], k["density"], label=f"{k['name']} (KS {k['ks']:.3f})")
            ax.hist(k["eigenvalues"], bins=50, density=True, histtype="step", color=ln.get_color())
        axes[0].set_title(
            f"conjugate kernels, tanh, $n_l/m$ = {record['ratio']:g}, m = {record['m']}"
        )
        axes[1].set_title("NTK, one hidden layer, tanh, $n_0 = n_1 = m$")
        for ax in axes:
            ax.set_xlabel(r"eigenvalue $\lambda$ of the kernel")
            ax.set_ylabel("density")
            ax.legend()
        save_figure(fig, out / "kernels.png")
        return ["kernels.png"]

    def markdown(
        self, record: dict[str, Any], checks: list[Check], figures: list[str]
    ) -> list[str]:
        return [
            f"### {self.title} — {self.verdict(checks)}",
            "",
            "| kernel | m | KS to sample | tolerance |",
            "|---|---|---|---|",
            *[
                f"| {k['name']} | {k['m']} | {k['ks']:.4f} | {k['ks_tol']:.4f} |"
                for k in record["kernels"]
            ],
            "",
            *[f"![{f}]({f})" for f in figures],
            "",
        ]
