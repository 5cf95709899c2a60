r"""Random features on fixed data: the deterministic equivalent of Louart, Liao & Couillet (2018).

**Convention** (every method uses it).  Data :math:`X\in\mathbb R^{d\times n}`, one
sample per column (:func:`rmttheory.data.design_matrix` standardizes a data set);
weights :math:`W\in\mathbb R^{N\times d}` iid :math:`\mathcal N(0,\sigma_w^2/d)`;
features :math:`\Sigma = f(WX)\in\mathbb R^{N\times n}`, **not centered**; the Gram
matrix :math:`K = \Sigma^\top\Sigma/N` (:math:`n\times n`) and the expected kernel
:math:`\Phi = \mathbb E_W K = \mathbb E_w[f(X^\top w)f(w^\top X)]`
(:func:`rmttheory.kernels.expected_kernel`).  Ridge: targets
:math:`Y\in\mathbb R^{n\times C}`, :math:`Q = (K + \lambda I_n)^{-1}`, read-out
:math:`\beta = \Sigma QY/N`, training error
:math:`E_{\rm train} = \lVert Y - \Sigma^\top\beta\rVert_F^2/n = \lambda^2\lVert QY\rVert_F^2/n`,
test error on :math:`\hat n` held-out samples
:math:`E_{\rm test} = \lVert\hat Y - \hat\Sigma^\top\beta\rVert_F^2/\hat n`
(:math:`\hat\Sigma = f(W\hat X)`).  Errors are summed over the :math:`C` outputs.

**Deterministic equivalent.**  The rows of :math:`\Sigma` are iid with second moment
:math:`\Phi`, so :math:`\mathbb E(K - zI)^{-1}\approx\bar Q(z) = (\Phi/(1+\delta) - zI)^{-1}`
with :math:`\delta(z) = \operatorname{tr}(\Phi\bar Q(z))/N`.  Hence the spectrum of
:math:`K` is the Silverstein law of the population :math:`\operatorname{spec}(\Phi)`
(weights :math:`1/n`) at ratio :math:`\gamma = n/N`
(:class:`~rmttheory.distributions.SilversteinLaw`; an atom at 0 of mass
:math:`1 - N/n` when :math:`N<n`).  At :math:`z = -\lambda`, with
:math:`\Psi = \Phi/(1+\delta)`, :math:`\bar Q = (\Psi+\lambda I)^{-1}`,
:math:`\Psi_{\hat XX} = \Phi_{\hat XX}/(1+\delta)` and
:math:`\kappa = \frac{\operatorname{tr}(\Psi\bar Q^2)/N}{1 - \operatorname{tr}((\Psi\bar Q)^2)/N}`,

.. math::
    \bar E_{\rm train} &= \frac{\lambda^2}{n}\operatorname{tr}\big(Y^\top\bar Q(I + \kappa\Psi)\bar QY\big),\\
    \bar E_{\rm test} &= \frac1{\hat n}\lVert\hat Y - \Psi_{\hat XX}\bar QY\rVert_F^2
      + \frac{\operatorname{tr}(Y^\top\bar Q\Psi\bar QY)/N}{1-\operatorname{tr}((\Psi\bar Q)^2)/N}
        \cdot\frac1{\hat n}\Big(\operatorname{tr}\Psi_{\hat X\hat X}
        - \operatorname{tr}\big((I+\lambda\bar Q)\Psi_{X\hat X}\Psi_{\hat XX}\bar Q\big)\Big).

The training error is :math:`\lambda^2\partial_z\operatorname{tr}(Y^\top\bar Q(z)Y)/n` at
:math:`z=-\lambda` (:math:`\kappa = \delta'/(1+\delta)`); the test error is LLC's
Theorem 3 written in this normalization (their :math:`\gamma = \lambda N/T`).
:math:`\delta>0` is the unique root of a monotone scalar equation, found by
bracketing (Brent).  Everything is computed in the eigenbasis of :math:`\Phi`, once.

**Two equivalents** (``method``).  ``"llc"`` is the one above (:math:`\delta` replaced
by its mean): exact when :math:`d, n, N\to\infty` together, off by O(1/d) at a fixed
input dimension (digits, :math:`d = 61`: small-ridge training errors 9–10% low,
spectrum KS 0.015 against a noise level of 0.0015).  ``"fluctuating"`` (the default of
:meth:`RandomFeaturesEquivalent.from_data`) keeps :math:`\delta(w)` of each row inside
the expectation (:mod:`rmttheory.regression.fluctuating`).  A kernel matrix given
directly can only use ``"llc"``.

**Checks.** ``tests/test_data_equivalent.py`` (Gaussian data: the Pennington–Worah law
and :class:`RandomFeaturesRidge`; digits: spectrum and risks against sampled random
features within calibrated tolerances) and ``tests/test_fluctuating.py`` (the reduction
to LLC, independence of the number of draws, sampling on digits).
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import brentq

from rmttheory import _params
from rmttheory._params import SeedLike
from rmttheory.distributions import MixtureSilversteinLaw, SilversteinLaw, SpectralDistribution
from rmttheory.errors import ConvergenceError, ParameterError
from rmttheory.kernels.expected import ExpectedKernel, expected_kernel, expected_kernel_diagonal
from rmttheory.regression.fluctuating import FluctuatingErrors, fluctuating_errors
from rmttheory.regression.sampler import FeatureSampler, energy_profiles
from rmttheory.resources import require_bytes

__all__ = ["RandomFeaturesEquivalent", "METHODS"]

#: the equivalents (module docstring)
METHODS = ("fluctuating", "llc")


def _matrix(a: Any, name: str) -> np.ndarray:
    a = _params.real_array(a, name, allow_empty=False, finite=True)
    if a.ndim != 2:
        raise ParameterError(f"{name} must be a 2-D array, got shape {a.shape}")
    return a


@dataclass
class RandomFeaturesEquivalent:
    """Deterministic equivalent of random features on fixed data (module docstring).

    Parameters
    ----------
    phi
        :math:`\\Phi` on the training samples (``n × n``, symmetric PSD).
    phi_cross
        :math:`\\Phi_{\\hat XX}` (``n_test × n``), for test errors.
    phi_test_diag
        The diagonal of :math:`\\Phi_{\\hat X\\hat X}` (``n_test``), for test errors.
    kernel
        How :math:`\\Phi` was computed (kept for records).
    method
        ``"llc"`` or ``"fluctuating"`` (module docstring; the latter needs ``sampler``).
    sampler
        Draws of the rows :math:`\\sigma(w)` on the data (:class:`FeatureSampler`).
    replicates, samples, spectrum_samples, samples_factor
        Fluctuating equivalent: independent replicates of the errors, draws of
        :math:`w` per replicate (default :func:`~rmttheory.regression.sampler.default_samples`
        with ``samples_factor``), and energy profiles of the spectrum.

    Examples
    --------
    >>> import numpy as np
    >>> rng = _params.generator(0)
    >>> X = rng.standard_normal((50, 100))
    >>> eq = RandomFeaturesEquivalent.from_data("relu", X)
    >>> law = eq.spectrum(width=200)
    >>> round(law.mean() / eq.mean_eigenvalue(), 9)  # tr K / n = tr Phi / n
    1.0
    """

    phi: np.ndarray
    phi_cross: np.ndarray | None = None
    phi_test_diag: np.ndarray | None = None
    kernel: dict[str, Any] = field(default_factory=dict)
    method: str = "llc"
    sampler: FeatureSampler | None = None
    replicates: int = 4
    samples: int | None = None
    spectrum_samples: int = 2000
    samples_factor: float = 4.0

    def __post_init__(self) -> None:
        self.method = _params.choice(self.method, "method", METHODS)
        if self.method == "fluctuating" and self.sampler is None:
            raise ParameterError(
                "the fluctuating equivalent needs the activation and the data: use "
                "RandomFeaturesEquivalent.from_data(act, X, ...), or method='llc' for a kernel"
            )
        self.replicates = _params.integer(self.replicates, "replicates", minimum=2, maximum=64)
        self.spectrum_samples = _params.integer(
            self.spectrum_samples, "spectrum_samples", minimum=50, maximum=10**6
        )
        phi = _matrix(self.phi, "phi")
        if phi.shape[0] != phi.shape[1]:
            raise ParameterError(f"phi must be square, got shape {phi.shape}")
        if not np.allclose(phi, phi.T, rtol=1e-10, atol=1e-12 * np.abs(phi).max()):
            raise ParameterError("phi must be symmetric")
        self.phi = phi
        if (self.phi_cross is None) != (self.phi_test_diag is None):
            raise ParameterError("give both phi_cross and phi_test_diag, or neither")
        if self.phi_cross is not None:
            self.phi_cross = _matrix(self.phi_cross, "phi_cross")
            diag = _params.real_array(self.phi_test_diag, "phi_test_diag", finite=True)
            if self.phi_cross.shape[1] != phi.shape[0] or diag.shape != (self.phi_cross.shape[0],):
                raise ParameterError(
                    "phi_cross must be n_test × n and phi_test_diag of length n_test"
                )
            self.phi_test_diag = diag
        t, u = np.linalg.eigh(phi)
        if t[0] < -1e-8 * max(t[-1], 1e-300):
            raise ParameterError(f"phi is not positive semi-definite (eigenvalue {t[0]:.3g})")
        # eigenvalues at round-off level are exact zeros of the population
        self._t = np.where(t > 1e-13 * t[-1], t, 0.0)
        self._u = u
        self._laws: dict[tuple[str, int], SpectralDistribution] = {}  # one law per width
        self._errors: dict[tuple, FluctuatingErrors] = {}
        self._warm: dict[tuple[int, int], np.ndarray] = {}  # converged fixed points by draws
        self._profiles: np.ndarray | None = None
        if self.phi_cross is not None:
            self._cross_u = self.phi_cross @ u  # Phi_hatX,X in the eigenbasis
            self._cross_sq = np.sum(self._cross_u**2, axis=0)  # diag(U^T Phi_XhatX Phi_hatXX U)

    # -- construction ----------------------------------------------------------------
    @classmethod
    def from_data(
        cls,
        act: Any,
        X: Any,
        X_test: Any = None,
        *,
        sigma_w: float = 1.0,
        tol: float = 1e-10,
        method: str = "fluctuating",
        replicates: int = 4,
        samples: int | None = None,
        spectrum_samples: int = 2000,
        seed: SeedLike = 0,
        samples_factor: float = 4.0,
    ) -> RandomFeaturesEquivalent:
        """From an activation and data (``d × n``; test data ``d × n_test``).

        :math:`\\Phi` by :func:`rmttheory.kernels.expected_kernel` (closed form when
        there is one, else the Hermite series to ``tol``).  ``method``, ``replicates``,
        ``samples``, ``spectrum_samples``: see the class; ``seed`` seeds the draws of
        :math:`w` of the fluctuating equivalent.
        """
        X = _matrix(X, "X")
        method = _params.choice(method, "method", METHODS)
        n_test = 0 if X_test is None else np.shape(X_test)[-1]
        n = X.shape[1]  # the kernels and eigenvectors must fit
        require_bytes(
            8 * (4 * n * n + 3 * n * int(n_test)), f"random-features equivalent of n = {n}"
        )
        k: ExpectedKernel = expected_kernel(act, X, sigma_w=sigma_w, tol=tol)
        info = k.to_dict()
        extra: dict[str, Any] = {"method": method, "replicates": replicates, "samples": samples,
                                 "spectrum_samples": spectrum_samples,
                                 "samples_factor": samples_factor}  # fmt: skip
        if X_test is not None:
            X_test = _matrix(X_test, "X_test")
        if method == "fluctuating":
            extra["sampler"] = FeatureSampler(act, X, X_test, sigma_w=sigma_w, seed=seed)
        if X_test is None:
            return cls(k.matrix, kernel=info, **extra)
        cross = expected_kernel(act, X_test, X, sigma_w=sigma_w, tol=tol)
        diag = expected_kernel_diagonal(act, X_test, sigma_w=sigma_w)
        info["error_bound"] = max(info["error_bound"], cross.error_bound)
        return cls(k.matrix, cross.matrix, diag, kernel=info, **extra)

    def with_method(self, method: str) -> RandomFeaturesEquivalent:
        """The same kernels with the other equivalent (``"llc"`` always works; ``"fluctuating"``
        needs the sampler this one was built with)."""
        return dataclasses.replace(self, method=method)

    # -- basic quantities ----------------------------------------------------------------
    @property
    def n(self) -> int:
        """Training samples."""
        return int(self.phi.shape[0])

    def mean_eigenvalue(self) -> float:
        """:math:`\\operatorname{tr}\\Phi/n = \\mathbb E\\operatorname{tr}K/n` (exact for every N)."""
        return float(np.trace(self.phi) / self.n)

    def population(self) -> np.ndarray:
        """Eigenvalues of :math:`\\Phi` (ascending; round-off level set to 0)."""
        return self._t.copy()

    def delta(self, lam: float, width: int) -> float:
        """:math:`\\delta(-\\lambda) > 0`, root of :math:`\\delta = \\frac1N\\sum_k t_k/(t_k/(1+\\delta)+\\lambda)`."""
        lam = _params.real(lam, "lam", positive=True)
        N = _params.integer(width, "width", minimum=1)
        t = self._t

        def g(d: float) -> float:
            return d - float(np.sum(t * (1 + d) / (t + lam * (1 + d)))) / N

        hi = float(np.sum(t)) / (N * lam)  # g(hi) >= 0 since each term <= t/lam
        if hi <= 0:
            return 0.0
        try:
            return float(brentq(g, 0.0, hi * (1 + 1e-12) + 1e-300, xtol=1e-300, rtol=1e-15))
        except ValueError as exc:  # pragma: no cover - g changes sign by construction
            raise ConvergenceError(f"delta did not bracket: {exc}") from None

    def spectrum(self, width: int) -> SpectralDistribution:
        """Law of the eigenvalues of :math:`K = \\Sigma^\\top\\Sigma/N` (module docstring).

        ``"llc"``: a :class:`~rmttheory.distributions.SilversteinLaw` with population
        :math:`\\operatorname{spec}\\Phi` (weights 1/n) and :math:`\\gamma = n/N`.
        ``"fluctuating"``: a :class:`~rmttheory.distributions.MixtureSilversteinLaw` of
        ``spectrum_samples`` energy profiles of rows in the eigenbasis of :math:`\\Phi`
        (:func:`~rmttheory.regression.fluctuating.energy_profiles`), same ratio.
        Either way the atom at 0 has mass :math:`\\max(1-N/n,\\ \\#\\{t_k = 0\\}/n)`
        and the mean is :math:`\\operatorname{tr}\\Phi/n`.
        """
        N = _params.integer(width, "width", minimum=1)
        key = (self.method, N)
        if key not in self._laws:
            if self.method == "llc":
                law: SpectralDistribution = SilversteinLaw(
                    self._t, np.full(self.n, 1.0 / self.n), self.n / N
                )
            else:
                law = MixtureSilversteinLaw(self.profiles(), self.n / N)
            self._laws[key] = law
        return self._laws[key]

    def profiles(self) -> np.ndarray:
        """Energy profiles of the fluctuating spectrum (``spectrum_samples × n``, drawn once)."""
        if self.sampler is None:
            raise ParameterError("energy profiles need the sampler (from_data)")
        if self._profiles is None:
            self._profiles = energy_profiles(self.sampler, self._u, self._t, self.spectrum_samples)
        return self._profiles

    def quadratic_forms(self, S: np.ndarray, lam: float, width: int) -> np.ndarray:
        """LLC's :math:`\\sigma_m^\\top\\bar Q\\sigma_m` for rows ``S`` (``M × n``) at
        :math:`z = -\\lambda` (the start of the fluctuating fixed point)."""
        d = self.delta(lam, width)
        q = 1.0 / (self._t / (1 + d) + lam)
        return ((S @ self._u) ** 2) @ q

    # -- risks ------------------------------------------------------------------------
    def _targets(self, Y: Any, n: int, name: str) -> np.ndarray:
        Y = _params.real_array(Y, name, allow_empty=False, finite=True)
        if Y.ndim == 1:
            Y = Y[:, None]
        if Y.ndim != 2 or Y.shape[0] != n:
            raise ParameterError(f"{name} must have {n} rows (one per sample), got shape {Y.shape}")
        return Y

    def _parts(self, lam: float, width: int) -> tuple[np.ndarray, np.ndarray, float, float]:
        N = _params.integer(width, "width", minimum=1)
        d = self.delta(lam, N)
        psi = self._t / (1 + d)
        q = 1.0 / (psi + lam)
        den = 1.0 - float(np.sum((psi * q) ** 2)) / N
        if den <= 0:  # pragma: no cover - den > 0 for lam > 0
            raise ConvergenceError("1 - tr((Psi Qbar)^2)/N <= 0")
        return psi, q, d, den

    def errors(
        self, Y: Any, Y_test: Any, lam: float, width: int, *, replicates: int | None = None
    ) -> FluctuatingErrors:
        """Training and test errors with their numerical standard errors.

        ``"llc"``: the closed forms (standard errors 0, one "replicate").
        ``"fluctuating"``: :func:`~rmttheory.regression.fluctuating.fluctuating_errors`
        (cached per targets, ridge, width and replicates).  Replicate ``r`` always uses
        the same draws of :math:`w` (common random numbers across ridges and widths).

        Parameters
        ----------
        Y, Y_test
            Targets (``n × C``) and held-out targets (``n_test × C`` or None).
        lam, width
            Ridge and :math:`N`.
        replicates
            Override the equivalent's number of replicates (``1``: no standard error).

        Returns
        -------
        FluctuatingErrors
        """
        Y = self._targets(Y, self.n, "Y")
        lam = _params.real(lam, "lam", positive=True)
        N = _params.integer(width, "width", minimum=1)
        if Y_test is not None:
            if self.phi_cross is None:
                raise ParameterError(
                    "test errors need the test kernels: from_data(..., X_test=...)"
                )
            Y_test = self._targets(Y_test, self.phi_cross.shape[0], "Y_test")
            if Y_test.shape[1] != Y.shape[1]:
                raise ParameterError("Y and Y_test must have the same number of columns")
        if self.method == "llc":
            tr = self._llc_train(Y, lam, N)
            te = None if Y_test is None else self._llc_test(Y, Y_test, lam, N)
            vals = {"train": [tr], "test": [] if te is None else [te]}
            return FluctuatingErrors(tr, te, 0.0, None if te is None else 0.0, 0, 1, vals)
        R = (
            self.replicates
            if replicates is None
            else _params.integer(replicates, "replicates", minimum=1, maximum=64)
        )
        digest = hashlib.sha1(Y.tobytes() + (b"" if Y_test is None else Y_test.tobytes()))
        key = (digest.hexdigest(), lam, N, R)
        if key not in self._errors:
            assert self.sampler is not None
            self._errors[key] = fluctuating_errors(
                self.sampler, Y, Y_test, lam, N, start=self.quadratic_forms,
                samples=self.samples, replicates=R, samples_factor=self.samples_factor,
                warm=self._warm,
            )  # fmt: skip
        return self._errors[key]

    def train_mse(self, Y: Any, lam: float, width: int) -> float:
        """:math:`\\bar E_{\\rm train}` for targets ``Y`` (``n × C``): the closed form of the
        module docstring (``"llc"``) or the fluctuating equivalent's mean (:meth:`errors`)."""
        if self.method == "fluctuating":
            return self.errors(Y, None, lam, width).train
        Y = self._targets(Y, self.n, "Y")
        return self._llc_train(Y, lam, _params.integer(width, "width", minimum=1))

    def _llc_train(self, Y: np.ndarray, lam: float, N: int) -> float:
        psi, q, _, den = self._parts(lam, N)
        energy = np.sum((self._u.T @ Y) ** 2, axis=1)  # |U^T Y|^2 per direction
        kappa = float(np.sum(psi * q * q)) / N / den
        return float(lam**2 * np.sum(q * q * (1 + kappa * psi) * energy) / self.n)

    def test_mse(self, Y: Any, Y_test: Any, lam: float, width: int) -> float:
        """:math:`\\bar E_{\\rm test}` (module docstring, or the fluctuating equivalent's
        mean, :meth:`errors`); needs ``phi_cross``."""
        if self.phi_cross is None:
            raise ParameterError("test errors need the test kernels: from_data(..., X_test=...)")
        if Y_test is None:
            raise ParameterError("test errors need held-out targets Y_test")
        out = self.errors(Y, Y_test, lam, width)
        assert out.test is not None
        return out.test

    def _llc_test(self, Y: np.ndarray, Y_test: np.ndarray, lam: float, N: int) -> float:
        assert self.phi_cross is not None
        n_test = self.phi_cross.shape[0]
        psi, q, d, den = self._parts(lam, N)
        uy = self._u.T @ Y
        pred = self._cross_u @ (q[:, None] * uy) / (1 + d)
        bias = float(np.sum((Y_test - pred) ** 2)) / n_test
        scale = float(np.sum(psi * q * q * np.sum(uy**2, axis=1))) / N / den
        assert self.phi_test_diag is not None
        var = float(np.sum(self.phi_test_diag)) / (1 + d)
        var -= float(np.sum(q * (1 + lam * q) * self._cross_sq)) / (1 + d) ** 2
        return bias + scale * var / n_test

    def risk(self, Y: Any, Y_test: Any, lam: Any, widths: Any) -> dict[str, np.ndarray]:
        """``train`` and ``test`` (if ``Y_test`` is given) over a grid of (lam, widths), broadcast."""
        lm = _params.real_array(lam, "lam", allow_empty=False, finite=True, positive=True)
        ws = np.asarray(widths)
        lm, ws = np.broadcast_arrays(lm, ws)
        out = {"train": np.empty(lm.shape)}
        if Y_test is not None:
            out["test"] = np.empty(lm.shape)
        for idx in np.ndindex(lm.shape):
            e = self.errors(Y, Y_test, float(lm[idx]), int(ws[idx]))
            out["train"][idx] = e.train
            if Y_test is not None:
                out["test"][idx] = e.test
        return out
