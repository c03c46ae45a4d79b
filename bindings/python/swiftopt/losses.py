"""Loss functions and regularization penalties with their gradients.

For training without an autograd engine: each loss has
``torch.nn.functional``'s name, formula and keyword arguments, and returns the
loss **and** its gradient with respect to ``input``::

    import numpy as np, swiftopt
    from swiftopt import losses

    logits = np.random.randn(32, 10).astype(np.float32)
    labels = np.random.randint(0, 10, size=32)            # int64 class indices
    loss, grad = losses.cross_entropy(logits, labels, label_smoothing=0.1)
    # loss: a Python float; grad: d loss / d logits, float32, shape (32, 10)

Conventions shared by every loss:

* ``input`` and floating-point targets are numpy arrays of float32 or float64
  (native byte order), C-contiguous; targets, weights and buffers have the
  input's dtype (class-index targets are int64). Nothing is converted or
  copied: a wrong dtype raises :class:`DTypeMismatchError`, a wrong shape
  :class:`SizeMismatchError`, a non-contiguous or empty array
  :class:`InvalidArgumentError`, a non-array :class:`ArgumentTypeError`.
* ``reduction`` is ``"mean"`` (default), ``"sum"`` or ``"none"``. For
  ``"mean"`` and ``"sum"`` the loss is a Python float; for ``"none"`` it is an
  array of the input's dtype (the input's shape for element-wise losses, one
  value per sample for :func:`cross_entropy` and :func:`nll_loss`).
* The gradient has the input's shape and dtype. For ``"none"`` it is the
  gradient of the *sum* of the losses (torch's ``backward`` with a gradient
  of ones).
* ``out=`` is an optional gradient buffer (input's shape and dtype,
  C-contiguous, writable), overwritten and returned; ``loss_out=`` likewise
  receives the losses of ``"none"``. With both, a training loop allocates no
  arrays. ``compute_grad=False`` computes the loss only (the gradient
  returned is ``None``).
* Every value is computed in double and each result rounded once to the
  dtype; log-softmax uses log-sum-exp and sigmoid terms softplus/log1p forms,
  so logits of +-1e4 and probabilities of exactly 0 or 1 give finite results.
* On any error nothing is written.

torch's deprecated ``size_average`` and ``reduce`` arguments, and the
element-wise ``weight`` of ``mse_loss``, ``l1_loss`` and ``huber_loss``, are
not supported. Arguments after ``target`` are keyword-only.

Penalties (:func:`l1_penalty`, :func:`l2_penalty`, :func:`elastic_net_penalty`)
return the value of a regularization term and **add** its gradient into an
optional gradient buffer, so that ``grad`` holding d loss / d theta becomes
the gradient of loss + penalty.
"""

from __future__ import annotations

import numbers
import threading
from ctypes import POINTER, byref, c_double, c_float, c_int64, cast
from typing import Any, List, Optional, Sequence, Tuple, Union

import numpy as np

from . import _lib
from ._errors import ArgumentTypeError, DTypeMismatchError, InvalidArgumentError, SizeMismatchError
from ._optim import _data_pointer

__all__ = [
    "mse_loss",
    "l1_loss",
    "huber_loss",
    "smooth_l1_loss",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "nll_loss",
    "hinge_loss",
    "l1_penalty",
    "l2_penalty",
    "elastic_net_penalty",
]

_L = _lib.lib
_F32 = np.dtype(np.float32)
_F64 = np.dtype(np.float64)
_I64 = np.dtype(np.int64)
_DTYPE_CODES = {_F32: _lib.DTYPE_FLOAT32, _F64: _lib.DTYPE_FLOAT64}
_REDUCTIONS = {"none": _lib.REDUCTION_NONE, "mean": _lib.REDUCTION_MEAN, "sum": _lib.REDUCTION_SUM}

Loss = Union[float, np.ndarray]

# One scalar result buffer per thread and dtype, so that a mean/sum loss
# needs no allocation.
_scalars = threading.local()


def _scalar(dtype: np.dtype) -> Any:
    try:
        return _scalars.f32 if dtype == _F32 else _scalars.f64
    except AttributeError:
        _scalars.f32, _scalars.f64 = c_float(), c_double()
        return _scalars.f32 if dtype == _F32 else _scalars.f64


# ---- validation --------------------------------------------------------------


def _array(a: Any, what: str) -> np.ndarray:
    if not isinstance(a, np.ndarray):
        raise ArgumentTypeError(f"{what} must be a numpy.ndarray, got {type(a).__name__}")
    if not a.flags.c_contiguous:
        raise InvalidArgumentError(f"{what} is not C-contiguous (shape {a.shape}, strides {a.strides}); "
                                   "use np.ascontiguousarray")
    if not a.flags.aligned:
        raise InvalidArgumentError(f"{what} is not aligned to its element size")
    if a.size == 0:
        raise InvalidArgumentError(f"{what} is empty")
    return a


def _float_input(a: Any, what: str = "input") -> np.ndarray:
    _array(a, what)
    if a.dtype not in _DTYPE_CODES:
        raise DTypeMismatchError(f"{what} has dtype {a.dtype}; swiftopt supports float32 and float64 (native byte order)")
    return a


def _like(a: Any, what: str, x: np.ndarray, shape: Optional[Tuple[int, ...]] = None) -> np.ndarray:
    """An array with x's dtype and the given shape (default x's)."""
    _array(a, what)
    if a.dtype != x.dtype:
        raise DTypeMismatchError(f"{what} has dtype {a.dtype} but input has dtype {x.dtype}")
    expected = x.shape if shape is None else shape
    if a.shape != expected:
        raise SizeMismatchError(f"{what} has shape {a.shape}, expected {expected}")
    return a


def _reduction(reduction: Any) -> int:
    code = _REDUCTIONS.get(reduction) if isinstance(reduction, str) else None
    if code is None:
        raise InvalidArgumentError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    return code


def _number(value: Any, what: str) -> float:
    if isinstance(value, (str, bytes)) or value is None:
        raise ArgumentTypeError(f"{what} must be a number, got {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError) as error:
        raise ArgumentTypeError(f"{what} must be a number, got {value!r}") from error


def _buffer(buf: Any, what: str, dtype: np.dtype, shape: Tuple[int, ...], inputs: Sequence[Optional[np.ndarray]]) -> np.ndarray:
    if not isinstance(buf, np.ndarray):
        raise ArgumentTypeError(f"{what} must be a numpy.ndarray, got {type(buf).__name__}")
    if buf.dtype != dtype:
        raise DTypeMismatchError(f"{what} has dtype {buf.dtype}, expected {dtype}")
    if buf.shape != shape:
        raise SizeMismatchError(f"{what} has shape {buf.shape}, expected {shape}")
    if not buf.flags.c_contiguous:
        raise InvalidArgumentError(f"{what} is not C-contiguous")
    if not buf.flags.writeable:
        raise InvalidArgumentError(f"{what} is read-only")
    if not buf.flags.aligned:
        raise InvalidArgumentError(f"{what} is not aligned to its element size")
    for other in inputs:
        if other is not None and np.may_share_memory(buf, other):
            raise InvalidArgumentError(f"{what} overlaps an input array; pass a separate buffer")
    return buf


class _Outputs:
    """The loss and gradient buffers of one call, validated before the call."""

    __slots__ = ("code", "dtype", "loss", "loss_ptr", "grad", "grad_ptr")

    def __init__(self, reduction: Any, x: np.ndarray, loss_shape: Tuple[int, ...], out: Any, loss_out: Any,
                 compute_grad: bool, inputs: Sequence[Optional[np.ndarray]]) -> None:
        self.code = _reduction(reduction)
        self.dtype = x.dtype
        if self.code == _lib.REDUCTION_NONE:
            if loss_out is None:
                loss = np.empty(loss_shape, x.dtype)
            else:
                loss = _buffer(loss_out, "loss_out", x.dtype, loss_shape, inputs)
            self.loss = loss
            self.loss_ptr = _data_pointer(loss)
        else:
            if loss_out is not None:
                raise InvalidArgumentError("loss_out is only used with reduction='none'")
            self.loss = _scalar(x.dtype)
            self.loss_ptr = byref(self.loss)
        if compute_grad:
            buffers = list(inputs) + ([self.loss] if self.code == _lib.REDUCTION_NONE else [])
            grad = np.empty(x.shape, x.dtype) if out is None else _buffer(out, "out", x.dtype, x.shape, buffers)
            self.grad: Optional[np.ndarray] = grad
            self.grad_ptr: Optional[int] = _data_pointer(grad)
        else:
            if out is not None:
                raise InvalidArgumentError("out (a gradient buffer) was given with compute_grad=False")
            self.grad = None
            self.grad_ptr = None

    def result(self) -> Tuple[Loss, Optional[np.ndarray]]:
        loss = self.loss if self.code == _lib.REDUCTION_NONE else float(self.loss.value)
        return loss, self.grad


def _weight(weight: Any, what: str, x: np.ndarray, shape: Tuple[int, ...]) -> Optional[np.ndarray]:
    if weight is None:
        return None
    return _like(weight, what, x, shape)


def _ptr(a: Optional[np.ndarray]) -> Optional[int]:
    return None if a is None else _data_pointer(a)


_I64P = POINTER(c_int64)


def _index_ptr(t: np.ndarray) -> Any:
    """An ``int64_t *`` to a target array (the C prototype's type)."""
    return cast(_data_pointer(t), _I64P)


# ---- element-wise losses -----------------------------------------------------


def _elementwise(function: Any, extra: Tuple[Any, ...], input: Any, target: Any, reduction: Any, out: Any,
                 loss_out: Any, compute_grad: bool) -> Tuple[Loss, Optional[np.ndarray]]:
    x = _float_input(input)
    y = _like(target, "target", x)
    outputs = _Outputs(reduction, x, x.shape, out, loss_out, compute_grad, (x, y))
    function(_DTYPE_CODES[x.dtype], x.size, _data_pointer(x), _data_pointer(y), *extra, outputs.code,
             outputs.loss_ptr, outputs.grad_ptr)
    return outputs.result()


def mse_loss(input: np.ndarray, target: np.ndarray, *, reduction: str = "mean", out: Optional[np.ndarray] = None,
             loss_out: Optional[np.ndarray] = None, compute_grad: bool = True) -> Tuple[Loss, Optional[np.ndarray]]:
    """Mean squared error (``torch.nn.functional.mse_loss``):
    ``l = (x - y)**2``, ``dl/dx = 2 (x - y)``. ``target``: input's shape and dtype.

    Returns ``(loss, grad)``; see the module documentation for ``reduction``,
    ``out``, ``loss_out`` and ``compute_grad``.

    Example:
        >>> import numpy as np
        >>> from swiftopt.losses import mse_loss
        >>> mse_loss(np.array([1.0, 2.0]), np.array([0.0, 0.0]))
        (2.5, array([1., 2.]))
    """
    return _elementwise(_L.swiftopt_mse_loss, (), input, target, reduction, out, loss_out, compute_grad)


def l1_loss(input: np.ndarray, target: np.ndarray, *, reduction: str = "mean", out: Optional[np.ndarray] = None,
            loss_out: Optional[np.ndarray] = None, compute_grad: bool = True) -> Tuple[Loss, Optional[np.ndarray]]:
    """Mean absolute error (``torch.nn.functional.l1_loss``):
    ``l = |x - y|``, ``dl/dx = sign(x - y)`` with ``sign(0) = 0`` (torch's)."""
    return _elementwise(_L.swiftopt_l1_loss, (), input, target, reduction, out, loss_out, compute_grad)


def huber_loss(input: np.ndarray, target: np.ndarray, *, reduction: str = "mean", delta: float = 1.0,
               out: Optional[np.ndarray] = None, loss_out: Optional[np.ndarray] = None,
               compute_grad: bool = True) -> Tuple[Loss, Optional[np.ndarray]]:
    """Huber loss (``torch.nn.functional.huber_loss``), ``d = x - y``:
    ``d**2 / 2`` if ``|d| < delta`` else ``delta (|d| - delta / 2)``;
    ``dl/dx = clip(d, -delta, delta)``. ``delta`` must be finite and > 0
    (:class:`OutOfBoundsError`)."""
    return _elementwise(_L.swiftopt_huber_loss, (_number(delta, "delta"),), input, target, reduction, out, loss_out,
                        compute_grad)


def smooth_l1_loss(input: np.ndarray, target: np.ndarray, *, reduction: str = "mean", beta: float = 1.0,
                   out: Optional[np.ndarray] = None, loss_out: Optional[np.ndarray] = None,
                   compute_grad: bool = True) -> Tuple[Loss, Optional[np.ndarray]]:
    """Smooth L1 loss (``torch.nn.functional.smooth_l1_loss``), ``d = x - y``:
    ``d**2 / (2 beta)`` if ``|d| < beta`` else ``|d| - beta / 2``;
    ``dl/dx = clip(d / beta, -1, 1)``. ``beta`` must be finite and >= 0;
    ``beta = 0`` is :func:`l1_loss`, as in torch."""
    return _elementwise(_L.swiftopt_smooth_l1_loss, (_number(beta, "beta"),), input, target, reduction, out, loss_out,
                        compute_grad)


def hinge_loss(input: np.ndarray, target: np.ndarray, *, reduction: str = "mean", out: Optional[np.ndarray] = None,
               loss_out: Optional[np.ndarray] = None, compute_grad: bool = True) -> Tuple[Loss, Optional[np.ndarray]]:
    """Binary hinge loss (the linear SVM loss) with targets of exactly -1 or
    +1: ``l = max(0, 1 - y x)``, ``dl/dx = -y`` where ``1 - y x > 0``, else 0.

    torch.nn.functional has no function of this form (it equals
    ``torch.relu(1 - y * x)`` with autograd). A target other than -1 or +1
    raises :class:`InvalidArgumentError`."""
    return _elementwise(_L.swiftopt_hinge_loss, (), input, target, reduction, out, loss_out, compute_grad)


# ---- binary cross-entropy ----------------------------------------------------


def binary_cross_entropy_with_logits(
    input: np.ndarray,
    target: np.ndarray,
    *,
    weight: Optional[np.ndarray] = None,
    reduction: str = "mean",
    pos_weight: Optional[np.ndarray] = None,
    out: Optional[np.ndarray] = None,
    loss_out: Optional[np.ndarray] = None,
    compute_grad: bool = True,
) -> Tuple[Loss, Optional[np.ndarray]]:
    """Binary cross-entropy on logits
    (``torch.nn.functional.binary_cross_entropy_with_logits``), with targets
    in [0, 1] (not checked, as in torch) of the input's shape and dtype::

        l = -w [p y log sigmoid(x) + (1 - y) log(1 - sigmoid(x))]
        dl/dx = w [(1 - y) sigmoid(x) - p y sigmoid(-x)]

    computed in softplus form: finite for any finite logit.

    ``weight``: the input's shape, or an array that broadcasts to it (then a
    broadcast copy is made). ``pos_weight``: one value per class along the
    last dimension (``input.shape[-1]`` elements), or a single value.
    Both have the input's dtype.
    """
    x = _float_input(input)
    y = _like(target, "target", x)
    n, c = x.size, 1
    pw = None
    if pos_weight is not None:
        pw = _array(pos_weight, "pos_weight")
        if pw.dtype != x.dtype:
            raise DTypeMismatchError(f"pos_weight has dtype {pw.dtype} but input has dtype {x.dtype}")
        if pw.size != 1:
            if x.ndim == 0 or pw.ndim != 1 or pw.shape[0] != x.shape[-1]:
                raise SizeMismatchError(
                    f"pos_weight has shape {pw.shape}; it must have one element per class along the input's last "
                    f"dimension ({x.shape[-1] if x.ndim else 1}) or a single element"
                )
            c = pw.shape[0]
            n = x.size // c
    w = None
    if weight is not None:
        if not isinstance(weight, np.ndarray):
            raise ArgumentTypeError(f"weight must be a numpy.ndarray, got {type(weight).__name__}")
        if weight.dtype != x.dtype:
            raise DTypeMismatchError(f"weight has dtype {weight.dtype} but input has dtype {x.dtype}")
        if weight.shape != x.shape:
            try:
                weight = np.ascontiguousarray(np.broadcast_to(weight, x.shape))
            except ValueError:
                raise SizeMismatchError(f"weight of shape {weight.shape} does not broadcast to the input's shape "
                                        f"{x.shape}") from None
        w = _array(weight, "weight")
    outputs = _Outputs(reduction, x, x.shape, out, loss_out, compute_grad, (x, y, w, pw))
    _L.swiftopt_binary_cross_entropy_with_logits(
        _DTYPE_CODES[x.dtype], n, c, _data_pointer(x), _data_pointer(y), _ptr(w), _ptr(pw), outputs.code,
        outputs.loss_ptr, outputs.grad_ptr,
    )
    return outputs.result()


# ---- softmax cross-entropy and NLL -------------------------------------------


def _rows(x: np.ndarray) -> Tuple[int, int, Tuple[int, ...]]:
    """(n, c, per-sample shape) of an (N, C) or unbatched (C,) input."""
    if x.ndim == 2:
        return x.shape[0], x.shape[1], (x.shape[0],)
    if x.ndim == 1:
        return 1, x.shape[0], ()
    raise SizeMismatchError(
        f"input has shape {x.shape}; expected (N, C) or (C,) (for (N, C, d1, ...) move the class dimension last "
        "and reshape to (N * d1 * ..., C))"
    )


def _class_targets(target: Any, sample_shape: Tuple[int, ...]) -> np.ndarray:
    t = target
    if t.dtype != _I64:
        raise DTypeMismatchError(f"class-index target has dtype {t.dtype}; it must be int64 (as torch's long)")
    if not t.flags.c_contiguous or not t.flags.aligned:
        raise InvalidArgumentError("target is not C-contiguous and aligned")
    if t.shape != sample_shape:
        raise SizeMismatchError(f"target has shape {t.shape}, expected {sample_shape} (one class index per sample)")
    return t


def _ignore_index(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ArgumentTypeError(f"ignore_index must be an int, got {value!r}")
    value = int(value)
    if not -(2**63) <= value < 2**63:
        raise InvalidArgumentError(f"ignore_index {value} does not fit in int64")
    return value


def cross_entropy(
    input: np.ndarray,
    target: np.ndarray,
    *,
    weight: Optional[np.ndarray] = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
    out: Optional[np.ndarray] = None,
    loss_out: Optional[np.ndarray] = None,
    compute_grad: bool = True,
) -> Tuple[Loss, Optional[np.ndarray]]:
    """Softmax cross-entropy of logits (``torch.nn.functional.cross_entropy``).

    ``input``: logits of shape (N, C), or (C,) for one unbatched sample.
    ``target``: either class indices, an int64 array of shape (N,) (or ()),
    each in [0, C) or equal to ``ignore_index``; or class probabilities, a
    float array of the input's shape and dtype (rows are not checked to sum
    to 1; ``ignore_index`` does not apply), as torch decides by the target's
    dtype. ``weight``: C class weights of the input's dtype.
    ``label_smoothing`` in [0, 1].

    With class indices, ``"mean"`` divides by the summed weights of the
    samples not ignored (torch's weighted mean; NaN when every sample is
    ignored, as in torch); with probabilities it divides by N. ``"none"``
    gives one loss per sample. A target index out of range raises
    :class:`IndexOutOfRangeError`.

    Example:
        >>> import numpy as np
        >>> from swiftopt.losses import cross_entropy
        >>> loss, grad = cross_entropy(np.zeros((2, 4)), np.array([0, 3]))
        >>> round(loss, 6), grad[0]
        (1.386294, array([-0.375,  0.125,  0.125,  0.125]))
    """
    x = _float_input(input)
    n, c, sample_shape = _rows(x)
    if not isinstance(target, np.ndarray):
        raise ArgumentTypeError(f"target must be a numpy.ndarray, got {type(target).__name__}")
    w = _weight(weight, "weight", x, (c,))
    smoothing = _number(label_smoothing, "label_smoothing")
    if target.dtype.kind == "f":
        y = _like(target, "target (class probabilities)", x)
        outputs = _Outputs(reduction, x, sample_shape, out, loss_out, compute_grad, (x, y, w))
        _L.swiftopt_cross_entropy_probs(_DTYPE_CODES[x.dtype], n, c, _data_pointer(x), _data_pointer(y), _ptr(w),
                                        smoothing, outputs.code, outputs.loss_ptr, outputs.grad_ptr)
    else:
        t = _class_targets(target, sample_shape)
        ignore = _ignore_index(ignore_index)
        outputs = _Outputs(reduction, x, sample_shape, out, loss_out, compute_grad, (x, t, w))
        _L.swiftopt_cross_entropy(_DTYPE_CODES[x.dtype], n, c, _data_pointer(x), _index_ptr(t), _ptr(w), ignore,
                                  smoothing, outputs.code, outputs.loss_ptr, outputs.grad_ptr)
    return outputs.result()


def nll_loss(
    input: np.ndarray,
    target: np.ndarray,
    *,
    weight: Optional[np.ndarray] = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    out: Optional[np.ndarray] = None,
    loss_out: Optional[np.ndarray] = None,
    compute_grad: bool = True,
) -> Tuple[Loss, Optional[np.ndarray]]:
    """Negative log-likelihood (``torch.nn.functional.nll_loss``) of
    log-probabilities ``input`` (N, C) or (C,) (e.g. a log-softmax output)
    with int64 class-index targets as in :func:`cross_entropy`:
    ``l_i = -w[t_i] x[i, t_i]`` (0 if ignored). ``"mean"`` divides by the
    summed weights of the samples not ignored."""
    x = _float_input(input)
    n, c, sample_shape = _rows(x)
    if not isinstance(target, np.ndarray):
        raise ArgumentTypeError(f"target must be a numpy.ndarray, got {type(target).__name__}")
    t = _class_targets(target, sample_shape)
    w = _weight(weight, "weight", x, (c,))
    ignore = _ignore_index(ignore_index)
    outputs = _Outputs(reduction, x, sample_shape, out, loss_out, compute_grad, (x, t, w))
    _L.swiftopt_nll_loss(_DTYPE_CODES[x.dtype], n, c, _data_pointer(x), _index_ptr(t), _ptr(w), ignore,
                         outputs.code, outputs.loss_ptr, outputs.grad_ptr)
    return outputs.result()


# ---- penalties ---------------------------------------------------------------


def _penalty(function: Any, coefficients: Tuple[float, ...], params: Any, grad: Any) -> float:
    single = isinstance(params, np.ndarray)
    tensors: List[np.ndarray] = [params] if single else _list(params, "params")
    if grad is None:
        grads: List[Optional[np.ndarray]] = [None] * len(tensors)
    elif isinstance(grad, np.ndarray) != single:
        raise ArgumentTypeError("grad must be an array when params is an array, and a list when params is a list")
    else:
        grads = [grad] if single else _list(grad, "grad")
        if len(grads) != len(tensors):
            raise SizeMismatchError(f"grad has {len(grads)} arrays for {len(tensors)} parameter arrays")
    checked = []
    for i, (p, g) in enumerate(zip(tensors, grads)):
        name = "params" if single else f"params[{i}]"
        p = _float_input(p, name)
        if g is not None:
            _buffer(g, "grad" if single else f"grad[{i}]", p.dtype, p.shape, tensors)
        checked.append((p, g))
    value = c_double()
    total = 0.0
    for p, g in checked:
        function(_DTYPE_CODES[p.dtype], p.size, _data_pointer(p), *coefficients, byref(value), _ptr(g))
        total += value.value
    return total


def _list(items: Any, what: str) -> List[Any]:
    if isinstance(items, (str, bytes, dict)):
        raise ArgumentTypeError(f"{what} must be a numpy array or a list of them, got {type(items).__name__}")
    try:
        result = list(items)
    except TypeError:
        raise ArgumentTypeError(f"{what} must be a numpy array or a list of them, got {type(items).__name__}") from None
    if not result:
        raise InvalidArgumentError(f"{what} is an empty list")
    return result


def l1_penalty(params: Union[np.ndarray, Sequence[np.ndarray]], lambd: float, *,
               grad: Union[None, np.ndarray, Sequence[np.ndarray]] = None) -> float:
    """L1 penalty ``lambd * sum |theta|``, summed over ``params`` (one array
    or a list of arrays). When ``grad`` is given (an array, or a list
    matching ``params``: same shapes and dtypes), the penalty's gradient
    ``lambd * sign(theta)`` (``sign(0) = 0``) is **added** to it in place,
    turning d loss / d theta into the gradient of loss + penalty. ``lambd``
    must be finite and >= 0 (:class:`OutOfBoundsError`). Everything is
    validated before anything is written.

    For exact zeros in the weights use the optimizers' ``l1=`` option
    (a proximal step) rather than this subgradient.
    """
    return _penalty(_L.swiftopt_l1_penalty, (_number(lambd, "lambd"),), params, grad)


def l2_penalty(params: Union[np.ndarray, Sequence[np.ndarray]], lambd: float, *,
               grad: Union[None, np.ndarray, Sequence[np.ndarray]] = None) -> float:
    """L2 penalty ``lambd / 2 * sum theta**2``; ``grad += lambd * theta``
    (see :func:`l1_penalty` for ``params`` and ``grad``). The factor 1/2
    makes the gradient exactly torch.optim's coupled ``weight_decay=lambd``."""
    return _penalty(_L.swiftopt_l2_penalty, (_number(lambd, "lambd"),), params, grad)


def elastic_net_penalty(params: Union[np.ndarray, Sequence[np.ndarray]], l1_lambda: float, l2_lambda: float, *,
                        grad: Union[None, np.ndarray, Sequence[np.ndarray]] = None) -> float:
    """Elastic-net penalty ``l1_lambda * sum |theta| + l2_lambda / 2 * sum
    theta**2``; ``grad += l1_lambda * sign(theta) + l2_lambda * theta``
    (see :func:`l1_penalty`). scikit-learn's ``ElasticNet(alpha, l1_ratio)``
    penalty is ``l1_lambda = alpha * l1_ratio``,
    ``l2_lambda = alpha * (1 - l1_ratio)``."""
    return _penalty(_L.swiftopt_elastic_net_penalty,
                    (_number(l1_lambda, "l1_lambda"), _number(l2_lambda, "l2_lambda")), params, grad)
