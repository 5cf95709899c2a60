"""Limiting spectral laws sharing one protocol (:class:`SpectralDistribution`)."""

from rmttheory.distributions.base import SpectralDistribution, support_from_candidates
from rmttheory.distributions.linear_network import LinearNetwork
from rmttheory.distributions.marchenko_pastur import MarchenkoPastur
from rmttheory.distributions.pennington_worah import PenningtonWorah

__all__ = [
    "SpectralDistribution",
    "support_from_candidates",
    "MarchenkoPastur",
    "LinearNetwork",
    "PenningtonWorah",
]
