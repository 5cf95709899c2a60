"""Hessian ensembles: resumable records, the paper's analyses and their power, the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest

from rmttheory.cli import main
from rmttheory.errors import ParameterError
from rmttheory.local_statistics import sample_spectrum
from rmttheory.validation.hessian_analysis import analyse_ensemble
from rmttheory.validation.hessian_ensemble import (
    EnsembleSpec,
    batch_indices,
    batch_record,
    load_ensemble,
    run_ensemble,
)

SMALL = EnsembleSpec("mlp", "gaussian", batch=12, n_batches=4, hidden=6, train_steps=20,
                     num_samples=200)  # fmt: skip


def test_resume_recomputes_only_what_is_missing(tmp_path):
    recs = run_ensemble(SMALL, tmp_path, progress=False)
    assert [r["k"] for r in recs] == [0, 1, 2, 3] and all(r["status"] == "ok" for r in recs)
    files = sorted((tmp_path / "batches").glob("*.json"))
    stamps = {f.name: f.stat().st_mtime_ns for f in files}
    files[1].unlink()  # an interrupted run: batch 1 never finished
    again = run_ensemble(SMALL, tmp_path, progress=False)
    assert [f.stat().st_mtime_ns == stamps[f.name] for f in files if f != files[1]] == [True] * 3
    assert again[1]["nonzero"] == recs[1]["nonzero"]  # the same batch, the same network
    r = recs[2]
    assert r["indices"] == batch_indices(SMALL, 2, 200).tolist() and len(set(r["indices"])) == 12
    assert r["rank"] == len(r["nonzero"]) and r["gauss_newton"]["rank"] <= 12 * 3
    # the batch's Hessian, recomputed independently of the ensemble machinery
    from rmttheory.hessians import exact_hessian

    net_state = tmp_path / "model.pt"
    import torch

    from rmttheory.validation.networks import build_model, load_dataset

    data = load_dataset("gaussian", seed=0, num_samples=200)
    net = build_model("mlp", data.dim, data.n_classes, hidden=6)
    net.load_state_dict(torch.load(net_state, weights_only=True))
    idx = np.array(r["indices"])
    lam = exact_hessian(net, data.x[idx], data.y[idx]).eigenvalues()
    lam = lam[np.abs(lam) > r["cutoff"]]
    assert np.max(np.abs(lam - np.array(r["nonzero"]))) < 1e-10 * np.abs(lam).max()


def test_process_pool_gives_the_same_records_and_bad_folders_are_refused(tmp_path):
    serial = run_ensemble(SMALL, tmp_path / "a", progress=False)
    pooled = run_ensemble(SMALL, tmp_path / "b", workers=2, progress=False)
    for s, p in zip(serial, pooled):
        assert s["indices"] == p["indices"]
        assert np.allclose(s["nonzero"], p["nonzero"], rtol=0, atol=1e-12 * max(s["nonzero"]))
    with pytest.raises(ParameterError, match="different ensemble"):
        run_ensemble(EnsembleSpec(**{**SMALL.__dict__, "lr": 0.5}), tmp_path / "a", progress=False)
    with pytest.raises(ParameterError, match="batch"):
        run_ensemble(EnsembleSpec(**{**SMALL.__dict__, "batch": 10**6}), tmp_path / "c",
                     progress=False)  # fmt: skip
    (tmp_path / "a" / "model.pt").write_bytes(b"not a model")
    bad = batch_record(SMALL, str(tmp_path / "a"), 7)
    assert bad["status"] == "failed" and bad["reason"]


def _records(spectra, n_params):
    return [{"status": "ok", "n_params": n_params, "rank": int(np.count_nonzero(s)),
             "nonzero": np.sort(s[s != 0]).tolist()} for s in spectra]  # fmt: skip


def test_analyses_tell_goe_from_poisson():
    rng = np.random.default_rng(5)
    goe = [sample_spectrum("goe", 400, rng=k) for k in range(8)]
    a = analyse_ensemble(_records(goe, 400))
    assert a["goe_not_poisson"] and a["ratios"]["closest"] == "goe"
    assert a["spacings"]["ks_gaudin"] < a["spacings"]["ks_poisson"]
    # power: independent levels (Poisson) with the same density fail every statistic
    poisson = [np.sort(np.interp(rng.random(400), np.linspace(0, 1, 400), g)) for g in goe]
    for unfolding in ("log-fit", "pool"):
        a = analyse_ensemble(_records(goe, 400), unfolding=unfolding)
        assert a["goe_not_poisson"], unfolding
        b = analyse_ensemble(_records(poisson, 400), unfolding=unfolding)
        assert not b["goe_not_poisson"] and b["ratios"]["closest"] == "poisson"
        assert b["spacings"]["ks_poisson"] < b["spacings"]["ks_gaudin"]
        assert not b["number_variance"]["closer_to_goe"]
    both = analyse_ensemble(_records(goe, 400), part="both", unfolding="pool")
    assert both["goe_not_poisson"] and both["n_local_mean"] == 400
    with pytest.raises(ParameterError, match="log-fit"):
        analyse_ensemble(_records(goe, 400), part="both")


def test_cutoff_sweep_counts_the_null_space():
    rng = np.random.default_rng(6)
    spectra = []
    for _ in range(3):
        s = np.zeros(100)
        s[:40] = rng.standard_normal(40) * np.logspace(-6, 0, 40)  # 60 exact zeros
        spectra.append(s)
    a = analyse_ensemble(_records(spectra, 100), trim=0.0)
    eps, frac = np.array(a["sweep"]["eps"]), np.array(a["sweep"]["fraction"])
    assert frac[0] == pytest.approx(0.6) and frac[-1] == pytest.approx(1.0)
    want = np.mean([np.mean(np.abs(s) <= eps[30] * np.abs(s).max()) for s in spectra])
    assert frac[30] == pytest.approx(want) and 0.6 < want < 1
    assert a["rank"] == {"mean": 40.0, "min": 40, "max": 40}
    with pytest.raises(ParameterError, match="at least two"):
        analyse_ensemble(_records(spectra[:1], 100))


def test_cli_runs_resumes_and_plots(tmp_path, capsys):
    argv = ["hessian-ensemble", "--model", "mlp", "--hidden", "6", "--dataset", "gaussian",
            "--batch", "12", "--n-batches", "3", "--train-steps", "20", "--device", "cpu",
            "--out", str(tmp_path / "e"), "--json"]  # fmt: skip
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n_records"] == 3 and out["n_failed"] == 0
    assert set(out["analyses"]) == {"Hessian", "Gauss–Newton"}
    assert main([*argv, "--analyse-only", "--plot", str(tmp_path / "fig")]) == 0
    out2 = json.loads(capsys.readouterr().out)
    assert out2["analyses"]["Hessian"]["ratios"] == out["analyses"]["Hessian"]["ratios"]
    assert (tmp_path / "fig.pdf").exists() and (tmp_path / "fig.png").exists()
    assert len(load_ensemble(tmp_path / "e")) == 3
    assert main([*argv[:-1], "--model", "resnet", "--out", str(tmp_path / "x")]) != 0
    assert "model" in capsys.readouterr().err


def test_run_tasks_retries_only_worker_deaths(tmp_path):
    from rmttheory.validation.tasks import run_tasks

    (tmp_path / "a.json").write_text(
        '{"status": "failed", "reason": "worker error", "retry": true}'
    )
    (tmp_path / "b.json").write_text('{"status": "failed", "reason": "bad input"}')
    ran = run_tasks([("a", dict, (), {"x": 1}), ("b", dict, (), {"x": 2})], tmp_path,
                    progress=False)  # fmt: skip
    assert ran == ["a"] and json.loads((tmp_path / "a.json").read_text()) == {"x": 1}
    assert json.loads((tmp_path / "b.json").read_text())["reason"] == "bad input"
