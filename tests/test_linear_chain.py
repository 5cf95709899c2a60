"""The written-out Hessian-vector products of chains of Linear layers and elementwise
activations (rmttheory/hessians/_linear_chain.py) against two independent computations:
the dense Hessian of ``torch.func.hessian`` (forward-over-reverse of the loss) and the
double-backward pass through the kept gradient graph (the general path)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rmttheory.hessians import HessianOperator, LossSpec, exact_hessian

from .conftest import DEVICES

nn = torch.nn


def _chains():
    return {
        "tanh-relu, bias": lambda: nn.Sequential(
            nn.Linear(5, 7), nn.Tanh(), nn.Linear(7, 6), nn.ReLU(), nn.Linear(6, 3)
        ),
        "gelu, no bias": lambda: nn.Sequential(
            nn.Linear(5, 7, bias=False), nn.GELU(), nn.Linear(7, 3, bias=False)
        ),
        "lone linear": lambda: nn.Linear(5, 3),
        "activations first, stacked, last": lambda: nn.Sequential(
            nn.Tanh(), nn.Linear(5, 4), nn.Sigmoid(), nn.Softplus(), nn.Linear(4, 3), nn.Tanh()
        ),
        "in-place relu, silu, elu": lambda: nn.Sequential(
            nn.Linear(5, 6),
            nn.ReLU(inplace=True),
            nn.Linear(6, 6),
            nn.SiLU(),
            nn.ELU(),
            nn.Linear(6, 3),
        ),  # fmt: skip
    }


def _data(seed: int, loss: str, n: int = 11):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 5, generator=g, dtype=torch.float64)
    y = torch.randint(0, 3, (n,), generator=g)
    if loss == "mse-real":
        y = torch.randn(n, 3, generator=g, dtype=torch.float64)
    return [(x[:4], y[:4]), (x[4:], y[4:])]  # two batches: the mean is over all samples


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("arch", list(_chains()))
@pytest.mark.parametrize("loss,reduction", [("cross_entropy", "mean"), ("cross_entropy", "sum"),
                                            ("mse", "mean"), ("mse-real", "sum")])  # fmt: skip
def test_linear_chain_products_equal_autograd(arch, loss, reduction, device):
    """Hv and VH (a block of 3 rows) equal the dense Hessian of torch.func.hessian and the
    double-backward products to 1e-13 of max|H|; dropping the f'' terms (the Gauss-Newton part
    and the layers' cross terms alone) is caught, so the comparison can fail."""
    torch.manual_seed(0)  # nn.Linear's own initialisation (layers only; data seeded apart)
    model = _chains()[arch]()
    spec = LossSpec.build(model, _data(3, loss), None, loss=loss.split("-")[0],
                          reduction=reduction, device=device)  # fmt: skip
    chain = spec.linear_chain()
    assert chain is not None and chain.n_params == spec.n_params
    H = torch.func.hessian(spec.loss)(spec.theta)
    g = torch.Generator().manual_seed(4)
    v = torch.randn(spec.n_params, generator=g, dtype=torch.float64).to(spec.device)
    V = torch.randn(3, spec.n_params, generator=g, dtype=torch.float64).to(spec.device)
    tol = 1e-13 * float(H.abs().max())
    assert float((spec.hvp(v) - H @ v).abs().max()) <= tol
    assert float((spec.hvp_block(V) - V @ H).abs().max()) <= tol
    assert float((spec.hvp_rows(V) - V @ H).abs().max()) <= tol
    t, grad = spec._gradient_graph()  # the general path, independent of the chain
    plain = torch.autograd.grad(grad, t, grad_outputs=v, retain_graph=True)[0]
    assert float((chain.products(v) - plain).abs().max()) <= tol
    # f'' enters wherever an activation has a parameter below it (before the first layer
    # it does not): dropping those terms must be caught
    curved = [k for k, st in enumerate(chain.steps)
              if st[0] == "elementwise" and st[2] is not None and k > chain.first]  # fmt: skip
    for k in curved:
        chain.steps[k] = chain.steps[k][:2] + (None,)
    if curved:
        assert float((chain.products(v) - H @ v).abs().max()) > 1e3 * tol


@pytest.mark.parametrize(
    "make,loss",
    [
        (lambda: nn.Sequential(nn.Linear(5, 4), nn.PReLU(), nn.Linear(4, 3)), "cross_entropy"),
        (lambda: nn.Sequential(nn.Linear(5, 4), nn.Dropout(0.0), nn.Linear(4, 3)), "mse"),
        (lambda: nn.Sequential(nn.Linear(5, 4), nn.LayerNorm(4), nn.Linear(4, 3)), "mse"),
        (lambda: nn.Sequential(nn.Linear(5, 3), nn.Tanh()), lambda out, y: (out**4).sum(-1)),
    ],
    ids=["parametrized activation", "dropout", "layer norm", "callable loss"],
)
def test_other_models_use_autograd(make, loss):
    """Anything but a chain of Linear layers and parameter-free elementwise activations with a
    built-in loss declines the written-out products and is served by autograd: the same values
    as a Richardson-extrapolated central difference of the gradient (steps 1e-4 and 5e-5:
    truncation O(h^4), ~1e-12 here; rounding ~1e-12;
    torch.func.hessian is no reference here: with LayerNorm, torch 2.13's jacfwd(jacrev) and
    jacrev(jacrev) return a non-symmetric matrix off by O(1))."""
    torch.manual_seed(1)
    model = make()
    data = _data(5, "cross_entropy")
    spec = LossSpec.build(model, data, None, loss=loss)
    assert spec.linear_chain() is None
    v = torch.randn(spec.n_params, generator=torch.Generator().manual_seed(6), dtype=torch.float64)
    gradient = torch.func.grad(spec.loss)

    def central(h):
        return (gradient(spec.theta + h * v) - gradient(spec.theta - h * v)) / (2 * h)

    fd = (4 * central(5e-5) - central(1e-4)) / 3
    assert float((spec.hvp(v) - fd).abs().max()) <= 1e-8 * max(1.0, float(fd.abs().max()))


def test_shared_layer_declines():
    """A Linear layer used twice has its parameters once in model.parameters(): declined."""
    layer = nn.Linear(5, 5)
    spec = LossSpec.build(nn.Sequential(layer, nn.Tanh(), layer), *_data(2, "mse")[0], loss="mse")
    assert spec.linear_chain() is None


def test_operator_and_dense_hessian_agree_with_func_hessian(rng):
    """The public paths that now take the chain (HessianOperator.matvec, exact_hessian) equal
    torch.func.hessian of the same loss."""
    torch.manual_seed(2)
    model = _chains()["tanh-relu, bias"]()
    x = torch.randn(30, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(7))
    y = torch.arange(30) % 3
    spec = LossSpec.build(model, x, y)
    H = torch.func.hessian(spec.loss)(spec.theta).numpy()
    op = HessianOperator(model, x, y)
    v = rng.standard_normal(H.shape[0])
    np.testing.assert_allclose(op.matvec(v), H @ v, rtol=0, atol=1e-13 * np.abs(H).max())
    dense = exact_hessian(model, x, y, chunk_size=7).matrix.numpy()
    np.testing.assert_allclose(dense, H, rtol=0, atol=1e-13 * np.abs(H).max())


def _convnets():
    from rmttheory.validation.networks import build_model

    return {
        "validation cnn": lambda: build_model("cnn", 12, 3, channels=3, seed=1),
        "validation lenet": lambda: build_model("lenet", 12, 3, hidden=5, seed=1),
        "conv2d, stride, dilation, pool": lambda: nn.Sequential(
            nn.Unflatten(1, (1, 3, 4)),
            nn.Conv2d(1, 2, 2, stride=(1, 2), padding=1, dilation=(2, 1)),
            nn.GELU(),
            nn.AvgPool2d(2, ceil_mode=True),
            nn.Flatten(),
            nn.Linear(8, 3, bias=False),
        ),
    }


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("arch", list(_convnets()))
@pytest.mark.parametrize("loss", ["cross_entropy", "mse"])
def test_convolutional_chain_products_equal_autograd(arch, loss, device):
    """Chains with Conv1d/Conv2d layers, average pooling and reshapes: Hv equals the double
    backward to 1e-13 of its largest entry and a Richardson central difference of the gradient
    to 1e-8; a block of three vectors (one convolution of stacked or grouped weights) equals
    the double backward row by row."""
    torch.manual_seed(3)
    model = _convnets()[arch]()
    g = torch.Generator().manual_seed(8)
    x = torch.randn(9, 12, generator=g, dtype=torch.float64)
    y = torch.randint(0, 3, (9,), generator=g)
    spec = LossSpec.build(model, [(x[:5], y[:5]), (x[5:], y[5:])], None, loss=loss, device=device)
    chain = spec.linear_chain()
    assert chain is not None
    v = torch.randn(spec.n_params, generator=g, dtype=torch.float64).to(spec.device)
    t, grad = spec._gradient_graph()
    plain = torch.autograd.grad(grad, t, grad_outputs=v, retain_graph=True)[0]
    scale = float(plain.abs().max())
    assert float((spec.hvp(v) - plain).abs().max()) <= 1e-13 * scale
    gradient = torch.func.grad(spec.loss)

    def central(h):
        return (gradient(spec.theta + h * v) - gradient(spec.theta - h * v)) / (2 * h)

    fd = (4 * central(5e-5) - central(1e-4)) / 3
    assert float((spec.hvp(v) - fd).abs().max()) <= 1e-8 * max(1.0, scale)
    V = torch.randn(3, spec.n_params, generator=g, dtype=torch.float64).to(spec.device)
    rows = torch.stack(
        [torch.autograd.grad(grad, t, grad_outputs=u, retain_graph=True)[0] for u in V]
    )
    for block in (spec.hvp_block(V), spec.hvp_rows(V), chain.products(V)):
        assert float((block - rows).abs().max()) <= 1e-13 * float(rows.abs().max())


def test_unsupported_convolutions_decline():
    """Grouped convolutions, string padding and circular padding are left to autograd."""
    for conv in (nn.Conv1d(2, 2, 3, groups=2), nn.Conv1d(1, 2, 3, padding="same"),
                 nn.Conv1d(1, 2, 3, padding=1, padding_mode="circular")):  # fmt: skip
        cin = conv.in_channels
        model = nn.Sequential(nn.Unflatten(1, (cin, 6)), conv, nn.Flatten(), nn.LazyLinear(3))
        x = torch.randn(4, 6 * cin, dtype=torch.float64)
        model.double()(x)  # materializes the lazy layer (a Linear from then on)
        spec = LossSpec.build(model, x, torch.tensor([0, 1, 2, 0]))
        assert spec.linear_chain() is None
