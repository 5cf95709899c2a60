"""Validation layer: report content, resume after a kill, failures, refusals, devices."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from rmttheory.cli import main
from rmttheory.distributions import PenningtonWorah
from rmttheory.validation.campaign import Point, run_campaign, run_point
from rmttheory.validation.compare import ks_distance
from rmttheory.validation.gram import batched_eigenvalues
from rmttheory.validation.report import validate
from rmttheory.validation.sampling import GramSpec

from .conftest import DEVICES


@pytest.fixture(scope="module")
def quick_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    summary = validate(out, workers=2, device="cpu", progress=False)
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


def test_resume_after_kill(tmp_path):
    """Kill a campaign mid-run (SIGKILL), rerun: finished points untouched, nothing lost."""
    script = (
        "from rmttheory.validation.campaign import Point, run_campaign\n"
        "pts = [Point('tanh', 1.0, 1.0, n, 1, s) for n in (80, 120, 160) for s in range(4)]\n"
        f"run_campaign(pts, r'{tmp_path}', workers=1, progress=False)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], start_new_session=True)
    pdir = tmp_path / "points"
    deadline = time.time() + 120
    while time.time() < deadline and len(list(pdir.glob("*.json"))) < 3:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done = {f.name: f.read_bytes() for f in pdir.glob("*.json")}
    assert 3 <= len(done) < 12, "kill did not land mid-run"
    pts = [Point("tanh", 1.0, 1.0, n, 1, s) for n in (80, 120, 160) for s in range(4)]
    recs = run_campaign(pts, tmp_path, workers=1, progress=False)
    assert len(recs) == 12 and all(r["status"] == "ok" for r in recs)
    for name, content in done.items():  # finished points were not recomputed
        assert (pdir / name).read_bytes() == content
    assert not list(pdir.glob("*.tmp"))


def test_failing_point_is_recorded_and_others_continue(tmp_path):
    pts = [
        Point("1/x", 1.0, 1.0, 60),
        Point("tanh", 1.0, 1.0, 60),
        Point("nonsense(x", 1.0, 1.0, 60),
    ]
    recs = run_campaign(pts, tmp_path, workers=1, progress=False)
    status = {r["point"]["act"]: r for r in recs}
    assert status["tanh"]["status"] == "ok"
    assert status["1/x"]["status"] == "failed" and "singular" in status["1/x"]["reason"]
    assert status["nonsense(x"]["status"] == "failed" and "parse" in status["nonsense(x"]["reason"]


def test_oversize_request_refused(capsys):
    rec = run_point(Point("tanh", 1.0, 1.0, 1_000_000))
    assert rec["status"] == "refused" and "GiB" in rec["reason"]
    code = main(["sample", "tanh", "--phi", "1", "--psi", "1", "--n0", "1000000"])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "GiB" in err[0]


def test_sample_json_contract(capsys):
    code = main(
        ["sample", "relu", "--phi", "0.5", "--psi", "1", "--n0", "200", "--seed", "3", "--json"]
    )
    d = json.loads(capsys.readouterr().out)
    assert code == 0
    for key in ("n0", "n1", "m", "ks", "w1", "mean", "eta", "zeta", "device"):
        assert key in d
    assert (d["n0"], d["n1"], d["m"]) == (200, 200, 400) and d["device"] == "cpu"
    # reproducible from one seed
    main(["sample", "relu", "--phi", "0.5", "--psi", "1", "--n0", "200", "--seed", "3", "--json"])
    assert json.loads(capsys.readouterr().out)["ks"] == d["ks"]


def test_cuda_requested_but_absent(capsys):
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    assert (
        main(["sample", "tanh", "--phi", "1", "--psi", "1", "--n0", "50", "--device", "cuda"]) == 2
    )
    assert "CUDA" in capsys.readouterr().err


@pytest.mark.parametrize("device", DEVICES)
def test_torch_path_matches_theory(device):
    spec = GramSpec("tanh", 300, 0.5, 0.5)
    eig = np.concatenate(batched_eigenvalues(spec, 2, seed=5, device=device))
    law = PenningtonWorah.from_activation("tanh", 0.5, 0.5)
    assert ks_distance(law, eig) <= np.sqrt(np.log(2e3) / (2 * eig.size))
    again = np.concatenate(batched_eigenvalues(spec, 2, seed=5, device=device))
    np.testing.assert_array_equal(eig, again)


@pytest.mark.parametrize("entries", ["rademacher", "uniform"])
def test_universality_of_entries(entries):
    spec = GramSpec("tanh", 300, 1.0, 0.5, entries=entries)
    eig = np.concatenate(batched_eigenvalues(spec, 2, seed=1))
    law = PenningtonWorah.from_activation("tanh", 1.0, 0.5)
    assert ks_distance(law, eig) <= np.sqrt(np.log(2e3) / (2 * eig.size))


def test_real_data_runs_and_is_reported():
    """Digits are not iid Gaussian: the distance is recorded, not asserted small."""
    rec = run_point(Point("tanh", 1.0, 0.5, 0, 2, data="digits"))
    assert rec["status"] == "ok" and rec["n0"] == 61 and 0 <= rec["ks"] <= 1


def test_dask_executor(tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=2) as client:
        recs = run_campaign(
            [Point("tanh", 1.0, 1.0, 60, 1, s) for s in range(3)],
            tmp_path,
            executor=client.get_executor(),
            progress=False,
        )
    assert len(recs) == 3 and all(r["status"] == "ok" for r in recs)
