"""Every ``rmttheory`` command shown in README.md and docs/ is accepted by the parser as
written, and the fast ones run (exit status 0) with their output files redirected to a
temporary folder.  Synopsis lines (with ``[``, ``|`` or ``...``) are checked flag by flag:
each flag they show exists on that command.  The slow examples (sampling, training, the
full report) are parsed only: their commands run in the tests of their own modules."""

from __future__ import annotations

import pathlib
import re
import shlex

import pytest

from rmttheory.cli import build_parser, main

ROOT = pathlib.Path(__file__).parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
#: commands cheap enough to run here (seconds): no sampling, no training
FAST = {"constants", "equation", "moments", "density", "derive"}
FAST_EDGE = {"tw", "outliers"}


def _commands():
    """Lines of code blocks (fences toggled line by line) that start with ``rmttheory ``,
    continuation lines joined and trailing comments dropped."""
    out = []
    for page in PAGES:
        inside, lang, block = False, "", []
        for raw in page.read_text().splitlines():
            if raw.lstrip().startswith("```"):
                if inside and lang in ("", "bash", "text", "sh", "console"):
                    joined = re.sub(r"\\\n\s*", " ", "\n".join(block))
                    for line in joined.splitlines():
                        line = line.strip().removeprefix("$ ")
                        if line.startswith("rmttheory ") and not line.startswith("rmttheory has"):
                            out.append((page.name, re.split(r"\s+#", line)[0].strip()))
                inside, lang, block = not inside, raw.strip()[3:].strip(), []
            elif inside:
                block.append(raw)
    return out


COMMANDS = _commands()


def test_there_are_documented_commands():
    assert len(COMMANDS) > 30


def _subparser(argv):
    parser = build_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    sub = action.choices[argv[0]]
    if argv[0] == "edge" and len(argv) > 1 and not argv[1].startswith("-"):
        inner = next(a for a in sub._actions if a.dest == "edge_command")
        return inner.choices.get(argv[1], sub)
    return sub


@pytest.mark.parametrize("page,line", COMMANDS, ids=[f"{p}:{c[:60]}" for p, c in COMMANDS])
def test_documented_command(page, line, tmp_path, capsys):
    if any(tok in line for tok in ("[", "|", "...")):  # a synopsis: its flags must exist
        words = line.split()
        parser = _subparser([w for w in words[1:3] if not w.startswith("-")] or words[1:2])
        known = {s for a in parser._actions for s in a.option_strings}
        tokens = [t for w in words for t in re.split(r"[\[\]|]", w) if t]
        flags = {t.split("=")[0] for t in tokens if t.startswith("--")}
        assert flags <= known, f"{page}: {line}: unknown flags {sorted(flags - known)}"
        return
    argv = shlex.split(line)[1:]
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:
        pytest.fail(f"{page}: the parser rejects `{line}` ({capsys.readouterr().err.strip()})")
        raise AssertionError from exc
    fast = args.command in FAST and "--simulate" not in argv
    fast |= args.command == "edge" and getattr(args, "edge_command", None) in FAST_EDGE
    if not fast:
        return
    for flag in ("--plot", "--out"):  # outputs into the temporary folder
        if flag in argv:
            i = argv.index(flag)
            argv[i + 1] = str(tmp_path / pathlib.Path(argv[i + 1]).name)
    assert main(argv) == 0, f"{page}: `{line}` failed: {capsys.readouterr().err.strip()}"
