"""Limiting spectral laws sharing one protocol (:class:`SpectralDistribution`)."""

from .base import SpectralDistribution, support_from_candidates
from .linear_network import LinearNetwork
from .marchenko_pastur import MarchenkoPastur
from .pennington_worah import PenningtonWorah

__all__ = [
    "SpectralDistribution",
    "support_from_candidates",
    "MarchenkoPastur",
    "LinearNetwork",
    "PenningtonWorah",
]
