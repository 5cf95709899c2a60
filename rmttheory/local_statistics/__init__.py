"""Local and long-range statistics of spectra: ratios, unfolding and spacings, number variance,
spectral rigidity; β-ensemble samplers (any β > 0, tridiagonal)."""

from rmttheory.local_statistics.beta_ensembles import beta_hermite, beta_laguerre
from rmttheory.local_statistics.ensembles import sample_spectrum, sample_wishart_spectrum
from rmttheory.local_statistics.ratios import (
    MEAN_R_TILDE,
    RatioStatistics,
    closest_ensemble,
    spacing_ratios,
)
from rmttheory.local_statistics.rigidity import (
    number_variance,
    number_variance_theory,
    spectral_rigidity,
    spectral_rigidity_theory,
)
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
    "spectral_rigidity",
    "spectral_rigidity_theory",
    "beta_hermite",
    "beta_laguerre",
]
