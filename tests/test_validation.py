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
from rmttheory.validation.sampling import GramSpec

from .conftest import DEVICES


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


def test_process_pool_gives_the_records_of_one_process(tmp_path):
    """``workers=2`` (a spawned process pool) writes the same records as ``workers=1``
    (the quick report in tests/test_quick_report.py runs with one worker)."""
    pts = [Point("tanh", 1.0, 1.0, n, 1, s) for n in (60, 80) for s in range(2)]
    pooled = run_campaign(pts, tmp_path / "pool", workers=2, progress=False)
    alone = run_campaign(pts, tmp_path / "one", workers=1, progress=False)
    assert [r["status"] for r in pooled] == ["ok"] * 4
    for a, b in zip(pooled, alone):
        assert a["ks"] == b["ks"] and a["ks_tol"] == b["ks_tol"]


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


def test_bad_activation_fails_before_sampling_and_a_law_failure_is_recorded(monkeypatch):
    """The law is built on a helper thread while the sample is drawn; a non-integrable
    activation still fails before anything is sampled, and an error in the helper's law
    comes back as the point's 'failed' record (never lost, never a traceback)."""
    import rmttheory.validation.campaign as campaign
    import rmttheory.validation.gram as gram

    drawn = []
    real = gram.batched_samples
    monkeypatch.setattr(gram, "batched_samples", lambda *a, **k: drawn.append(1) or real(*a, **k))
    rec = run_point(Point("1/x", 1.0, 1.0, 60))
    assert rec["status"] == "failed" and "singular" in rec["reason"] and not drawn

    def broken(*args):
        raise FloatingPointError("law failed in its thread")

    monkeypatch.setattr(campaign, "_built_law", broken)
    rec = run_point(Point("tanh", 1.0, 1.0, 60))
    assert drawn and rec["status"] == "failed" and "law failed in its thread" in rec["reason"]


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
