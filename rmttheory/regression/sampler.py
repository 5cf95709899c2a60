"""Draws of random-feature rows on fixed data, for the fluctuating equivalent.

:class:`FeatureSampler` draws rows :math:`\\sigma(w) = f(X^\\top w)` with
:math:`w\\sim\\mathcal N(0,\\sigma_w^2I_d/d)` (the conventions of
:mod:`rmttheory.regression.data_equivalent`), each replicate from its own seeded stream;
:func:`energy_profiles` turns draws into the profiles of
:class:`~rmttheory.distributions.MixtureSilversteinLaw`; :func:`default_samples` is the
number of draws per replicate of :func:`rmttheory.regression.fluctuating.fluctuating_errors`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from rmttheory import _params
from rmttheory._params import SeedLike
from rmttheory.activation import activation
from rmttheory.errors import ParameterError
from rmttheory.resources import require_bytes

__all__ = ["FeatureSampler", "energy_profiles", "default_samples"]


def default_samples(n: int, width: int, factor: float = 4.0) -> int:
    """Draws of :math:`w` per replicate: :math:`\\max(2n, \\min(cN, \\max(2N, 8000)), 500)`,
    :math:`c` = ``factor`` (>= 2).

    The debiasing needs :math:`M > N`; its remaining error is O(N/(Mn)): on digits the
    small-ridge training error at :math:`M = 2N` is 1.7% above :math:`M = 8N` at
    :math:`n = 300` and within 0.3% at :math:`n = 1000`
    (``tests/test_fluctuating.py::test_errors_do_not_depend_on_the_number_of_draws``), so
    :math:`4N` draws are used by default up to 8,000 (the :math:`M\\times M` systems),
    :math:`2N` beyond.

    Parameters
    ----------
    n, width
        Training samples and :math:`N`.
    factor
        :math:`c`.

    Returns
    -------
    int

    Examples
    --------
    >>> default_samples(1000, 1000), default_samples(1000, 4000)
    (4000, 8000)
    """
    c = max(2.0, float(factor))
    return int(max(2 * n, min(c * width, max(2 * width, 8000)), 500))


@dataclass
class FeatureSampler:
    """Draws of random-feature rows :math:`\\sigma(w)` on fixed data.

    Parameters
    ----------
    act
        Activation.
    X, X_test
        Data (``d × n``) and held-out data (``d × n_test`` or None).
    sigma_w
        Weight scale.
    seed
        Seeds every draw (``numpy.random.default_rng``).

    Examples
    --------
    >>> s = FeatureSampler("relu", np.ones((3, 4)))
    >>> S, St = s.draw(5, 0)
    >>> S.shape, St is None
    ((5, 4), True)
    """

    act: Any
    X: np.ndarray
    X_test: np.ndarray | None = None
    sigma_w: float = 1.0
    seed: SeedLike = 0

    def __post_init__(self) -> None:
        self._f = activation(self.act).numpy()
        self.sigma_w = _params.real(self.sigma_w, "sigma_w", positive=True)
        root = _params.generator(self.seed)
        self._keys = root.integers(0, 2**62, size=64)

    @property
    def dim(self) -> int:
        return int(self.X.shape[0])

    def draw(self, samples: int, replicate: int) -> tuple[np.ndarray, np.ndarray | None]:
        """``samples`` rows on the training and test data, from the replicate's own stream."""
        samples = _params.integer(samples, "samples", minimum=2)
        n = self.X.shape[1] + (0 if self.X_test is None else self.X_test.shape[1])
        require_bytes(8 * samples * (n + self.dim) * 2, f"{samples} random-feature draws")
        rng = _params.generator([int(self._keys[replicate % 64]), replicate])
        W = rng.standard_normal((samples, self.dim)) * (self.sigma_w / math.sqrt(self.dim))
        with np.errstate(over="ignore", invalid="ignore"):
            S = np.asarray(self._f(W @ self.X), dtype=float)
            St = None if self.X_test is None else np.asarray(self._f(W @ self.X_test), float)
        if not np.all(np.isfinite(S)) or (St is not None and not np.all(np.isfinite(St))):
            raise ParameterError("the activation is not finite on the pre-activations")
        return S, St


def energy_profiles(
    sampler: FeatureSampler, U: np.ndarray, t: np.ndarray, samples: int
) -> np.ndarray:
    """Energy profiles :math:`E_{mk} = (u_k^\\top\\sigma(w_m))^2`, rescaled per direction to
    mean :math:`t_k` (the exact eigenvalues of :math:`\\Phi`), for
    :class:`~rmttheory.distributions.MixtureSilversteinLaw`.

    Parameters
    ----------
    sampler
        The rows' sampler (replicate stream 63 is used).
    U, t
        Eigenvectors (columns) and eigenvalues of :math:`\\Phi`.
    samples
        Number of profiles :math:`M`.

    Returns
    -------
    numpy.ndarray
        ``M × n``.

    Examples
    --------
    >>> X = _params.generator(0).standard_normal((5, 8))
    >>> t, U = np.linalg.eigh(X.T @ X / 5 + np.eye(8))
    >>> E = energy_profiles(FeatureSampler("tanh", X), U, t, 100)
    >>> E.shape, bool(np.allclose(E.mean(axis=0), t))
    ((100, 8), True)
    """
    S, _ = sampler.draw(samples, 63)
    E = (S @ U) ** 2
    mean = E.mean(axis=0)
    scale = np.where(mean > 0, t / np.where(mean > 0, mean, 1.0), 0.0)
    return E * scale[None, :]
