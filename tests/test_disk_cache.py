"""The on-disk cache of fixed results (rmttheory._disk_cache): what a fresh process reuses,
and that nothing wrong is ever read back."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import sympy as sp

from rmttheory import _disk_cache
from rmttheory._numerics import closed_forms as cf_module
from rmttheory._numerics import gaussian_quadrature as gq
from rmttheory.activation import activation
from rmttheory.constants import clear_caches, gaussian_constants
from rmttheory.validation import finite_size


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("RMTTHEORY_CACHE", str(tmp_path))
    _disk_cache._TABLES.clear()
    clear_caches()
    finite_size._expected_trace.cache_clear()
    yield tmp_path
    _disk_cache._TABLES.clear()
    clear_caches()
    finite_size._expected_trace.cache_clear()


def _forget():
    """What a fresh process has: no in-memory cache, not even of the table files."""
    _disk_cache._TABLES.clear()
    clear_caches()
    finite_size._expected_trace.cache_clear()


def _no_quadrature(monkeypatch):
    def boom(*args, **kwargs):
        raise AssertionError("recomputed")

    monkeypatch.setattr(gq, "hermite_moments", boom)


def test_constants_round_trip_and_corrupt_tables_are_recomputed(cache, monkeypatch):
    real = gq.hermite_moments
    first = gaussian_constants("tanh")  # 30 digits: mpmath quadrature, then stored
    folder = cache / _disk_cache.code_fingerprint()
    assert (folder / "gaussian_constants.json").is_file()
    _forget()
    _no_quadrature(monkeypatch)
    again = gaussian_constants("tanh")
    assert again == first  # every field, the 30-digit strings included
    # a corrupt table (or a record of the wrong shape) is never trusted: recomputation
    for bad in ("{not json", json.dumps({k: {"eta": "x"} for k in json.loads(
            (folder / "gaussian_constants.json").read_text())})):  # fmt: skip
        (folder / "gaussian_constants.json").write_text(bad)
        _forget()
        with pytest.raises(AssertionError, match="recomputed"):
            gaussian_constants("tanh")
    # float64 constants (~45 ms of sympy per process for gelu) are stored too, but written
    # once per process (at exit, or by flush): a sweep of sigma values writes the table once
    monkeypatch.setattr(gq, "hermite_moments", real)
    (folder / "gaussian_constants.json").unlink()
    _forget()
    cheap = [gaussian_constants("tanh", s, digits=15) for s in (1.3, 1.4)]
    assert not (folder / "gaussian_constants.json").exists()
    _disk_cache.flush()
    assert len(json.loads((folder / "gaussian_constants.json").read_text())) == 2
    _forget()
    _no_quadrature(monkeypatch)
    assert [gaussian_constants("tanh", s, digits=15) for s in (1.3, 1.4)] == cheap


def test_disabled_cache_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("RMTTHEORY_CACHE", "off")
    _forget()
    assert _disk_cache.cache_root() is None
    gaussian_constants("softplus")
    _disk_cache.store("x", "k", 1)
    assert _disk_cache.load("x", "k") is None
    _forget()


def test_closed_forms_and_expected_trace_round_trip(cache, monkeypatch):
    act = activation("gelu")
    cf = cf_module.closed_forms(act)
    eta, zeta = cf.eta, cf.zeta
    tr = finite_size.expected_trace("tanh", 50)
    _forget()

    def no_simplify(*args, **kwargs):
        raise AssertionError("re-simplified")

    monkeypatch.setattr(cf_module.sp, "simplify", no_simplify)
    again = cf_module.closed_forms(act)
    assert again.source == "table" and again.complete
    assert again.eta == eta and again.zeta == zeta and again.mean == cf.mean
    monkeypatch.setattr(cf_module.sp, "simplify", sp.simplify)
    monkeypatch.setattr(finite_size, "_expected_trace_computed", lambda *a: 0.0)
    assert finite_size.expected_trace("tanh", 50) == tr  # from disk, not recomputed


def test_fingerprint_names_existing_sources():
    here = os.path.dirname(_disk_cache.__file__)
    for rel in _disk_cache._SOURCES:
        assert os.path.isfile(os.path.join(here, rel)), rel
    assert _disk_cache.code_fingerprint().count("-") >= 1


def test_a_fresh_process_reuses_the_cache(tmp_path):
    """Two fresh interpreters: the second reads the first's 30-digit tanh constants and its
    float64 gelu constants (written at the first's exit) and computes no quadrature (its
    hermite_moments is replaced by a failure)."""
    env = {**os.environ, "RMTTHEORY_CACHE": str(tmp_path)}
    code = (
        "from rmttheory import gaussian_constants as g; "
        "print(repr(g('tanh').eta), repr(g('gelu', digits=15).eta))"
    )
    one = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    guard = (
        "import rmttheory._numerics.gaussian_quadrature as q\n"
        "q.hermite_moments = lambda *a, **k: 1 / 0\n" + code
    )
    two = subprocess.run([sys.executable, "-c", guard], env=env, capture_output=True, text=True)
    assert one.returncode == 0 and two.returncode == 0, two.stderr
    assert one.stdout == two.stdout
    assert float(one.stdout.split()[0]) == pytest.approx(0.394294490397841)
