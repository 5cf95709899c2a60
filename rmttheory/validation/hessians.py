"""Hessian experiments: train a small network, take exact Hessians, test GOE against Poisson.

One experiment trains a model of :mod:`validation.networks` on a data set,
then takes the exact Hessian (:func:`rmttheory.hessian.exact_hessian`, mean
cross-entropy over the batch, float64) on ``n_batches`` disjoint batches of
``batch`` samples (an ensemble; ``batch=None``: one Hessian of the full data
set).  Eigenvalues with :math:`|\\lambda| \\le` ``cutoff`` (default
:math:`10^{-9}\\max|\\lambda|`) are discarded as the degenerate part, a fraction
``trim`` is dropped at each edge, and the adjacent-gap ratios of all Hessians
are pooled and compared (KS) with the Poisson and GOE/GUE/GSE ratio laws.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from rmttheory import _params
from rmttheory.errors import ParameterError
from rmttheory.hessians.exact import exact_hessian
from rmttheory.hessians.model import count_outliers
from rmttheory.local_statistics.ratios import closest_ensemble, spacing_ratios
from rmttheory.resources import require_bytes, resolve_device
from rmttheory.validation.networks import build_model, load_dataset, train

__all__ = ["hessian_experiment", "plot_ratios", "pooled_ratio_stats"]


def pooled_ratio_stats(eigs: np.ndarray, cutoff: float | None, trim: float) -> dict[str, Any]:
    """Ratio statistics of a stack of spectra (one per row), the verdict and outlier counts.

    Parameters
    ----------
    eigs
        One spectrum per row.
    cutoff
        Absolute cut-off of the degenerate part (None: 1e-9 of the largest |λ|).
    trim
        Fraction trimmed at each edge.

    Returns
    -------
    dict
        Counts, the cut-off, ``mean_r_tilde``, KS to each law, ``closest``,
        ``margin``, outlier counts per spectrum, and ``r_tilde`` (an array).

    Examples
    --------
    >>> from rmttheory.local_statistics import sample_spectrum
    >>> eigs = np.array([sample_spectrum("goe", 200, rng=k) for k in range(4)])
    >>> pooled_ratio_stats(eigs, None, 0.05)["closest"]
    'goe'
    """
    scale = float(np.max(np.abs(eigs)))
    cut = 1e-9 * scale if cutoff is None else cutoff
    st = spacing_ratios(eigs, cutoff=cut, trim=trim)
    verdict = closest_ensemble(st)
    outliers = [count_outliers(e) for e in eigs] if eigs.shape[1] >= 102 else []
    return {
        "n_eigenvalues": st.n_eigenvalues,
        "n_eigenvalues_used": st.n_used,
        "n_below_cutoff": int(np.sum(np.abs(eigs) <= cut)),
        "n_degenerate_ratios": st.n_degenerate,
        "cutoff": cut,
        "trim": trim,
        "n_ratios": st.n_ratios,
        "mean_r_tilde": st.mean_r_tilde,
        "ks_goe": verdict["ks"]["goe"],
        "ks_poisson": verdict["ks"]["poisson"],
        "ks": verdict["ks"],
        "closest": verdict["closest"],
        "margin": verdict["margin"],
        "n_outliers": outliers,
        "r_tilde": st.r_tilde,
    }


def hessian_experiment(
    model: str = "mlp",
    dataset: str = "digits",
    *,
    hidden: int = 32,
    train_steps: int = 300,
    batch: int | None = 128,
    n_batches: int = 4,
    lr: float = 1e-2,
    target_loss: float | None = None,
    cutoff: float | None = None,
    trim: float = 0.05,
    device: str = "cpu",
    seed: int = 0,
    num_samples: int = 2000,
    at_init: bool = False,
    progress: bool = False,
) -> dict[str, Any]:
    """Train, take exact Hessians, and return the local-statistics verdict (JSON-ready).

    Keys: ``n_params``, ``n_eigenvalues_used``, ``cutoff``, ``mean_r_tilde``,
    ``ks_goe``, ``ks_poisson``, ``closest``, ``margin``, ``n_outliers`` (per
    Hessian), ``n_classes``, ``training`` (steps, loss, accuracy), the settings,
    and ``init`` (the same statistics at initialisation) when ``at_init``.
    ``eigenvalues`` and ``r_tilde`` are returned as arrays (not JSON).

    Parameters
    ----------
    model, dataset
        One of :data:`rmttheory.validation.networks.MODELS` and ``DATASETS``.
    hidden
        Width of the MLP's hidden layer.
    train_steps, lr, target_loss
        Adam training before the Hessians.
    batch, n_batches
        Samples per Hessian and number of disjoint batches (``batch=None``: one
        Hessian of the whole data set).
    cutoff, trim
        Degenerate part and edge trimming of the ratio statistics.
    device, seed, num_samples
        Device, seed of everything random, size of generated data sets.
    at_init
        Also analyse the Hessians at initialisation.
    progress
        Show progress bars.

    Returns
    -------
    dict

    Examples
    --------
    >>> rec = hessian_experiment("logreg", "gaussian", train_steps=20, batch=64, n_batches=2,
    ...                          device="cpu", num_samples=400)
    >>> rec["n_params"], rec["n_hessians"]
    (132, 2)
    """
    device = resolve_device(device)
    data = load_dataset(dataset, seed=seed, num_samples=num_samples)
    if batch is not None:
        if batch < 3:
            raise ParameterError(f"batch must be >= 3, got {batch}")
        if n_batches < 1:
            raise ParameterError(f"n_batches must be >= 1, got {n_batches}")
        if batch * n_batches > data.n:
            raise ParameterError(
                f"{n_batches} batches of {batch} need {batch * n_batches} samples; "
                f"{dataset} has {data.n}"
            )
    net = build_model(model, data.dim, data.n_classes, hidden=hidden, seed=seed)
    # the dense P x P Hessian and its eigendecomposition, refused before any training
    n_params = sum(int(p.numel()) for p in net.parameters())
    require_bytes(3 * 8 * n_params**2, f"the exact Hessian of {n_params:,} parameters",
                  device, "use fewer parameters (--hidden) or hessian-ensemble --method "
                  "lowrank")  # fmt: skip
    rng = _params.generator(seed)
    order = rng.permutation(data.n)
    slices = (
        [order[k * batch : (k + 1) * batch] for k in range(n_batches)]
        if batch is not None
        else [order]
    )

    def hessians() -> tuple[np.ndarray, int, float]:
        eigs, asym, p = [], 0.0, 0
        it = slices
        if progress:
            from tqdm.auto import tqdm

            it = tqdm(slices, desc=f"{model}/{dataset} Hessians", unit="hessian", leave=False)
        for idx in it:
            h = exact_hessian(net, data.x[idx], data.y[idx], device=device)
            eigs.append(h.eigenvalues())
            asym, p = max(asym, h.asymmetry), h.n_params
        return np.array(eigs), p, asym

    out: dict[str, Any] = {
        "model": model,
        "dataset": dataset,
        "hidden": hidden if model == "mlp" else None,
        "n_classes": data.n_classes,
        "n_samples": data.n,
        "batch": batch if batch is not None else data.n,
        "n_hessians": len(slices),
        "loss": "cross_entropy",
        "reduction": "mean",
        "dtype": "float64",
        "seed": seed,
    }
    if at_init:
        e0, _, _ = hessians()
        init = pooled_ratio_stats(e0, cutoff, trim)
        init.pop("r_tilde")
        out["init"] = init
    out["training"] = train(
        net, data, steps=train_steps, lr=lr, target_loss=target_loss, seed=seed, device=device
    )
    eigs, p, asym = hessians()
    stats = pooled_ratio_stats(eigs, cutoff, trim)
    out.update(n_params=p, asymmetry=asym, **stats)
    out["eigenvalues"] = eigs
    out["device"] = device
    return out


def plot_ratios(record: dict[str, Any], path: str) -> str:
    """Histogram of the pooled r~ against the Poisson/GOE/GUE/GSE ratio laws; saved to ``path``.

    Parameters
    ----------
    record
        A record of :func:`hessian_experiment` (with ``r_tilde``).
    path
        Image file.

    Returns
    -------
    str
        ``path``.

    Examples
    --------
    >>> import tempfile
    >>> rec = {"r_tilde": _params.generator(0).random(500), "model": "mlp",
    ...        "dataset": "digits", "n_params": 10, "mean_r_tilde": 0.5}
    >>> plot_ratios(rec, tempfile.mkdtemp() + "/r.png").endswith("r.png")
    True
    """
    import matplotlib.pyplot as plt

    from rmttheory.distributions import RatioLaw
    from rmttheory.plot import save_figure, style

    r = np.asarray(record["r_tilde"])
    with style():
        fig, ax = plt.subplots()
        bins = max(10, min(60, int(math.sqrt(r.size))))
        ax.hist(r, bins=bins, range=(0, 1), density=True, color="0.8",
                label=f"Hessian ({r.size} ratios)")  # fmt: skip
        grid = np.linspace(0, 1, 301)
        for name, ls in (("poisson", ":"), ("goe", "-"), ("gue", "--"), ("gse", "-.")):
            ax.plot(grid, RatioLaw(name).pdf(grid), ls=ls, label=name.upper())
        ax.set_xlabel(r"spacing ratio $\tilde r$")
        ax.set_ylabel("density")
        ax.set_title(
            f"{record['model']} on {record['dataset']}: P = {record['n_params']}, "
            f"⟨r̃⟩ = {record['mean_r_tilde']:.4f}"
        )
        ax.legend()
        save_figure(fig, path)
    return path
