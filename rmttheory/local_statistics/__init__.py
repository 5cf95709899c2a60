"""Local and long-range statistics of spectra: ratios, unfolding and spacings, number variance."""

from rmttheory.local_statistics.ensembles import sample_spectrum, sample_wishart_spectrum
from rmttheory.local_statistics.ratios import (
    MEAN_R_TILDE,
    RatioStatistics,
    closest_ensemble,
    spacing_ratios,
)
from rmttheory.local_statistics.rigidity import number_variance, number_variance_theory
from rmttheory.local_statistics.unfolding import spacings, unfold

__all__ = [
    "spacing_ratios",
    "RatioStatistics",
    "closest_ensemble",
    "MEAN_R_TILDE",
    "sample_spectrum",
    "sample_wishart_spectrum",
    "unfold",
    "spacings",
    "number_variance",
    "number_variance_theory",
]
