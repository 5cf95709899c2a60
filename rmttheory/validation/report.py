"""``rmttheory validate``: every theory against simulation, as one report.

Runs the sections of :data:`rmttheory.validation.sections.registry.SECTIONS`
(each resumable: ``DIR/points/``, ``DIR/hessians/``, ``DIR/sections/``) and writes
``DIR/report.md`` (tables, verdicts, figures) and ``DIR/report.json``
(``summary``, every check with its statistic and tolerance, and each section's
record).  ``--quick`` (the default) runs in a few minutes on 2 CPU cores;
``--full`` uses larger sizes (meant for a GPU or a cluster through ``workers`` or
an executor).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rmttheory.resources import resolve_device
from rmttheory.validation.io import write_json
from rmttheory.validation.sections import Context, run_section

__all__ = ["validate"]


def validate(
    out_dir: str | Path,
    full: bool = False,
    device: str = "cpu",
    workers: int = 1,
    seed: int = 0,
    executor: Any = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Run (or resume) every section and write the report; return the summary.

    Parameters
    ----------
    out_dir
        Report folder (created; an existing one is resumed).
    full
        Large sizes instead of the quick ones.
    device
        ``"cpu"``, ``"cuda"`` or ``"auto"`` for sampled Gram matrices and Hessians.
    workers, executor
        Parallel points of the Gram campaign: a process pool of ``workers``, or
        any ``concurrent.futures`` executor (e.g. a Dask client's).
    seed
        Everything random descends from it.
    progress
        Show progress bars.

    Returns
    -------
    dict
        ``mode``, ``device``, ``checks`` (number), ``passed``, ``all_pass``,
        ``sections`` (``{name: [passed, total]}``), ``figures``.

    Examples
    --------
    >>> summary = validate("rmttheory-report")  # doctest: +SKIP
    >>> summary["all_pass"]  # doctest: +SKIP
    True
    """
    from rmttheory.validation.sections.registry import SECTIONS

    dev = "cpu" if device == "cpu" else resolve_device(device)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ctx = Context(out, full, dev, seed, workers, executor, progress)
    sections = SECTIONS
    if progress:
        from tqdm.auto import tqdm

        sections = tqdm(SECTIONS, desc="report sections", unit="section")
    results = [run_section(s, ctx) for s in sections]
    checks = [c for r in results for c in r.checks]
    passed = sum(c.passed for c in checks)
    summary = {
        "mode": "full" if full else "quick",
        "device": dev,
        "checks": len(checks),
        "passed": passed,
        "all_pass": passed == len(checks),
        "sections": {r.name: [sum(c.passed for c in r.checks), len(r.checks)] for r in results},
        "figures": [f for r in results for f in r.figures],
    }
    write_json(
        out / "report.json",
        {
            "summary": summary,
            "checks": [c.to_dict() for c in checks],
            "sections": {r.name: r.record for r in results},
        },
        indent=1,
    )
    failed = [c for c in checks if not c.passed]
    lines = [
        "# rmttheory validation report",
        "",
        f"Mode **{summary['mode']}** on **{dev}**: {passed}/{len(checks)} checks pass.",
        "",
        *(
            [
                "Failed checks:",
                "",
                *[
                    f"- {c.section}: {c.name} ({c.statistic} {c.value:.4g} > {c.tolerance:.4g})"
                    for c in failed
                ],
                "",
            ]  # fmt: skip
            if failed
            else []
        ),
        *[line for r in results for line in r.markdown],
    ]
    (out / "report.md").write_text("\n".join(lines))
    return summary
