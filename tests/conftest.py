"""Shared fixtures and helpers for the rmttheory tests."""

from __future__ import annotations

import numpy as np
import pytest

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
