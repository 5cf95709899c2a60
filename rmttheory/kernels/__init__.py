"""Kernels of random networks: conjugate kernels through depth, the one-hidden-layer NTK, and
expected random-feature kernels on arbitrary data."""

from typing import Any

from rmttheory.distributions.base import SpectralDistribution
from rmttheory.kernels.expected import ExpectedKernel, expected_kernel, expected_kernel_diagonal
from rmttheory.kernels.ntk import ntk_spectrum
from rmttheory.kernels.propagation import propagate_spectrum

__all__ = [
    "propagate_spectrum",
    "ntk_spectrum",
    "expected_kernel",
    "expected_kernel_diagonal",
    "ExpectedKernel",
]


def kernel_laws(
    act: Any,
    kernel: str = "ck",
    depth: int = 1,
    width_ratio: float = 1.0,
    sigma_w: float = 1.0,
    sigma_x: float = 1.0,
    *,
    transform: Any = None,
) -> list[tuple[str, SpectralDistribution]]:
    """Named limiting laws of a network's kernels, ``[(name, law), ...]``.

    Parameters
    ----------
    act
        The activation.
    kernel
        ``"ck"``: the conjugate kernels of layers 0..depth
        (:func:`propagate_spectrum`); ``"ntk"``: the CK of layer 1 and the
        one-hidden-layer NTK (:func:`ntk_spectrum`, ``depth`` must be 1).
    depth
        Number of layers.
    width_ratio
        :math:`n_l/m` for every layer (input dimension included).
    sigma_w, sigma_x
        Weight and data scales.
    transform
        Passed to :func:`propagate_spectrum` / :func:`ntk_spectrum` (a deliberately
        wrong theory for the power analysis).

    Returns
    -------
    list of (str, SpectralDistribution)

    Examples
    --------
    >>> [name for name, _ in kernel_laws("tanh", "ntk")]
    ['CK layer 1', 'NTK']
    """
    from rmttheory import _params
    from rmttheory.errors import ParameterError

    kernel = _params.choice(kernel, "kernel", ("ck", "ntk"))
    depth = _params.integer(depth, "depth", minimum=1)
    if kernel == "ntk":
        if depth != 1:
            raise ParameterError("the NTK law is for one hidden layer: depth must be 1")
        r = ntk_spectrum(act, width_ratio, width_ratio, sigma_w, sigma_x, transform=transform)
        return [("CK layer 1", r["ck"]), ("NTK", r["law"])]
    layers = propagate_spectrum(act, depth, width_ratio, sigma_w, sigma_x, transform=transform)
    return [(f"CK layer {d['layer']}", d["law"]) for d in layers]


__all__ += ["kernel_laws"]
