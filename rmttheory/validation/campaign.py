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
import time
import traceback
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from rmttheory.validation.tasks import run_tasks

if TYPE_CHECKING:
    from concurrent.futures import Executor

__all__ = ["Point", "run_point", "run_campaign", "run_tasks", "load_results"]


@dataclass(frozen=True)
class Point:
    """One experiment: the spectrum of M for one activation, ratios and size.

    Parameters
    ----------
    act
        Activation (as :func:`rmttheory.activation` accepts; a string, so the point is hashable).
    phi, psi
        :math:`n_0/m` and :math:`n_0/n_1`.
    n0
        Input dimension (ignored for ``data="digits"``, whose n0 is fixed).
    seeds, seed
        Independent samples pooled, and the seed they descend from.
    entries, device, center, data
        See :class:`rmttheory.validation.sampling.GramSpec`.

    Examples
    --------
    >>> Point("tanh", 0.5, 0.5, 300).key
    'tanh_phi0.5_psi0.5_n300_s2x0_gaussian_gaussian_c'
    """

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
        """The :class:`rmttheory.validation.sampling.GramSpec` this point samples."""
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


#: relative allowance of the trace check when no exact finite-size mean is known
#: (non-Gaussian entries or real data): finite-size corrections are O(1/n0)
TRACE_ALLOWANCE = 3.0


def run_point(
    point: Point,
    *,
    keep_eigenvalues: bool = False,
    progress: bool = False,
    power: bool = False,
) -> dict[str, Any]:
    """Evaluate one point (pure: same point, same record). Never raises.

    Three checks, each with a tolerance from :mod:`rmttheory.validation.tolerance`:
    the KS distance of the pooled spectrum (the bulk, for an uncentered f) to the
    Pennington–Worah law; the mean eigenvalue against its exact finite-size
    expectation (:func:`rmttheory.validation.finite_size.expected_trace`); and, for
    an uncentered f, the top eigenvalue against the spike
    :math:`\\text{mean}^2 n_1 + \\eta` (first order: within 10%).

    Parameters
    ----------
    point
        What to sample.
    keep_eigenvalues
        Also return the pooled sampled eigenvalues (``eigenvalues``).
    progress
        Show a progress bar over the seeds.
    power
        Also rerun the checks against perturbed theories (``power``,
        :func:`rmttheory.validation.power.spectral_power`).

    Returns
    -------
    dict
        ``status`` (``ok``, ``refused`` or ``failed`` with ``reason``), the sizes,
        the constants, ``ks``/``ks_tol``/``ks_tolerance``, ``w1``, ``trace``
        (the trace check; also as ``mean``/``mean_rel_error``/``mean_rel_tol``),
        the ``outlier`` check of an uncentered activation, a histogram, and ``pass``.

    Examples
    --------
    >>> rec = run_point(Point("tanh", 1.0, 1.0, 60, seeds=1))
    >>> rec["status"], rec["n1"], rec["ks"] <= rec["ks_tol"]
    ('ok', 60, True)
    """
    from rmttheory._process import in_background
    from rmttheory.constants import gaussian_constants
    from rmttheory.errors import ResourceError
    from rmttheory.validation.gram import batched_samples
    from rmttheory.validation.sampling import check_memory

    rec: dict[str, Any] = {"point": asdict(point), "key": point.key}
    t0 = time.perf_counter()
    try:
        spec = point.spec
        n0, n1, m = spec.shape
        rec.update({"n0": n0, "n1": n1, "m": m})
        check_memory(n0, n1, m, "cpu" if point.device == "cpu" else point.device)
        phi_eff, psi_eff = n0 / m, n0 / n1  # the ratios actually sampled
        # bad input (a non-integrable activation) fails here, before any sampling; the law's
        # support and cdf model are built while the sample is drawn (draws hold one core)
        gaussian_constants(point.act)  # the law's (from_activation's), cached in-process
        law_ready = in_background(lambda: _built_law(point.act, phi_eff, psi_eff))
        samples = batched_samples(spec, point.seeds, point.seed, point.device, progress)
        law = law_ready()
        # imported by _built_law's thread while the sample was drawn
        from rmttheory.validation.compare import ks_distance, wasserstein1
        from rmttheory.validation.finite_size import expected_trace
        from rmttheory.validation.power import perturbed_pennington_worah, spectral_power
        from rmttheory.validation.tolerance import ks_tolerance, trace_check

        eigs = [s.eigenvalues for s in samples]
        if not all(np.all(np.isfinite(e)) for e in eigs):
            raise FloatingPointError("non-finite eigenvalues (NaN or inf in the sample)")
        outlier = None
        if not point.center:  # the rank-one spike of an uncentered f: remove it from the bulk
            tops = [float(e[-1]) for e in eigs]
            eigs = [e[:-1] for e in eigs]
            pred = law.spike(n1)
            err = abs(np.mean(tops) - pred) / pred
            outlier = {"observed": float(np.mean(tops)), "predicted": pred, "rel_error": err,
                       "tol": 0.1, "pass": bool(err <= 0.1)}  # fmt: skip
        pooled = np.concatenate(eigs)
        tol = ks_tolerance(n1, m, point.seeds)
        ks = ks_distance(law, pooled)
        exact = point.entries == "gaussian" and point.data == "gaussian"
        # the trace statistic is of the centered entries (GramSample.trace)
        target = expected_trace(point.act, n0, center=True) if exact else law.eta
        trace = trace_check(
            float(np.mean([s.trace for s in samples])),
            math.sqrt(sum(s.trace_var for s in samples)) / len(samples),
            target,
        )
        if not exact:  # no exact finite-size mean: a stated O(1/n0) allowance
            trace["tol"] += TRACE_ALLOWANCE / n0 * abs(target)
            trace["rel_tol"] = trace["tol"] / abs(target)
            trace["pass"] = bool(abs(trace["mean"] - target) <= trace["tol"])
        trace["target_kind"] = "exact finite-size mean" if exact else "limit + 3/n0 allowance"
        hist = np.histogram(pooled, bins=60)
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
                "ks_tol": tol.value,
                "ks_tolerance": tol.to_dict(),
                "ks_scale": math.log(n1) / n1,
                "w1": wasserstein1(law, pooled),
                "trace": trace,
                "mean": trace["mean"],
                "mean_rel_error": trace["rel_error"],
                "mean_rel_tol": trace["rel_tol"],
                "outlier": outlier,
                "pass_ks": ks <= tol.value,
                "pass_mean": trace["pass"],
                "pass_outlier": None if outlier is None else outlier["pass"],
                "histogram": hist[0].tolist(),
                "histogram_edges": hist[1].tolist(),
            }
        )
        rec["pass"] = bool(rec["pass_ks"] and rec["pass_mean"] and rec["pass_outlier"] is not False)
        if power:
            rec["power"] = spectral_power(
                law, lambda p: perturbed_pennington_worah(law, p), pooled, tol.value, trace
            )
        if keep_eigenvalues:
            rec["eigenvalues"] = pooled
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


def _built_law(act: str, phi: float, psi: float) -> Any:
    """The Pennington–Worah law of ``act`` at ``(phi, psi)``, its support and cdf model built
    (and the modules of the checks that follow imported)."""
    import rmttheory.validation.compare
    import rmttheory.validation.finite_size
    import rmttheory.validation.power
    import rmttheory.validation.tolerance  # noqa: F401
    from rmttheory.distributions import PenningtonWorah

    law = PenningtonWorah.from_activation(act, phi, psi)
    law.continuous_mass()  # the model behind cdf (and its mass check)
    return law


def run_campaign(
    points: Iterable[Point],
    out_dir: str | Path,
    *,
    executor: Executor | None = None,
    workers: int = 1,
    progress: bool = True,
    power: bool = False,
) -> list[dict[str, Any]]:
    """Run every point not already on disk; return all records (old and new).

    Results go to ``out_dir/points/<key>.json`` as each point finishes.

    Parameters
    ----------
    points
        The campaign (duplicates run once).
    out_dir
        Folder of the records.
    executor, workers
        Any ``concurrent.futures`` executor, or a process pool of ``workers``
        (``workers=1`` and no executor: in this process).
    progress
        Show a progress bar.
    power
        Also run each point's checks against perturbed theories (``run_point``).

    Returns
    -------
    list of dict
        The records of ``points``, in order.

    Examples
    --------
    >>> import tempfile
    >>> recs = run_campaign([Point("erf", 1.0, 1.0, 40, seeds=1)], tempfile.mkdtemp(),
    ...                     progress=False)
    >>> [r["status"] for r in recs]
    ['ok']
    """
    points = list(dict.fromkeys(points))
    run_tasks(
        [(p.key, run_point, (p,), {"power": power}) for p in points],
        Path(out_dir) / "points",
        executor=executor,
        workers=workers,
        progress=progress,
        desc="points",
        failed=lambda key, exc: {"point": asdict(next(p for p in points if p.key == key)),
                                 "key": key, "status": "failed",
                                 "reason": f"worker error: {exc}", "pass": False, "retry": True},
    )  # fmt: skip
    return load_results(out_dir, points)


def load_results(
    out_dir: str | Path, points: Iterable[Point] | None = None
) -> list[dict[str, Any]]:
    """Records on disk (for ``points`` if given, in that order).

    Parameters
    ----------
    out_dir
        Folder of the campaign.
    points
        Which records (None: all).

    Returns
    -------
    list of dict

    Examples
    --------
    >>> import tempfile
    >>> load_results(tempfile.mkdtemp(), [])
    []
    """
    pdir = Path(out_dir) / "points"
    if points is None:
        return [json.loads(f.read_text()) for f in sorted(pdir.glob("*.json"))]
    out = []
    for p in points:
        f = pdir / f"{p.key}.json"
        if f.exists():
            out.append(json.loads(f.read_text()))
    return out
