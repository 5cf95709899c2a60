r"""Derived laws (:mod:`rmttheory.algebra`) against sampled random-feature Gram matrices.

:class:`DerivedModel` names a model the derivation covers — structured Gaussian data
(a discrete spectrum of :math:`\Sigma_x`), several nonlinear layers, Gaussian noise
added to the features — and knows how to sample it and how to derive its law.

Sampling (the normalization of :mod:`rmttheory.algebra.models`): the columns of
:math:`X` (:math:`n_0\times m`) are :math:`\mathcal N(0,\Sigma_x)` with
:math:`\Sigma_x` diagonal, ``round(weight * n0)`` variances of each value; layer
:math:`\ell` draws :math:`W_\ell` with iid :math:`\mathcal N(0,\sigma_w^2/n_{\ell-1})`
entries and sets :math:`Y_\ell = f_\ell(W_\ell Y_{\ell-1}) - \mathbb E f_\ell(\sigma_\ell z)`
(centered at the theory's :math:`\sigma_\ell`,
:func:`rmttheory.algebra.models.network_constants`); ``noise`` adds
:math:`\tau^2`-variance Gaussian noise to the last layer; the spectrum is that of
:math:`Y_LY_L^\top/m`.

:meth:`DerivedModel.conditional_law` is the prediction *at the data in hand*: for one
layer without feature noise, the random-features equivalent on the given :math:`X`
(:class:`~rmttheory.regression.RandomFeaturesEquivalent`, by default the fluctuating one)
mapped from :math:`K = Y^\top Y/n_1` to :math:`M = YY^\top/m`
(:class:`~rmttheory.distributions.ChangeOfSizeLaw`).  It keeps what the limit law
averages away at finite :math:`n_0`: the realized column norms of :math:`X` (their
spread :math:`\sqrt{2/n_0}` moves the feature means of an even activation) and the
realized data spectrum.  :func:`rmttheory.validation.conditional.check_conditional`
fixes one :math:`X`, samples only :math:`W`, and checks the conditional law (the limit
law is then one of the wrong theories).

:func:`check_model` compares pooled sampled spectra with the derived law by the KS
distance within :func:`~rmttheory.validation.tolerance.ks_tolerance` (false-alarm
rate :data:`~rmttheory.validation.tolerance.ALPHA`, the Wishart null at the same
size plus three eigenvalues' displacement) and reports, with the same tolerance,
the KS distance of wrong theories: :math:`\eta` of the last layer off by 2%,
:math:`\phi` off by 5%, and (for structured data) the isotropic data of the same
trace — the law a derivation without the data spectrum would give.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp

from rmttheory import _params
from rmttheory._params import SeedLike
from rmttheory.activation import activation
from rmttheory.algebra.law import AlgebraicLaw
from rmttheory.algebra.models import deep_nonlinear_gram, network_constants
from rmttheory.constants import gaussian_constants
from rmttheory.distributions import ChangeOfSizeLaw, ScaledLaw, SpectralDistribution
from rmttheory.errors import ParameterError
from rmttheory.resources import require_bytes
from rmttheory.validation.tolerance import ALPHA, ks_tolerance

__all__ = ["DerivedModel", "check_model"]


@dataclass(frozen=True)
class DerivedModel:
    """A random-feature model with a derived law (module docstring).

    Parameters
    ----------
    activations
        One activation name per layer.
    n0, widths, m
        Input dimension, layer widths, number of samples.
    sigma_w
        Weight scale (all layers).
    data_spectrum
        ``{variance: weight}`` of :math:`\\Sigma_x` (None: identity).
    noise
        Variance of the noise added to the last layer's features.

    Examples
    --------
    >>> model = DerivedModel(("tanh",), 40, (50,), 80, data_spectrum={1: 0.5, 4: 0.5})
    >>> model.phi, model.psis
    (0.5, (0.8,))
    >>> model.sample(rng=0).shape
    (50,)
    """

    activations: tuple[str, ...] = ("tanh",)
    n0: int = 800
    widths: tuple[int, ...] = (1000,)
    m: int = 1600
    sigma_w: float = 1.0
    data_spectrum: dict[float, float] | None = None
    noise: float = 0.0
    _cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if len(self.activations) != len(self.widths) or not self.widths:
            raise ParameterError("need one activation per layer width")
        for name, v in [("n0", self.n0), ("m", self.m), *[("width", w) for w in self.widths]]:
            _params.integer(v, name, minimum=2)
        _params.real(self.sigma_w, "sigma_w", positive=True)
        _params.real(self.noise, "noise", nonnegative=True)

    @property
    def phi(self) -> float:
        """:math:`n_0/m`."""
        return self.n0 / self.m

    @property
    def psis(self) -> tuple[float, ...]:
        """:math:`n_{\\ell-1}/n_\\ell` per layer."""
        dims = (self.n0, *self.widths)
        return tuple(dims[k] / dims[k + 1] for k in range(len(self.widths)))

    def constants(self) -> list[tuple[sp.Expr, sp.Expr, sp.Expr]]:
        """``(sigma2, eta, zeta)`` per layer (:func:`~rmttheory.algebra.models.network_constants`)."""
        if "constants" not in self._cache:
            self._cache["constants"] = network_constants(
                self.activations, self.sigma_w, self.data_spectrum
            )
        return self._cache["constants"]

    def law(
        self,
        *,
        eta_factor: float = 1.0,
        phi_factor: float = 1.0,
        noise_factor: float = 1.0,
        isotropic: bool = False,
        last_layer_only: bool = False,
    ) -> AlgebraicLaw:
        """The derived law; the keywords build the wrong theories of :func:`check_model`
        (``isotropic``: the data replaced by isotropic data of the same trace;
        ``last_layer_only``: the last layer fed isotropic Gaussian inputs of the variance
        of the layer below, i.e. the spectrum propagated through the layers ignored)."""
        consts = [(e, z) for _, e, z in self.constants()]
        eta, zeta = consts[-1]
        consts[-1] = (eta * sp.Rational(repr(eta_factor)), zeta)
        data = self.data_spectrum
        if isotropic and data is not None:
            data = {sum(v * w for v, w in data.items()): 1}
        acts, phi, psis = self.activations, self.phi * phi_factor, self.psis
        if last_layer_only and len(acts) > 1:
            data = {self.constants()[-2][1]: 1}
            acts, psis, consts = acts[-1:], psis[-1:], consts[-1:]
            phi = self.widths[-2] / self.m * phi_factor
        return deep_nonlinear_gram(
            acts, phi, psis, sigma_w=self.sigma_w, data_spectrum=data, constants=consts,
            noise=self.noise * noise_factor,
        )  # fmt: skip

    def _data_scales(self) -> np.ndarray:
        if self.data_spectrum is None:
            return np.ones(self.n0)
        items = sorted(self.data_spectrum.items())
        counts = [round(w * self.n0) for _, w in items]
        counts[-1] = self.n0 - sum(counts[:-1])
        return np.sqrt(np.repeat([float(v) for v, _ in items], counts))

    def sample_data(self, rng: SeedLike = None) -> np.ndarray:
        """One data matrix :math:`X` (``n0 × m``, columns :math:`\\mathcal N(0,\\Sigma_x)`)."""
        rng = _params.generator(rng)
        return self._data_scales()[:, None] * rng.standard_normal((self.n0, self.m))

    def centered_activation(self, layer: int = 0) -> Any:
        """:math:`f_\\ell - \\mathbb E f_\\ell(\\sigma_\\ell z)`, the features the model samples."""
        sigma2 = float(self.constants()[layer][0])
        act = activation(self.activations[layer])
        mean = gaussian_constants(act, math.sqrt(sigma2), 1.0, digits=15).mean
        if act.is_symbolic:
            assert act.expr is not None
            return activation(act.expr - sp.Float(mean, 20))
        f = act.numpy()
        return lambda x: f(x) - mean

    def conditional_equivalent(
        self, X: Any, *, method: str = "fluctuating", spectrum_samples: int = 1000,
        seed: SeedLike = 0,
    ) -> Any:  # fmt: skip
        """The random-features equivalent of this (one-layer) model on the data ``X``.

        Parameters
        ----------
        X
            Data (``n0 × m``).
        method
            ``"fluctuating"`` or ``"llc"`` (:class:`~rmttheory.regression.RandomFeaturesEquivalent`).
        spectrum_samples, seed
            Energy profiles of the fluctuating law and their seed.

        Returns
        -------
        RandomFeaturesEquivalent
        """
        import hashlib

        from rmttheory.regression import RandomFeaturesEquivalent

        if len(self.widths) != 1 or self.noise:
            raise ParameterError("conditional laws cover one layer without feature noise")
        X = _params.real_array(X, "X", allow_empty=False, finite=True)
        if X.shape != (self.n0, self.m):
            raise ParameterError(f"X must be {self.n0} × {self.m}, got {X.shape}")
        key = f"conditional {method} {spectrum_samples} {hashlib.sha1(X.tobytes()).hexdigest()}"
        if key not in self._cache:
            self._cache[key] = RandomFeaturesEquivalent.from_data(
                self.centered_activation(), X, sigma_w=self.sigma_w, method=method,
                spectrum_samples=spectrum_samples, seed=seed,
            )  # fmt: skip
        return self._cache[key]

    def conditional_law(self, X: Any, width: int | None = None, **kw: Any) -> SpectralDistribution:
        """The law of :math:`M = YY^\\top/m` given the data ``X`` (module docstring).

        Parameters
        ----------
        X
            Data (``n0 × m``).
        width
            :math:`n_1` (default the model's).
        **kw
            ``method``, ``spectrum_samples``, ``seed`` of :meth:`conditional_equivalent`.

        Returns
        -------
        SpectralDistribution
        """
        eq = self.conditional_equivalent(X, **kw)
        N = self.widths[0] if width is None else _params.integer(width, "width", minimum=1)
        return ScaledLaw(ChangeOfSizeLaw(eq.spectrum(N), self.m, N), N / self.m)

    def sample(self, rng: SeedLike = None, X: Any = None) -> np.ndarray:
        """Eigenvalues of one sampled :math:`Y_LY_L^\\top/m` (ascending); a new :math:`X`
        unless one is given."""
        rng = _params.generator(rng)
        dims = (self.n0, *self.widths)
        require_bytes(8 * (max(dims) * self.m * 3 + max(dims) ** 2), "derived model sample")
        if X is None:
            X = self.sample_data(rng)
        for k, act in enumerate(self.activations):
            sigma2 = float(self.constants()[k][0])
            W = rng.standard_normal((dims[k + 1], dims[k])) * (self.sigma_w / math.sqrt(dims[k]))
            f = activation(act).numpy()
            mean = gaussian_constants(act, math.sqrt(sigma2), 1.0, digits=15).mean
            X = f(W @ X) - mean
        if self.noise:
            X = X + math.sqrt(self.noise) * rng.standard_normal(X.shape)
        return np.linalg.eigvalsh(X @ X.T / self.m)


def check_model(
    model: DerivedModel,
    seeds: int = 1,
    rng: SeedLike = 0,
    alpha: float = ALPHA,
    *,
    curves: bool = False,
    eigenvalues: Any = None,
) -> dict[str, Any]:
    """Sampled spectra of ``model`` against its derived law, with the power of the check.

    Parameters
    ----------
    model
        The model.
    seeds
        Independent samples pooled.
    rng
        Seed of the samples.
    alpha
        False-alarm rate of the tolerance.
    curves
        Also return what a figure needs: on a geometric grid ``x`` spanning the sampled
        spectrum, its empirical cdf (``empirical_cdf``, numerical zeros counted at 0),
        the derived law's ``cdf``, and that of the last wrong theory (``wrong_cdf``,
        named by ``wrong``).
    eigenvalues
        A pooled sample already drawn (then ``seeds`` and ``rng`` are not used).

    Returns
    -------
    dict
        ``ks``, ``tolerance`` (with ``null_quantile``, ``allowance``, ``alpha``), ``pass``,
        ``degree`` (of the law in G), ``model``, and ``power``: per theory (the derived one
        first, then the wrong ones) its ``ks``, ``rejected``, and what it changes
        (``parameter``, ``relative``); plus the curves when asked.

    Examples
    --------
    >>> out = check_model(DerivedModel(("tanh",), 200, (250,), 400))
    >>> out["pass"], [p["rejected"] for p in out["power"]]
    (True, [False, True, False])
    """
    from rmttheory.validation.compare import ks_distance

    seeds = _params.integer(seeds, "seeds", minimum=1)
    if eigenvalues is None:
        gen = _params.generator(rng)
        eig = np.concatenate([model.sample(gen) for _ in range(seeds)])
    else:
        eig = _params.real_array(eigenvalues, "eigenvalues", allow_empty=False, finite=True)
    law = model.law()
    tol = ks_tolerance(model.widths[-1], model.m, seeds, alpha)
    ks = ks_distance(law.distribution(), eig)
    wrong: dict[str, dict[str, Any]] = {
        "eta x 1.02": {"eta_factor": 1.02},
        "phi x 1.05": {"phi_factor": 1.05},
    }
    # what each wrong theory changes ("eta_last": eta of the last layer only, so the report's
    # summary of eta errors on Pennington-Worah spectra does not count these rows)
    changed = {"eta x 1.02": ("eta_last", 0.02), "phi x 1.05": ("phi", 0.05)}
    if model.data_spectrum is not None:
        wrong["isotropic data"] = {"isotropic": True}
    if len(model.widths) > 1:
        wrong["last layer only"] = {"last_layer_only": True}
    if model.noise:
        wrong["noise x 1.1"] = {"noise_factor": 1.1}
    power = [{"theory": "derived", "ks": ks, "rejected": ks > tol.value}]
    dist = law.distribution()
    wrong_dist = dist
    for name, kw in wrong.items():
        wrong_dist = model.law(**kw).distribution()
        d = ks_distance(wrong_dist, eig)
        parameter, relative = changed.get(name, ("structure", None))
        power.append({"theory": name, "ks": d, "rejected": d > tol.value,
                      "parameter": parameter, "relative": relative})  # fmt: skip
    extra: dict[str, Any] = {}
    if curves:
        from rmttheory.validation.compare import clean_zeros

        clean = np.sort(clean_zeros(eig))
        pos = clean[clean > 0]
        x = np.geomspace(0.5 * pos.min(), 1.05 * max(pos.max(), dist.support()[-1][1]), 400)
        extra = {
            "x": x.tolist(),
            "empirical_cdf": (np.searchsorted(clean, x, side="right") / clean.size).tolist(),
            "cdf": dist.cdf(x).tolist(), "wrong": power[-1]["theory"],
            "wrong_cdf": wrong_dist.cdf(x).tolist(),
        }  # fmt: skip
    return {
        "model": {k: v for k, v in model.__dict__.items() if not k.startswith("_")},
        "degree": law.degree,
        "ks": ks,
        "tolerance": tol.value,
        "null_quantile": tol.null_quantile,
        "allowance": tol.allowance,
        "alpha": alpha,
        "seeds": seeds,
        "pass": bool(ks <= tol.value),
        "power": power,
        **extra,
    }
