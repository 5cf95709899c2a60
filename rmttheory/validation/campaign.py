"""Declarative theory-vs-sampling campaigns that survive interruption.

A campaign is a list of :class:`Point` (activation, phi, psi, n0, seeds, entries,
device, center).  Each point is evaluated by the pure function
:func:`run_point`; :func:`run_campaign` writes one JSON file per point as soon as
it finishes (atomically: written to a temporary name, then renamed), so an
interrupted campaign resumes where it stopped and a finished point is never
recomputed.  A point that fails (bad activation, NaN, out of memory, refused
size) is recorded with ``status`` and ``reason`` while the others go on.  Any
``concurrent.futures``-style executor can run the points: a local process pool
by default, or a Dask cluster's ``Client(...).get_executor()``.
"""

from __future__ import annotations

import json
import math
import os
import time
import traceback
from collections.abc import Iterable
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["Point", "run_point", "run_campaign", "load_results"]


@dataclass(frozen=True)
class Point:
    """One experiment: the spectrum of M for one activation, ratios and size."""

    act: str
    phi: float
    psi: float
    n0: int
    seeds: int = 2
    seed: int = 0
    entries: str = "gaussian"
    device: str = "cpu"
    center: bool = True
    data: str = "gaussian"

    @property
    def spec(self):
        """The :class:`validation.sampling.GramSpec` this point samples."""
        from rmttheory.validation.sampling import GramSpec

        return GramSpec(
            self.act,
            self.n0,
            self.phi,
            self.psi,
            entries=self.entries,
            center=self.center,
            data=self.data,
        )

    @property
    def key(self) -> str:
        """A file-name-safe identifier (the JSON file is ``<key>.json``)."""
        raw = (
            f"{self.act}_phi{self.phi:g}_psi{self.psi:g}_n{self.n0}_s{self.seeds}x{self.seed}"
            f"_{self.entries}_{self.data}_{'c' if self.center else 'u'}"
        )
        return "".join(ch if ch.isalnum() or ch in "._-" else "-" for ch in raw)


def _finite_size_tolerances(n1: int, seeds: int) -> dict[str, float]:
    """Tolerances derived from the number of eigenvalues N = n1 * seeds.

    KS: the Dvoretzky–Kiefer–Wolfowitz bound sqrt(ln(2/alpha)/(2N)), alpha = 1e-3
    (conservative: eigenvalues are more rigid than iid draws, whose KS scale is
    ~ log(n1)/n1).  Mean: 10/n1 relative (finite-size corrections are O(1/n)).
    """
    N = n1 * seeds
    return {
        "ks_tol": math.sqrt(math.log(2 / 1e-3) / (2 * N)),
        "ks_scale": math.log(n1) / n1,
        "mean_rel_tol": 10.0 / n1,
    }


def run_point(point: Point) -> dict[str, Any]:
    """Evaluate one point (pure: same point, same record). Never raises."""
    from rmttheory.distributions import PenningtonWorah
    from rmttheory.errors import ResourceError
    from rmttheory.validation.compare import ks_distance, wasserstein1
    from rmttheory.validation.sampling import batched_eigenvalues, check_memory

    rec: dict[str, Any] = {"point": asdict(point), "key": point.key}
    t0 = time.perf_counter()
    try:
        spec = point.spec
        n0, n1, m = spec.shape
        rec.update({"n0": n0, "n1": n1, "m": m})
        check_memory(n0, n1, m, "cpu" if point.device == "cpu" else point.device)
        phi_eff, psi_eff = n0 / m, n0 / n1  # the ratios actually sampled
        law = PenningtonWorah.from_activation(point.act, phi_eff, psi_eff)
        eigs = batched_eigenvalues(spec, point.seeds, point.seed, point.device)
        if not all(np.all(np.isfinite(e)) for e in eigs):
            raise FloatingPointError("non-finite eigenvalues (NaN or inf in the sample)")
        outlier = None
        if not point.center:  # the rank-one spike of an uncentered f: remove it from the bulk
            tops = [float(e[-1]) for e in eigs]
            eigs = [e[:-1] for e in eigs]
            pred = law.spike(n1)
            outlier = {
                "observed": float(np.mean(tops)),
                "predicted": pred,
                "rel_error": abs(np.mean(tops) - pred) / pred,
                "tol": 0.1,
            }
        pooled = np.concatenate(eigs)
        tol = _finite_size_tolerances(n1, point.seeds)
        ks = ks_distance(law, pooled)
        w1 = wasserstein1(law, pooled)
        mean = (
            float(pooled.mean()) if point.center else float(np.mean([e.sum() for e in eigs]) / n1)
        )
        mean_err = abs(mean - law.eta) / law.eta
        rec.update(
            {
                "status": "ok",
                "device": point.device,
                "phi_eff": phi_eff,
                "psi_eff": psi_eff,
                "eta": law.eta,
                "zeta": law.zeta,
                "mean_of_f": law.constants.mean,
                "atom": law.atom_mass,
                "support": [list(iv) for iv in law.support()],
                "ks": ks,
                "w1": w1,
                "mean": mean,
                "mean_rel_error": mean_err,
                **tol,
                "outlier": outlier,
                "pass_ks": ks <= tol["ks_tol"],
                "pass_mean": mean_err <= tol["mean_rel_tol"],
                "pass_outlier": None if outlier is None else outlier["rel_error"] <= outlier["tol"],
                "histogram": np.histogram(pooled, bins=60)[0].tolist(),
                "histogram_edges": np.histogram(pooled, bins=60)[1].tolist(),
            }
        )
        rec["pass"] = bool(rec["pass_ks"] and rec["pass_mean"] and rec["pass_outlier"] is not False)
    except ResourceError as exc:
        rec.update({"status": "refused", "reason": str(exc), "pass": False})
    except MemoryError:
        rec.update({"status": "failed", "reason": "out of memory", "pass": False})
    except Exception as exc:  # recorded, never lost: the campaign goes on
        rec.update(
            {
                "status": "failed",
                "reason": f"{type(exc).__name__}: {exc}",
                "pass": False,
                "traceback": traceback.format_exc(limit=3),
            }
        )
    rec["seconds"] = time.perf_counter() - t0
    return rec


def to_jsonable(o: Any) -> Any:
    """json.dumps default for numpy scalars and arrays."""
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(f"not JSON serializable: {type(o).__name__}")


def _write_atomic(path: Path, rec: dict[str, Any]) -> None:
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(rec, allow_nan=True, default=to_jsonable))
    os.replace(tmp, path)


def run_campaign(
    points: Iterable[Point],
    out_dir: str | Path,
    *,
    executor: Executor | None = None,
    workers: int = 1,
    progress: bool = True,
) -> list[dict[str, Any]]:
    """Run every point not already on disk; return all records (old and new).

    Results go to ``out_dir/points/<key>.json`` as each point finishes.
    """
    from tqdm.auto import tqdm

    pdir = Path(out_dir) / "points"
    pdir.mkdir(parents=True, exist_ok=True)
    points = list(dict.fromkeys(points))
    todo = [p for p in points if not (pdir / f"{p.key}.json").exists()]
    bar = tqdm(
        total=len(points),
        initial=len(points) - len(todo),
        desc="points",
        disable=not progress,
        unit="pt",
    )
    try:
        if todo and workers <= 1 and executor is None:
            for p in todo:
                _write_atomic(pdir / f"{p.key}.json", run_point(p))
                bar.update(1)
        elif todo:
            own = executor is None
            ex = executor or ProcessPoolExecutor(max_workers=workers)
            try:
                futs = {ex.submit(run_point, p): p for p in todo}
                for fut in as_completed(futs):
                    p = futs[fut]
                    try:
                        rec = fut.result()
                    except Exception as exc:  # the worker itself died
                        rec = {
                            "point": asdict(p),
                            "key": p.key,
                            "status": "failed",
                            "reason": f"worker error: {exc}",
                            "pass": False,
                        }
                    _write_atomic(pdir / f"{p.key}.json", rec)
                    bar.update(1)
            finally:
                if own:
                    ex.shutdown(cancel_futures=True)
    finally:
        bar.close()
    return load_results(out_dir, points)


def load_results(
    out_dir: str | Path, points: Iterable[Point] | None = None
) -> list[dict[str, Any]]:
    """Records on disk (for ``points`` if given, in that order)."""
    pdir = Path(out_dir) / "points"
    if points is None:
        return [json.loads(f.read_text()) for f in sorted(pdir.glob("*.json"))]
    out = []
    for p in points:
        f = pdir / f"{p.key}.json"
        if f.exists():
            out.append(json.loads(f.read_text()))
    return out
