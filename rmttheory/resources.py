"""Devices and memory: where torch work runs and whether it fits.

Shared by everything that allocates large arrays (sampled Gram matrices, dense
Hessians).  A request that cannot be met is refused with a
:class:`~rmttheory.errors.ResourceError` *before* anything is allocated.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rmttheory.errors import ParameterError, ResourceError

__all__ = [
    "resolve_device",
    "available_bytes",
    "require_bytes",
    "writable_folder",
    "free_cores",
    "cap_threads",
]


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
    if device not in ("auto", "cpu", "cuda"):
        raise ParameterError(f"device must be auto, cpu or cuda, got {device!r}")
    if device == "cpu" or (device == "auto" and not _gpu_driver_present()):
        return "cpu"  # without importing torch (1-2 s of a fresh process)
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ResourceError("a CUDA device was asked for but none is available (use --device cpu)")
    return device


def _gpu_driver_present() -> bool:
    """False only where no process could see a GPU: Linux without NVIDIA's or AMD's
    driver nodes (CUDA and ROCm builds of torch both need one); True elsewhere, or
    where torch is already imported (then asking it is free)."""
    import sys

    if "torch" in sys.modules or not sys.platform.startswith("linux"):
        return True
    dev = Path("/dev")
    return (
        Path("/proc/driver/nvidia").exists()
        or Path("/dev/kfd").exists()
        or any(dev.glob("nvidia*"))
    )


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


def writable_folder(
    path: Any, create: bool = True, name: str = "--out", label: str | None = None
) -> Path:
    """The folder ``path``, created if missing and proven writable by writing a probe file in
    it, or :class:`~rmttheory.errors.ParameterError` (before any work is done).

    ``os.access`` is not enough: it answers yes for root on read-only or virtual file systems
    (``/proc``), so the probe file is the test.

    Parameters
    ----------
    path
        The folder.
    create
        Create it (with its parents) when missing.
    name
        How the user knows it (in messages: ``NAME PATH ...``).
    label
        The whole subject of a message instead (``the folder of FIGURE.png``).

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> import tempfile
    >>> writable_folder(tempfile.mkdtemp()).is_dir()
    True
    >>> writable_folder("/proc/rmttheory-probe")
    Traceback (most recent call last):
    ...
    rmttheory.errors.ParameterError: --out /proc/rmttheory-probe cannot be created: No such file or directory
    """
    import tempfile

    folder = Path(path)
    what = label or f"{name} {folder}"
    if folder.exists() and not folder.is_dir():
        raise ParameterError(f"{what} exists and is not a folder")
    if not folder.exists():
        if not create:
            raise ParameterError(f"{what} does not exist")
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ParameterError(f"{what} cannot be created: {exc.strerror}") from None
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".rmttheory-probe-"):
            pass
    except OSError as exc:
        raise ParameterError(f"{what} is not writable: {exc.strerror}") from None
    return folder


def free_cores() -> int:
    """Cores this process may use that other work is not using now: the cores it is allowed
    on (``os.sched_getaffinity``) minus the busy ones, at least 1.

    Busy: the rounded one-minute load average, but no more than the tasks runnable now
    outside this process (``/proc/loadavg``'s fourth field less this process's running
    threads, the median of three reads 2 ms apart).  The load average alone lags by a minute: right after other processes end
    (a benchmark's previous run) it still counts their cores as busy.

    Returns
    -------
    int

    Examples
    --------
    >>> free_cores() >= 1
    True
    """
    import os

    cores = _allowed_cores()
    try:
        busy = int(round(os.getloadavg()[0]))
    except OSError:  # pragma: no cover
        busy = 0
    if busy > 0:  # an idle machine needs no second look (three reads take 4 ms)
        now = _runnable_others()
        if now is not None:
            busy = min(busy, now)
    return max(1, min(cores, cores - busy))


def _allowed_cores() -> int:
    """Cores this process may run on (``os.sched_getaffinity``; else ``os.cpu_count``)."""
    import os

    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def _pool_threads() -> int:
    """Threads this process's pools use: :func:`cap_threads`' cap (its ``OMP_NUM_THREADS``),
    else one per allowed core (the libraries' default)."""
    import os

    v = os.environ.get("OMP_NUM_THREADS", "").strip()
    return int(v) if v.isdigit() and int(v) > 0 else _allowed_cores()


def _runnable_others() -> int | None:
    """Tasks runnable now outside this process (Linux), or None where unknown.

    ``/proc/loadavg`` counts every runnable thread of the machine, this process's own
    included: its BLAS workers spin for a while after numpy's import and after every BLAS
    call, so they are subtracted (``/proc/self/task``).  Counting them as other work capped
    a fresh ``rmttheory sample`` at one BLAS thread in 5 of 8 runs right after another
    process ended (``tests/test_sampling.py::test_own_spinning_threads_are_not_other_work``).
    """
    import time

    counts = []
    for i in range(3):
        running = _machine_running()
        if running is None:
            return None
        counts.append(running - _own_running())
        if i < 2:
            time.sleep(0.002)
    return max(0, sorted(counts)[1])  # the median: a task seen once is a blip (1 run in 12
    # right after another process ended saw one and capped BLAS at 1 thread with the max)


def _machine_running() -> int | None:
    """Threads runnable now on the whole machine (``/proc/loadavg``), None where unknown."""
    try:
        with open("/proc/loadavg") as fh:
            return int(fh.read().split()[3].split("/")[0])
    except (OSError, ValueError, IndexError):
        return None


def _own_running() -> int:
    """Threads of this process that are running or runnable now (at least 1: the caller)."""
    import os

    try:
        tids = os.listdir("/proc/self/task")
    except OSError:
        return 1
    n = 0
    for tid in tids:
        try:
            with open(f"/proc/self/task/{tid}/stat") as fh:
                stat = fh.read()
        except OSError:  # the thread ended
            continue
        n += stat[stat.rfind(")") + 2 : stat.rfind(")") + 3] == "R"  # the state, after (comm)
    return max(1, n)


def cap_threads(workers: int = 1, threads: int | None = None) -> int:
    """Cap the threads of torch and of the BLAS/OpenMP pools of this process to the free
    cores shared among ``workers`` processes (or to ``threads``), and return the cap.

    On a shared machine the libraries' default, one thread per core, oversubscribes the
    cores that other jobs use (measured: ``docs/benchmarks.md``, the loaded-machine
    benchmark).  The OpenMP wait policy is left alone: ``OMP_WAIT_POLICY=PASSIVE`` (threads
    sleep between parallel regions) made torch's CPU convolutions 5x slower (the quick
    report's CNN Hessian experiment: 22 s against 115 s, half of it system time), and
    libgomp already shortens its spinning when threads outnumber cores.

    Parameters
    ----------
    workers
        Processes that will share the free cores.
    threads
        An explicit cap instead (else the environment variable ``RMTTHEORY_THREADS``, where
        0 leaves the libraries' defaults alone).

    Returns
    -------
    int
        The cap (0: none).

    Examples
    --------
    >>> cap_threads(threads=1)
    1
    """
    import os

    override = os.environ.get("RMTTHEORY_THREADS", "").strip()
    if threads is None and override:
        if not override.isdigit():
            raise ParameterError(f"RMTTHEORY_THREADS must be an integer >= 0, got {override!r}")
        if int(override) == 0:  # the libraries' defaults: no cap (for comparisons)
            return 0
        threads = int(override)
    n = threads if threads is not None else max(1, free_cores() // max(1, workers))
    names = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
    # the pools' default is one thread per allowed core; where nobody has changed it and the
    # cap equals it, there is nothing to cap (threadpoolctl's import and library scan: ~10 ms
    # of every command)
    at_default = not any(os.environ.get(v) for v in names) and n >= _allowed_cores()
    for v in names:
        os.environ[v] = str(n)
    if not at_default:
        try:
            from threadpoolctl import threadpool_limits

            threadpool_limits(n)
        except ImportError:  # pragma: no cover - threadpoolctl ships with scikit-learn, scipy
            pass
    import sys

    if "torch" in sys.modules:  # a later import reads OMP_NUM_THREADS itself
        sys.modules["torch"].set_num_threads(n)
    return n
