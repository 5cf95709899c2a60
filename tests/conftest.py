"""Shared fixtures and helpers for the rmttheory tests."""

from __future__ import annotations

import os

if os.environ.get("PYTEST_XDIST_WORKER"):
    # pytest-xdist runs one worker per core (pyproject.toml): one BLAS/OpenMP/torch thread
    # each, set before numpy and torch load, inherited by the processes a test spawns
    for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_var, "1")


def _test_cache() -> None:
    """Tests compute: the on-disk cache (rmttheory._disk_cache) is a folder of this test
    run (shared by its xdist workers), not the user's.  Only the simulated Wishart KS null
    table is copied in where the user has one (CI starts without it either way)."""
    import shutil
    import tempfile
    from pathlib import Path

    if os.environ.get("RMTTHEORY_CACHE_FOR_TESTS") == "user":  # opt out, for a quick local run
        return
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID") or f"pid{os.getpid()}"
    root = Path(tempfile.gettempdir()) / f"rmttheory-test-cache-{run}"
    root.mkdir(parents=True, exist_ok=True)
    from rmttheory._disk_cache import cache_root

    user = cache_root()  # the user's (None: RMTTHEORY_CACHE=off)
    if user and (user / "ks_null.json").is_file() and not (root / "ks_null.json").exists():
        try:
            shutil.copyfile(user / "ks_null.json", root / "ks_null.json")
        except OSError:
            pass
    os.environ["RMTTHEORY_CACHE"] = str(root)


_test_cache()

import numpy as np  # noqa: E402
import pytest  # noqa: E402

try:
    import torch

    CUDA = torch.cuda.is_available()
except ImportError:  # pragma: no cover
    CUDA = False

#: Devices that device-agnostic code is tested on (CUDA only where present).
DEVICES = ["cpu", pytest.param("cuda", marks=[pytest.mark.gpu])] if CUDA else ["cpu"]


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261124)


def mc_tolerance(samples: np.ndarray, z: float = 5.0) -> float:
    """z standard errors of the mean of ``samples`` (a sample-size-derived tolerance)."""
    samples = np.asarray(samples, dtype=float)
    return z * samples.std(ddof=1) / np.sqrt(samples.size)


def pytest_collection_modifyitems(config, items):
    """The longest file first (the quick report and the figures, ~6 minutes on one worker):
    with pytest-xdist (``--dist loadfile``) the other workers share the rest meanwhile."""
    items.sort(key=lambda item: not item.nodeid.startswith("tests/test_quick_report.py"))
