"""Exceptions raised by rmttheory.

Every error a user can provoke with bad input derives from :class:`RmtError`, a
``ValueError``.  The command line prints its message on one line and exits with
status 2; library users can catch the specific subclasses.
"""

from __future__ import annotations

__all__ = [
    "RmtError",
    "ActivationError",
    "NotIntegrableError",
    "ParameterError",
    "ConvergenceError",
    "ResourceError",
]


class RmtError(ValueError):
    """Base class of all user-facing errors of rmttheory.

    Examples
    --------
    >>> from rmttheory import PenningtonWorah
    >>> try:
    ...     PenningtonWorah(1.0, 2.0, 0.5, 0.5)
    ... except RmtError as exc:
    ...     print(exc)
    need zeta <= eta (Hermite expansion), got eta=1.0, zeta=2.0
    """


class ActivationError(RmtError):
    """An activation could not be parsed or is not a real function of ``x``.

    Examples
    --------
    >>> from rmttheory import activation
    >>> activation("tanh(x")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    rmttheory.errors.ActivationError: cannot parse activation 'tanh(x'...
    """


class NotIntegrableError(RmtError):
    """A Gaussian moment of the activation is infinite or cannot be computed.

    Examples
    --------
    >>> from rmttheory import gaussian_constants
    >>> gaussian_constants("exp(x**2)")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    rmttheory.errors.NotIntegrableError: activation 'exp(x**2)' grows too fast...
    """


class ParameterError(RmtError):
    """A parameter is outside its domain (non-positive ratio, non-finite scale...).

    Examples
    --------
    >>> from rmttheory import MarchenkoPastur
    >>> MarchenkoPastur(-1.0)
    Traceback (most recent call last):
    ...
    rmttheory.errors.ParameterError: ratio must be > 0, got -1.0
    """


class ConvergenceError(RmtError):
    """A numerical method did not reach the requested accuracy.

    Examples
    --------
    >>> issubclass(ConvergenceError, RmtError)
    True
    """


class ResourceError(RmtError):
    """A request would not fit in memory, or asks for a device that is absent.

    Examples
    --------
    >>> from rmttheory.resources import require_bytes
    >>> require_bytes(2**70, "a huge array")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    rmttheory.errors.ResourceError: a huge array needs about ... GiB but about ... GiB is available on cpu
    """
