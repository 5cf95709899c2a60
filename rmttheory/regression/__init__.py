"""Ridge regression and random features: deterministic equivalents (Gaussian data and fixed
real data), memorization, dynamics."""

from rmttheory.regression.data_equivalent import RandomFeaturesEquivalent
from rmttheory.regression.dynamics import gradient_flow_risk
from rmttheory.regression.memorization import ridge_training_loss
from rmttheory.regression.random_features import RandomFeaturesRidge
from rmttheory.regression.ridge import RidgeSpectrum, effective_regularization, ridge_risk

__all__ = [
    "RidgeSpectrum",
    "ridge_risk",
    "effective_regularization",
    "RandomFeaturesRidge",
    "RandomFeaturesEquivalent",
    "ridge_training_loss",
    "gradient_flow_risk",
]
