"""The whole Hessian spectrum: low-rank against dense, closed forms, batches, callable losses."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rmttheory.errors import ConvergenceError, ParameterError
from rmttheory.hessians import (
    LossSpec,
    exact_hessian,
    gauss_newton_spectrum,
    hessian_spectrum,
    rowwise_hessian,
    slq_density,
)
from rmttheory.hessians import spectrum as spectrum_module
from rmttheory.hessians._krylov_linalg import _pencil_eigvalsh
from rmttheory.validation.networks import build_model

from .conftest import DEVICES
from .test_hessian import _softmax_hessian


def _mlp(seed=0, d=6, h1=20, h2=30, c=4):
    g = torch.Generator().manual_seed(seed)
    net = torch.nn.Sequential(
        torch.nn.Linear(d, h1), torch.nn.ReLU(), torch.nn.Linear(h1, h2), torch.nn.Tanh(),
        torch.nn.Linear(h2, c),
    ).double()  # fmt: skip
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.randn(p.shape, generator=g, dtype=torch.float64) / np.sqrt(p.shape[-1]))
    return net


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("loss", ["cross_entropy", "mse"])
def test_lowrank_equals_dense_to_1e9(rng, device, loss):
    net = _mlp()
    x, y = rng.standard_normal((5, 6)), rng.integers(0, 4, 5)
    dense = hessian_spectrum(net, x, y, loss=loss, method="dense", device=device)
    low = hessian_spectrum(net, x, y, loss=loss, method="lowrank", device=device, block=16)
    assert dense.n_params == low.n_params == 894 and dense.eigenvalues.size == 894
    assert low.method == "lowrank" and dense.method == "dense" and low.device == device
    scale = np.abs(dense.eigenvalues).max()
    assert low.rank == dense.rank < 894 // 2
    assert np.max(np.abs(low.eigenvalues - dense.eigenvalues)) < 1e-9 * scale
    # the null space is exact zeros, the certificate is at round-off and bounds the error
    assert np.all(np.diff(low.eigenvalues) >= 0) and np.count_nonzero(low.eigenvalues) == low.rank
    assert low.certificate is not None and low.certificate < 1e-11 * scale
    assert low.meta["orthogonality"] < 1e-10 and low.n_products < 894
    # power: the check above is sensitive to a 1e-6 relative error in one eigenvalue
    wrong = low.nonzero.copy()
    wrong[-1] *= 1 + 1e-6
    assert np.max(np.abs(wrong - dense.nonzero)) > 1e-9 * scale


def test_dense_spectrum_is_the_softmax_closed_form(rng):
    x, y = rng.standard_normal((7, 5)), rng.integers(0, 3, 7)
    model = build_model("logreg", 5, 3, seed=1)
    want = np.linalg.eigvalsh(
        _softmax_hessian(model.weight.detach().numpy(), model.bias.detach().numpy(), x, y, 3)
    )
    for method in ("dense", "lowrank"):
        s = hessian_spectrum(model, x, y, method=method)
        cut = 1e-10 * np.abs(want).max()
        want0 = np.where(np.abs(want) <= cut, 0.0, want)
        assert np.max(np.abs(s.eigenvalues - want0)) < 1e-12 * np.abs(want).max()
        # softmax regression: rank (classes - 1)(features + 1) = 12 of 18
        assert s.rank == 12 and s.cutoff == pytest.approx(cut)


def test_certificate_catches_a_missed_subspace_and_restarts(rng, monkeypatch):
    # MSE of a linear map: H = I_2 (x) Gram, block diagonal by output unit.  A start
    # block with no component on output 1 gives a Krylov space blind to it; only the
    # certificate's fresh vectors can find it.
    d = 4
    model = torch.nn.Linear(d, 2).double()
    x, y = rng.standard_normal((9, d)), rng.standard_normal((9, 2))
    blind = list(range(d, 2 * d)) + [2 * d + 1]  # W[1, :] and b[1]
    real = torch.randn
    calls = []

    def start_blind(*args, **kwargs):
        out = real(*args, **kwargs)
        if not calls:
            out[:, blind] = 0.0
        calls.append(1)
        return out

    monkeypatch.setattr(torch, "randn", start_blind)
    low = hessian_spectrum(model, x, y, loss="mse", method="lowrank", block=2)
    monkeypatch.undo()
    dense = hessian_spectrum(model, x, y, loss="mse", method="dense")
    assert low.meta["certify_rounds"] >= 2  # the first certificate failed
    assert low.rank == dense.rank == 10
    assert np.max(np.abs(low.eigenvalues - dense.eigenvalues)) < 1e-12 * dense.eigenvalues.max()


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_batches_and_dataloader_equal_one_concatenated_batch(rng, reduction):
    net = _mlp(1, h1=8, h2=6)
    x, y = rng.standard_normal((10, 6)), rng.integers(0, 4, 10)
    one = exact_hessian(net, x, y, reduction=reduction).matrix.numpy()
    parts = [(x[:3], y[:3]), (x[3:], y[3:])]  # unequal batches: a mean of means would differ
    many = exact_hessian(net, parts, None, reduction=reduction).matrix.numpy()
    ds = torch.utils.data.TensorDataset(torch.as_tensor(x), torch.as_tensor(y))
    loader = torch.utils.data.DataLoader(ds, batch_size=4)
    s_loader = hessian_spectrum(net, loader, reduction=reduction, method="lowrank")
    assert np.max(np.abs(many - one)) < 1e-13 * np.abs(one).max()
    lam = np.linalg.eigvalsh(one)
    lam[np.abs(lam) <= 1e-10 * np.abs(lam).max()] = 0
    assert s_loader.n_samples == 10 and s_loader.meta["n_batches"] == 3
    assert np.max(np.abs(s_loader.eigenvalues - np.sort(lam))) < 1e-10 * np.abs(lam).max()
    # power: the mean of the two batch means is a different matrix
    h1 = exact_hessian(net, *parts[0]).matrix.numpy()
    h2 = exact_hessian(net, *parts[1]).matrix.numpy()
    if reduction == "mean":
        assert np.abs(0.5 * (h1 + h2) - one).max() > 1e-3 * np.abs(one).max()


def test_callable_loss_equals_builtin_and_rejects_bad_shapes(rng):
    net = _mlp(2, h1=8, h2=6)
    x, y = rng.standard_normal((6, 6)), rng.integers(0, 4, 6)

    def ce(out, t):
        return torch.nn.functional.cross_entropy(out, t, reduction="none")

    a = exact_hessian(net, x, y, loss=ce)
    b = exact_hessian(net, x, y)
    assert a.loss == "ce" and float((a.matrix - b.matrix).abs().max()) < 1e-14
    with pytest.raises(ParameterError, match="per-sample"):
        exact_hessian(net, x, y, loss=lambda out, t: ce(out, t).mean())
    with pytest.raises(ParameterError, match="loss must be"):
        LossSpec.build(net, x, y, loss="hinge")


@pytest.mark.parametrize("device", DEVICES)
def test_hvp_block_rows_are_the_dense_hessian(rng, device):
    net = _mlp(3, h1=5, h2=4)
    x, y = rng.standard_normal((4, 6)), rng.integers(0, 4, 4)
    spec = LossSpec.build(net, x, y, device=device)
    V = torch.as_tensor(rng.standard_normal((7, spec.n_params)), device=device)
    H = rowwise_hessian(net, x, y).numpy()  # independent: one grad-of-grad per row
    got = spec.hvp_block(V).cpu().numpy()
    assert np.abs(got - V.cpu().numpy() @ H).max() < 1e-13 * np.abs(H).max() * np.sqrt(H.shape[0])
    assert np.abs(spec.hvp(V[0]).cpu().numpy() - got[0]).max() < 1e-14 * np.abs(got).max()


def test_rank_limits_fallback_and_refusals(rng, monkeypatch):
    net = _mlp(4)
    x, y = rng.standard_normal((5, 6)), rng.integers(0, 4, 5)
    with pytest.raises(ConvergenceError, match="max_rank"):
        hessian_spectrum(net, x, y, method="lowrank", max_rank=10, block=8)
    monkeypatch.setattr(spectrum_module, "DENSE_MAX_PARAMS", 0)
    auto = hessian_spectrum(net, x, y, max_rank=10, block=8)
    assert auto.method == "dense" and "fallback" in auto.meta and auto.meta["asked"] == "auto"
    auto = hessian_spectrum(net, x, y, block=64)
    assert auto.method == "lowrank"
    for kwargs, msg in [({"method": "eig"}, "method"), ({"tol": 0.5}, "tol"),
                        ({"rcutoff": -1}, "rcutoff"), ({"block": 0}, "block")]:  # fmt: skip
        with pytest.raises(ParameterError, match=msg):
            hessian_spectrum(net, x, y, **kwargs)
    d = hessian_spectrum(net, x, y, method="lowrank").to_dict(eigenvalues=True)
    assert len(d["nonzero"]) == d["rank"] and d["method"] == "lowrank"


@pytest.mark.parametrize("device", DEVICES)
def test_gauss_newton_is_the_hessian_for_softmax_regression(rng, device):
    x, y = rng.standard_normal((7, 5)), rng.integers(0, 3, 7)
    model = build_model("logreg", 5, 3, seed=1)
    g = gauss_newton_spectrum(model, x, y, device=device)
    h = hessian_spectrum(model, x, y, method="dense", device=device)
    assert g.method == "gauss_newton" and g.meta["size"] == 21 and g.rank == h.rank == 12
    assert np.max(np.abs(g.eigenvalues - h.eigenvalues)) < 1e-12 * np.abs(h.eigenvalues).max()


@pytest.mark.parametrize("loss,reduction", [("cross_entropy", "mean"), ("mse", "sum")])
def test_gauss_newton_equals_explicit_jt_lambda_j(rng, loss, reduction):
    net = _mlp(5, h1=7, h2=5, c=3)
    x, y = rng.standard_normal((6, 6)), rng.integers(0, 3, 6)
    g = gauss_newton_spectrum(net, x, y, loss=loss, reduction=reduction)
    # independent: the Jacobian by finite-free autograd rows, Lambda in closed form
    params = list(net.parameters())
    out = net(torch.as_tensor(x))
    J = torch.stack([torch.cat([t.reshape(-1) for t in torch.autograd.grad(
        out[i, k], params, retain_graph=True)]) for i in range(6) for k in range(3)]).numpy()  # fmt: skip
    p = torch.softmax(out, -1).detach().numpy()
    blocks = [np.diag(q) - np.outer(q, q) if loss == "cross_entropy" else np.eye(3) for q in p]
    G = J.T @ _block_diag(blocks) @ J / (6 if reduction == "mean" else 1)
    want = np.linalg.eigvalsh(G)
    want[np.abs(want) <= 1e-10 * np.abs(want).max()] = 0
    assert np.max(np.abs(g.eigenvalues - np.sort(want))) < 1e-11 * np.abs(want).max()
    assert g.rank == (12 if loss == "cross_entropy" else 18)  # N(C-1) or NC
    H = exact_hessian(net, x, y, loss=loss, reduction=reduction).matrix.numpy()
    assert np.abs(H - G).max() > 1e-3 * np.abs(H).max()  # power: an MLP's H is not G


def _block_diag(blocks):
    n = sum(b.shape[0] for b in blocks)
    out, i = np.zeros((n, n)), 0
    for b in blocks:
        out[i : i + b.shape[0], i : i + b.shape[0]] = b
        i += b.shape[0]
    return out


def test_slq_quadrature_is_exact_for_low_degree_polynomials(rng):
    net = _mlp(6, h1=10, h2=8, c=3)  # P = 197
    x, y = rng.standard_normal((12, 6)), rng.integers(0, 3, 12)
    H = exact_hessian(net, x, y).matrix.numpy()
    V = rng.standard_normal((3, H.shape[0]))
    m = 6
    q = slq_density(net, x, y, vectors=V, n_steps=m)
    norm = np.abs(np.linalg.eigvalsh(H)).max()
    for k in range(2 * m):  # Gauss quadrature: exact up to degree 2m - 1
        for i, v in enumerate(V / np.linalg.norm(V, axis=1, keepdims=True)):
            want = v @ np.linalg.matrix_power(H, k) @ v
            got = np.sum(q.weights[i] * q.nodes[i] ** k)
            assert abs(got - want) < 1e-11 * norm**k, (k, i)
    # power: degree 2m is not integrated exactly
    v = V[0] / np.linalg.norm(V[0])
    want = v @ np.linalg.matrix_power(H, 2 * m) @ v
    assert abs(np.sum(q.weights[0] * q.nodes[0] ** (2 * m)) - want) > 1e-8 * norm ** (2 * m)


def test_slq_moments_and_density_against_the_exact_spectrum(rng):
    net = _mlp(7, h1=10, h2=8, c=3)
    x, y = rng.standard_normal((12, 6)), rng.integers(0, 3, 12)
    lam = np.linalg.eigvalsh(exact_hessian(net, x, y).matrix.numpy())
    # 3 steps integrate degree <= 5 exactly, so moments 1..4 carry only Hutchinson's noise;
    # its relative spread per vector is ~ (2 / effective rank)^(1/2) ~ 0.4 here, hence 8000
    q = slq_density(net, x, y, n_vectors=8000, n_steps=3, seed=3)
    for k in (1, 2, 3, 4):
        want, se = np.mean(lam**k), q.moment_stderr(k)
        # 5 standard errors: false alarm ~6e-7 per moment (the estimator is a mean of 8000)
        assert abs(q.moment(k) - want) < 5 * se
    # power: a 5 % wrong tr H^2 is ~11 standard errors away
    assert abs(q.moment(2) - 1.05 * np.mean(lam**2)) > 5 * q.moment_stderr(2)
    q = slq_density(net, x, y, n_vectors=20, n_steps=12, seed=3)
    grid = np.linspace(lam.min() - 1, lam.max() + 1, 4001)
    width = 0.02 * (lam.max() - lam.min())
    dens = q.density(grid, width)
    assert abs(np.sum(dens) * (grid[1] - grid[0]) - 1) < 1e-6
    assert q.cdf(np.array([lam.max() + 1]))[0] == pytest.approx(1.0, abs=1e-12)
    assert q.n_products <= 20 * 12
    with pytest.raises(ParameterError):
        slq_density(net, x, y, n_steps=10**6)
    with pytest.raises(ParameterError):
        slq_density(net, x, y, vectors=np.zeros((2, 3)))


def test_slq_stops_on_an_invariant_subspace(rng):
    # softmax regression on 7 samples: rank 12 of 18, so Lanczos ends by step 13 and the
    # quadrature nodes are exact eigenvalues
    x, y = rng.standard_normal((7, 5)), rng.integers(0, 3, 7)
    model = build_model("logreg", 5, 3, seed=1)
    lam = np.linalg.eigvalsh(exact_hessian(model, x, y).matrix.numpy())
    q = slq_density(model, x, y, n_vectors=2, n_steps=18)
    assert max(q.meta["lengths"]) <= 13
    for t in q.nodes:
        assert np.min(np.abs(t[:, None] - lam[None, :]), axis=1).max() < 1e-10 * lam.max()


def test_lowrank_near_full_rank_with_a_drifting_basis_is_exact(rng, monkeypatch):
    """Issue 23: near full rank the Krylov basis drifts from orthonormal (measured 1.2e-9 for
    a tanh MLP 61-34-10 on 256 digits, P = 2,458, rank 2,185, which used to raise).  The
    Ritz values are then taken from the pencil (Q H Q^T, Q Q^T), exact whatever the drift:
    forced here on a small net, and equal to dense to 1e-9."""
    net = _mlp()
    x, y = rng.standard_normal((40, 6)), rng.integers(0, 4, 40)
    dense = hessian_spectrum(net, x, y, method="dense")
    monkeypatch.setattr(spectrum_module, "_orthogonality_defect", lambda Q, gen: 1e-9)
    low = hessian_spectrum(net, x, y, method="lowrank", block=64)
    assert low.method == "lowrank" and low.meta["gram_corrected"] is True
    scale = np.abs(dense.eigenvalues).max()
    assert low.rank == dense.rank > 894 // 2  # near full rank: the auto limit would not do
    assert np.max(np.abs(low.eigenvalues - dense.eigenvalues)) < 1e-9 * scale
    # the pencil itself: a drifted basis (G = Q Q^T != I) gives the exact generalized values
    A = rng.standard_normal((30, 30))
    H = A + A.T
    Q = torch.linalg.qr(torch.as_tensor(rng.standard_normal((30, 30))))[0].T
    Qd = Q + 1e-6 * torch.as_tensor(rng.standard_normal((30, 30)))  # rows span R^30
    T = Qd @ torch.as_tensor(H) @ Qd.T
    got = _pencil_eigvalsh(T, Qd @ Qd.T).numpy()
    np.testing.assert_allclose(got, np.linalg.eigvalsh(H), rtol=0, atol=1e-10 * np.abs(H).max())
    naive = np.linalg.eigvalsh(T.numpy())  # power: ignoring the drift is visibly wrong
    assert np.max(np.abs(naive - np.linalg.eigvalsh(H))) > 1e-7 * np.abs(H).max()


def test_lowrank_failure_falls_back_to_dense(rng, monkeypatch):
    """Never a raise for a valid input: a low-rank run that cannot certify its result
    (ConvergenceError) falls back to the dense spectrum, for 'lowrank' and 'auto' alike,
    and says so in meta['fallback']."""
    net = _mlp()
    x, y = rng.standard_normal((5, 6)), rng.integers(0, 4, 5)
    dense = hessian_spectrum(net, x, y, method="dense")

    def fail(*args, **kwargs):
        raise ConvergenceError("the Krylov basis lost orthogonality (||Q^T Q - I|| ~ 1e-3)")

    monkeypatch.setattr(spectrum_module, "_lowrank", fail)
    monkeypatch.setattr(spectrum_module, "DENSE_MAX_PARAMS", 10)  # auto chooses low-rank
    for method in ("lowrank", "auto"):
        got = hessian_spectrum(net, x, y, method=method)
        assert got.method == "dense" and "low-rank failed" in got.meta["fallback"]
        np.testing.assert_array_equal(got.eigenvalues, dense.eigenvalues)
