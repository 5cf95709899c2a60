"""The ``rmttheory`` command line.

Every command prints human-readable text by default and one JSON object with
``--json``.  Bad input prints one line ``rmttheory: error: ...`` on stderr and
exits with status 2; no traceback reaches the user.

An activation is given as a registered name, a sympy expression of ``x``, or a
registered name with parameters: ``leaky_relu:slope=0.1``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable, Sequence
from typing import Any

from rmttheory.errors import RmtError

__all__ = ["main", "build_parser"]

_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}


def _command(name: str):
    def deco(fn):
        _COMMANDS[name] = fn
        return fn

    return deco


def finite_float(text: str) -> float:
    """argparse type: a finite float."""
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(v):
        raise argparse.ArgumentTypeError(f"must be finite: {text!r}")
    return v


def positive_float(text: str) -> float:
    """argparse type: a finite float > 0."""
    v = finite_float(text)
    if v <= 0:
        raise argparse.ArgumentTypeError(f"must be > 0: {text!r}")
    return v


def parse_activation(text: str):
    """``NAME:key=value,...`` or any string :func:`rmttheory.activation` accepts."""
    from rmttheory.activation import REGISTRY, activation

    name, sep, rest = text.partition(":")
    if sep and name.strip().lower() in REGISTRY:
        params = {}
        for item in filter(None, rest.split(",")):
            k, eq, v = item.partition("=")
            if not eq:
                raise RmtError(f"bad activation parameter {item!r}: expected key=value")
            params[k.strip()] = v.strip()
        return activation(name.strip(), **params)
    return activation(text)


def _emit(args: argparse.Namespace, payload: dict[str, Any], text: str) -> None:
    if getattr(args, "json", False):
        print(json.dumps(payload, indent=None, allow_nan=False))
    else:
        print(text)


def _add_act_or_constants(p: argparse.ArgumentParser, require_ratios: bool) -> None:
    p.add_argument("act", nargs="?", help="activation (name, expression of x, or name:k=v)")
    p.add_argument("--eta", type=positive_float, help="eta, instead of an activation")
    p.add_argument("--zeta", type=finite_float, help="zeta, instead of an activation")
    p.add_argument("--phi", type=positive_float, required=require_ratios, help="phi = n0/m")
    p.add_argument("--psi", type=positive_float, required=require_ratios, help="psi = n0/n1")
    p.add_argument("--sigma-w", type=finite_float, default=1.0, help="weight scale (default 1)")
    p.add_argument("--sigma-x", type=finite_float, default=1.0, help="data scale (default 1)")


def resolve_constants(args: argparse.Namespace) -> tuple[float, float, str, Any]:
    """(eta, zeta, label, GaussianConstants or None) from ACT or --eta/--zeta."""
    from rmttheory.constants import gaussian_constants

    if args.act is not None:
        if args.eta is not None or args.zeta is not None:
            raise RmtError("give either an activation or --eta/--zeta, not both")
        c = gaussian_constants(parse_activation(args.act), args.sigma_w, args.sigma_x)
        return c.eta, c.zeta, c.activation, c
    if args.eta is None or args.zeta is None:
        raise RmtError("give an activation, or both --eta and --zeta")
    if not (0 <= args.zeta <= args.eta):
        raise RmtError(f"need 0 <= zeta <= eta, got eta={args.eta:g}, zeta={args.zeta:g}")
    return args.eta, args.zeta, f"eta={args.eta:g}, zeta={args.zeta:g}", None


def _law_header(label: str, eta: float, zeta: float, args: argparse.Namespace) -> dict:
    """The fields every law-level JSON output starts with."""
    return {"activation": label, "eta": eta, "zeta": zeta, "phi": args.phi, "psi": args.psi}


# ---------------------------------------------------------------------------
@_command("constants")
def _cmd_constants(args: argparse.Namespace) -> int:
    from rmttheory.constants import gaussian_constants

    act = parse_activation(args.act)
    c = gaussian_constants(
        act, args.sigma_w, args.sigma_x, digits=args.digits, hermite_order=args.hermite
    )
    d = c.to_dict()
    d["expression"] = str(act.expr) if act.expr is not None else None
    text = "\n".join(
        [
            f"activation  {c.activation}   (f(x) = {d['expression']})",
            f"sigma       {c.sigma:g} = sigma_w {c.sigma_w:g} x sigma_x {c.sigma_x:g}",
            f"method      {c.method}" + (f"  ({c.reason})" if c.reason else ""),
            f"mean        {c.values['mean']}" + (f"   = {c.mean_expr}" if c.mean_expr else ""),
            f"eta         {c.values['eta']}" + (f"   = {c.eta_expr}" if c.eta_expr else ""),
            f"zeta        {c.values['zeta']}" + (f"   = {c.zeta_expr}" if c.zeta_expr else ""),
            f"error       {c.error:.1e} (quadrature estimate)",
            "hermite     " + ", ".join(f"{h:.12g}" for h in c.hermite),
        ]
    )
    _emit(args, d, text)
    return 0


@_command("equation")
def _cmd_equation(args: argparse.Namespace) -> int:
    import sympy as sp

    from rmttheory.equation import PHI, PSI, PenningtonWorahEquation

    phi = args.phi if args.phi is not None else PHI
    psi = args.psi if args.psi is not None else PSI
    if args.act is not None:
        if args.eta is not None or args.zeta is not None:
            raise RmtError("give either an activation or --eta/--zeta, not both")
        eq = PenningtonWorahEquation.from_activation(
            parse_activation(args.act), phi, psi, args.sigma_w, args.sigma_x
        )
    elif args.eta is not None or args.zeta is not None:
        eta, zeta, _, _ = resolve_constants(args)
        eq = PenningtonWorahEquation(eta, zeta, phi, psi)
    else:
        eq = PenningtonWorahEquation(phi=phi, psi=psi)
    payload = {
        "eta": str(eq.eta),
        "zeta": str(eq.zeta),
        "phi": str(eq.phi),
        "psi": str(eq.psi),
        "p_equation": str(eq.p_equation.rhs),
        "quartic_P": str(eq.quartic.as_expr()),
        "g_polynomial": str(eq.g_polynomial.as_expr()),
        "latex": eq.latex(),
    }
    text = eq.latex() if args.latex else str(eq)
    if args.latex and not args.json:
        text = text + "\n" + sp.latex(eq.quartic.as_expr()) + " = 0"
    _emit(args, payload, text)
    return 0


@_command("moments")
def _cmd_moments(args: argparse.Namespace) -> int:
    from rmttheory.equation import PenningtonWorahEquation

    eta, zeta, label, _ = resolve_constants(args)
    if not 1 <= args.k <= 12:
        raise RmtError(f"--k must be between 1 and 12, got {args.k}")
    generic = PenningtonWorahEquation().moments(args.k)
    eq = PenningtonWorahEquation(eta, zeta, args.phi, args.psi)
    values = [float(m) for m in eq.moments(args.k)]
    payload = {
        **_law_header(label, eta, zeta, args),
        "k": args.k,
        "moments": values,
        "expressions": [str(m) for m in generic],
    }
    text = "\n".join(
        [f"{label}, phi={args.phi:g}, psi={args.psi:g}"]
        + [f"m{j + 1} = {v:.15g}" for j, v in enumerate(values)]
    )
    _emit(args, payload, text)
    return 0


@_command("density")
def _cmd_density(args: argparse.Namespace) -> int:
    import numpy as np

    from rmttheory.distributions import PenningtonWorah
    from rmttheory.solver import check_parameters

    eta, zeta, label, consts = resolve_constants(args)
    check_parameters(eta, zeta, args.phi, args.psi)
    law = PenningtonWorah(eta, zeta, args.phi, args.psi)
    support = law.support()
    if args.x is not None:
        try:
            x = np.array([float(v) for v in args.x.split(",") if v.strip()])
        except ValueError:
            raise RmtError(f"--x must be comma-separated numbers, got {args.x!r}") from None
    else:
        spec = args.grid or f"0:{support[-1][1] * 1.05:.6g}:201"
        try:
            lo, hi, n = spec.split(":")
            x = np.linspace(float(lo), float(hi), int(n))
        except ValueError:
            raise RmtError(f"--grid must be LO:HI:N, got {spec!r}") from None
    if not np.all(np.isfinite(x)) or x.size == 0:
        raise RmtError("evaluation points must be finite numbers")
    dens = law.pdf(x)
    payload = {
        **_law_header(label, eta, zeta, args),
        "x": x.tolist(),
        "density": [d if np.isfinite(d) else None for d in dens.tolist()],
        "atom": law.atom_mass,
        "support": [list(iv) for iv in support],
        "mean_of_f": consts.mean if consts is not None else None,
    }
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        ax = law.plot(label=f"{label}, phi={args.phi:g}, psi={args.psi:g}")
        ax.legend(fontsize=8)
        ax.figure.tight_layout()
        ax.figure.savefig(args.plot, dpi=130)
        plt.close(ax.figure)
    text = "\n".join(
        [
            f"{label}: eta={eta:.10g} zeta={zeta:.10g} phi={args.phi:g} psi={args.psi:g}",
            f"support {support}, atom at 0: {law.atom_mass:.6g}",
        ]
        + [f"{xi:14.8g} {di:.12g}" for xi, di in zip(x, dens)]
    )
    _emit(args, payload, text)
    return 0


@_command("ratios")
def _cmd_ratios(args: argparse.Namespace) -> int:
    import numpy as np

    from rmttheory.local_statistics.ratios import closest_ensemble, sample_spectrum, spacing_ratios

    if args.n < 3 or args.samples < 1:
        raise RmtError("--n must be >= 3 and --samples >= 1")
    if not 0 <= args.trim < 0.45:
        raise RmtError(f"--trim must be in [0, 0.45), got {args.trim}")
    rngs = np.random.SeedSequence(args.seed).spawn(args.samples)
    eig = np.array([sample_spectrum(args.ensemble, args.n, np.random.default_rng(r)) for r in rngs])
    stats = spacing_ratios(eig, trim=args.trim)
    verdict = closest_ensemble(stats)
    payload = {
        "ensemble": args.ensemble,
        "n": args.n,
        "samples": args.samples,
        "trim": args.trim,
        "mean_r_tilde": stats.mean_r_tilde,
        "n_ratios": stats.n_ratios,
        "cutoff": stats.cutoff,
        "ks": verdict["ks"],
        "closest": verdict["closest"],
        "margin": verdict["margin"],
    }
    text = (
        f"{args.ensemble}: <r~> = {stats.mean_r_tilde:.5f} from {stats.n_ratios} ratios; "
        f"closest law {verdict['closest']} (margin {verdict['margin']:.1f} KS units)"
    )
    _emit(args, payload, text)
    return 0


@_command("sample")
def _cmd_sample(args: argparse.Namespace) -> int:
    from rmttheory.validation.campaign import Point, run_point

    if args.n0 < 1:
        raise RmtError(f"--n0 must be a positive integer, got {args.n0}")
    parse_activation(args.act)  # clear error before any sampling
    rec = run_point(
        Point(args.act, args.phi, args.psi, args.n0, args.seeds, args.seed, device=args.device)
    )
    if rec["status"] != "ok":
        raise RmtError(rec["reason"])
    keys = (
        "n0",
        "n1",
        "m",
        "ks",
        "ks_tol",
        "w1",
        "mean",
        "eta",
        "zeta",
        "atom",
        "support",
        "device",
        "mean_of_f",
        "pass",
    )
    payload = {k: rec[k] for k in keys}
    text = "\n".join(f"{k:10s} {v}" for k, v in payload.items())
    _emit(args, payload, text)
    return 0


@_command("hessian")
def _cmd_hessian(args: argparse.Namespace) -> int:
    from rmttheory.validation.hessians import hessian_experiment, plot_ratios
    from rmttheory.validation.networks import DATASETS, MODELS

    if args.model not in MODELS:
        raise RmtError(f"unknown model {args.model!r}; choose one of {', '.join(MODELS)}")
    if args.dataset not in DATASETS:
        raise RmtError(f"unknown data set {args.dataset!r}; choose one of {', '.join(DATASETS)}")
    if args.train_steps < 0 or args.hidden < 1 or not 0 <= args.trim < 0.45:
        raise RmtError("--train-steps must be >= 0, --hidden >= 1 and --trim in [0, 0.45)")
    rec = hessian_experiment(
        args.model,
        args.dataset,
        hidden=args.hidden,
        train_steps=args.train_steps,
        batch=args.batch or None,
        n_batches=args.n_batches,
        lr=args.lr,
        cutoff=args.cutoff,
        trim=args.trim,
        device=args.device,
        seed=args.seed,
        at_init=args.at_init,
        progress=not args.json,
    )
    if args.plot:
        rec["plot"] = plot_ratios(rec, args.plot)
    payload = {k: v for k, v in rec.items() if k not in ("eigenvalues", "r_tilde")}
    text = (
        f"{args.model} on {args.dataset}: P={rec['n_params']}, {rec['n_hessians']} Hessian(s) of "
        f"batch {rec['batch']}, loss {rec['training']['loss']:.4g} after "
        f"{rec['training']['steps']} steps\n"
        f"{rec['n_eigenvalues_used']} eigenvalues above cutoff {rec['cutoff']:.3g}; "
        f"<r~> = {rec['mean_r_tilde']:.4f} ({rec['n_ratios']} ratios); KS goe "
        f"{rec['ks_goe']:.4f}, poisson {rec['ks_poisson']:.4f}; closest {rec['closest']}"
    )
    _emit(args, payload, text)
    return 0


def _parse_values(ratio: str | None, grid: str | None, default: str) -> Any:
    import numpy as np

    try:
        if ratio:
            vals = np.array([float(v) for v in ratio.split(",") if v.strip()])
        else:
            lo, hi, n = (grid or default).split(":")
            vals = np.linspace(float(lo), float(hi), int(n))
    except ValueError:
        raise RmtError("--ratio must be comma-separated numbers and --grid LO:HI:N") from None
    if vals.size == 0 or not np.all(np.isfinite(vals)) or np.any(vals <= 0):
        raise RmtError("ratios must be finite and > 0")
    return vals


def _save_plot(fig: Any, path: str) -> str:
    import matplotlib.pyplot as plt

    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return path


@_command("risk")
def _cmd_risk(args: argparse.Namespace) -> int:
    import numpy as np

    from rmttheory.regression.random_features import RandomFeaturesRidge
    from rmttheory.regression.ridge import RidgeSpectrum, ridge_risk

    if args.model not in ("ridge", "rf"):
        raise RmtError(f"unknown model {args.model!r}; choose ridge or rf")
    for name in ("lam", "snr", "noise"):
        v = getattr(args, name)
        if not (np.isfinite(v) and v >= 0):
            raise RmtError(f"--{name} must be finite and >= 0, got {v}")
    x = _parse_values(args.ratio, args.grid, "0.1:4:40")
    if args.model == "ridge":
        if args.spectrum == "isotropic":
            spec = RidgeSpectrum.isotropic(args.snr)
        else:
            spec = RidgeSpectrum.power_law(args.p, args.alpha, args.beta, scale=args.snr)
        th = ridge_risk(spec, x, args.lam, noise=args.noise)
        label = f"ridge ({args.spectrum}), gamma = p/n"
    else:
        rf = RandomFeaturesRidge.from_activation(parse_activation(args.act))
        th = rf.risk(x, args.psi2, args.lam, snr=args.snr, noise=args.noise)
        label = f"random features ({args.act}), psi1 = N/d at psi2 = n/d = {args.psi2:g}"
    payload: dict[str, Any] = {
        "model": args.model,
        "ratio_name": "gamma=p/n" if args.model == "ridge" else "psi1=N/d",
        "ratio": x.tolist(),
        "lam": args.lam,
        "snr": args.snr,
        "noise": args.noise,
        **{k: np.asarray(th[k]).tolist() for k in ("test", "train", "bias", "variance")},
    }
    if args.model == "rf":
        payload.update(psi2=args.psi2, act=args.act, mu0=rf.mu0, mu1=rf.mu1, mu_star=rf.mu_star)
    if args.simulate:
        from rmttheory.validation.risk import simulate_random_features, simulate_ridge

        if args.n < 2 or args.trials < 2:
            raise RmtError("--n must be >= 2 and --trials >= 2 to simulate")
        sims = []
        for i, r in enumerate(x):
            if args.model == "ridge":
                p = max(1, round(r * args.n))
                sp_ = (
                    spec
                    if args.spectrum == "isotropic"
                    else RidgeSpectrum.power_law(p, args.alpha, args.beta, scale=args.snr)
                )
                sim = simulate_ridge(
                    sp_, args.n, p, args.lam, args.noise, args.trials, rng=[args.seed, i]
                )
            else:
                d = args.n
                sim = simulate_random_features(
                    args.act, d, max(1, round(r * d)), max(2, round(args.psi2 * d)), args.lam,
                    snr=args.snr, noise=args.noise, trials=args.trials, rng=[args.seed, i],
                )  # fmt: skip
            sims.append(
                {
                    k: [float(sim[k].mean()), float(sim[k].std(ddof=1) / np.sqrt(sim[k].size))]
                    for k in ("test", "train")
                }
            )
        payload["simulated"] = sims
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(5.5, 3.8))
        ax.plot(x, th["test"], label="test (theory)")
        ax.plot(x, th["train"], "--", label="train (theory)")
        if args.simulate:
            for k, mk in (("test", "o"), ("train", "s")):
                ax.errorbar(x, [s_[k][0] for s_ in sims], yerr=[2 * s_[k][1] for s_ in sims],
                            fmt=mk, ms=3, label=f"{k} (simulated, ±2 SE)")  # fmt: skip
        ax.set_yscale("log")
        ax.set_xlabel(label)
        ax.set_ylabel("error")
        ax.legend(fontsize=8)
        payload["plot"] = _save_plot(fig, args.plot)
    lines = [f"{label}; lambda={args.lam:g} snr={args.snr:g} noise={args.noise:g}"]
    lines += [
        f"{xi:10.4g} test {te:.6g} train {tr:.6g}"
        for xi, te, tr in zip(x, np.ravel(th["test"]), np.ravel(th["train"]))
    ]
    _emit(args, payload, "\n".join(lines))
    return 0


@_command("kernel-spectrum")
def _cmd_kernel_spectrum(args: argparse.Namespace) -> int:
    import numpy as np

    from rmttheory.kernels.ntk import ck_spectra, ntk_spectrum

    act = parse_activation(args.act)
    if args.depth < 1 or (args.kernel == "ntk" and args.depth != 1):
        raise RmtError("--depth must be >= 1 (the NTK law is for one hidden layer: --depth 1)")
    if not (np.isfinite(args.width_ratio) and args.width_ratio > 0):
        raise RmtError("--width-ratio must be finite and > 0")
    if args.kernel == "ck":
        layers = ck_spectra(act, args.depth, args.width_ratio, args.sigma_w, args.sigma_x)
        laws = [(f"CK layer {d['layer']}", d["law"]) for d in layers]
    elif args.kernel == "ntk":
        r = ntk_spectrum(act, args.width_ratio, args.width_ratio, args.sigma_w, args.sigma_x)
        laws = [("CK layer 1", r["ck"]), ("NTK", r["law"])]
    else:
        raise RmtError(f"unknown kernel {args.kernel!r}; choose ck or ntk")
    top = max(law.support()[-1][1] for _, law in laws)
    x = np.linspace(0, 1.05 * top, args.points)
    out = []
    for name, law in laws:
        out.append(
            {
                "name": name,
                "support": [list(iv) for iv in law.support()],
                "atom": law.atom_mass,
                "mean": law.mean(),
                "density": [v if np.isfinite(v) else None for v in law.pdf(x).tolist()],
            }
        )
    payload: dict[str, Any] = {"kernel": args.kernel, "act": args.act, "x": x.tolist(), "laws": out}
    sampled = None
    if args.simulate:
        from rmttheory.validation.sampling import deep_kernel_eigenvalues, ntk_eigenvalues

        if args.m < 10:
            raise RmtError("--m must be >= 10")
        if args.kernel == "ck":
            sampled = deep_kernel_eigenvalues(
                act, args.depth, args.m, args.width_ratio, args.sigma_w, args.sigma_x, args.seed
            )
        else:
            ev = ntk_eigenvalues(
                act,
                args.m,
                args.width_ratio,
                args.width_ratio,
                args.sigma_w,
                args.sigma_x,
                args.seed,
            )
            sampled = [None, ev]
        for rec, ev, (_, law) in zip(out, sampled, laws):
            if ev is not None:
                rec["ks_sampled"] = law.ks_distance(ev)
                rec["ks_tol"] = float(np.sqrt(np.log(2 / 1e-3) / (2 * ev.size)))
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(5.5, 3.8))
        for i, (rec, (name, _law)) in enumerate(zip(out, laws)):
            dens = [np.nan if v is None else v for v in rec["density"]]
            (line,) = ax.plot(x, dens, label=name)
            if sampled is not None and sampled[i] is not None:
                ax.hist(sampled[i], bins=60, density=True, histtype="step", color=line.get_color())
        ax.set_xlabel("eigenvalue")
        ax.set_ylabel("density")
        ax.set_ylim(0, min(ax.get_ylim()[1], 5))
        ax.legend(fontsize=8)
        ax.set_title(
            f"{args.kernel.upper()} spectra, {args.act}, n/m = {args.width_ratio:g}", fontsize=9
        )
        payload["plot"] = _save_plot(fig, args.plot)
    text = "\n".join(
        f"{r['name']}: support {r['support']}, mean {r['mean']:.6g}, atom {r['atom']:.3g}"
        + (
            f", KS to sample {r['ks_sampled']:.4f} (tol {r['ks_tol']:.4f})"
            if "ks_sampled" in r
            else ""
        )
        for r in out
    )
    _emit(args, payload, text)
    return 0


@_command("validate")
def _cmd_validate(args: argparse.Namespace) -> int:
    from rmttheory.validation.report import validate

    if args.workers < 1:
        raise RmtError(f"--workers must be >= 1, got {args.workers}")
    summary = validate(
        args.out, full=args.full, device=args.device, workers=args.workers, seed=args.seed
    )
    text = (
        f"{summary['passed']}/{summary['points']} checks pass ({summary['mode']}, {summary['device']}); "
        f"report: {args.out}/report.md"
    )
    _emit(args, summary, text)
    return 0 if summary["all_pass"] else 1


# ---------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``rmttheory`` command."""
    parser = argparse.ArgumentParser(
        prog="rmttheory",
        description="Random matrix theory for deep learning: constants, spectra, validation.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("constants", help="Gaussian constants (mean, eta, zeta) of an activation")
    p.add_argument("act", help="activation (name, expression of x, or name:k=v)")
    p.add_argument("--sigma-w", type=finite_float, default=1.0)
    p.add_argument("--sigma-x", type=finite_float, default=1.0)
    p.add_argument("--digits", type=int, default=30, help="significant digits (default 30)")
    p.add_argument("--hermite", type=int, default=6, help="largest Hermite index (default 6)")
    p.add_argument("--json", action="store_true", help="print one JSON object")

    p = sub.add_parser("equation", help="the self-consistent equation (sympy / LaTeX)")
    _add_act_or_constants(p, require_ratios=False)
    p.add_argument("--latex", action="store_true")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("moments", help="exact moments of the limiting spectral law")
    _add_act_or_constants(p, require_ratios=True)
    p.add_argument("--k", type=int, default=6, help="number of moments (default 6)")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("density", help="limiting spectral density of M = YY^T/m")
    _add_act_or_constants(p, require_ratios=True)
    p.add_argument("--x", help="comma-separated evaluation points")
    p.add_argument("--grid", help="LO:HI:N evaluation grid (default: over the support)")
    p.add_argument("--plot", help="write a PNG figure of the density")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser(
        "ratios", help="spacing-ratio statistics of sampled GOE/GUE/GSE/Poisson spectra"
    )
    p.add_argument("--ensemble", required=True, choices=["goe", "gue", "gse", "poisson"])
    p.add_argument("--n", type=int, required=True, help="matrix size")
    p.add_argument("--samples", type=int, default=10)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--trim", type=float, default=0.0, help="fraction trimmed at each edge")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("sample", help="sample M once and compare its spectrum with the theory")
    p.add_argument("act", help="activation")
    p.add_argument("--phi", type=positive_float, required=True)
    p.add_argument("--psi", type=positive_float, required=True)
    p.add_argument("--n0", type=int, required=True)
    p.add_argument("--seeds", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="cpu", choices=["auto", "cpu", "cuda"])
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("hessian", help="exact Hessian of a trained network: GOE or Poisson?")
    p.add_argument("--model", default="mlp", help="logreg, mlp or cnn")
    p.add_argument("--dataset", default="digits", help="digits, mnist1d or gaussian")
    p.add_argument("--hidden", type=int, default=32)
    p.add_argument("--train-steps", type=int, default=300)
    p.add_argument("--batch", type=int, default=128, help="samples per Hessian; 0: full data")
    p.add_argument("--n-batches", type=int, default=4, help="Hessians (disjoint batches)")
    p.add_argument("--lr", type=positive_float, default=1e-2)
    p.add_argument("--cutoff", type=positive_float, default=None, help="absolute |lambda| cut-off")
    p.add_argument("--trim", type=float, default=0.05)
    p.add_argument("--at-init", action="store_true", help="also report the Hessian at init")
    p.add_argument("--device", default="cpu", choices=["auto", "cpu", "cuda"])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--plot", default=None, help="write the ratio histogram to this PNG")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("risk", help="ridge / random-features test and training error")
    p.add_argument("--model", default="ridge", help="ridge or rf")
    p.add_argument("--act", default="tanh", help="activation (rf)")
    p.add_argument("--spectrum", default="isotropic", choices=["isotropic", "power"])
    p.add_argument("--alpha", type=positive_float, default=1.5, help="power law: s_j = j^-alpha")
    p.add_argument(
        "--beta", type=positive_float, default=2.0, help="power law: s_j b_j^2 ~ j^-beta"
    )
    p.add_argument("--p", type=int, default=1000, help="power law: number of features")
    p.add_argument(
        "--ratio", default=None, help="values of p/n (ridge) or N/d (rf), comma-separated"
    )
    p.add_argument("--grid", default=None, help="LO:HI:N instead of --ratio (default 0.1:4:40)")
    p.add_argument("--psi2", type=positive_float, default=1.0, help="rf: n/d")
    p.add_argument("--lam", type=float, default=1e-2)
    p.add_argument("--snr", type=float, default=1.0, help="signal variance |beta|^2")
    p.add_argument("--noise", type=float, default=0.1, help="noise variance")
    p.add_argument("--simulate", action="store_true", help="add simulated points")
    p.add_argument("--n", type=int, default=200, help="simulation: n (ridge) or d (rf)")
    p.add_argument("--trials", type=int, default=10)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--plot", default=None)
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("kernel-spectrum", help="conjugate-kernel (L layers) or NTK spectra")
    p.add_argument("act", help="activation")
    p.add_argument("--kernel", default="ck", help="ck or ntk")
    p.add_argument("--depth", type=int, default=3)
    p.add_argument("--width-ratio", type=float, default=1.0, help="n_l/m for every layer")
    p.add_argument("--sigma-w", type=positive_float, default=1.0)
    p.add_argument("--sigma-x", type=positive_float, default=1.0)
    p.add_argument("--points", type=int, default=200)
    p.add_argument("--simulate", action="store_true")
    p.add_argument("--m", type=int, default=400, help="simulation: number of samples")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--plot", default=None)
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("validate", help="theory vs sampled random matrices: the full report")
    p.add_argument("--out", default="rmttheory-report", help="output folder (resumes if present)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="small sizes, CPU minutes (default)")
    mode.add_argument("--full", action="store_true", help="large sizes (meant for a GPU)")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true")

    for extra in _EXTRA_PARSERS:
        extra(sub)
    return parser


#: Hooks that add subcommands (filled by other modules of the package).
_EXTRA_PARSERS: list[Callable[[Any], None]] = []


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``rmttheory`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
    except RmtError as exc:
        print(f"rmttheory: error: {exc}", file=sys.stderr)
        return 2
    except MemoryError:
        print("rmttheory: error: out of memory; try smaller sizes", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("rmttheory: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
