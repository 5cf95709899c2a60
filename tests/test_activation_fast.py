"""Registered activations without sympy: the shipped keys and numpy code are the registry's,
lazily built activations behave as eagerly built ones, and a sample run with its constants
on disk never imports sympy (the fresh-process cost measured by benchmarks/bench_sample.py)."""

from __future__ import annotations

import os
import pathlib
import pickle
import subprocess
import sys

import numpy as np
import pytest
import sympy as sp

from rmttheory.activation import Activation, _from_string, activation
from rmttheory.codegen import activations_module_source
from rmttheory.registry import REGISTRY, X, check_expression

NAMES = sorted(REGISTRY)
GRID = np.concatenate([np.linspace(-6.0, 6.0, 241), [-1.0, 0.0, 1.0, -0.0, 1e-300, 40.0]])


def _eager(name: str) -> Activation:
    """The activation built the long way: the registry's expression, checked, lambdified."""
    return Activation(name, check_expression(REGISTRY[name][0](), name))


def test_shipped_activations_are_the_registry():
    """The shipped module is what codegen writes now (regenerate with
    ``rmttheory.codegen.write_generated_module()`` after a change to the registry)."""
    path = pathlib.Path(__file__).parents[1] / "rmttheory" / "_generated" / "activations.py"
    assert path.read_text() == activations_module_source()


@pytest.mark.parametrize("name", NAMES)
def test_lazy_registered_activation_equals_the_eager_one(name):
    lazy, eager = _from_string.__wrapped__(name, ()), _eager(name)  # uncached: a fresh one
    assert "expr" not in lazy.__dict__ and lazy.is_symbolic  # nothing built yet
    assert activation(name) == lazy
    assert lazy.key == eager.key == sp.srepr(eager.expr)
    assert lazy == eager and hash(lazy) == hash(eager)
    # the shipped code against sympy's lambdify of the same expression, bit for bit
    np.testing.assert_array_equal(lazy.numpy()(GRID), eager.numpy()(GRID))
    assert lazy.expr == eager.expr and lazy.expr.free_symbols <= {X}
    assert lazy.derivative == eager.derivative and lazy.kinks() == eager.kinks()


def test_a_wrong_shipped_entry_is_caught():
    """Power of the checks above: a key or code that differs from the registry fails them."""
    from rmttheory._generated.activations import SHIPPED

    key, source = SHIPPED["tanh"]
    wrong = Activation._lazy("tanh", ("tanh", ()), (key, source.replace("tanh", "sinh")))
    assert not np.array_equal(wrong.numpy()(GRID), _eager("tanh").numpy()(GRID))
    wrong_key = Activation._lazy("tanh", ("tanh", ()), (key.replace("tanh", "sinh"), source))
    assert wrong_key != _eager("tanh")


def test_activations_are_immutable_picklable_and_compare_by_function():
    act = activation("gelu")
    with pytest.raises(AttributeError, match="immutable"):
        act.name = "other"  # type: ignore[misc]
    act.numpy()  # a cached closure must not stop pickling
    back = pickle.loads(pickle.dumps(act))
    assert back == act and back.registered == ("gelu", ())
    param = activation("leaky_relu:slope=0.2")
    assert pickle.loads(pickle.dumps(param)) == param and param.name == "leaky_relu(slope=0.2)"
    assert activation("relu") != activation("Max(x, 0)")  # same function, other name
    f, g = (lambda v: v), (lambda v: v)
    assert activation(f) != activation(g)  # two callables are two functions
    assert activation("swish") == activation("silu")  # an alias is its target
    assert sp.Symbol("x", real=True) == X


def test_sampling_a_registered_activation_imports_no_sympy(tmp_path):
    """``rmttheory sample`` as a fresh process, constants on disk (after a first run):
    sympy (0.35-0.5 s of the process) is never imported; nor are mpmath (35-50 ms), numpy.ma
    (12 ms, through np.unique), a process pool's modules or threadpoolctl (on an idle
    machine: the pools at their defaults need no cap)."""
    env = {**os.environ, "RMTTHEORY_CACHE": str(tmp_path), "RMTTHEORY_THREADS": ""}
    for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env.pop(v, None)
    args = ["sample", "tanh", "--phi", "0.5", "--psi", "0.5", "--n0", "60", "--json"]
    code = (
        "import os, sys\nos.getloadavg = lambda: (0.0, 0.0, 0.0)\n"
        "from rmttheory.cli import main\n"
        f"rc = main({args!r})\nprint('sympy' in sys.modules, rc)\n"
        "mods = ('mpmath', 'numpy.ma', 'concurrent.futures.process', 'threadpoolctl')\n"
        "print(*[m for m in mods if m in sys.modules])"
    )
    first = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    again = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[-2:] == ["False 0", ""], again.stdout[-300:]
