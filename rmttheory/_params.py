"""The one parameter validator: every public entry point checks its inputs here.

Each helper returns the cleaned value or raises
:class:`~rmttheory.errors.ParameterError` with one sentence naming the
parameter, what it must be, and what was given.  Nothing here is silent: NaN,
infinities, strings, complex numbers and booleans where a real is expected are
all refused.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from rmttheory.errors import ParameterError

__all__ = [
    "real",
    "integer",
    "real_array",
    "complex_array",
    "choice",
    "generator",
    "SeedLike",
    "pennington_worah_parameters",
    "RATIO_RANGE",
]

#: what every ``rng``/``seed`` argument accepts: a generator, an integer, a sequence of
#: integers (``numpy.random.SeedSequence`` entropy) or None (fresh entropy)
SeedLike = np.random.Generator | int | Sequence[int] | None


#: largest magnitude of a scalar parameter (squares and products of two stay finite)
MAX_MAGNITUDE = 1e150
#: the native float64 dtype (an identity test is the cheapest dtype check)
F64 = np.dtype(np.float64)


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def real(
    value: Any,
    name: str,
    *,
    positive: bool = False,
    nonnegative: bool = False,
    finite: bool = True,
    low: float | None = None,
    high: float | None = None,
) -> float:
    """``value`` as a float, or :class:`ParameterError`.

    Parameters
    ----------
    value
        What the caller passed.
    name
        The parameter's name, as the user knows it (used in the message).
    positive, nonnegative
        Require ``> 0`` or ``>= 0``.
    finite
        Refuse infinities (NaN is always refused).
    low, high
        Inclusive bounds.

    Returns
    -------
    float

    Examples
    --------
    >>> real("0.5", "phi", positive=True)
    0.5
    >>> real(float("nan"), "phi")
    Traceback (most recent call last):
    ...
    rmttheory.errors.ParameterError: phi must be a finite real number, got nan
    """
    if isinstance(value, (bool, np.bool_)) or isinstance(value, (complex, np.complexfloating)):
        raise ParameterError(f"{name} must be a real number, got {_describe(value)}")
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be a real number, got {_describe(value)}") from None
    if math.isnan(v) or (finite and math.isinf(v)):
        raise ParameterError(f"{name} must be a finite real number, got {_describe(value)}")
    if math.isfinite(v) and abs(v) > MAX_MAGNITUDE:
        raise ParameterError(
            f"{name} = {v:g} is beyond {MAX_MAGNITUDE:g} (its square would overflow)"
        )
    if positive and not v > 0:
        raise ParameterError(f"{name} must be > 0, got {_describe(value)}")
    if nonnegative and not v >= 0:
        raise ParameterError(f"{name} must be >= 0, got {_describe(value)}")
    if low is not None and v < low:
        raise ParameterError(f"{name} must be >= {low:g}, got {_describe(value)}")
    if high is not None and v > high:
        raise ParameterError(f"{name} must be <= {high:g}, got {_describe(value)}")
    return v


def integer(
    value: Any, name: str, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    """``value`` as an int (integral numbers only), or :class:`ParameterError`.

    Examples
    --------
    >>> integer(3, "depth", minimum=1)
    3
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        if isinstance(value, (float, np.floating)) and math.isfinite(value) and value == int(value):
            value = int(value)
        else:
            raise ParameterError(f"{name} must be an integer, got {_describe(value)}")
    v = int(value)
    if minimum is not None and v < minimum:
        raise ParameterError(f"{name} must be >= {minimum}, got {v}")
    if maximum is not None and v > maximum:
        raise ParameterError(f"{name} must be <= {maximum}, got {v}")
    return v


def real_array(
    x: Any,
    name: str,
    *,
    allow_empty: bool = True,
    finite: bool = False,
    positive: bool = False,
    nonnegative: bool = False,
) -> np.ndarray:
    """``x`` as a float64 array (any shape), refusing NaN, strings and complex input.

    Infinities are accepted unless ``finite`` (a cdf at ``inf`` is 1).

    Examples
    --------
    >>> real_array([1, 2.5], "x").tolist()
    [1.0, 2.5]
    """
    arr = np.asarray(x)
    if arr.dtype is not F64:  # (the common case skips these checks: ~1 us at 10^3 points)
        if arr.dtype.kind == "c":
            raise ParameterError(f"{name} must be real, got complex input")
        if arr.dtype.kind not in "biuf":
            raise ParameterError(f"{name} must be real numbers, got {_describe(x)}")
        arr = arr.astype(float)
    if arr.size:
        # the minimum propagates NaN (no temporary array, no floating-point flags to silence)
        low = float(np.minimum.reduce(arr, axis=None))
        if low != low:
            raise ParameterError(f"{name} contains NaN")
    elif not allow_empty:
        raise ParameterError(f"{name} is empty")
    if finite and not np.isfinite(arr).all():
        raise ParameterError(f"{name} must be finite")
    if finite and arr.size and np.abs(arr).max() > MAX_MAGNITUDE:
        raise ParameterError(f"{name} has values beyond {MAX_MAGNITUDE:g} (squares would overflow)")
    if positive and not (arr > 0).all():
        raise ParameterError(f"{name} must be > 0")
    if nonnegative and not (arr >= 0).all():
        raise ParameterError(f"{name} must be >= 0")
    return arr


def complex_array(z: Any, name: str) -> np.ndarray:
    """``z`` as a complex128 array, refusing NaN parts and non-numeric input.

    Examples
    --------
    >>> complex_array(1 + 2j, "z")
    array(1.+2.j)
    """
    arr = np.asarray(z)
    if arr.dtype.kind not in "biufc":
        raise ParameterError(f"{name} must be numbers, got {_describe(z)}")
    arr = arr.astype(complex)
    if np.isnan(arr.real).any() or np.isnan(arr.imag).any():
        raise ParameterError(f"{name} contains NaN")
    return arr


def choice(value: Any, name: str, options: tuple[str, ...]) -> str:
    """``value`` if it is one of ``options`` (case-insensitive), else :class:`ParameterError`.

    Examples
    --------
    >>> choice("GOE", "ensemble", ("goe", "gue"))
    'goe'
    """
    text = str(value).lower() if isinstance(value, str) else None
    if text not in options:
        raise ParameterError(f"{name} must be one of {', '.join(options)}, got {_describe(value)}")
    return text


def generator(rng: Any, name: str = "rng") -> np.random.Generator:
    """``numpy.random.default_rng(rng)`` for a seed, a sequence of seeds, a generator or None,
    or :class:`ParameterError` for anything else (a string, a negative seed, a float).

    Examples
    --------
    >>> bool(generator(3).integers(10) == generator(3).integers(10))
    True
    >>> generator("abc")
    Traceback (most recent call last):
    ...
    rmttheory.errors.ParameterError: rng must be a seed (an integer >= 0, a sequence of them), a numpy Generator or None, got 'abc'
    """
    if isinstance(rng, np.random.Generator) or rng is None:
        return np.random.default_rng(rng)
    if not isinstance(rng, (str, bytes, float, bool, np.floating, np.bool_)):
        try:
            return np.random.default_rng(rng)
        except (TypeError, ValueError):
            pass
    raise ParameterError(
        f"{name} must be a seed (an integer >= 0, a sequence of them), a numpy Generator or "
        f"None, got {_describe(rng)}"
    )


#: the solver is verified (mass, mean, second moment, mpmath) for phi and psi in this range
RATIO_RANGE = (1e-3, 1e3)


def pennington_worah_parameters(
    eta: float, zeta: float, phi: float, psi: float
) -> tuple[float, ...]:
    r"""Validate ``(eta, zeta, phi, psi)`` and return them as floats.

    Parameters
    ----------
    eta, zeta
        :math:`\eta > 0` and :math:`0 \le \zeta \le \eta` (to rounding: a ``zeta``
        above ``eta`` by at most 1e-12 relative is set to ``eta``).
    phi, psi
        Ratios :math:`\phi = n_0/m`, :math:`\psi = n_0/n_1`, each in :data:`RATIO_RANGE`
        (where :mod:`rmttheory.solver` is verified; outside it spurious support
        components appeared).

    Returns
    -------
    tuple of float

    Raises
    ------
    ParameterError
        One clear line naming the parameter.

    Examples
    --------
    >>> pennington_worah_parameters(1, 0.5, 2, 0.5)
    (1.0, 0.5, 2.0, 0.5)
    """
    eta = real(eta, "eta", positive=True)
    zeta = real(zeta, "zeta", nonnegative=True)
    phi = real(phi, "phi", positive=True)
    psi = real(psi, "psi", positive=True)
    if zeta > eta * (1 + 1e-12):
        raise ParameterError(
            f"need zeta <= eta (Hermite expansion), got eta={eta!r}, zeta={zeta!r}"
        )
    lo, hi = RATIO_RANGE
    for name, v in (("phi", phi), ("psi", psi)):
        if not lo <= v <= hi:
            raise ParameterError(
                f"{name} = {v:g} is outside [{lo:g}, {hi:g}], the range in which the solver is "
                "verified (docs/benchmarks.md)"
            )
    return eta, min(zeta, eta), phi, psi
