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

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rmttheory.errors import ParameterError
from rmttheory.resources import resolve_device
from rmttheory.validation.io import write_json
from rmttheory.validation.sections import Context, run_section

__all__ = ["validate", "power_summary"]

#: statistics of the spectral checks (KS distance, trace)
SPECTRAL = ("KS", "|mean - E mean|/E mean")


def power_summary(checks: list) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every check's power rows, and per sampled spectrum the combined verdict.

    A spectrum's checks (KS and trace) reject a perturbation when one of them does;
    ``eta`` is the smallest relative η error rejected in both directions (None: not
    even 2%).  Spectra without an activation (no η perturbation applies) are left out.

    Parameters
    ----------
    checks
        The report's :class:`~rmttheory.validation.sections.Check` objects.

    Returns
    -------
    (list of dict, list of dict)
        ``power`` (section, check, statistic, rows) for every check with power
        rows, and per spectrum ``section``, ``spectrum``, ``rows``, ``eta``.

    Examples
    --------
    >>> power_summary([])
    ([], [])
    """
    from rmttheory.validation.power import smallest_rejected

    power = [
        {"section": c.section, "check": c.name, "statistic": c.statistic, "rows": c.power}
        for c in checks
        if c.power
    ]
    groups: dict[tuple[str, str], list] = {}
    for c in checks:
        if c.power and c.statistic in SPECTRAL:
            groups.setdefault((c.section, c.name.rsplit(": ", 1)[0]), []).append(c)
    spectral = []
    for (section, name), cs in groups.items():
        rows = []
        for i, row in enumerate(cs[0].power):
            rs = [c.power[i] for c in cs]
            applies = any(r["applies"] for r in rs)
            rows.append({**row, "applies": applies,
                         "reject": applies and any(r["reject"] for r in rs if r["applies"])})  # fmt: skip
        if not any(r["applies"] for r in rows if r["parameter"] == "eta"):
            continue  # no activation behind this spectrum (the input Wishart)
        spectral.append({"section": section, "spectrum": name, "rows": rows,
                         "eta": smallest_rejected(rows, "eta")})  # fmt: skip
    return power, spectral


def validate(
    out_dir: str | Path,
    full: bool = False,
    device: str = "cpu",
    workers: int = 1,
    seed: int = 0,
    executor: Any = None,
    progress: bool = True,
    sections: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Run (or resume) every section (or the named ones) and write the report; return the
    summary.

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
        Show progress bars, with each section's measured time on 2 cores
        (:data:`rmttheory.validation.sections.registry.SECONDS`) as its estimate.
    sections
        Names of the sections to run (default: all, in report order); the report then
        holds those only.

    Returns
    -------
    dict
        ``mode``, ``device``, ``checks`` (number), ``passed``, ``all_pass``,
        ``sections`` (``{name: [passed, total]}``), ``seconds`` (``{name: wall time}``),
        ``figures``.

    Examples
    --------
    >>> summary = validate("rmttheory-report")  # doctest: +SKIP
    >>> summary["all_pass"]  # doctest: +SKIP
    True
    """
    from rmttheory.validation.sections.registry import SECONDS, SECTIONS

    chosen = list(SECTIONS)
    if sections is not None:
        names = [s.name for s in SECTIONS]
        unknown = [n for n in sections if n not in names]
        if unknown or not sections:
            raise ParameterError(
                f"unknown report section(s) {', '.join(unknown) or '(none given)'}; "
                f"choose from {', '.join(names)}"
            )
        chosen = [s for s in SECTIONS if s.name in sections]
    dev = "cpu" if device == "cpu" else resolve_device(device)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ctx = Context(out, full, dev, seed, workers, executor, progress)
    mode = "full" if full else "quick"
    results, seconds = [], {}
    bar = None
    if progress:
        from tqdm.auto import tqdm

        total = sum(SECONDS.get(s.name, {}).get(mode, 0.0) for s in chosen)
        bar = tqdm(total=round(total), desc="report", unit="s (est., 2 cores)")
    for s in chosen:
        estimate = SECONDS.get(s.name, {}).get(mode, 0.0)
        if bar is not None:
            bar.set_postfix_str(f"{s.name} (~{estimate:.0f} s)")
        start = time.perf_counter()
        results.append(run_section(s, ctx))
        seconds[s.name] = round(time.perf_counter() - start, 1)
        if bar is not None:
            bar.update(round(estimate))
    if bar is not None:
        bar.close()
    checks = [c for r in results for c in r.checks]
    passed = sum(c.passed for c in checks)
    power, spectral = power_summary(checks)
    summary: dict[str, Any] = {
        "mode": mode,
        "device": dev,
        "checks": len(checks),
        "passed": passed,
        "all_pass": passed == len(checks),
        "sections": {r.name: [sum(c.passed for c in r.checks), len(r.checks)] for r in results},
        "seconds": seconds,
        "figures": [f for r in results for f in r.figures],
        "power": {
            "spectra": len(spectral),
            "reject_eta_2pct": sum(g["eta"] is not None and g["eta"] <= 0.02 for g in spectral),
            "all_reject_eta_2pct": all(g["eta"] is not None and g["eta"] <= 0.02 for g in spectral),
        },
    }
    write_json(
        out / "report.json",
        {
            "summary": summary,
            "checks": [c.to_dict() for c in checks],
            "power": power,
            "sections": {r.name: r.record for r in results},
        },
        indent=1,
    )
    failed = [c for c in checks if not c.passed]
    weak = [g["spectrum"] for g in spectral if g["eta"] is None or g["eta"] > 0.02]
    lines = [
        "# rmttheory validation report",
        "",
        f"Mode **{summary['mode']}** on **{dev}**: {passed}/{len(checks)} checks pass, each with a",
        "false-alarm rate of at most 10⁻³ (`rmttheory.validation.tolerance`).",
        "",
        f"**Power**: every check is rerun against wrong theories (tables below). Of {len(spectral)}",
        "sampled spectra, "
        + f"{summary['power']['reject_eta_2pct']} reject a 2% error in η (KS or trace)"
        + ("." if not weak else "; not: " + ", ".join(weak) + "."),
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
