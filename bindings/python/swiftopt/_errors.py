"""Exceptions raised by swiftopt.

Every exception derives from :class:`SwiftOptError`. Each class that stands
for a C status code carries it in ``status`` (e.g. 6) and ``status_name``
(e.g. ``"SWIFTOPT_ERROR_OUT_OF_BOUNDS"``), and also derives from the built-in
exception a Python user expects (``ValueError`` for a bad value, ``TypeError``
for a wrong type or dtype, ``IndexError``, ``MemoryError``, ``OSError`` for a
library that cannot be loaded), so ``except ValueError`` keeps working.
"""

from __future__ import annotations

from typing import Dict, Optional, Type

__all__ = [
    "SwiftOptError",
    "NullPointerError",
    "InvalidHandleError",
    "ClosedError",
    "InvalidArgumentError",
    "ArgumentTypeError",
    "UnknownAlgorithmError",
    "UnknownHyperparameterError",
    "OutOfBoundsError",
    "IncompatibleOptionsError",
    "DTypeMismatchError",
    "SizeMismatchError",
    "IndexOutOfRangeError",
    "NoParametersError",
    "UnknownStateError",
    "BufferTooSmallError",
    "OutOfMemoryError",
    "InternalError",
    "CorruptDataError",
    "LibraryLoadError",
    "VersionMismatchError",
]


class SwiftOptError(Exception):
    """Base class of every swiftopt error.

    ``status`` is the C status code (``None`` for errors found by Python
    before any native call that have no C counterpart), ``status_name`` its
    name, and ``message`` the detailed message.
    """

    status: Optional[int] = None
    status_name: Optional[str] = None

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NullPointerError(SwiftOptError, ValueError):
    """SWIFTOPT_ERROR_NULL_POINTER: a required pointer was NULL."""

    status, status_name = 1, "SWIFTOPT_ERROR_NULL_POINTER"


class InvalidHandleError(SwiftOptError, ValueError):
    """SWIFTOPT_ERROR_INVALID_HANDLE: the handle was freed or is of another kind."""

    status, status_name = 2, "SWIFTOPT_ERROR_INVALID_HANDLE"


class ClosedError(InvalidHandleError):
    """The optimizer was closed (``close()``, ``with`` exit); it cannot be used any more.

    A ``ValueError``, like I/O on a closed file.
    """


class InvalidArgumentError(SwiftOptError, ValueError):
    """SWIFTOPT_ERROR_INVALID_ARGUMENT: a malformed argument (non-contiguous,
    read-only, misaligned or empty array, overlapping parameters, ...)."""

    status, status_name = 3, "SWIFTOPT_ERROR_INVALID_ARGUMENT"


class ArgumentTypeError(SwiftOptError, TypeError):
    """An argument of the wrong Python type (a list where a numpy array is
    needed, a string where a number is needed, ...). Found by Python; no C
    status."""


class UnknownAlgorithmError(SwiftOptError, ValueError):
    """SWIFTOPT_ERROR_UNKNOWN_ALGORITHM."""

    status, status_name = 4, "SWIFTOPT_ERROR_UNKNOWN_ALGORITHM"


class UnknownHyperparameterError(SwiftOptError, ValueError):
    """SWIFTOPT_ERROR_UNKNOWN_HYPERPARAMETER: unknown name, or one the algorithm
    does not use (``momentum`` for Adam)."""

    status, status_name = 5, "SWIFTOPT_ERROR_UNKNOWN_HYPERPARAMETER"


class OutOfBoundsError(SwiftOptError, ValueError):
    """SWIFTOPT_ERROR_OUT_OF_BOUNDS: a hyperparameter is NaN, infinite or outside its bounds."""

    status, status_name = 6, "SWIFTOPT_ERROR_OUT_OF_BOUNDS"


class IncompatibleOptionsError(SwiftOptError, ValueError):
    """SWIFTOPT_ERROR_INCOMPATIBLE_OPTIONS: e.g. nesterov without momentum > 0
    and dampening == 0."""

    status, status_name = 7, "SWIFTOPT_ERROR_INCOMPATIBLE_OPTIONS"


class DTypeMismatchError(ArgumentTypeError):
    """SWIFTOPT_ERROR_DTYPE_MISMATCH: not float32/float64, or a gradient whose
    dtype differs from its parameter's. A ``TypeError``."""

    status, status_name = 8, "SWIFTOPT_ERROR_DTYPE_MISMATCH"


class SizeMismatchError(SwiftOptError, ValueError):
    """SWIFTOPT_ERROR_SIZE_MISMATCH: wrong number of gradients, or a shape or
    element count that differs from the parameter's."""

    status, status_name = 9, "SWIFTOPT_ERROR_SIZE_MISMATCH"


class IndexOutOfRangeError(SwiftOptError, IndexError):
    """SWIFTOPT_ERROR_INDEX_OUT_OF_RANGE."""

    status, status_name = 10, "SWIFTOPT_ERROR_INDEX_OUT_OF_RANGE"


class NoParametersError(SwiftOptError, ValueError):
    """SWIFTOPT_ERROR_NO_PARAMETERS (also: an empty parameter list)."""

    status, status_name = 11, "SWIFTOPT_ERROR_NO_PARAMETERS"


class UnknownStateError(SwiftOptError, ValueError):
    """SWIFTOPT_ERROR_UNKNOWN_STATE: a state name this group's options do not use."""

    status, status_name = 12, "SWIFTOPT_ERROR_UNKNOWN_STATE"


class BufferTooSmallError(SwiftOptError, ValueError):
    """SWIFTOPT_ERROR_BUFFER_TOO_SMALL."""

    status, status_name = 13, "SWIFTOPT_ERROR_BUFFER_TOO_SMALL"


class OutOfMemoryError(SwiftOptError, MemoryError):
    """SWIFTOPT_ERROR_OUT_OF_MEMORY."""

    status, status_name = 14, "SWIFTOPT_ERROR_OUT_OF_MEMORY"


class InternalError(SwiftOptError, RuntimeError):
    """SWIFTOPT_ERROR_INTERNAL: an invariant failed inside the library; please report it."""

    status, status_name = 15, "SWIFTOPT_ERROR_INTERNAL"


class CorruptDataError(SwiftOptError, ValueError):
    """SWIFTOPT_ERROR_CORRUPT_DATA: bytes given to ``load_checkpoint`` are not a
    checkpoint this library can read (wrong magic, format version, size or
    checksum; truncated or invalid contents)."""

    status, status_name = 16, "SWIFTOPT_ERROR_CORRUPT_DATA"


class LibraryLoadError(SwiftOptError, OSError):
    """libswiftopt could not be found or loaded. An ``OSError``."""


class VersionMismatchError(LibraryLoadError):
    """The loaded libswiftopt's version differs from the Python package's."""


STATUS_ERRORS: Dict[int, Type[SwiftOptError]] = {
    cls.status: cls  # type: ignore[misc]
    for cls in (
        NullPointerError, InvalidHandleError, InvalidArgumentError, UnknownAlgorithmError,
        UnknownHyperparameterError, OutOfBoundsError, IncompatibleOptionsError,
        DTypeMismatchError, SizeMismatchError, IndexOutOfRangeError, NoParametersError,
        UnknownStateError, BufferTooSmallError, OutOfMemoryError, InternalError, CorruptDataError,
    )
}
