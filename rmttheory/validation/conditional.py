r"""The prediction conditional on the data in hand, against sampling.

:func:`check_conditional` draws one data matrix :math:`X` of a
:class:`~rmttheory.validation.derived.DerivedModel`, samples only the weights, and
compares the pooled spectra of :math:`M = YY^\top/m` with
:meth:`~rmttheory.validation.derived.DerivedModel.conditional_law` (the random-features
equivalent on that :math:`X`) by the KS distance.  The tolerance is the Wishart null at
the same size (:func:`~rmttheory.validation.tolerance.ks_tolerance`, false-alarm rate
:data:`~rmttheory.validation.tolerance.ALPHA`) plus the law's stated numerical error
(``numerical_error`` of :class:`~rmttheory.distributions.MixtureSilversteinLaw`; 0 for
the LLC equivalent's :class:`~rmttheory.distributions.SilversteinLaw`).  Tested in
``tests/test_conditional.py``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rmttheory import _params
from rmttheory._params import SeedLike
from rmttheory.distributions import ScaledLaw
from rmttheory.validation.compare import ks_distance
from rmttheory.validation.derived import DerivedModel
from rmttheory.validation.tolerance import ALPHA, ks_tolerance

__all__ = ["check_conditional"]


def check_conditional(
    model: DerivedModel,
    seeds: int = 4,
    rng: SeedLike = 0,
    alpha: float = ALPHA,
    *,
    method: str = "fluctuating",
    spectrum_samples: int = 1000,
) -> dict[str, Any]:
    """One data matrix, ``seeds`` draws of the weights: the law conditional on the data
    (:meth:`DerivedModel.conditional_law`) against the pooled spectra.

    Parameters
    ----------
    model
        A one-layer model without feature noise.
    seeds
        Draws of :math:`W` pooled (the data are drawn once, first).
    rng
        Seed of the data and the weights.
    alpha
        False-alarm rate of the tolerance.
    method, spectrum_samples
        The conditional law's equivalent and its energy profiles.

    Returns
    -------
    dict
        ``ks``, ``tolerance`` (the Wishart null at the size plus the law's numerical
        error), ``pass`` and ``power``: the conditional law first, then the limit law
        (the derived one, blind to the realized data), the conditional law of the LLC
        equivalent (when ``method`` is the fluctuating one), the kernel scaled by 1.02 and
        the width by 1.05; each with ``ks`` and ``rejected``.

    Examples
    --------
    >>> model = DerivedModel(("x**2 - 1",), 100, (125,), 200, data_spectrum={1: 0.5, 4: 0.5})
    >>> out = check_conditional(model, seeds=2, method="llc")
    >>> out["pass"], [p["theory"] for p in out["power"]][:2]
    (True, ['conditional (llc)', 'limit law'])
    """
    seeds = _params.integer(seeds, "seeds", minimum=1)
    gen = _params.generator(rng)
    X = model.sample_data(gen)
    eig = np.concatenate([model.sample(gen, X=X) for _ in range(seeds)])
    law = model.conditional_law(X, method=method, spectrum_samples=spectrum_samples)
    numerical = float(getattr(law.base.base, "numerical_error", 0.0))  # type: ignore[attr-defined]
    tol = ks_tolerance(model.widths[-1], model.m, seeds, alpha)
    limit = tol.value + numerical
    ks = ks_distance(law, eig)
    power = [{"theory": f"conditional ({method})", "ks": ks, "rejected": ks > limit}]
    wrong: dict[str, Any] = {"limit law": model.law().distribution()}
    if method == "fluctuating":
        wrong["conditional (llc)"] = model.conditional_law(X, method="llc")
    wrong["kernel x 1.02"] = ScaledLaw(law, 1.02)
    wrong["width x 1.05"] = model.conditional_law(
        X, round(model.widths[0] * 1.05), method=method, spectrum_samples=spectrum_samples
    )
    for name, alt in wrong.items():
        d = ks_distance(alt, eig)
        power.append({"theory": name, "ks": d, "rejected": d > limit})
    return {
        "model": {k: v for k, v in model.__dict__.items() if not k.startswith("_")},
        "method": method, "ks": ks, "tolerance": limit, "null_quantile": tol.null_quantile,
        "allowance": tol.allowance, "numerical_error": numerical, "alpha": alpha,
        "seeds": seeds, "pass": bool(ks <= limit), "power": power,
    }  # fmt: skip
