"""`rmttheory figures`: every paper figure, its data, manifest, checks, and resumption."""

from __future__ import annotations

import json
import os

import pytest

from rmttheory.cli import main
from rmttheory.figures import FIGURES, PAPERS, make_figures


@pytest.fixture(scope="module")
def quick_figures(tmp_path_factory):
    out = tmp_path_factory.mktemp("figures")
    manifest = make_figures(out, "all", progress=False)
    return out, manifest


def test_manifest_lists_every_figure_with_files_data_and_checks(quick_figures):
    out, manifest = quick_figures
    on_disk = json.loads((out / "manifest.json").read_text())
    assert on_disk == json.loads(json.dumps(manifest))
    figs = manifest["figures"]
    assert len(figs) == len(FIGURES) >= 16
    for paper in PAPERS:
        assert sum(f["paper"] == paper for f in figs) >= 4
    for f in figs:
        assert {"id", "paper", "title", "caption", "files", "data", "checks"} <= set(f)
        assert sorted(x.rsplit(".", 1)[1] for x in f["files"]) == ["pdf", "png"]
        for x in f["files"]:
            assert (out / x).stat().st_size > 10_000, x
        assert (out / f["files"][0]).read_bytes()[:4] == b"%PDF"
        data = json.loads((out / f["data"]).read_text())
        assert data["id"] == f["id"] and data["checks"] == f["checks"]
        assert len(f["caption"]) > 80
    index = (out / "index.md").read_text()
    assert all(f"![{f['id']}]({f['id']}.png)" in index for f in figs)


def test_theory_against_simulation_checks_pass(quick_figures):
    _, manifest = quick_figures
    checked = [f for f in manifest["figures"] if f["checks"]]
    assert len(checked) >= 14  # all but the descriptive rank-degeneracy figure
    for f in checked:
        for c in f["checks"]:
            assert c["value"] <= c["tolerance"], (f["id"], c)
    assert manifest["all_pass"]


def test_rerun_recomputes_only_what_is_missing(quick_figures, tmp_path):
    out, _ = quick_figures
    data = sorted((out / "data").glob("*.json"))
    before = {p.name: os.stat(p).st_mtime_ns for p in data}
    (out / "data" / "lm_marchenko_pastur.json").unlink()  # as if killed before it finished
    make_figures(out, "all", progress=False)
    after = {p.name: os.stat(p).st_mtime_ns for p in sorted((out / "data").glob("*.json"))}
    changed = {k for k in after if after[k] != before.get(k)}
    assert changed == {"lm_marchenko_pastur.json"}


def test_cli(tmp_path, capsys):
    assert main(["figures", "--paper", "nope", "--out", str(tmp_path)]) == 2
    assert "unknown paper 'nope'" in capsys.readouterr().err
    assert main(["figures", "--format", "xyz", "--out", str(tmp_path)]) == 2
    assert "--format must be among" in capsys.readouterr().err
    f = tmp_path / "file"
    f.write_text("")
    assert main(["figures", "--out", str(f)]) == 2
    assert "not a folder" in capsys.readouterr().err
