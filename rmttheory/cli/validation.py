"""Commands that sample: ``sample`` (one activation against its law) and ``validate`` (the report)."""

from __future__ import annotations

import argparse
from typing import Any

from rmttheory.cli import _args
from rmttheory.errors import RmtError

__all__ = ["register"]


def cmd_sample(args: argparse.Namespace) -> int:
    from rmttheory.activation import activation
    from rmttheory.resources import resolve_device
    from rmttheory.validation.campaign import Point, run_point
    from rmttheory.validation.sampling import check_memory, sizes

    _args.check_plot(args)
    if args.n0 < 1:
        raise RmtError(f"--n0 must be a positive integer, got {args.n0}")
    activation(args.act)  # clear error before any sampling
    n0, n1, m = sizes(args.n0, args.phi, args.psi)
    device = resolve_device(args.device)
    check_memory(n0, n1, m, device)
    _args.require_seconds(
        args.seeds * (2.0 * n1 * n0 * m + 2.0 * n1 * n1 * m + 10.0 * n1**3),
        f"{args.seeds} samples of n1={n1}, m={m}",
        "lower --n0 or --seeds",
    )
    rec = run_point(
        Point(args.act, args.phi, args.psi, args.n0, args.seeds, args.seed, device=device),
        keep_eigenvalues=bool(args.plot),
        progress=not args.json,
    )
    if rec["status"] != "ok":
        raise RmtError(rec["reason"])
    keys = (
        "n0", "n1", "m", "ks", "ks_tol", "w1", "mean", "eta", "zeta", "atom", "support",
        "device", "mean_of_f", "pass",
    )  # fmt: skip
    payload = {k: rec[k] for k in keys}
    payload["verdict"] = "pass" if rec["pass"] else "fail"
    if rec["ks_tol"] >= 1.0:  # a KS distance is at most 1: this check cannot fail
        payload["pass"] = None
        payload["verdict"] = (
            f"no power: the KS tolerance {rec['ks_tol']:.2f} exceeds any possible distance at "
            f"n1 = {rec['n1']}; sample larger matrices (--n0) or more seeds"
        )
    if args.plot:
        from rmttheory.distributions import PenningtonWorah
        from rmttheory.plot import density_vs_sample

        law = PenningtonWorah(rec["eta"], rec["zeta"], rec["phi_eff"], rec["psi_eff"])
        payload["plot"] = density_vs_sample(
            law, rec["eigenvalues"], args.plot,
            title=f"{args.act}: φ = {rec['phi_eff']:.3g}, ψ = {rec['psi_eff']:.3g}\n"
            f"n1 = {rec['n1']}, {args.seeds} seed(s), KS {rec['ks']:.4f} (tol {rec['ks_tol']:.4f})",
        )  # fmt: skip
    text = "\n".join(f"{k:10s} {v}" for k, v in payload.items())
    _args.emit(args, payload, text)
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from rmttheory.resources import resolve_device, writable_folder
    from rmttheory.validation.report import validate
    from rmttheory.validation.sections.registry import SECTIONS

    sections = None
    if args.sections is not None:
        sections = [n.strip() for n in args.sections.split(",") if n.strip()]
        names = [s.name for s in SECTIONS]
        unknown = [n for n in sections if n not in names]
        if unknown or not sections:
            raise RmtError(f"--sections: unknown section(s) {', '.join(unknown) or '(none)'}; "
                           f"choose from {', '.join(names)}")  # fmt: skip
    resolve_device(args.device)  # a GPU asked for but absent: refused before any work
    writable_folder(args.out)  # before any work: an existing file or a read-only place
    summary = validate(
        args.out,
        full=args.mode == "full",
        device=args.device,
        workers=args.workers,
        seed=args.seed,
        progress=not args.json,
        sections=sections,
    )
    text = (
        f"{summary['passed']}/{summary['checks']} checks pass ({summary['mode']}, "
        f"{summary['device']}); report: {args.out}/report.md"
    )
    _args.emit(args, summary, text)
    return 0 if summary["all_pass"] else 1


def cmd_figures(args: argparse.Namespace) -> int:

    from rmttheory.figures import make_figures
    from rmttheory.resources import resolve_device, writable_folder

    if args.workers < 1:
        raise RmtError(f"--workers must be >= 1, got {args.workers}")
    formats = [f.strip() for f in args.format.split(",") if f.strip()]
    out = writable_folder(args.out)
    manifest = make_figures(
        out, args.paper.split(","), full=args.mode == "full", device=resolve_device(args.device),
        formats=formats, seed=args.seed, workers=args.workers, progress=not args.json,
    )  # fmt: skip
    figs = manifest["figures"]
    checks = [c for f in figs for c in f["checks"]]
    passed = sum(c["passed"] for c in checks)
    summary = {"figures": len(figs), "checks": len(checks), "passed": passed,
               "all_pass": manifest["all_pass"], "manifest": str(out / "manifest.json")}  # fmt: skip
    text = (f"{len(figs)} figures in {out}/ ({', '.join(formats)}); {passed}/{len(checks)} "
            f"theory-vs-simulation checks pass; index: {out}/index.md")  # fmt: skip
    _args.emit(args, summary, text)
    return 0 if manifest["all_pass"] else 1


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
    p = sub.add_parser("sample", help="sample M = YY^T/m and compare its spectrum with the theory")
    _args.add_activation(p)
    _args.add_ratios(p)
    p.add_argument("--n0", type=int, required=True, help="input dimension n0")
    p.add_argument("--seeds", type=_args.positive_int, default=1, help="independent samples pooled")
    _args.add_seed(p)
    _args.add_device(p)
    _args.add_output(p)
    p.set_defaults(func=cmd_sample)

    p = sub.add_parser("validate", help="theory vs sampled random matrices: the full report")
    p.add_argument("--out", default="rmttheory-report", help="output folder (resumes if present)")
    _args.add_mode(p, "large sizes (meant for a GPU or a cluster)")
    _args.add_device(p)
    p.add_argument("--workers", type=_args.positive_int, default=1)
    p.add_argument("--sections", default=None, metavar="NAME,...",
                   help="run only these report sections (default: all; names in --help of "
                   "rmttheory.validation.sections.registry)")  # fmt: skip
    _args.add_seed(p)
    _args.add_output(p, plot=False)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("figures", help="regenerate the canonical figures of the three papers")
    p.add_argument("--paper", default="all",
                   help="all, or a comma-separated list of pw2017, bgk2022, lm2025")  # fmt: skip
    p.add_argument("--out", default="rmttheory-figures", help="output folder (resumes if present)")
    _args.add_mode(p, "paper-scale sizes (meant for a GPU or a cluster)")
    p.add_argument("--format", default="pdf,png", help="comma-separated: pdf, png, svg")
    _args.add_device(p)
    p.add_argument("--workers", type=int, default=1)
    _args.add_seed(p)
    _args.add_output(p, plot=False)
    p.set_defaults(func=cmd_figures)
