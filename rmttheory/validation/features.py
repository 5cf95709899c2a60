"""Random features on real data: sampled Gram spectra and ridge errors against the equivalent.

Conventions of :mod:`rmttheory.regression.data_equivalent`: ``W`` iid
:math:`\\mathcal N(0, \\sigma_w^2/d)` (``N × d``), :math:`\\Sigma = f(WX)`, :math:`K =
\\Sigma^\\top\\Sigma/N`, ridge read-out :math:`\\beta = \\Sigma(K+\\lambda I)^{-1}Y/N`.

:func:`sample_features` draws ``trials`` independent ``W`` and returns, per trial,
the eigenvalues of ``K`` and the training and test errors at each ``λ``.
:func:`features_point` compares them with the equivalent: the KS distance of the
pooled spectra within the Wishart null at the same size
(:func:`~rmttheory.validation.tolerance.ks_tolerance`) plus the law's measured
numerical error, and each mean error within
:func:`~rmttheory.validation.tolerance.mean_check` (Student quantile of the trials'
standard error combined with the equivalent's Monte-Carlo standard error) — no
allowance for the input dimension.  The same checks are rerun against wrong
theories: the kernel scaled by ±2%, the width by ±5%, ``λ`` by ±5% (errors) and the
kernel of isotropic Gaussian data of the same shape (the theory that ignores the
data's structure, by the LLC equivalent).  A wrong theory of the fluctuating
equivalent is evaluated on the first replicate's draws of :math:`w` and shifted by
the difference to the correct theory on the same draws (common random numbers: the
difference is far less noisy than either value).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rmttheory import _params
from rmttheory.activation import activation
from rmttheory.data import DesignMatrix
from rmttheory.distributions import ScaledLaw
from rmttheory.errors import ParameterError
from rmttheory.regression.data_equivalent import RandomFeaturesEquivalent
from rmttheory.resources import require_bytes
from rmttheory.validation.compare import ks_distance
from rmttheory.validation.tolerance import ks_tolerance, mean_check

__all__ = ["sample_features", "features_point", "isotropic_equivalent"]


def sample_features(
    act: Any,
    dm: DesignMatrix,
    width: int,
    lams: Any = (),
    *,
    trials: int = 4,
    sigma_w: float = 1.0,
    seed: Any = 0,
) -> dict[str, Any]:
    """Sampled spectra of ``K`` and ridge errors over ``trials`` draws of ``W``.

    Parameters
    ----------
    act
        Activation.
    dm
        Data (:func:`rmttheory.data.design_matrix`); errors need its targets.
    width
        ``N``.
    lams
        Ridge parameters (> 0) at which to compute the errors.
    trials, sigma_w, seed
        Draws, weight scale, seed (anything :func:`numpy.random.default_rng` takes).

    Returns
    -------
    dict
        ``eigenvalues`` (``trials × n`` array), and for each ``λ`` (as ``str``) in
        ``train``/``test``: a list of per-trial errors.

    Examples
    --------
    >>> from rmttheory.data import design_matrix
    >>> dm = design_matrix("digits", 60, n_test=20)
    >>> r = sample_features("relu", dm, 30, [0.1], trials=2, seed=1)
    >>> r["eigenvalues"].shape, len(r["train"]["0.1"])
    ((2, 60), 2)
    """
    f = activation(act).numpy()
    N = _params.integer(width, "width", minimum=1, maximum=10**6)
    trials = _params.integer(trials, "trials", minimum=1)
    sigma_w = _params.real(sigma_w, "sigma_w", positive=True)
    lams = [float(v) for v in np.atleast_1d(np.asarray(lams, dtype=float))]
    if any(not v > 0 for v in lams):
        raise ParameterError("ridge parameters must be > 0")
    n, d = dm.n, dm.dim
    require_bytes(8 * (N * (d + n + dm.n_test) + 3 * n * n), f"random features of width {N}")
    if lams and dm.Y is None:
        raise ParameterError("ridge errors need labels: this data set has none")
    rng = _params.generator(seed)
    eig = np.empty((trials, n))
    train: dict[str, list[float]] = {str(v): [] for v in lams}
    test: dict[str, list[float]] = {str(v): [] for v in lams}
    for t in range(trials):
        W = rng.standard_normal((N, d)) * (sigma_w / np.sqrt(d))
        S = f(W @ dm.X)
        ev, U = np.linalg.eigh(S.T @ S / N)
        eig[t] = ev
        if not lams:
            continue
        assert dm.Y is not None
        St = f(W @ dm.X_test) if dm.n_test else None
        uy = U.T @ dm.Y
        for lam in lams:
            QY = U @ (uy / (ev + lam)[:, None])
            train[str(lam)].append(float(lam**2 * np.sum(QY**2) / n))
            if St is not None and dm.Y_test is not None:
                pred = St.T @ (S @ QY) / N
                test[str(lam)].append(float(np.sum((dm.Y_test - pred) ** 2) / dm.n_test))
    return {"eigenvalues": eig, "train": train, "test": test}


def isotropic_equivalent(
    act: Any, dm: DesignMatrix, sigma_w: float, seed: Any = 0
) -> RandomFeaturesEquivalent:
    """The equivalent on iid N(0, 1) data of the same shape: the theory without the data's
    structure (a wrong theory for the power; the LLC equivalent, which it is far from
    the data's anyway).

    Parameters
    ----------
    act, dm, sigma_w
        As :func:`sample_features`.
    seed
        Seed of the Gaussian data.

    Returns
    -------
    RandomFeaturesEquivalent

    Examples
    --------
    >>> from rmttheory.data import design_matrix
    >>> iso = isotropic_equivalent("relu", design_matrix("digits", 40, n_test=10), 1.0)
    >>> iso.n, iso.phi_cross.shape
    (40, (10, 40))
    """
    rng = _params.generator(seed)
    X = rng.standard_normal(dm.X.shape)
    Xt = rng.standard_normal(dm.X_test.shape) if dm.n_test else None
    return RandomFeaturesEquivalent.from_data(act, X, Xt, sigma_w=sigma_w, method="llc")


def _shifted(base: Any, alt: Any, kind: str) -> float:
    """A wrong theory's value on common draws: base mean + (alt - base) on the first replicate."""
    b, w = base.values[kind], alt.values[kind]
    return float(getattr(base, kind) + (w[0] - b[0]))


def features_point(
    act: Any,
    dm: DesignMatrix,
    eq: RandomFeaturesEquivalent,
    width: int,
    lams: Any,
    *,
    trials: int = 4,
    sigma_w: float = 1.0,
    seed: Any = 0,
    alternatives: dict[str, RandomFeaturesEquivalent] | None = None,
    width_spectra: bool = True,
    sim: dict[str, Any] | None = None,
    lam_rows: bool = True,
) -> dict[str, Any]:
    """Theory against simulation at one width (module docstring).

    Parameters
    ----------
    act, dm, width, lams, trials, sigma_w, seed
        As :func:`sample_features`.
    eq
        The equivalent of ``act`` on ``dm`` (with the test kernels when ``dm`` has
        held-out samples).
    alternatives
        Extra wrong theories for the power rows (e.g. :func:`isotropic_equivalent`).
    width_spectra
        Include the width ±5% laws in the spectrum's power rows (two more law solves;
        the error checks always include them).
    sim
        The :func:`sample_features` result at these settings, when the caller already drew
        it (to reuse its eigenvalues); drawn here otherwise.
    lam_rows
        Include the λ ±5% rows of the error checks (two more solves per λ).

    Returns
    -------
    dict
        ``width``, ``ks`` (value, tolerance and its parts, pass, power rows),
        ``risks``: one entry per (λ, train/test) with the :func:`mean_check` fields,
        ``power`` rows, and the per-trial values.

    Examples
    --------
    >>> from rmttheory.data import design_matrix
    >>> dm = design_matrix("digits", 80, n_test=40)
    >>> eq = RandomFeaturesEquivalent.from_data("relu", dm.X, dm.X_test, method="llc")
    >>> p = features_point("relu", dm, eq, 160, [0.1], trials=3, seed=2)
    >>> sorted(p["ks"])[:3], [r["kind"] for r in p["risks"]]
    (['count_allowance', 'null_quantile', 'numerical_error'], ['train', 'test'])
    """
    lams = [float(v) for v in np.atleast_1d(np.asarray(lams, dtype=float))]
    if sim is None:
        sim = sample_features(act, dm, width, lams, trials=trials, sigma_w=sigma_w, seed=seed)
    ev = sim["eigenvalues"]
    n = dm.n
    law = eq.spectrum(width)
    ks = ks_distance(law, ev.ravel())
    null = ks_tolerance(n, width, trials)
    numerical = float(getattr(law, "numerical_error", 0.0))
    tol = null.value + numerical
    up, down = round(width * 1.05), max(1, round(width * 0.95))
    # name: (what it changes, relative change, ridge factor, width, equivalent or None)
    # a kernel scaled by c is features scaled by sqrt(c): errors at lam / c, the law scaled by c
    wrong: dict[str, tuple[str, float | None, float, int, Any]] = {
        "kernel +2%": ("kernel", 0.02, 1 / 1.02, width, None),
        "kernel -2%": ("kernel", -0.02, 1 / 0.98, width, None),
        "width +5%": ("width", 0.05, 1.0, up, None),
        "width -5%": ("width", -0.05, 1.0, down, None),
    }
    if lam_rows:
        wrong["λ +5%"] = ("lam", 0.05, 1.05, width, None)
        wrong["λ -5%"] = ("lam", -0.05, 0.95, width, None)
    for name, alt in (alternatives or {}).items():
        wrong[name] = ("data", None, 1.0, width, alt)

    def row(name: str, **kw: Any) -> dict[str, Any]:
        return {"perturbation": name, "parameter": wrong[name][0], "relative": wrong[name][1],
                **kw}  # fmt: skip

    ks_power = []
    for name, (param, _rel, lam_f, w, alt) in wrong.items():
        if param == "lam" or (not width_spectra and param == "width"):
            ks_power.append(row(name, applies=False, reject=None))
            continue
        if param == "kernel":  # a scaled kernel scales the law exactly: no new solve
            alt_law: Any = ScaledLaw(law, 1 / lam_f)
        else:
            alt_law = (alt or eq).spectrum(w)
        v = ks_distance(alt_law, ev.ravel())
        ks_power.append(row(name, applies=True, ks=v, reject=bool(v > tol)))
    out: dict[str, Any] = {
        "width": int(width),
        "ratio": width / n,
        "trials": trials,
        "method": eq.method,
        "ks": {
            "value": ks, "tol": tol, "null_quantile": null.null_quantile,
            "count_allowance": null.allowance, "numerical_error": numerical,
            "pass": bool(ks <= tol), "power": ks_power,
        },
        "risks": [],
        "sim": {"train": sim["train"], "test": sim["test"]},
    }  # fmt: skip
    Yt = dm.Y_test if dm.n_test else None
    for lam in lams:
        base = eq.errors(dm.Y, Yt, lam, width)
        alts = {}
        for name, (_param, _rel, lam_f, w, alt) in wrong.items():
            if alt is not None:
                alts[name] = (alt.errors(dm.Y, Yt, lam, w), False)
            else:
                alts[name] = (eq.errors(dm.Y, Yt, lam * lam_f, w, replicates=1), True)
        for kind in ("train", "test"):
            vals = sim[kind][str(lam)]
            if len(vals) < 2 or getattr(base, kind) is None:
                continue
            th = float(getattr(base, kind))
            chk = mean_check(vals, th, 0.0, numerical_se=float(getattr(base, kind + "_se")))
            power = []
            for name, (res, shift) in alts.items():
                value = _shifted(base, res, kind) if shift else float(getattr(res, kind))
                power.append(row(name, applies=True, theory=value,
                                 reject=bool(abs(chk["sim"] - value) > chk["tol"])))  # fmt: skip
            out["risks"].append({"lam": lam, "kind": kind, **chk, "samples": base.samples,
                                 "replicates": base.replicates, "power": power})  # fmt: skip
    return out
