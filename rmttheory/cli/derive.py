"""``rmttheory derive``: the derived polynomial of a random-feature Gram law
(:mod:`rmttheory.algebra.models`), and with numeric ratios its density and a plot."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from rmttheory import _params
from rmttheory.cli import _args
from rmttheory.errors import ParameterError, RmtError

__all__ = ["register", "cmd_derive"]


def _number_or_symbol(text: str, name: str) -> Any:
    import sympy as sp

    try:
        return float(text)
    except ValueError:
        pass
    if not text.isidentifier():
        raise RmtError(f"{name}: a number or a symbol name, got {text!r}")
    return sp.Symbol(text, positive=True)


def _spectrum(text: str | None) -> dict[float, float] | None:
    if text is None:
        return None
    out: dict[float, float] = {}
    try:
        for item in text.split(","):
            v, w = item.split(":")
            out[float(v)] = out.get(float(v), 0.0) + float(w)
    except ValueError:
        raise RmtError(f"--data: VARIANCE:WEIGHT,... (e.g. 1:0.5,4:0.5), got {text!r}") from None
    return out


def _derive(args: argparse.Namespace) -> Any:
    import sympy as sp

    from rmttheory.algebra.models import deep_nonlinear_gram

    acts = args.act.split(",") if args.act else None
    phi = _number_or_symbol(args.phi, "--phi") if args.phi else sp.Symbol("phi", positive=True)
    psis = (
        [_number_or_symbol(p, "--psi") for p in args.psi.split(",")]
        if args.psi
        else [sp.Symbol("psi", positive=True)]
    )
    data = _spectrum(args.data)
    if acts is not None:
        if args.eta is not None or args.zeta is not None:
            raise RmtError("give either activations or --eta/--zeta, not both")
        if len(acts) != len(psis):
            raise RmtError(f"{len(acts)} activation(s) but {len(psis)} value(s) of --psi")
        # measured on 2 cores: 6 s for two tanh layers, 57 s for three (the degree of the
        # polynomial multiplies with each layer): about ten times more per layer
        seconds = 6.0 * 10.0 ** max(0, len(acts) - 2)
        if seconds > _args.MAX_SECONDS:
            raise RmtError(
                f"deriving {len(acts)} nonlinear layers would take about {seconds / 3600:.0f} h "
                "(about ten times longer per layer; measured 57 s for three); use at most "
                f"{2 + int(math.log10(_args.MAX_SECONDS / 6.0))} layers"
            )
        return deep_nonlinear_gram(
            acts, phi, psis, sigma_w=args.sigma_w, data_spectrum=data, noise=args.noise
        )
    if len(psis) != 1:
        raise RmtError("several layers need their activations (ACT as tanh,tanh,...)")
    eta = _number_or_symbol(args.eta, "--eta") if args.eta else None
    zeta = _number_or_symbol(args.zeta, "--zeta") if args.zeta else None
    return deep_nonlinear_gram(
        [None], phi, psis, sigma_w=args.sigma_w, data_spectrum=data,
        constants=[(eta, zeta)], noise=args.noise,
    )  # fmt: skip


def _simulate(args: argparse.Namespace) -> tuple[dict[str, Any], np.ndarray]:
    """Sample the model at n0 = --n0 and compare (rmttheory.validation.derived)."""
    from rmttheory.validation.derived import DerivedModel, check_model

    if not args.act or args.phi is None or args.psi is None:
        raise RmtError("--simulate needs activations and numeric --phi and --psi")
    phi = float(args.phi)
    dims = [args.n0]
    for p in args.psi.split(","):
        dims.append(max(2, round(dims[-1] / float(p))))
    model = DerivedModel(
        tuple(args.act.split(",")), args.n0, tuple(dims[1:]), max(2, round(args.n0 / phi)),
        sigma_w=args.sigma_w, data_spectrum=_spectrum(args.data), noise=args.noise,
    )  # fmt: skip
    gen = _params.generator(args.seed)
    eig = np.concatenate([model.sample(gen) for _ in range(args.seeds)])
    return check_model(model, args.seeds, eigenvalues=eig), eig


def cmd_derive(args: argparse.Namespace) -> int:
    """Print the derived law; with numeric parameters, its support, atoms and density.

    Parameters
    ----------
    args
        The parsed arguments of ``rmttheory derive``.

    Returns
    -------
    int
        0 (bad input raises :class:`~rmttheory.errors.RmtError`, printed by the CLI).

    Examples
    --------
    >>> from rmttheory.cli import build_parser
    >>> cmd_derive(build_parser().parse_args(["derive", "--eta", "1", "--zeta", "0",
    ...                                        "--phi", "1", "--psi", "1", "--points", "2"]))
    MP(1, 1): G**2*z - G*z + 1 = 0  (atoms: none)
    support [(0.0, 4.0)], atoms {}, mean 1
                 0 inf
               4.2 0
    0
    """
    _args.check_plot(args)
    law = _derive(args)
    payload: dict[str, Any] = law.to_json()
    lines = [law.latex() if args.latex else str(law)]
    if law.is_numeric:
        dist = law.distribution()
        support, atoms, mean = dist.support(), dist.atoms(), dist.mean()
        top = max([hi for _, hi in support] + list(atoms) + [0.0])
        x = np.linspace(0, top * 1.05, args.points)
        dens = dist.pdf(x)
        payload.update(
            support=[list(iv) for iv in support],
            atoms={str(k): v for k, v in atoms.items()},
            mean=mean,
            x=x.tolist(),
            density=[d if np.isfinite(d) else None for d in dens.tolist()],
        )
        lines.append(f"support {support}, atoms {atoms}, mean {mean:.12g}")
        lines += [f"{xi:14.8g} {di:.12g}" for xi, di in zip(x, dens)]
        eig = None
        if args.simulate:
            sim, eig = _simulate(args)
            payload["simulation"] = sim
            lines.append(
                f"sampled (n0 = {args.n0}, {args.seeds} sample(s)): KS {sim['ks']:.5f}, "
                f"tolerance {sim['tolerance']:.5f} -> {'pass' if sim['pass'] else 'FAIL'}; "
                + ", ".join(
                    f"{p['theory']}: KS {p['ks']:.4f} ({'rejected' if p['rejected'] else 'accepted'})"
                    for p in sim["power"][1:]
                )
            )
        if args.plot:
            import matplotlib.pyplot as plt

            from rmttheory.plot import save_figure, style

            with style():
                fig, ax = plt.subplots()
                if eig is not None:  # zeros (the atom) left out; mass relative to all eigenvalues
                    nz = eig[eig > 1e-9 * eig.max()]
                    counts, edges = np.histogram(nz, bins=80)
                    ax.bar(edges[:-1], counts / (eig.size * np.diff(edges)), width=np.diff(edges),
                           align="edge", color="0.6", alpha=0.5,
                           label=f"sampled, n0 = {args.n0}")  # fmt: skip
                dist.plot(ax, label="derived law")
                ax.set_xlabel("eigenvalue λ of M = YYᵀ/m")
                ax.set_ylabel("density")
                title = ", ".join(
                    f"{k} = {v}" for k, v in (("f", args.act), ("φ", args.phi), ("ψ", args.psi),
                                              ("Σx", args.data), ("noise", args.noise or None))
                    if v is not None
                )  # fmt: skip
                ax.set_title(title, fontsize=8)
                ax.legend()
                payload["plot"] = save_figure(fig, args.plot)
            data_path = Path(args.plot).with_suffix(".json")
            data_path.write_text(json.dumps(payload, allow_nan=False))
    elif args.plot:
        raise ParameterError("--plot needs numeric parameters (--phi, --psi and constants)")
    _args.emit(args, payload, "\n".join(lines))
    return 0


def register(sub: Any) -> None:
    """Add ``derive`` to the subparsers ``sub``.

    Parameters
    ----------
    sub
        The object ``argparse.ArgumentParser.add_subparsers`` returns.

    Examples
    --------
    >>> parser = argparse.ArgumentParser()
    >>> register(parser.add_subparsers(dest="command"))
    """
    p = sub.add_parser(
        "derive",
        help="derive the Gram law of random features (structured data, layers, noise)",
        description="Derive the polynomial of the Stieltjes transform G(z) = E[1/(z - λ)] of "
        "M = YYᵀ/m, Y = f(WX), by the operations of rmttheory.algebra; symbols where no "
        "number is given.",
    )
    p.add_argument("act", nargs="?", metavar="ACT", help="activation(s), comma-separated per layer")
    p.add_argument("--eta", help="eta (number or symbol name) instead of an activation")
    p.add_argument("--zeta", help="zeta (number or symbol name) instead of an activation")
    p.add_argument("--phi", help="n0/m (number or symbol; default the symbol phi)")
    p.add_argument("--psi", help="n_{l-1}/n_l per layer, comma-separated (default the symbol psi)")
    p.add_argument("--sigma-w", type=_args.positive_float, default=1.0, help="weight scale")
    p.add_argument("--data", help="data covariance spectrum VARIANCE:WEIGHT,... (default identity)")
    p.add_argument("--noise", type=_args.nonneg_float, default=0.0, help="feature noise variance")
    p.add_argument("--latex", action="store_true", help="print the polynomial as LaTeX")
    p.add_argument("--points", type=_args.positive_int, default=101, help="density points")
    p.add_argument("--simulate", action="store_true",
                   help="also sample the model at --n0 and compare (KS within the calibrated "
                        "tolerance, and the wrong theories it rejects)")  # fmt: skip
    p.add_argument("--n0", type=_args.positive_int, default=400, help="input dimension sampled")
    p.add_argument("--seeds", type=_args.positive_int, default=1, help="samples pooled")
    _args.add_seed(p)
    _args.add_output(p)
    p.set_defaults(func=cmd_derive)
