"""The list of paper figures, in order (id, paper, title, compute, draw, caption)."""

from __future__ import annotations

from typing import Any

import rmttheory.figures.bgk2022 as bgk
import rmttheory.figures.lm2025 as lm
import rmttheory.figures.pw2017 as pw
from rmttheory.figures.core import Figure

__all__ = ["FIGURES", "BY_ID"]


def _sizes(r: dict[str, Any]) -> str:
    p = r["panels"][0]
    return (f"n0 = {p['n0']}, {p['seeds']} independent samples pooled per panel "
            f"(seeds {r['panels'][0]['seed']}–{r['panels'][-1]['seed']})")  # fmt: skip


def _cap_spectra(what: str) -> Any:
    def caption(r: dict[str, Any]) -> str:
        return (
            f"Limiting spectral density of M = YYᵀ/m, Y = f(WX) with f centered, W and X "
            f"Gaussian (variances 1/n0 and 1), φ = n0/m, ψ = n0/n1 ({what}): Pennington–Worah "
            f"theory (line) against the histogram of sampled eigenvalues (continuous part; "
            f"the atom at 0 is stated), {_sizes(r)}. Checks: KS distance within the calibrated "
            f"tolerance and the mean eigenvalue within 3.29 standard errors of its exact "
            f"finite-n0 value."
        )

    return caption


FIGURES = [
    Figure("pw_densities_by_activation", "pw2017",
           "Spectral densities across activations (ζ/η from 0 to 1)",
           pw.densities_by_activation, lambda r: pw.draw_spectra(r, "activation"),
           _cap_spectra("φ = ψ = 1/2; |x| has ζ = 0, the linear activation ζ = η")),
    Figure("pw_densities_by_ratio", "pw2017", "Spectral densities of tanh across (φ, ψ)",
           pw.densities_by_ratio, lambda r: pw.draw_spectra(r, "ratio"),
           _cap_spectra("tanh at four aspect ratios")),
    Figure("pw_memorization", "pw2017",
           "Memorization: training loss of random-feature ridge regression",
           pw.memorization, pw.draw_memorization,
           lambda r: ("Training loss E_train(γ) of ridge regression on the random features "
                      "Y = f(WX) with random targets (PW 2017, Sec. 5): theory from the "
                      "Stieltjes transform of the Gram law (lines) against simulated "
                      f"regressions (points: mean ± 2 SE of {r['trials']} trials at "
                      f"n0 = {r['n0']}); checks: Student 10⁻³ quantile plus a 3/n0 allowance.")),
    Figure("pw_propagation", "pw2017", "Spectrum propagation through layers",
           pw.propagation, pw.draw_propagation,
           lambda r: (f"Conjugate-kernel spectra through {r['depth']} layers of width m = "
                      f"{r['m']} (n_l/m = 1): Wasserstein-1 distance between the normalized "
                      "spectrum (λ divided by its mean) at layer l and the input one (left; "
                      "lines theory, points one sampled network) and the normalized densities "
                      "at the last layer (right). ζ = 0 (|x|) keeps the input "
                      "Marchenko–Pastur spectrum at every depth; larger ζ/η spreads it.")),
    # ------------------------------------------------ Baskerville, Granziol, Keating 2022
    Figure("bgk_ratio_histograms", "bgk2022", "Spacing ratios of trained-network Hessians",
           bgk.ratio_histograms, bgk.draw_ratios,
           lambda r: (f"Adjacent-gap ratios r̃ = min(r, 1/r) of exact Hessians (cross-entropy, "
                      f"mean over the batch, float64) of networks trained on scikit-learn digits, "
                      f"pooled over {r['experiments'][0]['n_hessians']} batches of "
                      f"{r['experiments'][0]['batch']} after removing the exactly degenerate "
                      "null space and 5% at each edge; against the Poisson, GOE and GUE "
                      "surmises. The paper used MNIST networks of 5·10³–6·10⁴ parameters on "
                      "10³ batches; these are the offline, CPU-sized analogues (`--full` "
                      "enlarges them). Check: KS to GOE at most half the KS to Poisson.")),
    Figure("bgk_spacings", "bgk2022", "Unfolded spacings of Hessian spectra",
           bgk.spacing_histograms, bgk.draw_spacings,
           lambda r: ("Nearest-neighbour spacings of the same Hessians after ensemble-pool "
                      "unfolding (the pooled empirical cdf of all batches' non-zero "
                      "eigenvalues), 10% trimmed at each edge, against Poisson, the GOE Wigner "
                      "surmise and Gaudin's exact GOE law. Unfolding a density that varies "
                      "over decades is the weak step; the ratios of the previous figure need "
                      "none. Check: closer to Gaudin than to Poisson in KS distance.")),
    Figure("bgk_cutoff", "bgk2022", "Rank degeneracy: eigenvalues below a cut-off",
           bgk.cutoff_sweep, bgk.draw_cutoff,
           lambda r: ("Fraction of Hessian eigenvalues with |λ| < ε·max|λ| against ε, for the "
                      "same networks: the plateau is the exactly degenerate null space (rank "
                      "deficiency of the Gauss–Newton part); dotted lines mark the cut-off "
                      "used before the local statistics. Descriptive: no theory to check.")),
    Figure("bgk_model", "bgk2022", "The Hessian model: GOE bulk, degenerate block, outliers",
           bgk.hessian_model, bgk.draw_model,
           lambda r: (f"The random-matrix model of `rmttheory.hessians.model`: n = {r['n']}, a "
                      f"GOE block of rank {r['rank']} (semicircle of radius 2σ, σ = 1), spikes "
                      f"θ = 2, 4 (outliers predicted at θ + σ²/θ) and {r['n'] - r['rank']} exact "
                      f"zeros; {r['draws']} draws. Left: density of the non-zero part; right: "
                      "its local statistics are GOE although the whole spectrum is not a "
                      "semicircle. Checks: ⟨r̃⟩ and the outliers within the Student 10⁻³ "
                      "quantile of the draws plus stated allowances.")),
    Figure("bgk_init_vs_trained", "bgk2022", "Mean spacing ratio at initialization and after "
           "training", bgk.init_vs_trained, bgk.draw_init_vs_trained,
           lambda r: ("⟨r̃⟩ of the pooled Hessian spectra at initialization and after "
                      "training, with the large-N values of Poisson (0.386), GOE (0.531) and "
                      "GUE (0.600). Check: the trained value is at least twice as close to the "
                      "GOE as to any other class.")),
    # --------------------------------------------------------------- Liao & Mahoney 2025
    Figure("lm_marchenko_pastur", "lm2025", "Marchenko–Pastur and a general population",
           lm.marchenko_pastur, lm.draw_panels,
           lambda r: (f"Eigenvalues of the sample covariance ZZᵀ/n (p = {r['panels'][0]['p']}, "
                      "Gaussian Z) against Marchenko–Pastur at two ratios, and of "
                      "T^½ZZᵀT^½/n with T half 1, half 4 against the Silverstein law. Checks: "
                      "KS within the calibrated tolerance.")),
    Figure("lm_ridge_double_descent", "lm2025", "Ridge regression: double descent",
           lm.ridge_double_descent, lm.draw_ridge,
           lambda r: (f"Test risk of ridge regression on isotropic Gaussian data against γ = "
                      f"p/n for three ridges (noise variance {r['noise']:g}): deterministic "
                      f"equivalent (lines) against simulation at n = {r['n']} (mean ± 2 SE). "
                      "The λ = 0 curve diverges at γ = 1 (interpolation).")),
    Figure("lm_rf_double_descent", "lm2025", "Random features: double descent",
           lm.rf_double_descent, lm.draw_rf,
           lambda r: (f"Random-features ridge regression (tanh features, d = {r['d']}, "
                      f"λ = {r['lam']:g}, noise {r['noise']:g}) against N/n: deterministic "
                      "equivalent (lines), simulations with the nonlinear features f(WX) "
                      "(filled) and with their linear equivalent (open).")),
    Figure("lm_real_data", "lm2025", "Random features on real data (digits)",
           lm.real_data, lm.draw_real_data,
           lambda r: (f"Random features f(WX) on the first n = {r['n']} digits (d = {r['d']}, "
                      "standardized, σ_w = 1): eigenvalues of K = ΣᵀΣ/N at N = n (histogram "
                      "of log₁₀ λ, the atom at 0 left out) against the Louart–Liao–Couillet "
                      "equivalent built from the expected kernel Φ, for tanh and ReLU; and the "
                      f"ridge training/test errors against N/n at λ = {r['lams'][0]:g} (lines: "
                      f"equivalent; points: mean ± 2 SE of {r['trials']} draws of W; "
                      f"{r['n_test']} held-out digits). The real-data double descent peaks at "
                      "N = n.")),
    Figure("lm_linear_equivalent", "lm2025", "f(WX) and its linear equivalent",
           lm.linear_equivalent, lm.draw_linear_equivalent,
           lambda r: (f"Gram spectra of ReLU(WX) (not centered), of its linear equivalent "
                      f"μ0·11ᵀ + μ1·WX/√d + μ*·Z (μ0 = {r['mu0']:.3f}, μ1 = {r['mu1']:.3f}, "
                      f"μ* = {r['mu_star']:.3f}) and of the same without μ0; d = N = {r['d']}, "
                      f"n = {r['n']}. The bulks follow the same Pennington–Worah law; the "
                      "outlier at μ0²·n1 + η needs μ0.")),
    Figure("lm_deep_kernels", "lm2025", "Deep conjugate-kernel and NTK spectra",
           lm.deep_kernels, lm.draw_kernels,
           lambda r: (f"Spectra of the conjugate kernels of a tanh network layer by layer "
                      f"(width/m = {r['ratio']:g}, m = {r['m']} samples) and of the NTK: "
                      "theory (Silverstein recursion) against one sampled network per "
                      "panel.")),
    Figure("lm_scaling_law", "lm2025", "Scaling law of ridge regression",
           lm.scaling_law, lm.draw_scaling,
           lambda r: (f"Test risk against n for power-law spectra (eigenvalues k^-α, target "
                      f"energies k^-β, p = {r['p']}): the deterministic equivalent and its "
                      f"predicted slope −(β − 1) = {r['exponent_theory']:.2f}, against "
                      "simulations.")),
    Figure("lm_dynamics", "lm2025", "Learning dynamics: test and training error over time",
           lm.dynamics, lm.draw_dynamics,
           lambda r: (f"Gradient descent on least squares (n = {r['n']}, p = {r['p']}, noise "
                      f"{r['noise']:g}): test and training error over steps, gradient-flow "
                      "theory against simulation (mean ± 2 SE).")),
]  # fmt: skip

BY_ID = {f.id: f for f in FIGURES}
