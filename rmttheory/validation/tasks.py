"""The engine of resumable experiments: run each task whose JSON record is missing.

Used by :func:`rmttheory.validation.campaign.run_campaign` and the Hessian
ensembles of :mod:`rmttheory.validation.hessian_ensemble`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rmttheory.validation.io import write_json

if TYPE_CHECKING:  # a process pool's modules load only when one runs (a sample's start-up)
    from concurrent.futures import Executor

__all__ = ["run_tasks"]


def run_tasks(
    tasks: list[tuple[str, Any, tuple, dict]],
    folder: str | Path,
    *,
    executor: Executor | None = None,
    workers: int = 1,
    progress: bool = True,
    desc: str = "tasks",
    failed: Any = None,
) -> list[str]:
    """Run each ``(key, fn, args, kwargs)`` whose ``folder/<key>.json`` is absent; write its record.

    The engine of every resumable experiment (:func:`run_campaign`, the Hessian
    ensembles of :mod:`rmttheory.validation.hessian_ensemble`): ``fn(*args,
    **kwargs)`` returns a JSON-ready dict, written atomically as soon as it is
    done, so an interrupted run resumes with the missing keys only.

    Parameters
    ----------
    tasks
        ``(key, fn, args, kwargs)``; ``fn`` must be picklable for a process pool.
    folder
        Where the records go.
    executor, workers
        Any ``concurrent.futures`` executor, or a process pool of ``workers``
        (``workers=1`` and no executor: in this process).
    progress, desc
        Progress bar and its label.
    failed
        ``failed(key, exc)``: the record of a task whose worker died (default:
        ``{"key", "status": "failed", "reason", "retry": True}``).  A record
        with ``"retry": True`` is run again by the next call; a failure that
        ``fn`` itself records is final.

    Notes
    -----
    The process pool starts its workers by ``spawn`` (a forked child of a process
    running torch/OpenMP threads can hang): a script that calls this with
    ``workers > 1`` needs the ``if __name__ == "__main__":`` guard.

    Returns
    -------
    list of str
        The keys run now.

    Examples
    --------
    >>> import tempfile
    >>> run_tasks([("a", dict, (), {"x": 1})], tempfile.mkdtemp(), progress=False)
    ['a']
    """
    from tqdm.auto import tqdm

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    todo = [t for t in tasks if not _finished(folder / f"{t[0]}.json")]
    bar = tqdm(total=len(tasks), initial=len(tasks) - len(todo), desc=desc,
               disable=not progress, unit="task")  # fmt: skip
    try:
        if todo and workers <= 1 and executor is None:
            for key, fn, args, kwargs in todo:
                write_json(folder / f"{key}.json", fn(*args, **kwargs))
                bar.update(1)
        elif todo:
            from concurrent.futures import ProcessPoolExecutor, as_completed
            from multiprocessing import get_context

            own = executor is None
            # spawn, not fork: a forked child of a process whose torch/OpenMP threads
            # are running can hang forever (seen with the Hessian ensembles)
            ex = executor or ProcessPoolExecutor(
                max_workers=workers, mp_context=get_context("spawn")
            )
            try:
                futs = {ex.submit(fn, *args, **kwargs): key for key, fn, args, kwargs in todo}
                for fut in as_completed(futs):
                    key = futs[fut]
                    try:
                        rec = fut.result()
                    except Exception as exc:  # the worker itself died
                        rec = (failed(key, exc) if failed is not None else
                               {"key": key, "status": "failed", "reason": f"worker error: {exc}",
                                "retry": True})  # fmt: skip
                    write_json(folder / f"{key}.json", rec)
                    bar.update(1)
            finally:
                if own:
                    ex.shutdown(cancel_futures=True)
    finally:
        bar.close()
    return [t[0] for t in todo]


def _finished(path: Path) -> bool:
    """A record is on disk and is not marked for retry (a worker that died)."""
    if not path.exists():
        return False
    try:
        return not json.loads(path.read_text()).get("retry", False)
    except (ValueError, AttributeError):
        return False
