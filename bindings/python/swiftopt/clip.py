"""Gradient clipping: torch.nn.utils's ``clip_grad_norm_`` and ``clip_grad_value_``.

numpy arrays have no ``.grad``, so these take the **gradient arrays**
themselves (one array, or an iterable of arrays; ``None`` entries are skipped,
as torch skips parameters without a gradient) and modify them in place, in
one native call for all arrays. The arrays must share one dtype, float32 or
float64, and be C-contiguous and writable.

To clip inside the optimizer step instead (no extra pass over the
gradients, which are then left unmodified), use the optimizers'
``max_grad_norm=`` and ``clip_value=`` options.
"""

from __future__ import annotations

import math
from ctypes import byref, c_double, c_int64, c_void_p
from typing import Any, Iterable, List, Optional, Union

import numpy as np

from . import _lib
from ._errors import ArgumentTypeError, DTypeMismatchError, InvalidArgumentError, OutOfBoundsError
from ._optim import _data_pointer

__all__ = ["clip_grad_norm_", "clip_grad_value_"]

_L = _lib.lib
_DTYPE_CODES = {np.dtype(np.float32): _lib.DTYPE_FLOAT32, np.dtype(np.float64): _lib.DTYPE_FLOAT64}

Grads = Union[np.ndarray, Iterable[Optional[np.ndarray]]]


def _gradients(grads: Any) -> List[np.ndarray]:
    """The non-empty gradient arrays, validated (same dtype, contiguous, writable)."""
    if isinstance(grads, np.ndarray):
        items: List[Any] = [grads]
    else:
        if isinstance(grads, (str, bytes, dict)):
            raise ArgumentTypeError(f"grads must be a numpy array or an iterable of them, got {type(grads).__name__}")
        try:
            items = list(grads)
        except TypeError:
            raise ArgumentTypeError(
                f"grads must be a numpy array or an iterable of them, got {type(grads).__name__}"
            ) from None
    arrays: List[np.ndarray] = []
    dtype = None
    for i, g in enumerate(items):
        if g is None:
            continue
        if not isinstance(g, np.ndarray):
            raise ArgumentTypeError(f"gradient {i} must be a numpy.ndarray or None, got {type(g).__name__}")
        if g.dtype not in _DTYPE_CODES:
            raise DTypeMismatchError(f"gradient {i} has dtype {g.dtype}; swiftopt supports float32 and float64")
        if dtype is None:
            dtype = g.dtype
        elif g.dtype != dtype:
            raise DTypeMismatchError(f"gradient {i} has dtype {g.dtype} but gradient 0 has {dtype}; "
                                     "clip arrays of one dtype per call")
        if not g.flags.c_contiguous or not g.flags.aligned:
            raise InvalidArgumentError(f"gradient {i} is not C-contiguous and aligned")
        if not g.flags.writeable:
            raise InvalidArgumentError(f"gradient {i} is read-only")
        if g.size:
            arrays.append(g)
    return arrays


def _native_arrays(arrays: List[np.ndarray]) -> Any:
    n = len(arrays)
    pointers = (c_void_p * n)(*[_data_pointer(a) for a in arrays])
    counts = (c_int64 * n)(*[a.size for a in arrays])
    return _DTYPE_CODES[arrays[0].dtype], n, pointers, counts


def _number(value: Any, what: str) -> float:
    if isinstance(value, (bytes, bool)) or value is None:
        raise ArgumentTypeError(f"{what} must be a number, got {value!r}")
    if isinstance(value, str):
        if value.lower() != "inf":
            raise ArgumentTypeError(f"{what} must be a number or 'inf', got {value!r}")
        return math.inf
    try:
        return float(value)
    except (TypeError, ValueError) as error:
        raise ArgumentTypeError(f"{what} must be a number, got {value!r}") from error


def _numpy_norm(arrays: List[np.ndarray], p: float) -> float:
    if p == math.inf:
        return max(float(np.max(np.abs(a))) for a in arrays)
    norms = [float(np.linalg.norm(a.ravel().astype(np.float64), ord=p)) for a in arrays]
    return float(np.linalg.norm(np.array(norms), ord=p))


def clip_grad_norm_(grads: Grads, max_norm: float, norm_type: Union[float, str] = 2.0,
                    error_if_nonfinite: bool = False, foreach: Optional[bool] = None) -> float:
    """Scales the gradient arrays in place so that their global
    ``norm_type``-norm is at most ``max_norm`` (torch.nn.utils.clip_grad_norm_)::

        total = norm(concatenation of all grads, norm_type)
        g *= min(max_norm / (total + 1e-6), 1)

    and returns ``total`` (the norm before clipping) as a float; 0.0 when
    there is no gradient. ``norm_type`` is any p >= 1, or ``inf`` /
    ``"inf"`` for the max norm. Norms are accumulated in double.

    A NaN or infinite total scales the gradients by NaN, as torch does by
    default; with ``error_if_nonfinite=True`` it raises
    :class:`OutOfBoundsError` instead and changes nothing (this costs one
    extra pass, in numpy). ``foreach`` is accepted and ignored (one fused
    native call is always used).

    Example:
        >>> import numpy as np, swiftopt
        >>> g = [np.array([3.0, 0.0]), np.array([4.0])]
        >>> swiftopt.clip_grad_norm_(g, max_norm=1.0)
        5.0
        >>> [x.round(6) for x in g]
        [array([0.6, 0. ]), array([0.8])]
    """
    arrays = _gradients(grads)
    max_norm = _number(max_norm, "max_norm")
    p = _number(norm_type, "norm_type")
    if not arrays:
        return 0.0
    if error_if_nonfinite:
        total = _numpy_norm(arrays, p)
        if not math.isfinite(total):
            raise OutOfBoundsError(
                f"the total norm of order {p} of the gradients is non-finite ({total}), so it cannot be clipped; "
                "set error_if_nonfinite=False to clip anyway (the gradients become NaN)"
            )
    dtype, n, pointers, counts = _native_arrays(arrays)
    total_norm = c_double()
    _L.swiftopt_clip_grad_norm(dtype, n, pointers, counts, max_norm, p, byref(total_norm))
    return total_norm.value


def clip_grad_value_(grads: Grads, clip_value: float, foreach: Optional[bool] = None) -> None:
    """Clamps every element of the gradient arrays to
    ``[-clip_value, clip_value]`` in place (torch.nn.utils.clip_grad_value_).
    ``clip_value`` must be finite and >= 0 (:class:`OutOfBoundsError`);
    ``foreach`` is accepted and ignored.

    Example:
        >>> import numpy as np, swiftopt
        >>> g = np.array([-3.0, 0.5, 2.0])
        >>> swiftopt.clip_grad_value_([g], 1.0)
        >>> g
        array([-1. ,  0.5,  1. ])
    """
    arrays = _gradients(grads)
    value = _number(clip_value, "clip_value")
    if not arrays:
        return None
    dtype, n, pointers, counts = _native_arrays(arrays)
    _L.swiftopt_clip_grad_value(dtype, n, pointers, counts, value)
    return None
