"""The README's main job, ``rmttheory validate`` at quick sizes, made once, and every paper
figure (``rmttheory figures``) made in the same folder: the report's content, checks, power
and figures; the figures' manifest, data and checks; reruns recompute nothing finished.

One file, so that pytest-xdist (``--dist loadfile``, pyproject.toml) runs it in one worker
and the report is made once; the figures that show a report section reuse its record
(:func:`rmttheory.validation.sections.section_record`)."""

from __future__ import annotations

import json
import os

import pytest

from rmttheory.figures import FIGURES, PAPERS, make_figures
from rmttheory.validation.report import validate


@pytest.fixture(scope="module")
def quick_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    # one process: beside the other pytest-xdist worker a pool only adds contention (the
    # report on one core takes the time it takes on two: docs/benchmarks.md, loaded machine)
    summary = validate(out, workers=1, device="cpu", progress=False)
    return out, summary


def test_quick_report_content(quick_report):
    out, summary = quick_report
    data = json.loads((out / "report.json").read_text())
    assert summary["all_pass"] and summary["checks"] == len(data["checks"]) == summary["passed"]
    gram = data["sections"]["gram"]
    recs = gram["main"]
    acts = {r["point"]["act"] for r in recs}
    assert acts >= {"tanh", "relu", "abs", "erf", "gelu", "sin"}
    assert len({(r["point"]["phi"], r["point"]["psi"]) for r in recs}) == 4
    assert any(r["zeta"] == 0 for r in recs)  # zeta = 0 (|x|)
    spiked = [r for r in recs if not r["point"]["center"]]
    assert spiked and all(r["outlier"]["rel_error"] <= r["outlier"]["tol"] for r in spiked)
    for r in recs:  # every check reports its value and tolerance
        assert r["ks"] <= r["ks_tol"] and r["mean_rel_error"] <= r["mean_rel_tol"]
    # one KS and one mean check per point, one outlier check per uncentered point
    assert summary["sections"]["gram"][1] == 2 * len(recs) + len(spiked)
    assert -1.6 < gram["slopes"]["ks"] < -0.5
    md = (out / "report.md").read_text()
    assert md.count("| pass |") == 24 and "Fitted log–log slopes" in md
    for fig in ("densities.png", "convergence.png"):
        assert (out / fig).stat().st_size > 10_000
    # Hessian section: 2 models x 2 data sets, GOE and not Poisson after training
    hess = data["sections"]["hessians"]["experiments"]
    assert {(h["model"], h["dataset"]) for h in hess} == {
        (m, d) for m in ("mlp", "cnn") for d in ("digits", "mnist1d")
    }
    for h in hess:
        assert h["closest"] == "goe" and h["ks_goe"] <= 0.5 * h["ks_poisson"]
        assert h["n_eigenvalues_used"] < h["n_eigenvalues"] and h["cutoff"] > 0
        assert (out / h["figure"]).stat().st_size > 10_000
    assert "Network Hessians" in md
    ens = data["sections"]["hessians"]["ensemble"]
    assert ens["n_failed"] == 0 and set(ens["analyses"]) == {"Hessian", "Gauss–Newton"}
    for a in ens["analyses"].values():
        assert a["n_hessians"] == 4 and a["goe_not_poisson"] and a["rank"]["max"] < a["n_params"]
    assert (out / "hessian_ensemble.png").stat().st_size > 20_000 and "Batch ensemble" in md
    # deterministic-equivalent sections: every simulated point within its tolerance
    theory = [c for c in data["checks"] if c["section"] not in ("gram", "hessians")]
    assert len(theory) >= 90 and all(c["passed"] for c in theory)
    for fig in (
        "ridge_double_descent.png",
        "rf_double_descent.png",
        "kernels.png",
        "scaling_law.png",
        "dynamics.png",
        "features_digits.png",
    ):
        assert (out / fig).stat().st_size > 20_000 and f"]({fig})" in md
    # random features on digits: the theory without the data's structure is rejected everywhere
    feats = [c for c in data["checks"] if c["section"] == "features"]
    assert len(feats) == 2 * 3 * 5 and all(c["passed"] for c in feats)
    assert all(any(r["reject"] for r in c["power"] if r["perturbation"] == "isotropic data")
               for c in feats if c["statistic"] == "KS")  # fmt: skip
    # power: every sampled spectrum's checks reject eta +-2% with the same tolerance
    assert summary["power"]["spectra"] >= 20 and summary["power"]["all_reject_eta_2pct"]
    assert data["power"] and all(p["rows"] for p in data["power"])
    names = {r["perturbation"] for p in data["power"] for r in p["rows"]}
    assert {"η +1%", "η -2%", "ζ +5%", "φ -5%", "ψ +5%", "P(1/z)"} <= names
    assert "**Power**" in md and " η +2% |" in md
    scaling = json.loads((out / "sections" / "scaling.json").read_text())
    assert abs(scaling["slope_sim"] - scaling["exponent_theory"]) < 0.2
    # derived laws (rmttheory.algebra): pass, and the structure-removed theory is rejected
    derived = [c for c in data["checks"] if c["section"] == "derived"]
    assert len(derived) == 4 and all(c["passed"] for c in derived)
    structure = {"isotropic data", "last layer only", "noise x 1.1", "limit law"}
    assert all(any(r["reject"] for r in c["power"] if r["perturbation"] in structure)
               for c in derived)  # fmt: skip
    assert (out / "derived_laws.png").stat().st_size > 20_000 and "Derived laws" in md
    assert "Conditional on the data" in md
    # the finite-size map: the laws meant to hold do at every size; the findings are reported
    sizes = [c for c in data["checks"] if c["section"] == "size_map"]
    assert len(sizes) == 5 * 3 and all(c["passed"] for c in sizes)
    fams = {f["family"]: f for f in data["sections"]["size_map"]["families"]}
    assert min(p["ratio"] for p in fams["x^2 - 1"]["points"]) > 2  # the slow limit law
    # digits: the fluctuating equivalent passes at every size (above); LLC, blind to the
    # small input dimension, fails at the largest size, at over 3 times the noise floor
    llc = fams["digits (LLC)"]["points"][-1]
    assert not llc["pass"] and llc["ratio"] > 3
    assert (out / "finite_size_map.png").stat().st_size > 20_000 and "Finite-size map" in md
    # the top of the spectrum: TW checks with power (wrong β and a 5% scale error rejected),
    # outliers, rigidity; the findings are reported, not counted
    edge = [c for c in data["checks"] if c["section"] == "edge"]
    tw = [c for c in edge if "λmax vs TW" in c["name"]]
    assert len(tw) == 5 and all(all(r["reject"] for r in c["power"]) for c in tw)
    assert any("no outlier" in c["name"] for c in edge)
    assert sum("Δ3" in c["name"] for c in edge) == 3 * 6
    rec = data["sections"]["edge"]
    x2 = next(p for p in rec["gram"] if p["act"] == "x**2 - 1")
    assert len(x2["outlier_checks"]) == 2  # two outliers predicted and sampled above the edge
    assert all(c["sim"] > x2["edge"]["location"] for c in x2["outlier_checks"])
    for stem in ("edge_tracy_widom", "edge_outliers", "edge_rigidity"):
        assert (out / f"{stem}.png").stat().st_size > 20_000 and (out / f"{stem}.pdf").exists()


def test_rerun_recomputes_nothing(quick_report):
    out, _ = quick_report
    files = [
        f
        for d in ("points", "hessians", "sections", "derived", "size_map", "edge")
        for f in sorted((out / d).glob("*.json"))
    ]
    before = {f: f.stat().st_mtime_ns for f in files}
    validate(out, workers=1, device="cpu", progress=False)
    assert {f: f.stat().st_mtime_ns for f in files} == before


@pytest.fixture(scope="module")
def quick_figures(quick_report):
    """Every figure, made in the quick report's folder (above): the figures that show
    a report section reuse its record, as ``rmttheory figures --out REPORT`` does."""
    out, _ = quick_report
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
