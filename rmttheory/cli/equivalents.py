"""Commands of deterministic equivalents: ``risk`` (ridge / random features), ``kernel-spectrum``
and ``features`` (random features on real data)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import numpy as np

from rmttheory.cli import _args
from rmttheory.errors import RmtError

__all__ = ["register"]


def cmd_risk(args: argparse.Namespace) -> int:
    from rmttheory.regression import RandomFeaturesRidge, RidgeSpectrum, ridge_risk

    _args.check_plot(args)
    if args.model not in ("ridge", "rf"):
        raise RmtError(f"unknown model {args.model!r}; choose ridge or rf")
    if args.model == "ridge" and args.act is not None:
        raise RmtError("an activation is only used with --model rf")
    act = args.act or "tanh"
    x = (
        _args.parse_list(args.ratio, "--ratio")
        if args.ratio
        else _args.parse_grid(args.grid or "0.1:4:40", max_points=10_000)
    )
    if np.any(x <= 0):
        raise RmtError("ratios must be > 0")
    if args.model == "ridge":
        if args.spectrum == "isotropic":
            spec = RidgeSpectrum.isotropic(args.snr)
        else:
            spec = RidgeSpectrum.power_law(args.p, args.alpha, args.beta, scale=args.snr)
        th = ridge_risk(spec, x, args.lam, noise=args.noise)
        label = f"ridge ({args.spectrum}), γ = p/n"
    else:
        rf = RandomFeaturesRidge.from_activation(act)
        th = rf.risk(x, args.psi2, args.lam, snr=args.snr, noise=args.noise)
        label = f"random features ({act}), ψ1 = N/d at ψ2 = n/d = {args.psi2:g}"
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
        payload.update(psi2=args.psi2, act=act, mu0=rf.mu0, mu1=rf.mu1, mu_star=rf.mu_star)
    sims = None
    if args.simulate:
        from rmttheory.validation.risk import risk_points

        if args.n < 2:
            raise RmtError(f"--n must be >= 2 to simulate, got {args.n}")
        if args.trials < 2:
            raise RmtError(f"--trials must be >= 2 to simulate, got {args.trials}")
        big = float(np.max(x)) * args.n
        _args.require_seconds(
            2.0 * args.trials * x.size * args.n * big * min(args.n, big),
            "these simulations",
            "lower --n, --trials or the number of ratios",
        )
        sims = risk_points(
            args.model, x, args.lam, n=args.n, trials=args.trials, seed=args.seed,
            noise=args.noise, snr=args.snr, spectrum=args.spectrum, alpha=args.alpha,
            beta=args.beta, act=act, psi2=args.psi2,
        )  # fmt: skip
        payload["simulated"] = sims
    if args.plot:
        import matplotlib.pyplot as plt

        from rmttheory.plot import legend_outside, save_figure, style, zero_floor

        with style():
            fig, ax = plt.subplots()
            pts = sims or []
            values = [*np.ravel(th["test"]), *np.ravel(th["train"])]
            values += [s[k]["sim"] for s in pts for k in ("test", "train")]
            floor = zero_floor(values)  # a log axis never spans exact zeros
            ax.plot(x, th["test"], label="test (theory)")
            train = np.asarray(th["train"], float)
            ax.plot(x, np.where(train > floor, train, np.nan), "--", label="train (theory)")
            for k, mk in (("test", "o"), ("train", "s")):
                sim = np.array([s[k]["sim"] for s in pts])
                ok = sim > floor
                ax.errorbar(np.array([s["ratio"] for s in pts])[ok], sim[ok],
                            yerr=np.array([2 * s[k]["se"] for s in pts])[ok], ls="none",
                            marker=mk, label=f"{k} (simulated, ±2 SE)" if pts else None)  # fmt: skip
            zeros = [xi for xi, t in zip(x, train) if t <= floor]
            zeros += [s["ratio"] for s in pts if s["train"]["sim"] <= floor]
            if zeros:
                ax.plot(sorted(set(zeros)), [floor] * len(set(zeros)), "v", color="C1",
                        clip_on=False, label="train = 0 (interpolation)")  # fmt: skip
            ax.set_yscale("log")
            ax.set_ylim(bottom=floor)
            ax.set_xlabel(label)
            ax.set_ylabel("error")
            legend_outside(ax)
            payload["plot"] = save_figure(fig, args.plot)[0]
    lines = [f"{label}; lambda={args.lam:g} snr={args.snr:g} noise={args.noise:g}"]
    lines += [
        f"{xi:10.4g} test {te:.6g} train {tr:.6g}"
        for xi, te, tr in zip(x, np.ravel(th["test"]), np.ravel(th["train"]))
    ]
    _args.emit(args, payload, "\n".join(lines))
    return 0


def cmd_kernel_spectrum(args: argparse.Namespace) -> int:
    from rmttheory.kernels import kernel_laws

    _args.check_plot(args)
    if args.points < 2 or args.points > _args.MAX_GRID:
        raise RmtError(f"--points must be in [2, {_args.MAX_GRID}]")
    if args.depth < 0:
        raise RmtError(f"--depth must be >= 0, got {args.depth}")
    # measured on 2 cores: about 0.6 s per layer (one Silverstein law each) plus the start
    seconds = 0.6 * (args.depth + 1) * max(1.0, args.points / 400)
    if seconds > _args.MAX_SECONDS:
        raise RmtError(f"--depth {args.depth} would take about {seconds / 3600:.1f} h (0.6 s a "
                       "layer); use fewer layers")  # fmt: skip
    if seconds > 20 and not args.json:
        print(f"about {seconds:.0f} s for {args.depth + 1} layers", file=sys.stderr)
    laws = kernel_laws(
        args.act, args.kernel, args.depth, args.width_ratio, args.sigma_w, args.sigma_x
    )
    top = max(law.support()[-1][1] for _, law in laws)
    x = np.linspace(0, 1.05 * top, args.points)
    out: list[dict[str, Any]] = [
        {
            "name": name,
            "support": [list(iv) for iv in law.support()],
            "atom": law.atom_mass,
            "mean": law.mean(),
            "density": [v if np.isfinite(v) else None for v in law.pdf(x).tolist()],
        }
        for name, law in laws
    ]
    payload: dict[str, Any] = {"kernel": args.kernel, "act": args.act, "x": x.tolist(), "laws": out}
    sampled = None
    if args.simulate:
        from rmttheory.validation.kernel_sampling import sampled_kernel_spectra
        from rmttheory.validation.tolerance import COUNT_ALLOWANCE, NTK_ALLOWANCE, ks_tolerance

        if args.m < 10:
            raise RmtError("--m must be >= 10")
        n = args.width_ratio * args.m
        _args.require_seconds(
            (args.depth + 1) * (2 * n * n * args.m + 12 * args.m**3),
            "this simulation",
            "lower --m",
        )
        sampled = sampled_kernel_spectra(
            args.act, args.kernel, args.depth, args.width_ratio, args.m, args.sigma_w,
            args.sigma_x, args.seed,
        )  # fmt: skip
        for rec, ev, (_, law) in zip(out, sampled, laws):
            rec["ks_sampled"] = law.ks_distance(ev)
            allowance = NTK_ALLOWANCE if args.kernel == "ntk" else COUNT_ALLOWANCE
            rec["ks_tol"] = ks_tolerance(ev.size, n, 1, allowance=allowance).value
    if args.plot:
        import matplotlib.pyplot as plt

        from rmttheory.plot import legend_outside, save_figure, style

        with style():
            fig, ax = plt.subplots()
            tops = []
            for i, rec in enumerate(out):
                name = rec["name"]
                dens = np.array([np.nan if v is None else v for v in rec["density"]], float)
                (line,) = ax.plot(x, dens, lw=1.4, label=name)
                tops.append(
                    np.nanpercentile(dens[np.isfinite(dens)], 95)
                    if np.isfinite(dens).any()
                    else 1.0
                )
                if sampled is not None:
                    ax.hist(sampled[i], bins=60, density=True, histtype="step", lw=0.7,
                            ls=":", color=line.get_color())  # fmt: skip
            from matplotlib.lines import Line2D

            ax.plot([], [], color="0.3", lw=1.4, label="solid: theory")
            if sampled is not None:
                ax.add_line(Line2D([], [], color="0.3", lw=0.7, ls=":",
                                   label=f"dotted steps: sampled (m = {args.m})"))  # fmt: skip
            ax.set_xlabel(r"eigenvalue $\lambda$ of the kernel")
            ax.set_ylabel("density")
            ax.set_ylim(0, 1.6 * max(tops))  # the bulk; hard-edge spikes run off the top
            legend_outside(ax)
            ax.set_title(f"{args.kernel.upper()} spectra, {args.act}, $n/m$ = {args.width_ratio:g}")
            payload["plot"] = save_figure(fig, args.plot)[0]
    text = "\n".join(
        f"{r['name']}: support {r['support']}, mean {r['mean']:.6g}, atom {r['atom']:.3g}"
        + (
            f", KS to sample {r['ks_sampled']:.4f} (tol {r['ks_tol']:.4f})"
            if "ks_sampled" in r
            else ""
        )
        for r in out
    )
    _args.emit(args, payload, text)
    return 0


def cmd_features(args: argparse.Namespace) -> int:
    from rmttheory.data import design_matrix
    from rmttheory.regression.data_equivalent import RandomFeaturesEquivalent

    _args.check_plot(args)
    if args.points < 3 or args.points > _args.MAX_GRID:
        raise RmtError(f"--points must be in [3, {_args.MAX_GRID}]")
    if args.width < 1 or args.width > 10**6:
        raise RmtError("--width must be in [1, 10^6]")
    if args.trials < 2:
        raise RmtError("--trials must be >= 2")
    if not 2 <= args.replicates <= 64:
        raise RmtError("--replicates must be in [2, 64]")
    dm = design_matrix(args.dataset, args.n_samples, n_test=args.n_test, seed=args.seed)
    if args.equivalent == "fluctuating":
        from rmttheory.regression.sampler import default_samples
        from rmttheory.resources import require_bytes

        M = default_samples(dm.n, args.width)
        require_bytes(8 * 3 * M * M, f"the fluctuating equivalent at N = {args.width} "
                      f"({M} draws of w; --equivalent llc needs none)")  # fmt: skip
        _args.require_seconds(
            args.replicates * (30.0 * M * dm.n**2 + 2.0 * M**2 * dm.n + M**3),
            "the fluctuating equivalent",
            "lower --width or --n-samples, or use --equivalent llc",
        )
    if args.simulate:
        _args.require_seconds(
            args.trials * (2.0 * args.width * dm.n * (dm.n + dm.dim + dm.n_test) + 10 * dm.n**3),
            "this simulation",
            "lower --width, --n-samples or --trials",
        )
    has_test = dm.Y is not None and dm.n_test > 0
    eq = RandomFeaturesEquivalent.from_data(
        args.act, dm.X, dm.X_test if has_test else None, sigma_w=args.sigma_w,
        method=args.equivalent, replicates=args.replicates, seed=args.seed,
    )  # fmt: skip
    law = eq.spectrum(args.width)
    sup = law.support()
    top = 1.05 * sup[-1][1]
    low = max(0.5 * sup[0][0], 1e-8 * top)
    x = np.concatenate([[0.0], np.geomspace(low, top, args.points - 1)])
    payload: dict[str, Any] = {
        "act": args.act, "dataset": dm.name, "n_samples": dm.n, "n_test": dm.n_test,
        "dim": dm.dim, "width": args.width, "sigma_w": args.sigma_w, "ridge": args.ridge,
        "kernel": eq.kernel, "support": [list(iv) for iv in sup], "atom": law.atom_mass,
        "mean": law.mean(), "x": x.tolist(), "cdf": law.cdf(x).tolist(),
        "equivalent": eq.method, "cdf_error": float(getattr(law, "numerical_error", 0.0)),
        "train_mse": None, "test_mse": None, "train_mse_se": None, "test_mse_se": None,
    }  # fmt: skip
    if dm.Y is not None:
        err = eq.errors(dm.Y, dm.Y_test if has_test else None, args.ridge, args.width)
        payload["train_mse"], payload["train_mse_se"] = err.train, err.train_se
        payload["samples"], payload["replicates"] = err.samples, err.replicates
        if has_test:
            payload["test_mse"], payload["test_mse_se"] = err.test, err.test_se
    sim = None
    if args.simulate:
        from rmttheory.validation.features import features_point, sample_features

        # without labels: the spectrum check only
        lams = [args.ridge] if dm.Y is not None else []
        sim = sample_features(args.act, dm, args.width, lams, trials=args.trials,
                              sigma_w=args.sigma_w, seed=args.seed)  # fmt: skip
        point = features_point(args.act, dm, eq, args.width, lams, trials=args.trials,
                               sigma_w=args.sigma_w, sim=sim)  # fmt: skip
        payload["simulated"] = {
            "ks": point["ks"]["value"], "ks_tol": point["ks"]["tol"],
            "ks_pass": point["ks"]["pass"], "ks_power": point["ks"]["power"],
            **{f"{r['kind']}_mse": {k: r[k] for k in ("sim", "se", "tol", "pass")}
               for r in point["risks"]},
            "trials": args.trials,
        }  # fmt: skip
    if args.plot:
        from rmttheory.plot import save_figure, style

        with style():
            import matplotlib.pyplot as plt

            fig, ax = plt.subplots()
            ax.plot(x[1:], payload["cdf"][1:], color="k", label="equivalent")
            if sim is not None:  # the first draw of the simulation
                ev = np.sort(sim["eigenvalues"][0])
                ax.step(np.maximum(ev, x[1]), np.arange(1, ev.size + 1) / ev.size, where="post",
                        color="C0", label="sampled (one draw)")  # fmt: skip
            ax.set_xscale("log")
            ax.set_xlabel(r"eigenvalue $\lambda$ of $K = \Sigma^\top\Sigma/N$")
            ax.set_ylabel(r"$P(\lambda_K \leq x)$")
            ax.set_title(f"{args.act} features on {dm.name}: n = {dm.n}, N = {args.width}")
            ax.legend()
            payload["plot"] = save_figure(fig, args.plot)[0]
    lines = [
        f"{args.act} random features on {dm.name}: n = {dm.n}, d = {dm.dim}, N = {args.width}, "
        f"sigma_w = {args.sigma_w:g} (kernel: {eq.kernel['method']}, error bound "
        f"{eq.kernel['error_bound']:.2g}; {eq.method} equivalent)",
        f"spectrum of K: support {[tuple(round(v, 6) for v in iv) for iv in sup[:4]]}"
        + (f" ... ({len(sup)} components)" if len(sup) > 4 else "")
        + f", atom at 0 {law.atom_mass:.4g}, mean {law.mean():.6g}",
    ]
    if payload["train_mse"] is not None:
        lines.append(f"ridge {args.ridge:g}: train MSE {payload['train_mse']:.6g} "
                     f"± {payload['train_mse_se']:.2g}"
                     + (f", test MSE {payload['test_mse']:.6g} ± {payload['test_mse_se']:.2g}"
                        if has_test else "")
                     + " (± numerical standard error)")  # fmt: skip
    if "simulated" in payload:
        s = payload["simulated"]
        lines.append(f"simulated ({args.trials} draws): KS {s['ks']:.4f} (tol {s['ks_tol']:.4f}, "
                     + ("pass" if s["ks_pass"] else "FAIL") + ")")  # fmt: skip
        for k in ("train_mse", "test_mse"):
            if k in s:
                lines.append(f"  {k}: {s[k]['sim']:.6g} ± {s[k]['se']:.2g} "
                             + ("pass" if s[k]["pass"] else "FAIL"))  # fmt: skip
    _args.emit(args, payload, "\n".join(lines))
    return 0


def register(sub: Any) -> None:
    """Add this group's commands to the subparsers ``sub``.

    Parameters
    ----------
    sub
        The object ``argparse.ArgumentParser.add_subparsers`` returns.

    Examples
    --------
    >>> import argparse
    >>> parser = argparse.ArgumentParser()
    >>> register(parser.add_subparsers(dest="command"))
    """
    p = sub.add_parser("risk", help="ridge / random-features test and training error")
    _args.add_activation(p, optional=True)
    p.add_argument("--model", default="ridge", help="ridge or rf (random features, ACT: tanh)")
    p.add_argument("--spectrum", default="isotropic", choices=["isotropic", "power"])
    p.add_argument(
        "--alpha", type=_args.positive_float, default=1.5, help="power law: s_j = j^-alpha"
    )
    p.add_argument(
        "--beta", type=_args.positive_float, default=2.0, help="power law: s_j b_j^2 ~ j^-beta"
    )
    p.add_argument("--p", type=int, default=1000, help="power law: number of features")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--ratio", default=None, help="values of p/n (ridge) or N/d (rf), A,B,C")
    where.add_argument("--grid", default=None, help="LO:HI:N instead of --ratio (default 0.1:4:40)")
    p.add_argument("--psi2", type=_args.positive_float, default=1.0, help="rf: n/d")
    p.add_argument("--lam", type=_args.nonneg_float, default=1e-2, help="ridge lambda (>= 0)")
    p.add_argument("--snr", type=_args.nonneg_float, default=1.0, help="signal variance |beta|^2")
    p.add_argument("--noise", type=_args.nonneg_float, default=0.1, help="noise variance")
    p.add_argument("--simulate", action="store_true", help="add simulated points")
    p.add_argument("--n", type=int, default=200, help="simulation: samples n (ridge) or d (rf)")
    p.add_argument("--trials", type=int, default=10)
    _args.add_seed(p)
    _args.add_output(p)
    p.set_defaults(func=cmd_risk)

    p = sub.add_parser("kernel-spectrum", help="conjugate-kernel (L layers) or NTK spectra")
    _args.add_activation(p)
    p.add_argument("--kernel", default="ck", help="ck or ntk")
    p.add_argument("--depth", type=int, default=3)
    p.add_argument("--width-ratio", type=_args.positive_float, default=1.0, help="n_l/m")
    _args.add_scales(p)
    p.add_argument("--points", type=int, default=200)
    p.add_argument("--simulate", action="store_true")
    p.add_argument("--m", type=int, default=400, help="simulation: number of samples")
    _args.add_seed(p)
    _args.add_output(p)
    p.set_defaults(func=cmd_kernel_spectrum)

    p = sub.add_parser(
        "features", help="random features on real data: spectrum of K and ridge errors"
    )
    _args.add_activation(p)
    p.add_argument("--dataset", default="digits",
                   help="digits, mnist1d, FILE.npy (samples × features) or FILE.npz (x, y)")  # fmt: skip
    p.add_argument("--n-samples", type=_args.positive_int, default=1000,
                   help="training samples: the first n of the data set")  # fmt: skip
    p.add_argument("--n-test", type=int, default=None,
                   help="held-out samples (the next ones; default all remaining, at most n)")  # fmt: skip
    p.add_argument("--width", type=_args.positive_int, default=1000, help="features N")
    p.add_argument("--ridge", type=_args.positive_float, default=1e-2, help="ridge lambda (> 0)")
    p.add_argument("--sigma-w", type=_args.positive_float, default=1.0,
                   help="weights N(0, sigma_w^2/d) (default 1)")  # fmt: skip
    p.add_argument("--points", type=int, default=200, help="cdf grid points")
    p.add_argument("--equivalent", default="fluctuating", choices=["fluctuating", "llc"],
                   help="fluctuating (delta(w) kept; default) or llc (Louart-Liao-Couillet)")  # fmt: skip
    p.add_argument("--replicates", type=int, default=4,
                   help="fluctuating: independent replicates of the draws of w (>= 2)")  # fmt: skip
    p.add_argument("--simulate", action="store_true", help="sample W and compare")
    p.add_argument("--trials", type=int, default=4, help="simulation: draws of W")
    _args.add_seed(p)
    _args.add_output(p)
    p.set_defaults(func=cmd_features)
