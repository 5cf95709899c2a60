"""Report sections, all of one shape: compute → checks → figures → markdown.

A :class:`Section` computes a JSON record (written atomically to
``DIR/sections/NAME.json`` as soon as it is done, so a rerun resumes), turns the
record into :class:`Check` objects (a statistic, its tolerance, the verdict), draws
its figures from the record, and writes its markdown.  :func:`run_section` is the
one driver; :mod:`rmttheory.validation.sections.registry` lists them in report order.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rmttheory.validation.io import jsonable, read_json, write_json

__all__ = ["Check", "Context", "Section", "SectionResult", "run_section", "section_record"]


@dataclass
class Check:
    """One theory-versus-simulation comparison.

    Attributes
    ----------
    section, name
        Where it comes from and what it compares.
    statistic
        What ``value`` is (``"KS"``, ``"|sim - theory|"``, ...).
    value, tolerance
        The statistic and the bound it must not exceed.
    passed
        The verdict.
    detail
        Anything a reader needs (theory, simulated mean, standard error, sizes).
    power
        The same statistic and tolerance against perturbed theories: rows with
        ``perturbation``, ``parameter``, ``relative``, ``applies`` and ``reject``
        (:mod:`rmttheory.validation.power`); empty when no perturbation applies.

    Examples
    --------
    >>> Check("demo", "mean", "|sim - theory|", 0.01, 0.05, True).to_dict()["passed"]
    True
    """

    section: str
    name: str
    statistic: str
    value: float
    tolerance: float
    passed: bool
    detail: dict[str, Any] = field(default_factory=dict)
    power: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


@dataclass
class Context:
    """What every section needs to run: output folder, size, device, seed, executor.

    Parameters
    ----------
    out
        Report folder.
    full
        Large sizes.
    device, seed
        Device and seed of everything random.
    workers, executor
        Parallel campaign points.
    progress
        Show progress bars.

    Examples
    --------
    >>> Context(Path("report")).full
    False
    """

    out: Path
    full: bool = False
    device: str = "cpu"
    seed: int = 0
    workers: int = 1
    executor: Any = None
    progress: bool = True


@dataclass
class SectionResult:
    """A section after it ran: its record, checks, figures and markdown.

    Parameters
    ----------
    name, record, checks, figures, markdown
        As computed by :func:`run_section`.

    Examples
    --------
    >>> SectionResult("demo", {}, [], [], ["## demo"]).markdown
    ['## demo']
    """

    name: str
    record: dict[str, Any]
    checks: list[Check]
    figures: list[str]
    markdown: list[str]


class Section:
    """Base class: subclasses set ``name`` and ``title`` and implement the four steps.

    Examples
    --------
    >>> class Demo(Section):
    ...     name, title = "demo", "A demonstration"
    ...     def compute(self, ctx):
    ...         return {"value": 0.01}
    ...     def checks(self, record):
    ...         return [self.check("value", "|error|", record["value"], 0.05)]
    ...     def markdown(self, record, checks, figures):
    ...         return [f"## {self.title} — {self.verdict(checks)}"]
    >>> import tempfile
    >>> run_section(Demo(), Context(Path(tempfile.mkdtemp()))).markdown
    ['## A demonstration — 1/1 checks pass']
    """

    name: str = ""
    title: str = ""

    def compute(self, ctx: Context) -> dict[str, Any]:
        """Run the experiment; return a JSON-able record."""
        raise NotImplementedError

    def checks(self, record: dict[str, Any]) -> list[Check]:
        """The checks the record supports."""
        raise NotImplementedError

    def figures(self, record: dict[str, Any], out: Path) -> list[str]:
        """Draw figures into ``out``; return their file names (relative to ``out``)."""
        return []

    def markdown(
        self, record: dict[str, Any], checks: list[Check], figures: list[str]
    ) -> list[str]:
        """The section's lines of ``report.md``."""
        raise NotImplementedError

    def check(
        self, name: str, statistic: str, value: float, tolerance: float, **detail: Any
    ) -> Check:
        """A :class:`Check` of this section passing when ``value <= tolerance``.

        A KS check whose tolerance is 1 or more cannot fail (a KS distance is at most 1):
        it is reported as ``no power`` and does not pass.
        """
        passed = bool(value <= tolerance)
        if statistic == "KS" and tolerance >= 1.0:
            passed = False
            detail = {**detail, "no_power": "the tolerance is at least 1: the check cannot fail"}
        return Check(self.name, name, statistic, float(value), float(tolerance), passed, detail)

    def verdict(self, checks: list[Check]) -> str:
        """``"k/n checks pass"``."""
        return f"{sum(c.passed for c in checks)}/{len(checks)} checks pass"

    @staticmethod
    def power_table(
        entries: list[tuple[str, list[dict[str, Any]], str]],
        note: str = "smallest η error rejected",
    ) -> list[str]:
        """Markdown table of power: one row per check, one column per perturbation.

        ``entries`` are triples ``(label, rows, note)``; each row has
        ``perturbation``, ``applies``, ``reject`` and ``cell`` (what a rejection
        shows, e.g. ``"K"`` for the KS statistic, ``"T"`` for the trace); an
        accepted perturbation shows ``·``, one that does not apply ``n/a``; ``note``
        heads the last column.
        """
        if not entries:
            return []
        names = list(dict.fromkeys(r["perturbation"] for _, rows, _ in entries for r in rows))
        lines = [
            "| check | " + " | ".join(names) + f" | {note} |",
            "|---|" + "---|" * (len(names) + 1),
        ]
        for label, rows, note in entries:
            by = {r["perturbation"]: r for r in rows}
            cells = []
            for n in names:
                r = by.get(n)
                if r is None or not r["applies"]:
                    cells.append("n/a")
                else:
                    cells.append(r["cell"] if r["reject"] else "·")
            lines.append(f"| {label} | " + " | ".join(cells) + f" | {note} |")
        return lines

    @staticmethod
    def images(figures: list[str]) -> list[str]:
        """Markdown lines that show ``figures`` (then a blank line)."""
        return [*[f"![{f}]({f})" for f in figures], ""]


def section_record(section: Section, ctx: Context) -> dict[str, Any]:
    """``section``'s record, loaded from ``ctx.out/sections/NAME.json`` when that file was
    written for the same sizes and seed, else computed and written there at once.

    The file carries ``"run": {"full": ..., "seed": ...}``; a record of other sizes or
    another seed is recomputed, never reused.  :func:`run_section` (the report) and the
    figures that show a report section (:mod:`rmttheory.figures.lm2025`) share this
    cache, so ``rmttheory figures`` in a report's folder reuses the report's sections.

    Parameters
    ----------
    section
        The section.
    ctx
        Where and how to run (``ctx.full`` and ``ctx.seed`` key the cache).

    Returns
    -------
    dict
        The section's record, with ``run``.

    Examples
    --------
    See :class:`Section`.
    """
    path = Path(ctx.out) / "sections" / f"{section.name}.json"
    run = {"full": bool(ctx.full), "seed": int(ctx.seed)}
    if path.exists():
        record = read_json(path)
        if record.get("run") == run:
            return record
    record = {**jsonable(section.compute(ctx)), "run": run}
    write_json(path, record)
    return record


def run_section(section: Section, ctx: Context) -> SectionResult:
    """Compute (or load) ``section``'s record, then its checks, figures and markdown.

    The record is written to ``ctx.out/sections/NAME.json`` as soon as it is
    computed; a later run of the same sizes and seed loads it instead of recomputing
    (:func:`section_record`).

    Parameters
    ----------
    section
        The section.
    ctx
        Where and how to run.

    Returns
    -------
    SectionResult

    Examples
    --------
    See :class:`Section`.
    """
    from rmttheory.plot import style

    record = section_record(section, ctx)
    checks = section.checks(record)
    with style():
        figures = section.figures(record, Path(ctx.out))
    return SectionResult(
        section.name, record, checks, figures, section.markdown(record, checks, figures)
    )
