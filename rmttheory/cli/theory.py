"""Commands of the symbolic engine and the law: ``constants``, ``equation``, ``moments``, ``density``."""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from rmttheory.cli import _args
from rmttheory.errors import RmtError

__all__ = ["register"]


def _add_act_or_constants(p: argparse.ArgumentParser, require_ratios: bool) -> None:
    _args.add_activation(p, optional=True)
    p.add_argument("--eta", type=_args.positive_float, help="eta, instead of an activation")
    p.add_argument("--zeta", type=_args.nonneg_float, help="zeta, instead of an activation")
    _args.add_ratios(p, required=require_ratios)
    _args.add_scales(p)


def resolve_constants(args: argparse.Namespace) -> tuple[float, float, str, Any]:
    """(eta, zeta, label, GaussianConstants or None) from ACT or --eta/--zeta."""
    from rmttheory.constants import gaussian_constants

    if args.act is not None:
        if args.eta is not None or args.zeta is not None:
            raise RmtError("give either an activation or --eta/--zeta, not both")
        c = gaussian_constants(args.act, args.sigma_w, args.sigma_x)
        return c.eta, c.zeta, c.activation, c
    if args.eta is None or args.zeta is None:
        raise RmtError("give an activation, or both --eta and --zeta")
    if not args.zeta <= args.eta:
        raise RmtError(f"need 0 <= zeta <= eta, got eta={args.eta:g}, zeta={args.zeta:g}")
    return args.eta, args.zeta, f"eta={args.eta:g}, zeta={args.zeta:g}", None


def _law_header(label: str, eta: float, zeta: float, args: argparse.Namespace) -> dict:
    return {"activation": label, "eta": eta, "zeta": zeta, "phi": args.phi, "psi": args.psi}


def cmd_constants(args: argparse.Namespace) -> int:
    from rmttheory.activation import activation
    from rmttheory.constants import gaussian_constants

    act = activation(args.act)
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
    _args.emit(args, d, text)
    return 0


def cmd_equation(args: argparse.Namespace) -> int:
    import sympy as sp

    from rmttheory.equation import PHI, PSI, PenningtonWorahEquation

    phi = args.phi if args.phi is not None else PHI
    psi = args.psi if args.psi is not None else PSI
    if args.act is not None:
        if args.eta is not None or args.zeta is not None:
            raise RmtError("give either an activation or --eta/--zeta, not both")
        eq = PenningtonWorahEquation.from_activation(
            args.act, phi, psi, sigma_w=args.sigma_w, sigma_x=args.sigma_x
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
    _args.emit(args, payload, text)
    return 0


def cmd_moments(args: argparse.Namespace) -> int:
    from rmttheory.equation import PenningtonWorahEquation

    if not 1 <= args.k <= 12:
        raise RmtError(f"--k must be between 1 and 12, got {args.k}")
    eta, zeta, label, _ = resolve_constants(args)
    generic = PenningtonWorahEquation().moments(args.k)
    values = [
        float(m) for m in PenningtonWorahEquation(eta, zeta, args.phi, args.psi).moments(args.k)
    ]
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
    _args.emit(args, payload, text)
    return 0


def cmd_density(args: argparse.Namespace) -> int:
    from rmttheory.distributions import PenningtonWorah

    _args.check_plot(args)
    x = _args.parse_list(args.x, "--x") if args.x is not None else None
    grid = _args.parse_grid(args.grid) if args.grid is not None else None
    eta, zeta, label, consts = resolve_constants(args)
    law = PenningtonWorah(eta, zeta, args.phi, args.psi, constants=consts)
    support = law.support()
    if x is None:
        x = grid if grid is not None else np.linspace(0, support[-1][1] * 1.05, 201)
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
        import matplotlib.pyplot as plt

        from rmttheory.plot import save_figure, style

        with style():
            fig, ax = plt.subplots()
            law.plot(ax, label=f"{label}, φ = {args.phi:g}, ψ = {args.psi:g}")
            ax.legend()
            payload["plot"] = save_figure(fig, args.plot)[0]
    text = "\n".join(
        [
            f"{label}: eta={eta:.10g} zeta={zeta:.10g} phi={args.phi:g} psi={args.psi:g}",
            f"support {support}, atom at 0: {law.atom_mass:.6g}",
        ]
        + [f"{xi:14.8g} {di:.12g}" for xi, di in zip(x, dens)]
    )
    _args.emit(args, payload, text)
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
    p = sub.add_parser("constants", help="Gaussian constants (mean, eta, zeta) of an activation")
    _args.add_activation(p)
    _args.add_scales(p)
    p.add_argument("--digits", type=int, default=30, help="significant digits (default 30)")
    p.add_argument("--hermite", type=int, default=6, help="largest Hermite index (default 6)")
    _args.add_output(p, plot=False)
    p.set_defaults(func=cmd_constants)

    p = sub.add_parser("equation", help="the self-consistent equation (sympy / LaTeX)")
    _add_act_or_constants(p, require_ratios=False)
    p.add_argument("--latex", action="store_true")
    _args.add_output(p, plot=False)
    p.set_defaults(func=cmd_equation)

    p = sub.add_parser("moments", help="exact moments of the limiting spectral law")
    _add_act_or_constants(p, require_ratios=True)
    p.add_argument("--k", type=int, default=6, help="number of moments (default 6)")
    _args.add_output(p, plot=False)
    p.set_defaults(func=cmd_moments)

    p = sub.add_parser("density", help="limiting spectral density of M = YY^T/m")
    _add_act_or_constants(p, require_ratios=True)
    where = p.add_mutually_exclusive_group()
    where.add_argument("--x", help="comma-separated evaluation points")
    where.add_argument("--grid", help="LO:HI:N evaluation grid (default: over the support)")
    _args.add_output(p)
    p.set_defaults(func=cmd_density)
