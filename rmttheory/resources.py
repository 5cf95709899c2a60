"""Devices and memory: where torch work runs and whether it fits.

Shared by everything that allocates large arrays (sampled Gram matrices, dense
Hessians).  A request that cannot be met is refused with a
:class:`~rmttheory.errors.ResourceError` *before* anything is allocated.
"""

from __future__ import annotations

from rmttheory.errors import ParameterError, ResourceError

__all__ = ["resolve_device", "available_bytes", "require_bytes"]


def resolve_device(device: str) -> str:
    """``"cpu"``, ``"cuda"`` or ``"auto"`` -> an available torch device name, or a clear error.

    Parameters
    ----------
    device
        ``"auto"`` picks CUDA when present.

    Returns
    -------
    str
        ``"cpu"`` or ``"cuda"``.

    Raises
    ------
    ResourceError
        CUDA asked for but absent.

    Examples
    --------
    >>> resolve_device("cpu")
    'cpu'
    """
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ResourceError("a CUDA device was asked for but none is available (use --device cpu)")
    if device not in ("cpu", "cuda"):
        raise ParameterError(f"device must be auto, cpu or cuda, got {device!r}")
    return device


def available_bytes(device: str = "cpu") -> int:
    """Memory that may be used on ``device``: 80% of free GPU memory, or MemAvailable.

    Parameters
    ----------
    device
        ``"cpu"`` or ``"cuda"``.

    Returns
    -------
    int
        Bytes.

    Examples
    --------
    >>> available_bytes() > 0
    True
    """
    if device == "cuda":
        import torch

        free, _ = torch.cuda.mem_get_info()
        return int(free * 0.8)
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:  # pragma: no cover
        pass
    return 8 * 2**30  # pragma: no cover


def require_bytes(need: int, what: str, device: str = "cpu", hint: str = "") -> int:
    """Raise ResourceError if ``need`` bytes would not fit on ``device``; else return ``need``.

    Parameters
    ----------
    need
        Bytes the computation would allocate.
    what
        What needs them (for the message).
    device
        Where.
    hint
        What to do instead (appended to the message).

    Returns
    -------
    int
        ``need``.

    Examples
    --------
    >>> require_bytes(1024, "a small array")
    1024
    """
    avail = available_bytes(device)
    if need > avail:
        raise ResourceError(
            f"{what} needs about {need / 2**30:.2f} GiB but about {avail / 2**30:.2f} GiB is "
            f"available on {device}" + (f"; {hint}" if hint else "")
        )
    return need
