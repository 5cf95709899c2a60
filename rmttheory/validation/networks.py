"""Small networks, offline data sets and training for Hessian experiments.

Data sets: :mod:`rmttheory.data` (re-exported here).

Models (``tanh`` nonlinearity; default PyTorch initialisation, seeded):
``logreg`` (one linear layer, softmax), ``mlp`` (one hidden layer of width
``hidden``), ``cnn`` (a 1-D convolution with ``channels`` filters of width 5 over
the feature vector, average pooling by 2, a linear read-out), and the shapes of
Baskerville et al. 2022 scaled to the data's input size: ``narrow`` (their MLP
784→10→100→10 with a narrow first layer: ``dim``→10→100→classes) and
``lenet`` (LeNet-like: two 1-D convolutions of 6 and 16 filters of width 5,
each followed by average pooling by 2, then ``dim``/4·16→``hidden``→classes; on
the 61-feature digits with ``hidden=32`` it has 8,574 parameters).
"""

from __future__ import annotations

from typing import Any

from rmttheory import _params
from rmttheory.data import DATASETS, Dataset, load_dataset
from rmttheory.errors import ParameterError, RmtError

__all__ = ["Dataset", "load_dataset", "build_model", "train", "DATASETS", "MODELS"]

MODELS = ("logreg", "mlp", "cnn", "narrow", "lenet")


def build_model(
    kind: str, dim: int, n_classes: int, *, hidden: int = 32, channels: int = 4, seed: int = 0
):
    """A torch model of :data:`MODELS` for inputs of ``dim`` features (see the module docstring).

    Parameters
    ----------
    kind
        One of :data:`MODELS`.
    dim, n_classes
        Input features and classes.
    hidden, channels
        MLP width (also of the dense layer of ``lenet``) and CNN filters.
    seed
        Seed of the initialization (the global torch state is restored).

    Returns
    -------
    torch.nn.Module
        In float64.

    Examples
    --------
    >>> sum(p.numel() for p in build_model("mlp", 8, 3, hidden=4).parameters())
    51
    """
    import torch
    from torch import nn

    if hidden < 1 or channels < 1:
        raise ParameterError("hidden and channels must be positive")
    gen_state = torch.random.get_rng_state()
    torch.manual_seed(seed)  # initialisation only; the global state is restored below
    model: nn.Module
    try:
        if kind == "logreg":
            model = nn.Linear(dim, n_classes)
        elif kind == "mlp":
            model = nn.Sequential(nn.Linear(dim, hidden), nn.Tanh(), nn.Linear(hidden, n_classes))
        elif kind == "cnn":
            model = nn.Sequential(
                nn.Unflatten(1, (1, dim)),
                nn.Conv1d(1, channels, 5, padding=2),
                nn.Tanh(),
                nn.AvgPool1d(2),
                nn.Flatten(),
                nn.Linear(channels * (dim // 2), n_classes),
            )
        elif kind == "narrow":
            model = nn.Sequential(nn.Linear(dim, 10), nn.Tanh(), nn.Linear(10, 100), nn.Tanh(),
                                  nn.Linear(100, n_classes))  # fmt: skip
        elif kind == "lenet":
            model = nn.Sequential(
                nn.Unflatten(1, (1, dim)),
                nn.Conv1d(1, 6, 5, padding=2), nn.Tanh(), nn.AvgPool1d(2),
                nn.Conv1d(6, 16, 5, padding=2), nn.Tanh(), nn.AvgPool1d(2),
                nn.Flatten(),
                nn.Linear(16 * (dim // 4), hidden), nn.Tanh(),
                nn.Linear(hidden, n_classes),
            )  # fmt: skip
        else:
            raise ParameterError(f"unknown model {kind!r}; choose one of {', '.join(MODELS)}")
    finally:
        torch.random.set_rng_state(gen_state)
    return model.double()


def train(
    model: Any,
    data: Dataset,
    *,
    steps: int = 500,
    lr: float = 1e-2,
    batch: int | None = 256,
    target_loss: float | None = None,
    seed: int = 0,
    device: str = "cpu",
) -> dict[str, Any]:
    """Adam on the mean cross-entropy, minibatches drawn with ``seed``; stops early at ``target_loss``.

    Parameters
    ----------
    model, data
        The network (trained in place) and the data set.
    steps, lr, batch
        Adam steps, learning rate, minibatch size (None: full batch).
    target_loss
        Stop once the full-data loss is below it (checked every 10 steps).
    seed, device
        Seed of the minibatches; device.

    Returns
    -------
    dict
        ``steps`` taken, final full-data ``loss`` and ``accuracy``, ``lr``, ``target_loss``.

    Raises
    ------
    RmtError
        If the loss becomes NaN.

    Examples
    --------
    >>> d = load_dataset("gaussian", num_samples=200, n_classes=2, dim=4)
    >>> train(build_model("logreg", 4, 2), d, steps=50, lr=0.1)["accuracy"] > 0.8
    True
    """
    import torch

    if steps < 0:
        raise ParameterError(f"steps must be >= 0, got {steps}")
    model.to(device)
    x = torch.as_tensor(data.x, dtype=torch.float64, device=device)
    y = torch.as_tensor(data.y, dtype=torch.long, device=device)
    rng = _params.generator(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    lossf = torch.nn.functional.cross_entropy
    taken = 0
    for taken in range(1, steps + 1):
        idx = rng.choice(data.n, size=batch, replace=False) if batch and batch < data.n else None
        xb, yb = (x, y) if idx is None else (x[idx], y[idx])
        opt.zero_grad()
        loss = lossf(model(xb), yb)
        if not torch.isfinite(loss):
            raise RmtError(f"training diverged (loss {float(loss)}) at step {taken}; lower lr")
        loss.backward()
        opt.step()
        if target_loss is not None and taken % 10 == 0:
            with torch.no_grad():
                if float(lossf(model(x), y)) <= target_loss:
                    break
    with torch.no_grad():
        out = model(x)
        full = float(lossf(out, y))
        acc = float((out.argmax(1) == y).double().mean())
    return {
        "steps": taken if steps else 0,
        "loss": full,
        "accuracy": acc,
        "lr": lr,
        "target_loss": target_loss,
    }
