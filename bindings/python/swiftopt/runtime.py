"""The native library's process-wide run-time settings: the CPU level its
kernels run at and the size of its thread pool (the header's "Runtime: CPU
level and threads").

    >>> import swiftopt
    >>> swiftopt.cpu_level() in swiftopt.CPU_LEVELS
    True
    >>> previous = swiftopt.num_threads()
    >>> swiftopt.set_num_threads(1)
    >>> swiftopt.num_threads()
    1
    >>> swiftopt.set_num_threads(0)      # back to the default
    >>> sorted(swiftopt.info())
    ['cpu_level', 'cpu_level_supported', 'library_path', 'num_threads', 'version']

Results are bit-identical at every level and thread count: these settings
change only speed. They apply to the whole process; change them between
steps, not while another thread is stepping.
"""
from __future__ import annotations

from typing import Dict, Union

from . import _lib
from ._errors import InvalidArgumentError

#: The CPU level names, lowest first; the library also accepts "avx2" and
#: "avx512" in SWIFTOPT_CPU_LEVEL.
CPU_LEVELS = ("baseline", "x86-64-v3", "x86-64-v4")


def _level_name(code: int) -> str:
    return _lib.lib.swiftopt_cpu_level_name(code).decode()


def cpu_level() -> str:
    """The CPU level the kernels run at: "baseline", "x86-64-v3" or "x86-64-v4"."""
    return _level_name(_lib.lib.swiftopt_cpu_level())


def cpu_level_supported() -> str:
    """The best CPU level this machine supports."""
    return _level_name(_lib.lib.swiftopt_cpu_level_supported())


def set_cpu_level(level: Union[str, None]) -> None:
    """Runs the kernels at `level` (a name from CPU_LEVELS, at most
    cpu_level_supported()); None restores the default. Raises
    InvalidArgumentError for an unknown or unsupported level."""
    if level is None:
        code = 0
    elif level in CPU_LEVELS:
        code = CPU_LEVELS.index(level) + 1
    else:
        raise InvalidArgumentError(f"unknown CPU level {level!r} (known: {', '.join(CPU_LEVELS)})")
    _lib.lib.swiftopt_set_cpu_level(code)


def num_threads() -> int:
    """The number of threads a step may use, the calling thread included."""
    return int(_lib.lib.swiftopt_num_threads())


def set_num_threads(count: int) -> None:
    """Sets the number of threads a step may use (the calling thread
    included); 0 restores the default (SWIFTOPT_NUM_THREADS, else the number
    of cores). Raises OutOfBoundsError outside [0, 1024]."""
    if isinstance(count, bool) or not isinstance(count, int):
        raise InvalidArgumentError(f"count must be an int, got {type(count).__name__}")
    if not -2**31 <= count < 2**31:
        count = -1  # out of the C int32 range: let the library report it
    _lib.lib.swiftopt_set_num_threads(count)


def info() -> Dict[str, Union[str, int]]:
    """What the loaded library is and how it runs: version, path, CPU level
    (chosen and best supported) and thread count."""
    return {
        "version": _lib.lib.swiftopt_version_string().decode(),
        "library_path": _lib.library_path(),
        "cpu_level": cpu_level(),
        "cpu_level_supported": cpu_level_supported(),
        "num_threads": num_threads(),
    }
