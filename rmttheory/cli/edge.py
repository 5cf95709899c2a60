"""The ``edge`` command: Tracy–Widom laws, sampled largest eigenvalues, spiked models.

``rmttheory edge tw``: values of TW_β; ``edge sample``: largest eigenvalues of β-ensembles
against TW_β; ``edge gram``: the largest eigenvalues of f(WX) at the Pennington–Worah edge
and the outliers of its mean structure; ``edge spike``: a sampled spiked model against its
prediction; ``edge outliers``: outlier locations and overlaps of any bulk law.
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from rmttheory.cli import _args
from rmttheory.errors import RmtError

__all__ = ["register"]


def _tw(args: argparse.Namespace) -> Any:
    from rmttheory.distributions import TracyWidom

    if args.convention != "tracy-widom" and args.beta != 4:
        raise RmtError("--convention applies to --beta 4 only")
    return TracyWidom(args.beta, args.convention)


def cmd_tw(args: argparse.Namespace) -> int:
    law = _tw(args)
    mean, var, skew, kurt = law.stats()
    payload: dict[str, Any] = {"beta": args.beta, "convention": args.convention, "mean": mean,
                               "var": var, "skewness": skew, "excess_kurtosis": kurt}  # fmt: skip
    lines = [f"TW_{args.beta} ({args.convention}): mean {mean:.13f}, variance {var:.13f}, "
             f"skewness {skew:.11f}, excess kurtosis {kurt:.10f}"]  # fmt: skip
    if args.x is not None:
        x = _args.parse_list(args.x, "--x")
        payload.update(x=x.tolist(), cdf=law.cdf(x).tolist(), sf=law.sf(x).tolist(),
                       pdf=law.pdf(x).tolist())  # fmt: skip
        for v, c, s, d in zip(x, payload["cdf"], payload["sf"], payload["pdf"]):
            lines.append(f"x = {v:g}: cdf {c:.15g}, sf {s:.15g}, pdf {d:.15g}")
    if args.q is not None:
        q = _args.parse_list(args.q, "--q")
        if np.any((q <= 0) | (q >= 1)):
            raise RmtError("--q must be probabilities in (0, 1)")
        payload.update(q=q.tolist(), ppf=law.ppf(q).tolist())
        lines += [f"q = {a:g}: ppf {b:.15g}" for a, b in zip(q, payload["ppf"])]
    _args.emit(args, payload, "\n".join(lines))
    return 0


def _check_text(name: str, check: dict[str, Any]) -> str:
    rej = ", ".join(r["perturbation"] for r in check["power"] if r["reject"]) or "none"
    verdict = "pass" if check["pass"] else "FAIL"
    return (f"{name}: KS {check['ks']:.4f} against tolerance {check['tol']:.4f} "
            f"({check['samples']} samples, α = 1e-3): {verdict}; wrong theories rejected: {rej}")  # fmt: skip


def cmd_sample(args: argparse.Namespace) -> int:
    from rmttheory.validation.edge import classical_edge_point

    _args.check_plot(args)
    if args.n < 2:
        raise RmtError(f"--n must be >= 2, got {args.n}")
    # bisection for the top eigenvalue: ~60 n operations of ~20 flop each, per sample
    _args.require_seconds(1200.0 * args.n * args.samples, "these samples", "lower --n or --samples")
    r = classical_edge_point(args.ensemble, args.n, args.beta, args.samples, rng=args.seed)
    text = "\n".join([
        _check_text(f"{args.ensemble} β = {args.beta}, n = {args.n}", r["check"]),
        f"  (limit-law centring: KS {r['limit_check']['ks']:.4f})",
    ])  # fmt: skip
    if args.plot:
        from rmttheory.plot import save_figure, style
        from rmttheory.validation.edge_figures import draw_tw

        with style():
            save_figure(draw_tw({"classical": [r], "gram": []}), args.plot)
    _args.emit(args, r, text)
    return 0


def cmd_gram(args: argparse.Namespace) -> int:
    from rmttheory.validation.edge import gram_edge_point
    from rmttheory.validation.sampling import GramSpec, check_memory

    n0, n1, m = GramSpec(args.act, args.n0, args.phi, args.psi).shape
    if n1 > m:
        raise RmtError("edge gram needs n1 <= m (--phi <= --psi)")
    check_memory(n0, n1, m)
    _args.require_seconds(
        (2.0 * n1 * n0 * m + 2.0 * n1 * n1 * m + 10.0 * n1**3) * args.samples,
        "these Gram matrices", "lower --n0 or --samples",
    )  # fmt: skip
    r = gram_edge_point(args.act, args.n0, args.phi, args.psi, args.samples, rng=args.seed,
                        center=not args.uncentered)  # fmt: skip
    lines = [_check_text(f"{args.act}, n0 = {args.n0}: λ below the outliers vs TW1 at the "
                         f"Pennington–Worah edge {r['edge']['location']:.6f}", r["check"])]  # fmt: skip
    lines.append(f"  standardized mean {r['check']['mean']:.3f} (TW1 {r['check']['tw_mean']:.3f}), "
                 f"variance {r['check']['var']:.3f} (TW1 {r['check']['tw_var']:.3f})")  # fmt: skip
    for o in r["outliers"]:
        where = "none" if o["location"] is None else f"{o['location']:.6f}"
        lines.append(f"  spike {o['spike']}: θ = {o['theta']:.4f} (threshold "
                     f"{o['threshold']:.4f}), predicted outlier {where}")  # fmt: skip
    for k, c in enumerate(r["outlier_checks"]):
        lines.append(f"  outlier {k + 1}: sampled {c['sim']:.6f} ± {c['se']:.6f}")
    payload = {k: v for k, v in r.items() if k != "top"}
    _args.emit(args, payload, "\n".join(lines))
    return 0


def cmd_spike(args: argparse.Namespace) -> int:
    from rmttheory.validation.spikes import spiked_point

    if args.size < 10:
        raise RmtError(f"--size must be >= 10, got {args.size}")
    if args.model == "covariance" and args.theta <= -1:
        raise RmtError("--theta must be > -1 for the covariance model")
    _args.require_seconds(40.0 * args.size**3 * args.samples, "these spiked matrices",
                          "lower --size or --samples")  # fmt: skip
    r = spiked_point(args.model, args.size, args.theta, args.samples, rng=args.seed)
    p = r["prediction"]
    if p["location"] is None:
        text = (f"{args.model}, θ = {args.theta:g}: below the threshold {p['threshold']:.6f}, no "
                f"outlier predicted; sampled top eigenvalue at most {r['max_standardized']:.2f} "
                "TW units above the edge")  # fmt: skip
    else:
        lc, oc = r["location_check"], r["overlap_check"]
        text = (f"{args.model}, θ = {args.theta:g}: outlier {lc['theory']:.6f} predicted, "
                f"{lc['sim']:.6f} ± {lc['se']:.6f} sampled; squared overlap {oc['theory']:.6f} "
                f"predicted, {oc['sim']:.6f} ± {oc['se']:.6f} sampled")  # fmt: skip
    _args.emit(args, r, text)
    return 0


def _bulk(text: str) -> Any:
    """``semicircle[:VAR]``, ``mp:RATIO`` or ``pw:ACT:PHI:PSI``."""
    from rmttheory.algebra import semicircle
    from rmttheory.distributions import MarchenkoPastur, PenningtonWorah

    name, *rest = text.split(":")
    try:
        if name == "semicircle" and len(rest) <= 1:
            return semicircle(float(rest[0]) if rest else 1)
        if name == "mp" and len(rest) == 1:
            return MarchenkoPastur(float(rest[0]))
        if name == "pw" and len(rest) == 3:
            return PenningtonWorah.from_activation(rest[0], float(rest[1]), float(rest[2]))
    except ValueError:
        pass
    raise RmtError(f"--bulk must be semicircle[:VAR], mp:RATIO or pw:ACT:PHI:PSI, got {text!r}")


def cmd_outliers(args: argparse.Namespace) -> int:
    from rmttheory.algebra import outliers

    law = _bulk(args.bulk)
    spikes = _args.parse_list(args.spikes, "--spikes")
    found = outliers(law, spikes, args.model, ratio=args.ratio)
    lines = []
    for o in found:
        where = "none (below threshold)" if o.location is None else f"{o.location:.12g}"
        extra = "" if o.overlap_right is None else f", right overlap {o.overlap_right:.12g}"
        lines.append(f"θ = {o.spike:g}: outlier {where}, squared overlap {o.overlap:.12g}"
                     f"{extra} (threshold {o.threshold:.12g})")  # fmt: skip
    payload = {"bulk": args.bulk, "model": args.model, "ratio": args.ratio,
               "outliers": [o.to_dict() for o in found]}  # fmt: skip
    _args.emit(args, payload, "\n".join(lines))
    return 0


def register(sub: Any) -> None:
    """Add the ``edge`` command (with its subcommands) to the subparsers ``sub``.

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
    p = sub.add_parser("edge", help="Tracy-Widom laws, largest eigenvalues, outliers")
    s = p.add_subparsers(dest="edge_command", required=True)

    q = s.add_parser("tw", help="values and moments of the Tracy-Widom law TW_beta")
    q.add_argument("--beta", type=int, choices=[1, 2, 4], default=2)
    q.add_argument("--convention", default="tracy-widom", choices=["tracy-widom", "beta-ensemble"],
                   help="beta = 4 scaling (default: Tracy and Widom's)")  # fmt: skip
    q.add_argument("--x", default=None, help="points A,B,C: cdf, sf and pdf")
    q.add_argument("--q", default=None, help="probabilities A,B,C: quantiles")
    _args.add_output(q, plot=False)
    q.set_defaults(func=cmd_tw)

    q = s.add_parser("sample", help="largest eigenvalues of beta-ensembles against TW_beta")
    q.add_argument("ensemble", choices=["hermite", "laguerre"],
                   help="hermite: n x n Gaussian ensemble; laguerre: XX*/m, m = 2n")  # fmt: skip
    q.add_argument("--beta", type=int, choices=[1, 2, 4], default=1)
    q.add_argument("--n", type=_args.positive_int, required=True, help="matrix size")
    q.add_argument("--samples", type=_args.positive_int, default=2000)
    _args.add_seed(q)
    _args.add_output(q)
    q.set_defaults(func=cmd_sample)

    q = s.add_parser("gram", help="largest eigenvalues and outliers of f(WX) Gram matrices")
    _args.add_activation(q)
    q.add_argument("--n0", type=_args.positive_int, required=True, help="input dimension")
    _args.add_ratios(q)
    q.add_argument("--samples", type=_args.positive_int, default=100)
    q.add_argument("--uncentered", action="store_true", help="keep the mean of f (an outlier)")
    _args.add_seed(q)
    _args.add_output(q, plot=False)
    q.set_defaults(func=cmd_gram)

    q = s.add_parser("spike", help="a sampled spiked model against its outlier prediction")
    q.add_argument("model", choices=["goe", "covariance", "features"])
    q.add_argument("--size", type=_args.positive_int, required=True,
                   help="n (goe), p with N = 2p (covariance), n0 with n1 = m = 2 n0 (features)")  # fmt: skip
    q.add_argument("--theta", type=_args.finite_float, required=True, help="the spike")
    q.add_argument("--samples", type=_args.positive_int, default=20)
    _args.add_seed(q)
    _args.add_output(q, plot=False)
    q.set_defaults(func=cmd_spike)

    q = s.add_parser("outliers", help="outlier locations and eigenvector overlaps of a bulk law")
    q.add_argument("--bulk", required=True, help="semicircle[:VAR], mp:RATIO or pw:ACT:PHI:PSI")
    q.add_argument("--model", default="additive",
                   choices=["additive", "covariance", "rectangular", "population"])  # fmt: skip
    q.add_argument("--spikes", required=True, help="spikes A,B,C")
    q.add_argument("--ratio", type=_args.positive_float, default=None,
                   help="n/m (rectangular) or p/N (population)")  # fmt: skip
    _args.add_output(q, plot=False)
    q.set_defaults(func=cmd_outliers)
