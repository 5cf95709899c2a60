"""`rmttheory figures` on the command line: bad input refused in one line.  Every figure,
its data, manifest, checks and resumption: tests/test_quick_report.py (made in the quick
report's folder)."""

from __future__ import annotations

from rmttheory.cli import main


def test_cli(tmp_path, capsys):
    assert main(["figures", "--paper", "nope", "--out", str(tmp_path)]) == 2
    assert "unknown paper 'nope'" in capsys.readouterr().err
    assert main(["figures", "--format", "xyz", "--out", str(tmp_path)]) == 2
    assert "--format must be among" in capsys.readouterr().err
    f = tmp_path / "file"
    f.write_text("")
    assert main(["figures", "--out", str(f)]) == 2
    assert "not a folder" in capsys.readouterr().err
