"""The figure runner: compute (resumable, parallel) → draw → PDF/PNG + data + manifest."""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from rmttheory.errors import ParameterError
from rmttheory.figures.core import PAPERS, Figure, FigureContext
from rmttheory.figures.registry import BY_ID, FIGURES
from rmttheory.validation.io import jsonable, read_json, write_json

__all__ = ["make_figures"]


def _compute(fig_id: str, ctx: FigureContext) -> tuple[str, dict[str, Any], float]:
    t = time.time()
    record = jsonable(BY_ID[fig_id].compute(ctx))
    return fig_id, record, time.time() - t


def _select(papers: Sequence[str] | str) -> list[Figure]:
    wanted = [papers] if isinstance(papers, str) else list(papers)
    if "all" in wanted:
        wanted = list(PAPERS)
    bad = [p for p in wanted if p not in PAPERS]
    if bad:
        raise ParameterError(f"unknown paper {bad[0]!r}; choose from all, {', '.join(PAPERS)}")
    return [f for f in FIGURES if f.paper in wanted]


def make_figures(
    out: str | Path,
    papers: Sequence[str] | str = "all",
    *,
    full: bool = False,
    device: str = "cpu",
    formats: Sequence[str] = ("pdf", "png"),
    seed: int = 0,
    workers: int = 1,
    executor: Executor | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Compute (or load) every figure's record, draw it, write the manifest and index.

    Parameters
    ----------
    out
        Output folder (created): ``ID.pdf``/``ID.png`` per figure, ``data/ID.json``
        with the record, ``manifest.json`` and ``index.md``.
    papers
        ``"all"`` or keys of :data:`PAPERS`.
    full
        Paper-scale sizes (for a cluster or a GPU); quick sizes run in minutes on 2 cores.
    device
        Where sampled spectra and Hessians are computed.
    formats
        Image formats (``pdf``, ``png``, ``svg``).
    seed
        Seed of everything random.
    workers, executor
        Records are computed on ``executor`` (any ``concurrent.futures`` executor),
        or on a process pool of ``workers`` when ``workers > 1``.
    progress
        Show a progress bar.

    Returns
    -------
    dict
        The manifest: ``figures`` (``id``, ``paper``, ``title``, ``caption``,
        ``files``, ``data``, ``checks``), ``all_pass``, ``mode``.

    Examples
    --------
    >>> make_figures("figs", "nature2030")
    Traceback (most recent call last):
    ...
    rmttheory.errors.ParameterError: unknown paper 'nature2030'; choose from all, pw2017, bgk2022, lm2025

    ``make_figures("figs", "pw2017")`` writes the four Pennington–Worah figures
    (about 30 s on 2 cores).
    """
    from tqdm.auto import tqdm

    from rmttheory.plot import FORMATS, save_figure, style

    formats = [f.lower() for f in formats]
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise ParameterError(f"--format must be among {', '.join(FORMATS)}, got {formats}")
    figures = _select(papers)
    out = Path(out)
    (out / "data").mkdir(parents=True, exist_ok=True)
    ctx = FigureContext(out, full, device, seed)
    mode = "full" if full else "quick"

    def data_path(f: Figure) -> Path:
        return out / "data" / f"{f.id}.json"

    records: dict[str, dict[str, Any]] = {}
    todo = []
    for f in figures:
        p = data_path(f)
        rec = read_json(p) if p.exists() else None
        if rec is not None and rec.get("mode") == mode and rec.get("seed") == seed:
            records[f.id] = rec
        else:
            todo.append(f)
    bar = tqdm(total=len(todo), desc="figures", unit="fig", disable=not progress)

    def done(fig_id: str, record: dict[str, Any], seconds: float) -> None:
        record = {**record, "id": fig_id, "mode": mode, "seed": seed, "seconds": seconds}
        write_json(out / "data" / f"{fig_id}.json", record)  # written as soon as it exists
        records[fig_id] = record
        bar.set_postfix_str(fig_id)
        bar.update()

    own = None
    if executor is None and workers > 1 and len(todo) > 1:
        import multiprocessing

        # spawn, not fork: torch and OpenMP thread pools do not survive a fork
        executor = own = ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("spawn")
        )
    try:
        if executor is None:
            for f in todo:
                done(*_compute(f.id, ctx))
        else:
            futures = [executor.submit(_compute, f.id, ctx) for f in todo]
            for fut in as_completed(futures):
                done(*fut.result())
    finally:
        bar.close()
        if own is not None:
            own.shutdown()

    entries = []
    for f in figures:
        rec = records[f.id]
        with style():
            fig = f.draw(rec)
        files = save_figure(fig, out / f.id, formats)
        entries.append({
            "id": f.id, "paper": f.paper, "reference": PAPERS[f.paper], "title": f.title,
            "caption": f.caption(rec), "files": [Path(x).name for x in files],
            "data": f"data/{f.id}.json", "checks": rec.get("checks", []),
            "passed": all(c["passed"] for c in rec.get("checks", [])),
        })  # fmt: skip
    manifest = {"mode": mode, "seed": seed, "device": device, "figures": entries,
                "all_pass": all(e["passed"] for e in entries)}  # fmt: skip
    write_json(out / "manifest.json", manifest, indent=1)
    (out / "index.md").write_text(_index(manifest))
    return manifest


def _index(manifest: dict[str, Any]) -> str:
    lines = ["# rmttheory paper figures", "",
             f"Mode **{manifest['mode']}**, seed {manifest['seed']}; data of every figure in "
             "`data/ID.json`, list in `manifest.json`.", ""]  # fmt: skip
    for key, ref in PAPERS.items():
        figs = [e for e in manifest["figures"] if e["paper"] == key]
        if not figs:
            continue
        lines += [f"## {ref}", ""]
        for e in figs:
            png = next((x for x in e["files"] if x.endswith(".png")), e["files"][0])
            n_ok = sum(c["passed"] for c in e["checks"])
            verdict = f" Checks: {n_ok}/{len(e['checks'])} pass." if e["checks"] else ""
            lines += [f"### {e['title']}", "", f"![{e['id']}]({png})", "",
                      e["caption"] + verdict, ""]  # fmt: skip
    return "\n".join(lines)
