"""Commands of local statistics: ``ratios`` (reference ensembles), ``hessian`` and ``hessian-ensemble``."""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from rmttheory import _params
from rmttheory.cli import _args
from rmttheory.errors import RmtError

__all__ = ["register"]


def cmd_ratios(args: argparse.Namespace) -> int:
    from rmttheory.local_statistics import closest_ensemble, sample_spectrum, spacing_ratios

    if args.n < 3:
        raise RmtError(f"--n must be >= 3, got {args.n}")
    if not 0 <= args.trim < 0.45:
        raise RmtError(f"--trim must be in [0, 0.45), got {args.trim}")
    # tridiagonal eigenvalues: ~30 n^2 flop per sample
    _args.require_seconds(
        30.0 * args.n**2 * args.samples, "these spectra", "lower --n or --samples"
    )
    rngs = np.random.SeedSequence(args.seed).spawn(args.samples)
    eig = np.array([sample_spectrum(args.ensemble, args.n, _params.generator(r)) for r in rngs])
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
    _args.emit(args, payload, text)
    return 0


def cmd_hessian(args: argparse.Namespace) -> int:
    from rmttheory.resources import resolve_device
    from rmttheory.validation.hessians import hessian_experiment, plot_ratios
    from rmttheory.validation.networks import DATASETS, MODELS

    _args.check_plot(args)
    resolve_device(args.device)  # a GPU asked for but absent: refused before any work
    if args.model not in MODELS:
        raise RmtError(f"unknown model {args.model!r}; choose one of {', '.join(MODELS)}")
    if args.dataset not in DATASETS:
        raise RmtError(f"unknown data set {args.dataset!r}; choose one of {', '.join(DATASETS)}")
    if args.train_steps < 0:
        raise RmtError(f"--train-steps must be >= 0, got {args.train_steps}")
    if args.hidden < 1:
        raise RmtError(f"--hidden must be >= 1, got {args.hidden}")
    if not 0 <= args.trim < 0.45:
        raise RmtError(f"--trim must be in [0, 0.45), got {args.trim}")
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
    _args.emit(args, payload, text)
    return 0


def cmd_hessian_ensemble(args: argparse.Namespace) -> int:

    from rmttheory.plot import check_output
    from rmttheory.resources import resolve_device
    from rmttheory.validation.hessian_analysis import analyse_ensemble, plot_ensemble
    from rmttheory.validation.hessian_ensemble import EnsembleSpec, load_ensemble, run_ensemble
    from rmttheory.validation.io import write_json

    if args.plot:
        check_output(args.plot, ("pdf", "png"))
    if not 0 <= args.trim < 0.45:
        raise RmtError(f"--trim must be in [0, 0.45), got {args.trim}")
    if not 0 <= args.cutoff < 1:
        raise RmtError(f"--cutoff must be in [0, 1), got {args.cutoff}")
    spec = EnsembleSpec(args.model, args.dataset, batch=args.batch, n_batches=args.n_batches,
                        hidden=args.hidden, train_steps=args.train_steps, lr=args.lr,
                        method=args.method, gauss_newton=not args.no_gauss_newton,
                        seed=args.seed, device=resolve_device(args.device)).validate()  # fmt: skip
    from rmttheory.resources import writable_folder

    out = writable_folder(args.out, create=not args.analyse_only)
    if args.analyse_only:
        records = load_ensemble(out)
    else:
        records = run_ensemble(spec, out, workers=args.workers, threads=args.threads,
                               progress=not args.json)  # fmt: skip
    failed = [r for r in records if r.get("status") != "ok"]
    opts = {"trim": args.trim, "part": args.part, "cutoff": args.cutoff,
            "unfolding": args.unfolding}  # fmt: skip
    analyses = {"Hessian": analyse_ensemble(records, **opts)}
    if spec.gauss_newton and any("gauss_newton" in r for r in records):
        analyses["Gauss–Newton"] = analyse_ensemble(records, which="gauss_newton", **opts)
    payload: dict[str, Any] = {"spec": spec.__dict__, "n_records": len(records),
                               "n_failed": len(failed), "seconds_per_batch":
                               float(np.mean([r["seconds"] for r in records])) if records else None,
                               "analyses": analyses}  # fmt: skip
    write_json(out / "analysis.json", payload)
    if args.plot:
        title = (f"{spec.model} on {spec.dataset}: {len(records) - len(failed)} batch Hessians "
                 f"of {spec.batch} samples")  # fmt: skip
        payload["plot"] = plot_ensemble(analyses, args.plot, title)
    h = analyses["Hessian"]
    text = (
        f"{spec.model} on {spec.dataset}: {h['n_hessians']} Hessians (P={h['n_params']}, rank "
        f"{h['rank']['mean']:.0f}), {len(failed)} failed; <r~> = "
        f"{h['ratios']['mean_r_tilde']:.4f} (closest {h['ratios']['closest']}), spacing KS "
        f"Gaudin {h['spacings']['ks_gaudin']:.4f} / Poisson {h['spacings']['ks_poisson']:.4f}; "
        f"GOE not Poisson: {h['goe_not_poisson']}; records in {out}"
    )
    _args.emit(args, {k: v for k, v in payload.items()}, text)
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
    p = sub.add_parser(
        "ratios", help="spacing-ratio statistics of sampled GOE/GUE/GSE/Poisson spectra"
    )
    p.add_argument("--ensemble", required=True, choices=["goe", "gue", "gse", "poisson"])
    p.add_argument("--n", type=int, required=True, help="matrix size")
    p.add_argument("--samples", type=_args.positive_int, default=10)
    p.add_argument("--trim", type=float, default=0.0, help="fraction trimmed at each edge")
    _args.add_seed(p)
    _args.add_output(p, plot=False)
    p.set_defaults(func=cmd_ratios)

    p = sub.add_parser("hessian", help="exact Hessian of a trained network: GOE or Poisson?")
    p.add_argument("--model", default="mlp", help="logreg, mlp or cnn")
    p.add_argument("--dataset", default="digits", help="digits, mnist1d or gaussian")
    p.add_argument("--hidden", type=int, default=32)
    p.add_argument("--train-steps", type=int, default=300)
    p.add_argument("--batch", type=int, default=128, help="samples per Hessian; 0: full data")
    p.add_argument(
        "--n-batches", type=_args.positive_int, default=4, help="Hessians (disjoint batches)"
    )
    p.add_argument("--lr", type=_args.positive_float, default=1e-2)
    p.add_argument("--cutoff", type=_args.positive_float, default=None, help="absolute |λ| cut-off")
    p.add_argument("--trim", type=float, default=0.05)
    p.add_argument("--at-init", action="store_true", help="also report the Hessian at init")
    _args.add_device(p)
    _args.add_seed(p)
    _args.add_output(p)
    p.set_defaults(func=cmd_hessian)

    p = sub.add_parser(
        "hessian-ensemble",
        help="many batch Hessians of one trained network (resumable), the paper's analyses",
    )
    p.add_argument("--out", required=True, help="folder of the records (resumes if present)")
    p.add_argument("--model", default="lenet", help="logreg, mlp, cnn, narrow or lenet")
    p.add_argument("--dataset", default="digits", help="digits, mnist1d or gaussian")
    p.add_argument("--batch", type=_args.positive_int, default=16, help="samples per Hessian")
    p.add_argument("--n-batches", type=_args.positive_int, default=1000)
    p.add_argument("--hidden", type=_args.positive_int, default=32)
    p.add_argument("--train-steps", type=int, default=300)
    p.add_argument("--lr", type=_args.positive_float, default=1e-2)
    p.add_argument("--method", default="auto", choices=["auto", "dense", "lowrank"])
    p.add_argument("--no-gauss-newton", action="store_true", help="skip the Gauss–Newton spectra")
    p.add_argument("--workers", type=_args.positive_int, default=1, help="processes")
    p.add_argument("--threads", type=_args.positive_int, default=None,
                   help="torch threads per process (default: torch's choice)")  # fmt: skip
    p.add_argument("--trim", type=float, default=0.1, help="fraction trimmed at each edge")
    p.add_argument("--part", default="positive", choices=["positive", "negative", "both"],
                   help="eigenvalues the local statistics use (default positive)")  # fmt: skip
    p.add_argument("--cutoff", type=float, default=0.0,
                   help="local statistics use |λ| > CUTOFF max|λ| (default 0: all nonzero)")  # fmt: skip
    p.add_argument("--unfolding", default="log-fit", choices=["log-fit", "pool"],
                   help="per-spectrum fit in log|λ| (default) or pooled counting function")  # fmt: skip
    p.add_argument("--analyse-only", action="store_true", help="analyse the records on disk")
    _args.add_device(p)
    _args.add_seed(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--plot", default=None, metavar="STEM", help="write STEM.pdf and STEM.png")
    p.set_defaults(func=cmd_hessian_ensemble)
