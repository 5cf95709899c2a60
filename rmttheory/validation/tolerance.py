r"""Tolerances of theory-versus-simulation checks, in one place.

* **Spectra** (KS distance between pooled sampled eigenvalues and a law):
  :func:`ks_tolerance`.
* **Means of trials** (risks, errors, traces): :func:`mean_check` passes when
  the trial mean is within ``z`` standard errors plus a stated finite-size
  allowance ``rel`` (relative) of the prediction.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from rmttheory import _params

__all__ = ["ALPHA", "Z", "ks_tolerance", "mean_check"]

#: false-alarm level of one spectral check
ALPHA = 1e-3
#: standard errors allowed to a trial mean
Z = 5.0


def ks_tolerance(n_values: int, alpha: float = ALPHA) -> float:
    """Dvoretzky–Kiefer–Wolfowitz bound :math:`\\sqrt{\\ln(2/\\alpha)/(2N)}` for N values.

    Parameters
    ----------
    n_values
        Number of pooled values.
    alpha
        False-alarm level.

    Returns
    -------
    float

    Examples
    --------
    >>> round(ks_tolerance(1200), 4)
    0.0563
    """
    n_values = _params.integer(n_values, "n_values", minimum=1)
    alpha = _params.real(alpha, "alpha", positive=True, high=1.0)
    return math.sqrt(math.log(2 / alpha) / (2 * n_values))


def mean_check(samples: Any, theory: Any, rel: float, z: float = Z) -> dict[str, Any]:
    """Trial mean, its standard error, the prediction, and whether they agree within
    ``z`` standard errors + ``rel`` relative (finite size) + 1e-12 (rounding).

    Parameters
    ----------
    samples
        Trial values.
    theory
        The prediction.
    rel
        Finite-size allowance (relative).
    z
        Standard errors allowed.

    Returns
    -------
    dict
        ``theory``, ``sim`` (mean), ``se``, ``tol`` and ``pass``.

    Examples
    --------
    >>> mean_check([1.0, 1.2, 0.8], 1.0, 0.0)["pass"]
    True
    """
    samples = _params.real_array(samples, "samples", allow_empty=False, finite=True).ravel()
    m = float(np.mean(samples))
    se = float(np.std(samples, ddof=1) / math.sqrt(samples.size)) if samples.size > 1 else 0.0
    th = float(theory)
    tol = z * se + rel * abs(th) + 1e-12
    return {"theory": th, "sim": m, "se": se, "tol": tol, "pass": bool(abs(m - th) <= tol)}
