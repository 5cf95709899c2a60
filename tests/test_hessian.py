"""Exact Hessians: closed forms, an independent row-by-row loop, finite differences, Lanczos."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
import torch

from rmttheory.cli import main
from rmttheory.errors import ParameterError, ResourceError, RmtError
from rmttheory.hessians import (
    HessianOperator,
    LossSpec,
    exact_hessian,
    rowwise_hessian,
    top_eigenvalues,
)
from rmttheory.validation.networks import build_model, load_dataset, train

from .conftest import DEVICES


def _batch(rng, b=7, d=5, c=3):
    return rng.standard_normal((b, d)), rng.integers(0, c, size=b)


def _softmax_hessian(W, bias, x, y, c):
    """Closed form of the mean softmax cross-entropy Hessian, parameters (W row-major, b)."""
    d = x.shape[1]
    xt = np.hstack([x, np.ones((x.shape[0], 1))])  # bias as a constant feature
    H = np.zeros((c * (d + 1), c * (d + 1)))
    for xi in xt:
        z = W @ xi[:-1] + bias
        p = np.exp(z - z.max())
        p /= p.sum()
        A = np.diag(p) - np.outer(p, p)
        H += np.kron(A, np.outer(xi, xi))
    H /= x.shape[0]
    # reorder from per-class (W_c, b_c) blocks to torch's (W flattened, b) order
    order = [k * (d + 1) + j for k in range(c) for j in range(d)] + [
        k * (d + 1) + d for k in range(c)
    ]
    return H[np.ix_(order, order)]


@pytest.mark.parametrize("device", DEVICES)
def test_logistic_regression_closed_form_and_sum_convention(rng, device):
    x, y = _batch(rng)
    model = build_model("logreg", 5, 3, seed=1)
    h = exact_hessian(model, x, y, device=device)
    W = model.weight.detach().numpy()
    bias = model.bias.detach().numpy()
    want = _softmax_hessian(W, bias, x, y, 3)
    got = h.matrix.cpu().numpy()
    assert h.device == device and h.dtype == "float64" and h.n_params == 18
    assert np.max(np.abs(got - want)) < 1e-14 * max(1.0, np.abs(want).max())
    hs = exact_hessian(model, x, y, reduction="sum", device=device)
    np.testing.assert_allclose(hs.matrix.cpu().numpy(), x.shape[0] * got, rtol=1e-13, atol=1e-15)
    assert hs.reduction == "sum" and h.asymmetry < 1e-13


def test_mse_linear_model_is_gram_kronecker(rng):
    """For f(x) = Wx + b and L = (1/2B) sum |f - y|^2 the Hessian is I_C (x) (X~^T X~)/B."""
    x, y = _batch(rng, b=9, d=4, c=2)
    model = build_model("logreg", 4, 2, seed=2)
    h = exact_hessian(model, x, y, loss="mse").matrix.numpy()
    xt = np.hstack([x, np.ones((9, 1))])
    G = xt.T @ xt / 9
    want = np.zeros_like(h)
    for k in range(2):  # W rows then biases
        idx = list(range(4 * k, 4 * k + 4)) + [8 + k]
        want[np.ix_(idx, idx)] = G
    np.testing.assert_allclose(h, want, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("kind", ["mlp", "cnn"])
def test_against_rowwise_loop_and_finite_differences(rng, device, kind):
    x, y = _batch(rng, b=6, d=10, c=3)
    model = build_model(kind, 10, 3, hidden=4, channels=2, seed=3)
    h = exact_hessian(model, x, y, device=device, chunk_size=7).matrix.cpu()
    r = rowwise_hessian(model, x, y, device=device).cpu()
    scale = float(h.abs().max())
    assert float((h - r).abs().max()) < 1e-13 * scale
    spec = LossSpec.build(model, x, y)
    t0 = spec.theta
    eps = 1e-5
    g = lambda t: torch.func.grad(spec.loss)(t)
    for j in (0, spec.n_params // 2, spec.n_params - 1):
        e = torch.zeros_like(t0)
        e[j] = eps
        fd = (g(t0 + e) - g(t0 - e)) / (2 * eps)
        # central difference error is O(eps^2 * third derivative): 1e-8 relative is generous
        assert float((fd - h[:, j]).abs().max()) < 1e-7 * max(1.0, scale)


class _TanhWithoutForwardMode(torch.autograd.Function):
    """tanh with a backward rule only: forward-mode (jvp) products cannot go through it."""

    @staticmethod
    def forward(ctx, x):
        y = torch.tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * (1 - y * y)


class _Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b = torch.nn.Linear(10, 4), torch.nn.Linear(4, 3)

    def forward(self, x):
        return self.b(_TanhWithoutForwardMode.apply(self.a(x)))


def test_forward_and_reverse_products_and_the_fallback(rng, monkeypatch):
    """Issue 23: a CPU with a small batch builds the dense Hessian by forward-over-reverse
    products (vmap of jvp(grad L)); a large batch, or a model with an operation without a
    forward-mode rule (a custom autograd.Function: the fallback), by reverse-over-reverse
    ones.  All three equal the independent row-by-row loop to 1e-13."""
    import rmttheory.hessians.loss as loss_module

    x, y = _batch(rng, b=6, d=10, c=3)
    model = build_model("mlp", 10, 3, hidden=4, seed=3)
    r = rowwise_hessian(model, x, y)
    scale = float(r.abs().max())
    fwd = exact_hessian(model, x, y, chunk_size=7).matrix
    assert float((fwd - r).abs().max()) < 1e-13 * scale
    monkeypatch.setattr(loss_module, "FORWARD_MAX_BATCH", 0)  # the reverse products
    rev = exact_hessian(model, x, y, chunk_size=7).matrix
    assert float((rev - r).abs().max()) < 1e-13 * scale
    monkeypatch.undo()
    net = _Net().double()
    spec = LossSpec.build(net, x, y)
    with pytest.raises((RuntimeError, NotImplementedError)):
        spec.hvp_block_forward(torch.eye(spec.n_params, dtype=torch.float64)[:2])
    r = rowwise_hessian(net, x, y)
    h = exact_hessian(net, x, y, chunk_size=7).matrix
    assert float((h - r).abs().max()) < 1e-13 * float(r.abs().max())


def test_lanczos_top_eigenvalues_match_dense(rng):
    x, y = _batch(rng, b=40, d=12, c=4)
    model = build_model("mlp", 12, 4, hidden=8, seed=4)
    dense = exact_hessian(model, x, y).eigenvalues()
    op = HessianOperator(model, x, y)
    top = top_eigenvalues(op, k=4, which="LA", seed=0)
    np.testing.assert_allclose(top, dense[-4:], rtol=1e-9, atol=1e-12)
    both = top_eigenvalues(op, k=4, which="BE", seed=1)
    np.testing.assert_allclose(both[[0, -1]], dense[[0, -1]], rtol=1e-9, atol=1e-12)
    assert op.n_products > 0
    with pytest.raises(ParameterError):
        top_eigenvalues(op, k=0)


def test_matvec_inputs_and_refusals(rng, monkeypatch):
    """matvec equals the dense Hessian times v for every input form (a float64 vector, which
    it shares without a copy; a read-only one, without torch's warning; a list; a column; a
    strided or reversed view), refuses a vector of the wrong length, and refuses a non-finite product
    (the check reads a sum; an overflowing sum falls back to the entrywise check)."""
    import warnings

    x, y = _batch(rng, b=20, d=6, c=3)
    model = build_model("mlp", 6, 3, hidden=5, seed=2)
    H = exact_hessian(model, x, y).matrix.numpy()
    op = HessianOperator(model, x, y)
    v = rng.standard_normal(H.shape[0])
    frozen = v.copy()
    frozen.flags.writeable = False
    wide = np.repeat(v, 2)[::2]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for form in (v, frozen, list(v), v[:, None], wide):
            np.testing.assert_allclose(op.matvec(form), H @ v, rtol=1e-12, atol=1e-12)
        np.testing.assert_array_equal(v, frozen)  # the shared input is left as it was
        reverse = v[::-1]  # negative stride (torch.from_numpy cannot share it)
        np.testing.assert_allclose(op.matvec(reverse), H @ reverse, rtol=1e-12, atol=1e-12)
    with pytest.raises(ParameterError, match="entries"):
        op.matvec(np.ones(H.shape[0] + 1))
    real_hvp = op.spec.hvp
    monkeypatch.setattr(op.spec, "hvp", lambda t: real_hvp(t) * 0 + 1e308)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (no overflow warning from the check's sum)
        assert np.all(op.matvec(v) == 1e308)  # finite entries, infinite sum: accepted
    monkeypatch.setattr(op.spec, "hvp", lambda t: real_hvp(t) * np.nan)
    with pytest.raises(RmtError, match="not finite"):
        op.matvec(v)


def test_rank_degeneracy_of_softmax_regression(rng):
    """Rank <= B(C-1) for a batch of B (conventions section 3); (C-1)(d+1) for large B."""
    model = build_model("logreg", 8, 4, seed=5)
    for b, want in ((3, 3 * 3), (200, 3 * 9)):
        x, y = _batch(rng, b=b, d=8, c=4)
        lam = exact_hessian(model, x, y).eigenvalues()
        assert int(np.sum(np.abs(lam) > 1e-10 * np.abs(lam).max())) == want


def test_refusals(rng, monkeypatch):
    x, y = _batch(rng)
    model = build_model("logreg", 5, 3)
    x_nan = x.copy()
    x_nan[0, 0] = np.nan
    with pytest.raises(RmtError, match="loss is nan"):
        exact_hessian(model, x_nan, y)
    with pytest.raises(ParameterError):
        exact_hessian(model, x, y, reduction="max")
    with pytest.raises(ParameterError):
        exact_hessian(model, x, y[:3])
    import rmttheory.resources as res

    monkeypatch.setattr(res, "available_bytes", lambda device="cpu": 1000)
    with pytest.raises(ResourceError, match="HessianOperator"):
        exact_hessian(model, x, y)
    if not torch.cuda.is_available():
        monkeypatch.undo()
        with pytest.raises(ResourceError, match="CUDA"):
            exact_hessian(model, x, y, device="cuda")


def test_datasets_models_training_and_global_rng_untouched():
    np.random.seed(123)  # noqa: NPY002 (the global state must survive mnist1d)
    random.seed(7)
    before = (np.random.get_state()[1].copy(), random.getstate())  # noqa: NPY002
    torch_before = torch.random.get_rng_state().clone()
    d = load_dataset("mnist1d", num_samples=200, seed=1)
    assert d.x.shape == (200, 40) and set(np.unique(d.y)) <= set(range(10))
    assert np.array_equal(np.random.get_state()[1], before[0])  # noqa: NPY002
    assert random.getstate() == before[1]
    build_model("cnn", 40, 10, seed=0)
    assert torch.equal(torch.random.get_rng_state(), torch_before)
    g1, g2 = load_dataset("gaussian", seed=3), load_dataset("gaussian", seed=3)
    assert np.array_equal(g1.x, g2.x) and g1.n_classes == 4
    digits = load_dataset("digits")
    assert digits.x.shape[0] == 1797 and np.allclose(digits.x.std(axis=0), 1)
    model = build_model("mlp", digits.dim, 10, hidden=16)
    rec = train(model, digits, steps=200, target_loss=0.05)
    assert rec["loss"] <= 0.05 and rec["steps"] < 200 and rec["accuracy"] > 0.95
    with pytest.raises(ParameterError):
        load_dataset("cifar")
    with pytest.raises(ParameterError):
        build_model("resnet", 4, 2)


def test_hessian_cli_goe_not_poisson(tmp_path, capsys):
    png = tmp_path / "r.png"
    rc = main(
        ["hessian", "--model", "mlp", "--dataset", "digits", "--hidden", "24", "--json"]
        + ["--train-steps", "200", "--plot", str(png)]
    )
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("n_params", "n_eigenvalues_used", "cutoff", "mean_r_tilde", "ks_goe"):
        assert key in out
    assert out["n_params"] == 61 * 24 + 24 + 24 * 10 + 10  # digits: 61 non-constant pixels
    assert out["closest"] == "goe" and out["ks_goe"] < out["ks_poisson"] / 4
    assert png.stat().st_size > 10_000


@pytest.mark.parametrize(
    "argv, msg",
    [
        (["--model", "resnet"], "unknown model"),
        (["--dataset", "cifar"], "unknown data set"),
        (["--batch", "1000"], "samples"),
        (["--train-steps", "-1"], "train-steps"),
    ],
)
def test_hessian_cli_bad_input(argv, msg, capsys):
    assert main(["hessian", *argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and msg in err[0]
