r"""Code generation: the Pennington–Worah equation's coefficients as shipped numpy code.

The numeric solver (:mod:`rmttheory.solver`) evaluates polynomial coefficients derived by
the symbolic engine (:mod:`rmttheory.equation`).  Deriving them costs ~7 s of sympy
(discriminants), so they are generated once, here, and shipped as plain numpy functions in
:mod:`rmttheory._generated.pennington_worah`; after a change to the equation, regenerate:

.. code-block:: python

    from rmttheory.codegen import write_generated_module
    write_generated_module()

``tests/test_equation.py::test_generated_code_is_the_derivation`` checks the shipped code
against :func:`numeric_expressions` in exact arithmetic.
"""

from __future__ import annotations

import sympy as sp

from rmttheory.activation import Activation
from rmttheory.equation import PHI, PSI, ZETA, PenningtonWorahEquation, S, Z
from rmttheory.registry import REGISTRY, check_expression, lambdify_numpy

__all__ = [
    "numeric_expressions",
    "generated_module_source",
    "write_generated_module",
    "activations_module_source",
]

_A2, _B2 = sp.symbols("a2 b2")  # zeta/eta and 1 - zeta/eta, evaluated as two numbers
#: psi - phi, evaluated as its own number (exact in floating point for phi/2 <= psi <= 2 phi)
DPSI = sp.Symbol("dpsi", real=True)


def _homogeneous(coef: sp.Expr) -> sp.Expr:
    """zeta^k -> a2^k (a2 + b2)^(d - k) at eta = 1: terms that cancel at zeta = eta (or
    at zeta = 0) then carry an explicit factor b2 (or a2) and vanish exactly, with no
    rounding (expanded coefficients lose ~1e-16 of their largest term, which is all
    of a tiny coefficient when zeta = eta and phi << 1)."""
    poly = sp.Poly(sp.expand(coef), ZETA)
    d = poly.degree()
    hom = sum(c_ * _A2**k * (_A2 + _B2) ** (d - k) for (k,), c_ in poly.terms())
    return sp.factor(sp.expand(hom))


def _near_square(coef: sp.Expr) -> sp.Expr:
    """The coefficient with its numerator as a polynomial in ``dpsi = psi - phi`` (Horner,
    each power's coefficient factored), over its denominator in ``psi``.

    Near n1 = m the expanded coefficients cancel: at psi = phi + d the constant term of
    the companion's ``u^2`` coefficient is ``-a2 b2 d^2``, summed from three terms of size
    ``a2 b2 phi^2``; at ``d = 1e-5`` float64 keeps six of its digits, too few for the roots
    near z = 0 (``n1 = m +- 1`` at m = 2000 made the density's mass 1 +- 1e-4).  In powers of
    ``dpsi`` the cancelled terms are gone and the rest is small where it should be."""
    num, den = sp.fraction(sp.together(coef))
    poly = sp.Poly(sp.expand(num.subs(PSI, PHI + DPSI)), DPSI)
    coeffs = poly.all_coeffs()  # highest power first: Horner
    out = sp.factor(coeffs[0])
    for c_ in coeffs[1:]:
        out = sp.Mul(out, DPSI, evaluate=False)
        if c_ != 0:
            out = sp.Add(out, sp.factor(c_), evaluate=False)
    return sp.Mul(out, sp.Pow(den, -1), evaluate=False) if den != 1 else out


def numeric_expressions() -> dict[str, tuple[tuple[sp.Symbol, ...], list[sp.Expr]]]:
    """Derive (sympy, several seconds) the coefficient lists the numeric solver evaluates,
    each with its argument symbols.

    ``"companion"``: :attr:`PenningtonWorahEquation.companion_polynomial` in
    :math:`u = 1/\\underline s` (``u^4`` first) at :math:`\\eta = 1`, in
    ``(z, a2, b2, phi, psi)`` with ``a2 = zeta/eta`` and ``b2 = 1 - a2``.
    ``"g_polynomial"``: :attr:`PenningtonWorahEquation.g_polynomial` (``G^4`` first), same
    arguments (the solver's final Newton polish of G, free of the companion map's 1/c
    cancellation when n1 << m).  ``"disc_general"``, ``"disc_linear"`` (zeta = eta, a
    cubic), ``"disc_mp"`` (zeta = 0, a quadratic): coefficients (in z, highest first) of
    the factors of the discriminant of the companion polynomial that locate support
    edges, in ``(zeta, phi, psi)`` at eta = 1.  ``"companion_near"``,
    ``"g_polynomial_near"``, ``"disc_general_near"``: the same three coefficient lists
    with one more argument, ``dpsi = psi - phi``, their numerators in powers of it
    (:func:`_near_square`: free of the cancellation that costs the roots near z = 0 their
    digits when n1 is close to m; the solver uses them for phi/2 <= psi <= 2 phi).

    Returns
    -------
    dict
        ``name -> (argument symbols, coefficient expressions)``.

    Examples
    --------
    >>> ex = numeric_expressions()  # doctest: +SKIP
    >>> sorted(ex), len(ex["companion"][1])  # doctest: +SKIP
    (['companion', 'companion_near', 'disc_general', 'disc_general_near', 'disc_linear', 'disc_mp', 'g_polynomial', 'g_polynomial_near'], 5)
    """
    comp = PenningtonWorahEquation(eta=1).companion_polynomial
    co = comp.all_coeffs()[::-1]  # s^0 .. s^4 = u^4 .. u^0 (leading coefficient: c)
    gco = PenningtonWorahEquation(eta=1).g_polynomial.all_coeffs()
    F = comp.as_expr()

    def factors(expr: sp.Expr) -> list:
        d = sp.numer(sp.together(sp.discriminant(sp.Poly(expr, S))))
        _, fs = sp.factor_list(d)
        keep = [f**k for f, k in fs if f.has(Z) and f != Z]
        return sp.Poly(sp.expand(sp.Mul(*keep)), Z).all_coeffs()

    g_args = (Z, _A2, _B2, PHI, PSI)
    d_args = (ZETA, PHI, PSI)
    companion = [_homogeneous(c_) for c_ in co]
    g_poly = [_homogeneous(c_) for c_ in gco]
    disc = factors(F)
    return {
        "companion": (g_args, companion),
        "g_polynomial": (g_args, g_poly),
        "disc_general": (d_args, disc),
        "disc_linear": (d_args, factors(sp.cancel(F.subs(ZETA, 1)))),  # u^0 coefficient vanishes
        "disc_mp": (d_args, factors(sp.cancel(F.subs(ZETA, 0)))),
        "companion_near": ((*g_args, DPSI), [_near_square(c_) for c_ in companion]),
        "g_polynomial_near": ((*g_args, DPSI), [_near_square(c_) for c_ in g_poly]),
        "disc_general_near": ((*d_args, DPSI), [_near_square(c_) for c_ in disc]),
    }


def generated_module_source() -> str:
    """The text of :mod:`rmttheory._generated.pennington_worah`: every list of
    :func:`numeric_expressions` as plain numpy functions (sympy's NumPy printer).

    Returns
    -------
    str
        Python source.

    Examples
    --------
    >>> generated_module_source().startswith(chr(34) * 3 + "Generated")  # doctest: +SKIP
    True
    """
    from sympy.printing.numpy import NumPyPrinter

    printer = NumPyPrinter({"fully_qualified_modules": True})
    lines = [
        '"""Generated by ``rmttheory.codegen.write_generated_module()`` from',
        "``rmttheory.codegen.numeric_expressions()``: do not edit.  Checked against the",
        'derivation by ``tests/test_equation.py::test_generated_code_is_the_derivation``."""',
        "",
        "import numpy  # noqa: F401",
        "",
    ]
    for name, (args, exprs) in numeric_expressions().items():
        names = []
        for i, e in enumerate(exprs):
            fname = f"_{name}_{i}"
            names.append(fname)
            body = printer.doprint(e)
            lines += [
                "",
                f"def {fname}({', '.join(str(a) for a in args)}):",
                f"    return {body}",
                "",
            ]
        lines += ["", f"{name.upper()} = ({', '.join(names)},)", ""]
    return "\n".join(lines).rstrip() + "\n"


def activations_module_source() -> str:
    """The text of :mod:`rmttheory._generated.activations`: for every registered activation
    at its default parameters, ``sympy.srepr`` of its checked expression (the
    :attr:`~rmttheory.activation.Activation.key`) and the source of
    :func:`~rmttheory.registry.lambdify_numpy` of its piecewise form (what
    :meth:`~rmttheory.activation.Activation.numpy` evaluates).  With both shipped, a registered
    activation is sampled without importing sympy (0.35-0.5 s of a fresh process).

    Returns
    -------
    str
        Python source.

    Examples
    --------
    >>> "tanh(Symbol('x', real=True))" in activations_module_source()  # doctest: +SKIP
    True
    """
    import inspect

    lines = [
        '"""Generated by ``rmttheory.codegen.write_generated_module()`` from',
        "``rmttheory.codegen.activations_module_source()``: do not edit.  Checked against the",
        "registry by ``tests/test_activation_fast.py::test_shipped_activations_are_the_registry``.",
        '"""',
        "",
        "#: registered name -> (sympy.srepr of its expression at default parameters, the source",
        "#: of its numpy function: lambdify of the piecewise form; names numpy and math)",
        "SHIPPED = {",
    ]
    for name in sorted(REGISTRY):
        act = Activation(name, check_expression(REGISTRY[name][0](), name))
        source = inspect.getsource(lambdify_numpy(act.piecewise))
        lines.append(f"    {name!r}: (")
        lines.append(f"        {sp.srepr(act.expr)!r},")
        lines.append(f"        {source!r},")
        lines.append("    ),")
    lines.append("}")
    return "\n".join(lines) + "\n"


def write_generated_module() -> str:
    """Regenerate :mod:`rmttheory._generated.pennington_worah` (after a change to the
    equation) and :mod:`rmttheory._generated.activations` (after one to the registry) in
    place.

    Returns
    -------
    str
        The path of the first.

    Examples
    --------
    >>> write_generated_module()  # doctest: +SKIP
    '.../rmttheory/_generated/pennington_worah.py'
    """
    import pathlib

    path = pathlib.Path(__file__).parent / "_generated" / "pennington_worah.py"
    path.write_text(generated_module_source())
    (path.parent / "activations.py").write_text(activations_module_source())
    return str(path)
