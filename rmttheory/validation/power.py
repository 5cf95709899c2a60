r"""Power of the checks: the same statistic and tolerance against slightly wrong theories.

A check that a wrong theory would also pass proves nothing.  For every spectral
check of the report the statistic is recomputed against perturbed theories:
:math:`\eta\pm1\%`, :math:`\eta\pm2\%`, :math:`\zeta\pm5\%`, :math:`\phi\pm5\%`,
:math:`\psi\pm5\%`, and the Pennington–Worah equation with the wrong argument
:math:`P(1/z)` instead of :math:`P(1/(z\psi))` (the law of :math:`\psi\lambda`,
:class:`rmttheory.distributions.ScaledLaw`).  A perturbation is *rejected* when
the unchanged tolerance fails it.  A trace check under a perturbed theory
expects the sampled mean to move with the law's mean.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rmttheory.distributions.base import SpectralDistribution
from rmttheory.errors import RmtError

__all__ = [
    "Perturbation",
    "PERTURBATIONS",
    "perturbed_pennington_worah",
    "spectral_power",
    "smallest_rejected",
]


@dataclass(frozen=True)
class Perturbation:
    """A wrong theory: one parameter moved by a relative amount (or the wrong argument).

    Parameters
    ----------
    parameter
        ``"eta"``, ``"zeta"``, ``"phi"``, ``"psi"`` or ``"argument"``.
    relative
        The relative change (0 for ``"argument"``).

    Examples
    --------
    >>> Perturbation("eta", 0.02).name
    'η +2%'
    """

    parameter: str
    relative: float = 0.0

    @property
    def name(self) -> str:
        """A short label."""
        if self.parameter == "argument":
            return "P(1/z)"
        sym = SYMBOLS.get(self.parameter, self.parameter)
        return f"{sym} {self.relative * 100:+.0f}%"


#: how each perturbed parameter is written in tables
SYMBOLS = {"eta": "η", "zeta": "ζ", "phi": "φ", "psi": "ψ", "gamma": "γ", "noise": "σ²",
           "psi1": "ψ1", "beta": "β"}  # fmt: skip

PERTURBATIONS = [
    Perturbation("eta", 0.01),
    Perturbation("eta", -0.01),
    Perturbation("eta", 0.02),
    Perturbation("eta", -0.02),
    Perturbation("zeta", 0.05),
    Perturbation("zeta", -0.05),
    Perturbation("phi", 0.05),
    Perturbation("phi", -0.05),
    Perturbation("psi", 0.05),
    Perturbation("psi", -0.05),
    Perturbation("argument"),
]


def perturbed_pennington_worah(law: Any, p: Perturbation) -> SpectralDistribution | None:
    """The Pennington–Worah law with one perturbation, or None when it does not apply
    (:math:`\\zeta > \\eta` after the change, :math:`\\zeta = 0` for a ζ change,
    :math:`\\psi = 1` for the wrong argument, which is then the same law).

    Parameters
    ----------
    law
        A :class:`~rmttheory.distributions.PenningtonWorah` law.
    p
        The perturbation.

    Returns
    -------
    SpectralDistribution or None

    Examples
    --------
    >>> from rmttheory.distributions import PenningtonWorah
    >>> law = PenningtonWorah(1.0, 0.5, 0.5, 2.0)
    >>> perturbed_pennington_worah(law, Perturbation("eta", 0.02)).eta
    1.02
    """
    from rmttheory.distributions import PenningtonWorah, ScaledLaw

    if p.parameter == "argument":
        return None if law.psi == 1 else ScaledLaw(law, law.psi)
    vals = {"eta": law.eta, "zeta": law.zeta, "phi": law.phi, "psi": law.psi}
    if p.parameter == "zeta" and law.zeta == 0:
        return None
    vals[p.parameter] *= 1 + p.relative
    if vals["zeta"] > vals["eta"]:
        return None
    return PenningtonWorah(**vals)


def spectral_power(
    law: SpectralDistribution,
    perturb: Callable[[Perturbation], SpectralDistribution | None],
    sample: Any,
    ks_tol: float,
    trace: dict[str, Any] | None = None,
    perturbations: list[Perturbation] = PERTURBATIONS,
) -> list[dict[str, Any]]:
    """Rerun a spectral check (KS, and a trace check if given) against perturbed laws.

    Parameters
    ----------
    law
        The law the check used.
    perturb
        ``perturb(p)`` returns the perturbed law (or None when ``p`` does not apply).
    sample
        The sampled eigenvalues the check used (numerical zeros are counted at 0,
        as :func:`rmttheory.validation.compare.ks_distance` does).
    ks_tol
        The KS tolerance the check used.
    trace
        The check's :func:`rmttheory.validation.tolerance.trace_check` dict (its
        target moves by the change of the law's mean).
    perturbations
        Which wrong theories.

    Returns
    -------
    list of dict
        One row per perturbation: ``perturbation``, ``applies``, ``ks``,
        ``ks_reject``, ``trace_reject`` (None without a trace check), ``reject``.

    Examples
    --------
    >>> import numpy as np
    >>> from rmttheory.distributions import MarchenkoPastur, ScaledLaw
    >>> law = MarchenkoPastur(0.5)
    >>> sample = law.ppf((np.arange(1000) + 0.5) / 1000)
    >>> rows = spectral_power(law, lambda p: ScaledLaw(law, 1 + p.relative), sample, 0.01,
    ...                       perturbations=[Perturbation("eta", 0.05)])
    >>> rows[0]["reject"]
    True
    """
    from rmttheory.validation.compare import clean_zeros

    sample = clean_zeros(sample)  # numerical zeros count at the atom, as in the check
    base_mean = law.mean()
    rows = []
    for p in perturbations:
        row: dict[str, Any] = {"perturbation": p.name, "parameter": p.parameter,
                               "relative": p.relative}  # fmt: skip
        try:
            other = perturb(p)
        except RmtError:
            other = None
        if other is None:
            rows.append({**row, "applies": False, "ks": None, "ks_reject": None,
                         "trace_reject": None, "reject": None})  # fmt: skip
            continue
        ks = float(other.ks_distance(sample))
        trace_reject = None
        if trace is not None:
            target = trace["target"] + other.mean() - base_mean
            trace_reject = bool(abs(trace["mean"] - target) > trace["tol"])
        ks_reject = bool(ks > ks_tol)
        rows.append({**row, "applies": True, "ks": ks, "ks_reject": ks_reject,
                     "trace_reject": trace_reject, "reject": ks_reject or bool(trace_reject)})  # fmt: skip
    return rows


def mean_power(
    check: dict[str, Any],
    theory: Callable[[Perturbation], float | None],
    perturbations: list[Perturbation],
) -> list[dict[str, Any]]:
    """Rerun a trial-mean check (:func:`rmttheory.validation.tolerance.mean_check`)
    against perturbed predictions.

    Parameters
    ----------
    check
        The check's dict (``sim`` and ``tol`` are kept).
    theory
        ``theory(p)``: the prediction of the perturbed theory (None: ``p`` does not apply).
    perturbations
        Which wrong theories.

    Returns
    -------
    list of dict
        One row per perturbation: ``perturbation``, ``parameter``, ``relative``,
        ``applies``, ``theory``, ``reject``.

    Examples
    --------
    >>> rows = mean_power({"sim": 1.0, "tol": 0.01}, lambda p: 1.0 + p.relative,
    ...                   [Perturbation("gamma", 0.05)])
    >>> rows[0]["reject"]
    True
    """
    rows = []
    for p in perturbations:
        try:
            th = theory(p)
        except RmtError:
            th = None
        row = {"perturbation": p.name, "parameter": p.parameter, "relative": p.relative,
               "applies": th is not None, "theory": th}  # fmt: skip
        row["reject"] = None if th is None else bool(abs(check["sim"] - th) > check["tol"])
        rows.append(row)
    return rows


def smallest_rejected(rows: list[dict[str, Any]], parameter: str) -> float | None:
    """The smallest relative change of ``parameter`` that ``rows`` reject in both
    directions (None if some applicable one passes).

    Parameters
    ----------
    rows
        Output of :func:`spectral_power`.
    parameter
        ``"eta"``, ``"zeta"``, ``"phi"`` or ``"psi"``.

    Returns
    -------
    float or None

    Examples
    --------
    >>> rows = [{"parameter": "eta", "relative": r, "applies": True, "reject": abs(r) > 0.015}
    ...         for r in (0.01, -0.01, 0.02, -0.02)]
    >>> smallest_rejected(rows, "eta")
    0.02
    """
    sizes = sorted(
        {abs(r["relative"]) for r in rows if r["parameter"] == parameter and r["applies"]}
    )
    for size in sizes:
        same = [r for r in rows if r["parameter"] == parameter and r["applies"]
                and math.isclose(abs(r["relative"]), size)]  # fmt: skip
        if same and all(r["reject"] for r in same):
            return size
    return None
