import numpy as np
import pytest
import sympy as sp

from rmttheory import activation, registered_names
from rmttheory.activation import X
from rmttheory.errors import ActivationError

from .conftest import DEVICES

XS = np.linspace(-4.0, 4.0, 41)


@pytest.mark.parametrize("name", registered_names())
def test_registered_numpy_matches_expression(name):
    act = activation(name)
    exact = np.array([float(act.expr.subs(X, sp.Rational(str(v)))) for v in XS])
    np.testing.assert_allclose(act.numpy()(XS), exact, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", [*registered_names(), "x**3", "sign(x)"])
def test_torch_matches_numpy(name, device):
    import torch

    act = activation(name)
    t = torch.tensor(XS, dtype=torch.float64, device=device)
    np.testing.assert_allclose(
        act.torch()(t).cpu().numpy(), act.numpy()(XS), rtol=1e-13, atol=1e-15
    )


@pytest.mark.parametrize(
    "text",
    [
        "tanh(x)",
        "Max(x, 0)",
        "x*(1 + erf(x/sqrt(2)))/2",
        "log(1 + exp(x))",
        "Piecewise((x, x > 0), (x/10, True))",
        "relu(x) - relu(-x)/10",
    ],
)
def test_strings_from_the_issue_parse(text):
    act = activation(text)
    assert act.expr.free_symbols == {X}
    assert np.all(np.isfinite(act.numpy()(XS)))


def test_string_and_registry_agree():
    a = activation("Piecewise((x, x > 0), (x/10, True))")
    b = activation("leaky_relu", slope=0.1)
    np.testing.assert_array_equal(a.numpy()(XS), b.numpy()(XS))
    assert sp.simplify(a.expr - b.expr) == 0


def test_sympy_expression_with_plain_symbol_accepted():
    x = sp.Symbol("x")
    act = activation(sp.sin(x) + x)
    assert act.expr.free_symbols == {X}


@pytest.mark.parametrize(
    "name,expected",
    [
        ("relu", lambda x: (x > 0).astype(float)),
        ("abs", np.sign),
        ("hardtanh", lambda x: (np.abs(x) < 1).astype(float)),
        ("tanh", lambda x: 1 - np.tanh(x) ** 2),
        ("elu", lambda x: np.where(x > 0, 1.0, np.exp(x))),
    ],
)
def test_derivatives(name, expected):
    xs = XS[np.abs(np.abs(XS) - 1) > 1e-9]
    xs = xs[xs != 0]
    np.testing.assert_allclose(activation(name).numpy_derivative()(xs), expected(xs), atol=1e-14)


def test_derivative_of_jump_has_dirac_mass():
    d = activation("sign(x)").derivative
    assert d.has(sp.DiracDelta)
    assert sp.integrate(d, (X, -1, 1)) == 2
    with pytest.raises(ActivationError, match="jumps"):
        activation("sign(x)").numpy_derivative()


def test_swish_alias_and_params():
    assert activation("swish").expr == activation("silu").expr
    assert activation("leaky_relu", slope=0.2).numpy()(np.array([-1.0]))[0] == pytest.approx(-0.2)
    assert activation("elu", alpha=2).numpy()(np.array([-50.0]))[0] == pytest.approx(-2.0)


@pytest.mark.parametrize(
    "text,match",
    [
        ("tanh(x", "cannot parse"),
        ("x +* 2", "cannot parse.*column"),
        ("foo(x)", "unknown function"),
        ("x*y", "free symbols other than x: y"),
        ("", "empty"),
    ],
)
def test_bad_strings(text, match):
    with pytest.raises(ActivationError, match=match):
        activation(text)


def test_bad_params():
    with pytest.raises(ActivationError, match="bad parameters"):
        activation("relu", slope=2)
    with pytest.raises(ActivationError, match="not a number"):
        activation("leaky_relu", slope="abc")
    with pytest.raises(ActivationError, match="finite"):
        activation("leaky_relu", slope=float("inf"))


def test_callable_numeric_only():
    act = activation(np.tanh)
    assert not act.is_symbolic
    np.testing.assert_allclose(act.numpy()(XS), np.tanh(XS))
    with pytest.raises(ActivationError, match="numeric path only"):
        _ = act.derivative


def test_kinks():
    assert activation("relu").kinks() == [0.0]
    assert activation("hardtanh").kinks() == [-1.0, 1.0]
    assert activation("tanh").kinks() == []
