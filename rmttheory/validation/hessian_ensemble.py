r"""Ensembles of batch Hessians at the papers' scale: resumable, one record per batch.

Baskerville, Granziol & Keating 2022 train one network, then take the exact
Hessian of the loss on many random batches of the training set (their
"training-set ensemble", 1,000 batches).  :func:`run_ensemble` does the same
through the campaign engine (:func:`rmttheory.validation.tasks.run_tasks`):

1. the network of :class:`EnsembleSpec` is trained once; its weights
   (``model.pt``) and the training record (``ensemble.json``) are stored, so a
   resumed or distributed run uses the very same network;
2. batch :math:`k` is ``batch`` samples drawn without replacement by
   ``numpy.random.default_rng([seed, k])`` (independent of every other batch
   and of the order the batches run in); its record ``batches/b<k>.json`` holds
   the Hessian's nonzero eigenvalues (:func:`rmttheory.hessians.hessian_spectrum`,
   mean cross-entropy over the batch, float64; exact zeros below
   :math:`10^{-10}\max|\lambda|`), its rank and certificate, and the same for the
   Gauss–Newton matrix (:func:`rmttheory.hessians.gauss_newton_spectrum`).

A run can be interrupted at any point and resumed (finished batches are not
recomputed), and any ``concurrent.futures`` executor (a process pool, Dask)
runs the batches.  The analyses of the paper on the records are in
:mod:`rmttheory.validation.hessian_analysis`.
Tested: ``tests/test_hessian_ensemble.py`` (resume after an interruption,
records independent of the order and executor, a changed spec refused).
"""

from __future__ import annotations

import json
import time
import traceback
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rmttheory import _params
from rmttheory.errors import ParameterError

__all__ = ["EnsembleSpec", "run_ensemble", "batch_record", "batch_indices", "load_ensemble"]


@dataclass(frozen=True)
class EnsembleSpec:
    """A trained network, a data set and the batches whose Hessians form the ensemble.

    Parameters
    ----------
    model, dataset
        One of :data:`rmttheory.validation.networks.MODELS` and ``DATASETS``.
    batch, n_batches
        Samples per Hessian and number of batches.
    hidden, channels
        Widths (:func:`rmttheory.validation.networks.build_model`).
    train_steps, lr
        Adam training before the Hessians (mean cross-entropy, minibatches of 256).
    method
        ``hessian_spectrum`` method (``"auto"``, ``"dense"``, ``"lowrank"``).
    gauss_newton
        Also the Gauss–Newton spectrum of each batch.
    seed, num_samples, device
        Seed of everything random, size of generated data sets, device.

    Examples
    --------
    >>> EnsembleSpec("lenet", "digits", batch=16, n_batches=1000).n_batches
    1000
    """

    model: str = "lenet"
    dataset: str = "digits"
    batch: int = 16
    n_batches: int = 1000
    hidden: int = 32
    channels: int = 4
    train_steps: int = 300
    lr: float = 1e-2
    method: str = "auto"
    gauss_newton: bool = True
    seed: int = 0
    num_samples: int = 2000
    device: str = "cpu"

    def validate(self) -> EnsembleSpec:
        """Check the settings (``ParameterError`` naming the bad one); return self."""
        from rmttheory.hessians.spectrum import METHODS
        from rmttheory.validation.networks import DATASETS, MODELS

        _params.choice(self.model, "model", MODELS)
        _params.choice(self.dataset, "dataset", tuple(DATASETS))
        _params.choice(self.method, "method", METHODS)
        _params.integer(self.batch, "batch", minimum=3)
        _params.integer(self.n_batches, "n_batches", minimum=1)
        _params.integer(self.train_steps, "train_steps", minimum=0)
        _params.real(self.lr, "lr", positive=True)
        return self


def _network(spec: EnsembleSpec, out: Path) -> tuple[Any, Any]:
    """The data set and the trained network (trained once; then loaded from ``out``)."""
    import torch

    from rmttheory.validation.io import write_json
    from rmttheory.validation.networks import build_model, load_dataset, train

    data = load_dataset(spec.dataset, seed=spec.seed, num_samples=spec.num_samples)
    if spec.batch > data.n:
        raise ParameterError(f"batch={spec.batch} exceeds the {data.n} samples of {spec.dataset}")
    net = build_model(spec.model, data.dim, data.n_classes, hidden=spec.hidden,
                      channels=spec.channels, seed=spec.seed)  # fmt: skip
    if spec.method == "dense":  # the P x P Hessian: refused before any training
        from rmttheory.resources import require_bytes

        n = sum(int(p.numel()) for p in net.parameters())
        require_bytes(3 * 8 * n * n, f"the dense Hessian of {n:,} parameters", spec.device,
                      "use --method lowrank or auto, or fewer parameters")  # fmt: skip
    meta, weights = out / "ensemble.json", out / "model.pt"
    if meta.exists() and weights.exists():
        stored = json.loads(meta.read_text())["spec"]
        if stored != asdict(spec):
            raise ParameterError(f"{out} holds a different ensemble ({stored}); use another folder")
        net.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
        return data, net
    out.mkdir(parents=True, exist_ok=True)
    record = train(net, data, steps=spec.train_steps, lr=spec.lr, seed=spec.seed,
                   device=spec.device)  # fmt: skip
    net = net.cpu()
    tmp = weights.with_suffix(".tmp")
    torch.save(net.state_dict(), tmp)
    tmp.replace(weights)
    n_params = sum(int(p.numel()) for p in net.parameters())
    write_json(meta, {"spec": asdict(spec), "training": record, "n_params": n_params,
                      "n_samples": data.n, "n_classes": data.n_classes})  # fmt: skip
    return data, net


def batch_indices(spec: EnsembleSpec, k: int, n: int) -> np.ndarray:
    """The samples of batch ``k``: ``default_rng([seed, k]).choice(n, batch, replace=False)``.

    Parameters
    ----------
    spec
        The ensemble (its ``seed`` and ``batch``).
    k, n
        Batch number; samples in the data set.

    Returns
    -------
    numpy.ndarray
        ``batch`` distinct sample indices, the same whenever and wherever batch ``k`` runs.

    Examples
    --------
    >>> batch_indices(EnsembleSpec(batch=4), 7, 100).tolist() == batch_indices(
    ...     EnsembleSpec(batch=4), 7, 100).tolist()
    True
    """
    return _params.generator([spec.seed, k]).choice(n, spec.batch, replace=False)


def batch_record(
    spec: EnsembleSpec, out_dir: str, k: int, threads: int | None = None
) -> dict[str, Any]:
    """The record of batch ``k`` (pure given the stored network; never raises).

    Parameters
    ----------
    spec, out_dir
        The ensemble and its folder (holding the trained network).
    k
        Batch number.
    threads
        ``torch.set_num_threads`` in this process (e.g. 1 per worker of a pool).

    Returns
    -------
    dict
        ``status`` (``"ok"``/``"failed"``), ``k``, ``indices``, ``n_params``,
        ``rank``, ``nonzero`` (ascending), ``cutoff``, ``certificate``, ``method``,
        ``seconds`` and ``gauss_newton`` (``rank``, ``nonzero``).

    Examples
    --------
    >>> import tempfile
    >>> s = EnsembleSpec("logreg", "gaussian", batch=20, n_batches=2, train_steps=5,
    ...                  num_samples=200)
    >>> batch_record(s, tempfile.mkdtemp(), 0)["status"]
    'ok'
    """
    from rmttheory.hessians import gauss_newton_spectrum, hessian_spectrum

    t0 = time.perf_counter()
    rec: dict[str, Any] = {"key": f"b{k:05d}", "k": k}
    try:
        if threads is not None:
            import torch

            torch.set_num_threads(threads)
        data, net = _network(spec, Path(out_dir))
        idx = batch_indices(spec, k, data.n)
        x, y = data.x[idx], data.y[idx]
        s = hessian_spectrum(net, x, y, method=spec.method, device=spec.device)
        rec.update(status="ok", indices=idx.tolist(), n_params=s.n_params, rank=s.rank,
                   nonzero=s.nonzero.tolist(), cutoff=s.cutoff, certificate=s.certificate,
                   method=s.method, n_products=s.n_products)  # fmt: skip
        if spec.gauss_newton:
            g = gauss_newton_spectrum(net, x, y, device=spec.device)
            rec["gauss_newton"] = {"rank": g.rank, "nonzero": g.nonzero.tolist()}
    except Exception as exc:  # recorded; the other batches go on
        rec.update(status="failed", reason=f"{type(exc).__name__}: {exc}",
                   traceback=traceback.format_exc(limit=3))  # fmt: skip
    rec["seconds"] = time.perf_counter() - t0
    return rec


def run_ensemble(
    spec: EnsembleSpec,
    out_dir: str | Path,
    *,
    executor: Any = None,
    workers: int = 1,
    threads: int | None = None,
    progress: bool = True,
) -> list[dict[str, Any]]:
    """Train once, then every batch Hessian not already on disk (module docstring).

    Parameters
    ----------
    spec
        The ensemble.
    out_dir
        Its folder: ``ensemble.json``, ``model.pt``, ``batches/b<k>.json``.
    executor, workers, progress
        As in :func:`rmttheory.validation.tasks.run_tasks`.
    threads
        Torch threads per batch (with ``workers`` processes on as many cores,
        ``threads=1`` avoids oversubscription).

    Returns
    -------
    list of dict
        All batch records, by ``k``.

    Examples
    --------
    >>> import tempfile
    >>> s = EnsembleSpec("logreg", "gaussian", batch=20, n_batches=3, train_steps=5,
    ...                  num_samples=200)
    >>> [r["rank"] for r in run_ensemble(s, tempfile.mkdtemp(), progress=False)]
    [60, 60, 60]
    """
    from rmttheory.validation.tasks import run_tasks

    spec.validate()
    out = Path(out_dir)
    _network(spec, out)  # train (or check) once, before any worker starts
    tasks: list[tuple[str, Any, tuple, dict]] = [
        (f"b{k:05d}", batch_record, (spec, str(out), k), {"threads": threads})
        for k in range(spec.n_batches)
    ]
    run_tasks(tasks, out / "batches", executor=executor, workers=workers, progress=progress,
              desc=f"{spec.model} Hessians")  # fmt: skip
    return load_ensemble(out)


def load_ensemble(out_dir: str | Path) -> list[dict[str, Any]]:
    """The batch records in ``out_dir/batches`` (finished ones; by ``k``).

    Parameters
    ----------
    out_dir
        Folder of :func:`run_ensemble`.

    Returns
    -------
    list of dict

    Examples
    --------
    >>> import tempfile
    >>> load_ensemble(tempfile.mkdtemp())
    []
    """
    files = sorted((Path(out_dir) / "batches").glob("b*.json"))
    return [json.loads(f.read_text()) for f in files]
