"""Report sections for the Liao–Mahoney results: risks, equivalents, kernels, scaling, dynamics.

Each section compares a deterministic prediction with a simulation and writes
its record to ``DIR/theory/SECTION.json`` as soon as it is done (reruns resume
from there); figures are redrawn from the records.  A simulated point passes when
it is within 5 standard errors of its trial mean plus the stated finite-size
allowance (3/n relative for ridge and dynamics, 5/min(n, N) for random features)
of the prediction; a spectrum passes when its KS distance is below the
Dvoretzky–Kiefer–Wolfowitz bound at level 10⁻³.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from rmttheory.regression.random_features import RandomFeaturesRidge
from rmttheory.regression.ridge import RidgeSpectrum, gradient_flow_risk, ridge_risk
from rmttheory.validation.campaign import to_jsonable
from rmttheory.validation.risk import (
    simulate_gradient_descent,
    simulate_random_features,
    simulate_ridge,
)

__all__ = ["theory_sections", "THEORY_QUICK", "THEORY_FULL"]

THEORY_QUICK = {"n": 200, "trials": 16, "rf_d": 100, "rf_trials": 10, "m": 300, "p_scaling": 2000}
THEORY_FULL = {"n": 800, "trials": 32, "rf_d": 300, "rf_trials": 20, "m": 1000, "p_scaling": 8000}
Z = 5.0


def _check(samples: np.ndarray, theory: Any, rel: float) -> dict[str, Any]:
    """Trial mean, its standard error, the prediction, and whether they agree within
    Z standard errors + ``rel`` relative (finite size) + 1e-12 (rounding)."""
    m = float(np.mean(samples))
    se = float(np.std(samples, ddof=1) / math.sqrt(samples.size))
    th = float(theory)
    return {
        "theory": th,
        "sim": m,
        "se": se,
        "pass": bool(abs(m - th) <= Z * se + rel * abs(th) + 1e-12),
    }


def _dkw(n: int) -> float:
    return math.sqrt(math.log(2 / 1e-3) / (2 * n))


def ridge_section(cfg: dict, seed: int) -> dict[str, Any]:
    n, trials, noise = cfg["n"], cfg["trials"], 0.25
    iso = RidgeSpectrum.isotropic(1.0)
    grid = np.concatenate([np.linspace(0.1, 0.98, 45), np.linspace(1.02, 4, 75)])
    curves = {
        str(l): ridge_risk(iso, grid, l, noise=noise)["test"].tolist() for l in (0.0, 0.01, 0.1)
    }
    pts = []
    for i, (g, lam) in enumerate(
        [(g, l) for l in (0.0, 0.1) for g in (0.25, 0.5, 0.8, 1.0, 1.25, 2.0, 3.0) if l or g != 1]
    ):
        p = round(g * n)
        th = ridge_risk(iso, p / n, lam, noise=noise)
        sim = simulate_ridge(iso, n, p, lam, noise, trials, rng=[seed, 1, i])
        rec = {"gamma": p / n, "lam": lam, "spectrum": "isotropic"}
        for k in ("test", "train"):
            rec[k] = _check(sim[k], th[k], 3 / n)
        pts.append(rec)
    for i, g in enumerate((0.5, 1.0, 2.0)):  # power-law covariance at lambda = 0.01
        p = round(g * n)
        spec = RidgeSpectrum.power_law(p, 1.0, 1.5)
        th = ridge_risk(spec, g, 0.01, noise=noise)
        sim = simulate_ridge(spec, n, p, 0.01, noise, trials, rng=[seed, 2, i])
        rec = {"gamma": g, "lam": 0.01, "spectrum": "power law (alpha 1, beta 1.5)"}
        for k in ("test", "train"):
            rec[k] = _check(sim[k], th[k], 3 / n)
        pts.append(rec)
    return {"grid": grid.tolist(), "curves": curves, "noise": noise, "n": n, "points": pts}


def rf_section(cfg: dict, seed: int) -> dict[str, Any]:
    from rmttheory import gaussian_constants
    from rmttheory.distributions import PenningtonWorah
    from rmttheory.regression.memorization import ridge_training_loss

    d, trials, lam, noise = cfg["rf_d"], cfg["rf_trials"], 1e-3, 0.1
    rf = RandomFeaturesRidge.from_activation("tanh")
    consts = (rf.mu0, rf.mu1, rf.mu_star)
    grid = np.concatenate([np.linspace(0.1, 0.98, 40), np.linspace(1.0, 4, 60)])
    th_grid = rf.risk(grid, 1.0, lam, snr=1.0, noise=noise)
    pts = []
    for i, p1 in enumerate((0.25, 0.5, 0.8, 1.0, 1.25, 2.0, 4.0)):
        N = round(p1 * d)
        th = rf.risk(N / d, 1.0, lam, snr=1.0, noise=noise)
        rec = {"psi1": N / d}
        for eq in (False, True):
            sim = simulate_random_features(
                "tanh", d, N, d, lam, snr=1.0, noise=noise, trials=trials,
                equivalent=eq, constants=consts, rng=[seed, 3, i, int(eq)],
            )  # fmt: skip
            for k in ("test", "train"):
                key = f"{k}_{'equivalent' if eq else 'nonlinear'}"
                rec[key] = _check(sim[k], th[k], 5 / min(d, N))
        pts.append(rec)
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
        "grid": grid.tolist(),
        "test": th_grid["test"].tolist(),
        "train": th_grid["train"].tolist(),
        "lam": lam,
        "noise": noise,
        "d": d,
        "constants": consts,
        "points": pts,
        "memorization_max_diff": max(diffs),
        "memorization_pass": max(diffs) < 1e-8,
    }


def equivalence_section(cfg: dict, seed: int) -> dict[str, Any]:
    """Gram spectra of f(WX) and of its linear equivalent, and the mean (mu0) outlier."""
    from rmttheory import gaussian_constants
    from rmttheory.distributions import PenningtonWorah
    from rmttheory.validation.compare import ks_distance

    rng = np.random.default_rng([seed, 4])
    d = N = cfg["m"]
    n = 2 * d
    rf = RandomFeaturesRidge.from_activation("relu")
    W = rng.standard_normal((N, d))
    X = rng.standard_normal((d, n))
    pre = W @ X / math.sqrt(d)
    lf = np.linalg.eigvalsh(np.maximum(pre, 0) @ np.maximum(pre, 0).T / n)
    E = rf.mu1 * pre + rf.mu_star * rng.standard_normal(pre.shape)
    le0 = np.linalg.eigvalsh(E @ E.T / n)
    E += rf.mu0
    le = np.linalg.eigvalsh(E @ E.T / n)
    c = gaussian_constants("relu")
    law = PenningtonWorah(c.eta, c.zeta, d / n, d / N)
    spike = rf.mu0**2 * N + c.eta
    out = {
        "d": d,
        "N": N,
        "n": n,
        "ks_nonlinear": ks_distance(law, lf[:-1]),
        "ks_equivalent": ks_distance(law, le[:-1]),
        "ks_tol": _dkw(N - 1),
        "top_nonlinear": float(lf[-1]),
        "top_equivalent": float(le[-1]),
        "top_without_mu0": float(le0[-1]),
        "spike_predicted": spike,
    }
    out["pass"] = bool(
        out["ks_nonlinear"] < out["ks_tol"]
        and out["ks_equivalent"] < out["ks_tol"]
        and abs(out["top_nonlinear"] / spike - 1) < 0.05
        and abs(out["top_equivalent"] / spike - 1) < 0.05
        and out["top_without_mu0"] < 0.1 * spike
    )
    return out


def kernel_section(cfg: dict, seed: int) -> dict[str, Any]:
    from rmttheory.kernels.ntk import ck_spectra, ntk_spectrum
    from rmttheory.validation.sampling import deep_kernel_eigenvalues, ntk_eigenvalues

    m, ratio, depth = cfg["m"], 2.0, 3
    layers = ck_spectra("tanh", depth, ratio)
    ev = deep_kernel_eigenvalues("tanh", depth, m, ratio, rng=[seed, 5])
    top = max(d["law"].support()[-1][1] for d in layers)
    x = np.linspace(0, 1.05 * top, 300)
    ck = []
    for d, e in zip(layers, ev):
        ks = d["law"].ks_distance(e)
        ck.append(
            {
                "layer": d["layer"],
                "density": d["law"].pdf(x).tolist(),
                "eigenvalues": e.tolist(),
                "ks": ks,
                "ks_tol": _dkw(m),
                "pass": bool(ks < _dkw(m)),
            }
        )
    mn = 2 * m
    r = ntk_spectrum("tanh", 1.0, 1.0)
    ntk_ev = ntk_eigenvalues("tanh", mn, 1.0, 1.0, rng=[seed, 6])
    xn = np.linspace(0, 1.05 * r["law"].support()[-1][1], 300)
    ks = r["law"].ks_distance(ntk_ev)
    ntk = {
        "m": mn,
        "x": xn.tolist(),
        "density": r["law"].pdf(xn).tolist(),
        "ck_density": r["ck"].pdf(xn).tolist(),
        "eigenvalues": ntk_ev.tolist(),
        "ks": ks,
        "ks_tol": _dkw(mn),
        "pass": bool(ks < _dkw(mn)),
        "v": r["v"],
    }
    return {"m": m, "ratio": ratio, "x": x.tolist(), "ck": ck, "ntk": ntk}


def scaling_section(cfg: dict, seed: int) -> dict[str, Any]:
    a, b, p = 1.5, 2.0, cfg["p_scaling"]
    spec = RidgeSpectrum.power_law(p, a, b)
    ns = np.array([25, 50, 100, 200, 400])
    fine = np.geomspace(20, 500, 60)
    de_fine = ridge_risk(spec, p / fine, 0.0)["test"]
    de = ridge_risk(spec, p / ns, 0.0)["test"]
    pts = []
    for n, t in zip(ns, de):
        sim = simulate_ridge(spec, int(n), p, 0.0, trials=8, rng=[seed, 7, int(n)])
        pts.append({"n": int(n), **_check(sim["test"], t, 3 / n)})
    slope_de = float(np.polyfit(np.log(ns), np.log(de), 1)[0])
    slope_sim = float(np.polyfit(np.log(ns), np.log([q["sim"] for q in pts]), 1)[0])
    return {
        "alpha": a,
        "beta": b,
        "p": p,
        "exponent_theory": -(b - 1),
        "slope_de": slope_de,
        "slope_sim": slope_sim,
        "fine_n": fine.tolist(),
        "fine_test": de_fine.tolist(),
        "points": pts,
        "pass": bool(abs(slope_de + (b - 1)) < 0.1 and abs(slope_sim - slope_de) < 0.15),
    }


def dynamics_section(cfg: dict, seed: int) -> dict[str, Any]:
    n, eta, noise = cfg["n"], 0.2, 0.3
    p = round(1.5 * n)
    steps = np.array([0, 2, 5, 12, 25, 50, 100, 200, 400, 1600])
    sim = simulate_gradient_descent(
        n, p, steps, eta, snr=1.0, noise=noise, trials=cfg["trials"] // 2, rng=[seed, 8]
    )
    fine = np.unique(np.round(np.geomspace(1, 2000, 80))).astype(int)
    th_fine = gradient_flow_risk(p / n, fine * eta, snr=1.0, noise=noise, step=eta)
    th = gradient_flow_risk(p / n, steps * eta, snr=1.0, noise=noise, step=eta)
    pts = []
    for j, k in enumerate(steps):
        rec = {"step": int(k)}
        for key in ("test", "train"):
            rec[key] = _check(sim[key][:, j], th[key][j], 3 / n)
        pts.append(rec)
    return {
        "n": n,
        "p": p,
        "step": eta,
        "noise": noise,
        "fine_steps": fine.tolist(),
        "fine_test": th_fine["test"].tolist(),
        "fine_train": th_fine["train"].tolist(),
        "points": pts,
    }


SECTIONS: dict[str, Callable[[dict, int], dict]] = {
    "ridge": ridge_section,
    "random_features": rf_section,
    "equivalence": equivalence_section,
    "kernels": kernel_section,
    "scaling": scaling_section,
    "dynamics": dynamics_section,
}


def _checks(name: str, r: dict) -> list[bool]:
    if name == "ridge":
        return [q[k]["pass"] for q in r["points"] for k in ("test", "train")]
    if name == "random_features":
        keys = [k for k in r["points"][0] if k != "psi1"]
        return [q[k]["pass"] for q in r["points"] for k in keys] + [r["memorization_pass"]]
    if name == "kernels":
        return [c["pass"] for c in r["ck"]] + [r["ntk"]["pass"]]
    if name == "dynamics":
        return [q[k]["pass"] for q in r["points"] for k in ("test", "train")]
    if name == "scaling":
        return [r["pass"]] + [q["pass"] for q in r["points"]]
    return [r["pass"]]


def _save(fig: Any, out: Path, name: str) -> str:
    import matplotlib.pyplot as plt

    fig.tight_layout()
    fig.savefig(out / name, dpi=120)
    plt.close(fig)
    return name


def _figures(out: Path, res: dict[str, dict]) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = []
    # double descent: ridge and random features
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    r = res["ridge"]
    for lam, curve in r["curves"].items():
        axes[0].plot(r["grid"], curve, label=f"theory, λ = {float(lam):g}")
    for lam, mk in ((0.0, "o"), (0.1, "s")):
        q = [p for p in r["points"] if p["lam"] == lam and p["spectrum"] == "isotropic"]
        axes[0].errorbar([p["gamma"] for p in q], [p["test"]["sim"] for p in q],
                         yerr=[2 * p["test"]["se"] for p in q], fmt=mk, ms=4, color="k",
                         label=f"simulated, λ = {lam:g} (n = {r['n']})")  # fmt: skip
    axes[0].set_yscale("log")
    axes[0].set_xlabel("γ = p/n")
    axes[0].set_ylabel("test error")
    axes[0].set_title(f"ridge, isotropic, σ² = {r['noise']}", fontsize=9)
    axes[0].legend(fontsize=7)
    f = res["random_features"]
    axes[1].plot(f["grid"], f["test"], label="test (theory)")
    axes[1].plot(f["grid"], f["train"], "--", label="train (theory)")
    for key, mk in (("test_nonlinear", "o"), ("test_equivalent", "x"), ("train_nonlinear", "s")):
        axes[1].errorbar([p["psi1"] for p in f["points"]], [p[key]["sim"] for p in f["points"]],
                         yerr=[2 * p[key]["se"] for p in f["points"]], fmt=mk, ms=4,
                         label=key.replace("_", ", "))  # fmt: skip
    axes[1].set_yscale("log")
    axes[1].set_xlabel("ψ1 = N/d  (n = d)")
    axes[1].set_title(f"random features, tanh, λ = {f['lam']:g}, d = {f['d']}", fontsize=9)
    axes[1].legend(fontsize=7)
    names.append(_save(fig, out, "double_descent.png"))
    # kernels
    k = res["kernels"]
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for c in k["ck"]:
        (ln,) = axes[0].plot(k["x"], c["density"], label=f"layer {c['layer']} (KS {c['ks']:.3f})")
        axes[0].hist(c["eigenvalues"], bins=50, density=True, histtype="step", color=ln.get_color())
    axes[0].set_title(f"conjugate kernels, tanh, n_l/m = {k['ratio']:g}, m = {k['m']}", fontsize=9)
    axes[0].set_xlabel("eigenvalue")
    axes[0].legend(fontsize=7)
    nt = k["ntk"]
    axes[1].plot(nt["x"], nt["density"], label=f"NTK theory (KS {nt['ks']:.3f})")
    axes[1].plot(nt["x"], nt["ck_density"], ":", label="CK layer 1 theory")
    axes[1].hist(
        nt["eigenvalues"], bins=50, density=True, histtype="step", color="k", label="NTK sampled"
    )
    axes[1].set_title(f"NTK, one hidden layer, tanh, n0 = n1 = m = {nt['m']}", fontsize=9)
    axes[1].set_xlabel("eigenvalue")
    axes[1].legend(fontsize=7)
    names.append(_save(fig, out, "kernels.png"))
    # scaling law
    s = res["scaling"]
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    ax.loglog(
        s["fine_n"], s["fine_test"], label=f"deterministic equivalent (slope {s['slope_de']:.2f})"
    )
    ax.errorbar([p["n"] for p in s["points"]], [p["sim"] for p in s["points"]],
                yerr=[2 * p["se"] for p in s["points"]], fmt="o", ms=4,
                label=f"simulated (slope {s['slope_sim']:.2f})")  # fmt: skip
    n0 = s["points"][0]
    ref = np.array(s["fine_n"])
    ax.loglog(
        ref,
        n0["theory"] * (ref / n0["n"]) ** s["exponent_theory"],
        ":",
        label=f"n^{s['exponent_theory']:g}",
    )
    ax.set_xlabel("n")
    ax.set_ylabel("test error (ridgeless, noiseless)")
    ax.set_title(
        f"scaling law: s_j = j^-{s['alpha']}, s_j β_j² ~ j^-{s['beta']}, p = {s['p']}", fontsize=9
    )
    ax.legend(fontsize=7)
    names.append(_save(fig, out, "scaling_law.png"))
    # dynamics
    d = res["dynamics"]
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    t = np.array(d["fine_steps"]) * d["step"]
    ax.semilogx(t, d["fine_test"], label="test (theory)")
    ax.semilogx(t, d["fine_train"], "--", label="train (theory)")
    pts = [p for p in d["points"] if p["step"] > 0]
    for key, mk in (("test", "o"), ("train", "s")):
        ax.errorbar([p["step"] * d["step"] for p in pts], [p[key]["sim"] for p in pts],
                    yerr=[2 * p[key]["se"] for p in pts], fmt=mk, ms=4, color="k")  # fmt: skip
    ax.set_xlabel("time t = step × η")
    ax.set_ylabel("error")
    ax.set_title(
        f"gradient descent, ridgeless, n = {d['n']}, p = {d['p']}, σ² = {d['noise']}", fontsize=9
    )
    ax.legend(fontsize=7)
    names.append(_save(fig, out, "dynamics.png"))
    return names


def theory_sections(
    out: Any, *, full: bool = False, seed: int = 0, progress: bool = True
) -> tuple[list[bool], list[str], dict[str, Any]]:
    """Run (or resume) the six sections; return the checks, the markdown and the records."""
    cfg = THEORY_FULL if full else THEORY_QUICK
    out = Path(out)
    folder = out / "theory"
    folder.mkdir(parents=True, exist_ok=True)
    res: dict[str, dict] = {}
    items = list(SECTIONS.items())
    if progress:
        from tqdm.auto import tqdm

        items = tqdm(items, desc="theory sections", unit="section")
    for name, fn in items:
        path = folder / f"{name}.json"
        if path.exists():
            res[name] = json.loads(path.read_text())
            continue
        rec = json.loads(json.dumps(fn(cfg, seed), default=to_jsonable))
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(rec))
        tmp.replace(path)
        res[name] = rec
    figures = _figures(out, res)
    checks = {name: _checks(name, r) for name, r in res.items()}
    flat = [c for v in checks.values() for c in v]

    def verdict(name: str) -> str:
        c = checks[name]
        return f"{sum(c)}/{len(c)} checks pass"

    r, f, e, k, s, d = (res[n] for n in SECTIONS)
    lines = [
        "## Deterministic equivalents: risks, kernels, scaling, dynamics",
        "",
        "Tolerances: a simulated mean passes within 5 standard errors of its trials plus a",
        "finite-size allowance (3/n relative for ridge, dynamics and scaling; 5/min(n, N) for",
        "random features); spectra pass below the DKW bound (α = 10⁻³).",
        "",
        f"### Ridge regression (double descent) — {verdict('ridge')}",
        "",
        "| spectrum | γ = p/n | λ | test: theory / simulated ± SE | train: theory / simulated ± SE |",
        "|---|---|---|---|---|",
        *[
            f"| {q['spectrum']} | {q['gamma']:.3g} | {q['lam']:g} | {q['test']['theory']:.4g} / {q['test']['sim']:.4g} ± {q['test']['se']:.2g} "
            f"| {q['train']['theory']:.4g} / {q['train']['sim']:.4g} ± {q['train']['se']:.2g} |"
            for q in r["points"]
        ],
        "",
        f"### Random features (tanh) and the linear equivalent — {verdict('random_features')}",
        "",
        f"μ0, μ1, μ* = {', '.join(f'{v:.6g}' for v in f['constants'])}; n = d = {f['d']}, λ = {f['lam']:g}.",
        "",
        "| ψ1 = N/d | test theory | nonlinear | equivalent | train theory | nonlinear | equivalent |",
        "|---|---|---|---|---|---|---|",
        *[
            f"| {q['psi1']:.3g} | {q['test_nonlinear']['theory']:.4g} | {q['test_nonlinear']['sim']:.4g} ± {q['test_nonlinear']['se']:.2g} "
            f"| {q['test_equivalent']['sim']:.4g} ± {q['test_equivalent']['se']:.2g} | {q['train_nonlinear']['theory']:.4g} "
            f"| {q['train_nonlinear']['sim']:.4g} ± {q['train_nonlinear']['se']:.2g} | {q['train_equivalent']['sim']:.4g} ± {q['train_equivalent']['se']:.2g} |"
            for q in f["points"]
        ],
        "",
        "Training error on random labels from the Gaussian-equivalent ridge equivalent vs Pennington–Worah's",
        f"memorization formula (their quartic law): max difference {f['memorization_max_diff']:.1e} over 9 (φ, ψ, γ).",
        "",
        f"### Where the linear equivalent matches — {verdict('equivalence')}",
        "",
        f"ReLU features, d = N = {e['d']}, n = {e['n']}: bulk KS to the Pennington–Worah law {e['ks_nonlinear']:.4f} (f(WX))",
        f"and {e['ks_equivalent']:.4f} (equivalent), DKW bound {e['ks_tol']:.4f}. Top eigenvalue {e['top_nonlinear']:.4g} (f(WX)),",
        f"{e['top_equivalent']:.4g} (equivalent with μ0), predicted μ0²N + η = {e['spike_predicted']:.4g}; without the μ0 term",
        f"the equivalent's top eigenvalue is {e['top_without_mu0']:.4g}: the equivalent stops matching at the outlier",
        "unless it keeps the mean term.",
        "",
        f"### Conjugate-kernel and NTK spectra — {verdict('kernels')}",
        "",
        "| kernel | KS to sample | DKW bound |",
        "|---|---|---|",
        *[
            f"| CK layer {c['layer']} (tanh, n_l/m = {k['ratio']:g}, m = {k['m']}) | {c['ks']:.4f} | {c['ks_tol']:.4f} |"
            for c in k["ck"]
        ],
        f"| NTK, one hidden layer (m = {k['ntk']['m']}) | {k['ntk']['ks']:.4f} | {k['ntk']['ks_tol']:.4f} |",
        "",
        f"### Scaling law — {verdict('scaling')}",
        "",
        f"s_j = j^-{s['alpha']}, s_j β_j² ∝ j^-{s['beta']}, p = {s['p']}, ridgeless, noiseless: predicted exponent",
        f"{s['exponent_theory']:g}; deterministic-equivalent slope {s['slope_de']:.3f}; simulated slope {s['slope_sim']:.3f}.",
        "",
        f"### Learning dynamics (gradient descent) — {verdict('dynamics')}",
        "",
        f"Isotropic ridgeless regression, n = {d['n']}, p = {d['p']}, step η = {d['step']}, σ² = {d['noise']}: test and training",
        "error over time against the Marchenko–Pastur filter formula (`rmttheory.ridge.gradient_flow_risk`).",
        "",
        *[f"![{n}]({n})" for n in figures],
        "",
    ]
    return flat, lines, res
