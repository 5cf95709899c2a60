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
    """Base class of all user-facing errors of rmttheory."""


class ActivationError(RmtError):
    """An activation could not be parsed or is not a real function of ``x``."""


class NotIntegrableError(RmtError):
    """A Gaussian moment of the activation is infinite or cannot be computed."""


class ParameterError(RmtError):
    """A parameter is outside its domain (non-positive ratio, non-finite scale...)."""


class ConvergenceError(RmtError):
    """A numerical method did not reach the requested accuracy."""


class ResourceError(RmtError):
    """A request would not fit in memory, or asks for a device that is absent."""
