"""Shared fixtures and helpers for the rmttheory tests."""

from __future__ import annotations

import os

if os.environ.get("PYTEST_XDIST_WORKER"):
    # pytest-xdist runs one worker per core (pyproject.toml): one BLAS/OpenMP/torch thread
    # each, set before numpy and torch load, inherited by the processes a test spawns
    for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_var, "1")

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
