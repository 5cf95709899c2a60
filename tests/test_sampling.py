"""The sampler's parallel pieces equal the plain numpy recipe; the thread cap's cheap paths."""

from __future__ import annotations

import os

import numpy as np
import pytest

from rmttheory import activation
from rmttheory.errors import ParameterError
from rmttheory.resources import _allowed_cores, cap_threads, free_cores
from rmttheory.validation.gram import gram_sample, square_trace_stats, trace_stats
from rmttheory.validation.sampling import GramSpec, apply_by_rows, in_threads, sample_features


@pytest.mark.parametrize("shape", [(2000, 2000), (1999, 1001), (37, 12345), (1, 5)])
@pytest.mark.parametrize("threads", [1, 2, 3])
def test_apply_by_rows_equals_the_whole_array_call(shape, threads):
    """Bit for bit, for ufunc chains and registered activations' shipped numpy code, at
    shapes whose blocks do not divide the rows; a wrong block (the last rows skipped) is
    caught."""
    Z = np.random.default_rng(1).standard_normal(shape) * 2
    fs = [np.tanh, lambda x: np.maximum(x, 0.0), lambda x: x * 0.5 * (1 + np.tanh(x))]
    fs += [activation(n).numpy() for n in ("gelu", "softplus", "erf")]
    for f in fs:
        assert np.array_equal(apply_by_rows(f, Z.copy(), threads), f(Z))
    skipped = Z.copy()
    apply_by_rows(np.tanh, skipped[:-1], threads)
    if shape[0] > 1:
        assert not np.array_equal(skipped, np.tanh(Z))


def test_bad_arrays_get_one_clear_line():
    with pytest.raises(ParameterError, match="2-d numpy array"):
        apply_by_rows(np.tanh, np.zeros(5))
    with pytest.raises(ParameterError, match="2-d numpy array"):
        apply_by_rows(np.tanh, np.zeros((4, 6))[:, ::2])
    with pytest.raises(ParameterError, match="2-d array"):
        square_trace_stats(np.zeros(5))


def test_in_threads_raises_a_threads_error():
    def share(t, k):
        if t == k - 1:
            raise ValueError("block failed")

    with pytest.raises(ValueError, match="block failed"):
        in_threads(share, 4, 2)
    assert in_threads(lambda t, k: None, 1, 8) == 1  # never more threads than blocks


@pytest.mark.parametrize("c", [0.0, 0.37])
def test_square_trace_stats_is_trace_stats(c):
    """Mean and ANOVA variance of (Y - c)^2 from row blocks equal those of the formed array to
    1e-13, at a shape whose blocks do not divide it; and with a constant |Y| (all variance
    components 0), too.  A statistic of (Y - 2c)^2 instead differs (the shift is used)."""
    Y = np.tanh(np.random.default_rng(2).standard_normal((1503, 777)))
    want = np.array(trace_stats((Y - c) ** 2))
    got = np.array(square_trace_stats(Y, c, threads=2))
    np.testing.assert_allclose(got, want, rtol=1e-13)
    assert square_trace_stats(Y, c, threads=1) == pytest.approx(tuple(want), rel=1e-13)
    flat = np.full((40, 50), 0.7)
    assert square_trace_stats(flat) == pytest.approx(trace_stats(flat**2), abs=1e-15)
    if c:
        assert square_trace_stats(Y, 2 * c)[0] != pytest.approx(want[0], rel=1e-6)


def test_sample_features_is_the_plain_recipe():
    """Same seed, same numbers as the script a user would write (W, X from one generator in
    that order, W scaled by 1/sqrt(n0), Y = tanh(WX)), and gram_sample's trace is its mean
    square."""
    spec = GramSpec("tanh", 300, 0.5, 0.5)
    n0, n1, m = spec.shape
    rng = np.random.default_rng(7)
    W = rng.standard_normal((n1, n0)) / np.sqrt(n0)
    X = rng.standard_normal((n0, m))
    want = np.tanh(W @ X)
    # (W *= 1/sqrt(n0) in place rounds differently from W / sqrt(n0): 1e-15 in Y)
    np.testing.assert_allclose(sample_features(spec, rng=7), want, rtol=0, atol=1e-13)
    s = gram_sample(spec, rng=7)
    assert s.trace == pytest.approx(float(np.mean(want**2)), rel=1e-13)
    lam = np.linalg.eigvalsh(want @ want.T / m)
    np.testing.assert_allclose(s.eigenvalues, lam, rtol=0, atol=1e-12)


def test_idle_machine_needs_no_pool_change(monkeypatch):
    """With no load, free_cores skips its three reads of /proc/loadavg (4 ms); with the
    libraries at their defaults and a cap equal to them, cap_threads leaves the pools alone
    (no threadpoolctl); a lower cap or a user's setting still goes through threadpoolctl."""
    import rmttheory.resources as res

    calls = []
    monkeypatch.setattr(os, "getloadavg", lambda: (0.2, 0.0, 0.0))
    monkeypatch.setattr(res, "_runnable_others", lambda: calls.append(1) or 0)
    assert free_cores() == _allowed_cores() and not calls
    monkeypatch.setattr(os, "getloadavg", lambda: (1.6, 0.0, 0.0))
    free_cores()
    assert calls  # busy: the instantaneous count is read

    import sys
    import types

    import threadpoolctl

    limits = []
    monkeypatch.setattr(threadpoolctl, "threadpool_limits", lambda n: limits.append(n))
    fake_torch = types.SimpleNamespace(set_num_threads=lambda n: None)  # leave torch's alone
    monkeypatch.setitem(sys.modules, "torch", fake_torch)
    for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "RMTTHEORY_THREADS"):
        monkeypatch.delenv(v, raising=False)
    assert cap_threads(threads=_allowed_cores()) == _allowed_cores()
    assert limits == []
    cap_threads(threads=1)
    assert limits == [1]


@pytest.mark.parametrize("center", [True, False])
def test_gram_sample_statistics_taken_in_the_activation_pass(center):
    """ReLU (mean 1/sqrt(2 pi) != 0): the features centered inside the activation's pass equal
    relu(WX) - mean of the plain recipe, and gram_sample's trace statistics (accumulated
    block by block in that pass) equal trace_stats of the formed (Y - c)^2, c the mean of an
    uncentered sample.  Shifting c by 1% changes the trace beyond that accuracy."""
    spec = GramSpec("relu", 700, 0.7, 0.45, center=center)  # 1556 rows: blocks do not divide
    n0, n1, m = spec.shape
    rng = np.random.default_rng(3)
    W = rng.standard_normal((n1, n0)) / np.sqrt(n0)
    Z = W @ rng.standard_normal((n0, m))
    mean = 1 / np.sqrt(2 * np.pi)
    want = np.maximum(Z, 0.0) - mean if center else np.maximum(Z, 0.0)
    np.testing.assert_allclose(sample_features(spec, rng=3), want, rtol=0, atol=1e-13)
    c = 0.0 if center else mean
    s = gram_sample(spec, rng=3)
    ref = trace_stats((want - c) ** 2)
    assert (s.trace, s.trace_var) == pytest.approx(ref, rel=1e-12)
    assert trace_stats((want - 1.01 * c - 0.01) ** 2)[0] != pytest.approx(s.trace, rel=1e-6)


def test_openblas_spin_is_shortened_in_the_command_process_only(monkeypatch):
    """The console script and ``python -m rmttheory.cli`` are the command's process: there,
    before numpy loads, OpenBLAS's idle workers are told to sleep after 2^24 cycles (unless
    the user set it); a caller's process, or one with numpy loaded, is left alone."""
    import subprocess
    import sys

    import rmttheory._process as res

    monkeypatch.setattr(sys, "argv", ["/venv/bin/rmttheory", "sample"])
    assert res.command_line_process()
    monkeypatch.setattr(sys, "argv", ["-m"])
    monkeypatch.setattr(sys, "orig_argv", ["python", "-m", "rmttheory.cli", "sample"])
    assert res.command_line_process()
    monkeypatch.setattr(sys, "orig_argv", ["python", "-m", "pytest", "rmttheory.cli"])
    assert not res.command_line_process()
    monkeypatch.setattr(sys, "argv", ["/venv/bin/rmttheory", "sample"])
    assert not res.prepare_command_line_process()  # numpy is loaded here: too late, unchanged
    probe = "import sys; sys.argv[0] = 'rmttheory'; import os, rmttheory; "
    probe += "print(os.environ.get('OPENBLAS_THREAD_TIMEOUT'))"
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_THREAD_TIMEOUT"}
    run = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True)
    assert run.stdout.split() == [str(res.OPENBLAS_SPIN)]
    env["OPENBLAS_THREAD_TIMEOUT"] = "28"  # the user's setting wins
    run = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True)
    assert run.stdout.split() == ["28"]
    plain = "import os, rmttheory; print(os.environ.get('OPENBLAS_THREAD_TIMEOUT'))"
    env.pop("OPENBLAS_THREAD_TIMEOUT")
    run = subprocess.run([sys.executable, "-c", plain], env=env, capture_output=True, text=True)
    assert run.stdout.split() == ["None"]


def test_in_background_returns_or_raises_in_the_callers_thread():
    import threading

    from rmttheory._process import in_background

    where = []
    result = in_background(lambda: where.append(threading.current_thread()) or 7)
    assert result() == 7 and where[0] is not threading.current_thread()

    def fails():
        raise ArithmeticError("law failed")

    with pytest.raises(ArithmeticError, match="law failed"):
        in_background(fails)()


@pytest.mark.skipif(not os.path.exists("/proc/self/task"), reason="Linux /proc only")
def test_own_spinning_threads_are_not_other_work(monkeypatch):
    """A thread of this process busy in numpy (as OpenBLAS's workers spin after each call)
    is counted as this process's own (``/proc/self/task``), and the tasks runnable outside
    it are the machine's count minus those: with the machine's count equal to this
    process's, no core is busy elsewhere, so the cap stays at every allowed core (the old
    count, machine minus one, saw the spinning worker as other work and capped at one)."""
    import threading
    import time

    import rmttheory.resources as res

    stop = threading.Event()
    big = np.random.default_rng(0).standard_normal(2_000_000)

    def spin():
        while not stop.is_set():
            np.sort(big)  # releases the GIL: running, like a spinning BLAS worker

    worker = threading.Thread(target=spin)
    worker.start()
    try:
        seen = []
        for _ in range(50):
            seen.append(res._own_running())
            time.sleep(0.002)
    finally:
        stop.set()
        worker.join()
    assert max(seen) >= 2  # the worker was seen running, besides this thread

    monkeypatch.setattr(res, "_own_running", lambda: 2)
    monkeypatch.setattr(res, "_machine_running", lambda: 2)
    assert res._runnable_others() == 0
    monkeypatch.setattr(os, "getloadavg", lambda: (1.3, 0.0, 0.0))
    assert res.free_cores() == res._allowed_cores()
    monkeypatch.setattr(res, "_machine_running", lambda: 3)  # one task of another process
    assert res._runnable_others() == 1
