"""The optimizers: torch.optim's classes over numpy arrays, stepped by libswiftopt.

Each optimizer owns one native handle. Parameters are registered with it once
(their data pointers are cached there); each group's hyperparameters live in
the handle, and ``param_groups`` forwards every change to it at once, so a
step is one native call for all tensors with no per-step hyperparameter
traffic.
"""

from __future__ import annotations

import ctypes
import math
import numbers
import struct
import sys
import weakref
from ctypes import byref, c_double, c_int32, c_int64, c_void_p
from typing import Any, Callable, ClassVar, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from . import _lib
from ._errors import (
    ArgumentTypeError,
    ClosedError,
    DTypeMismatchError,
    IncompatibleOptionsError,
    IndexOutOfRangeError,
    InternalError,
    InvalidArgumentError,
    NoParametersError,
    SizeMismatchError,
    SwiftOptError,
    UnknownHyperparameterError,
    UnknownStateError,
)

__all__ = ["Optimizer", "ParamGroup", "SGD", "Adagrad", "RMSprop", "Adam", "AdamW"]

_L = _lib.lib
_F32 = np.dtype(np.float32)
_F64 = np.dtype(np.float64)
_DTYPE_CODES = {_F32: _lib.DTYPE_FLOAT32, _F64: _lib.DTYPE_FLOAT64}

#: group key -> native hyperparameter codes (``betas`` is two codes).
_HYPERPARAMETER_CODES: Dict[str, Tuple[int, ...]] = {
    "lr": (_lib.HP_LR,),
    "momentum": (_lib.HP_MOMENTUM,),
    "dampening": (_lib.HP_DAMPENING,),
    "weight_decay": (_lib.HP_WEIGHT_DECAY,),
    "nesterov": (_lib.HP_NESTEROV,),
    "maximize": (_lib.HP_MAXIMIZE,),
    "lr_decay": (_lib.HP_LR_DECAY,),
    "initial_accumulator_value": (_lib.HP_INITIAL_ACCUMULATOR_VALUE,),
    "eps": (_lib.HP_EPS,),
    "alpha": (_lib.HP_ALPHA,),
    "centered": (_lib.HP_CENTERED,),
    "betas": (_lib.HP_BETA1, _lib.HP_BETA2),
    "amsgrad": (_lib.HP_AMSGRAD,),
    "decoupled_weight_decay": (_lib.HP_DECOUPLED_WEIGHT_DECAY,),
    "l1": (_lib.HP_L1,),
    "max_grad_norm": (_lib.HP_MAX_GRAD_NORM,),
    "clip_value": (_lib.HP_CLIP_VALUE,),
    "skip_nonfinite": (_lib.HP_SKIP_NONFINITE,),
}
#: torch's implementation switches. swiftopt always runs its own fused kernel:
#: foreach/fused are accepted and ignored; differentiable/capturable must be
#: False. (AdamW's decoupled_weight_decay is also a switch: it must stay True.)
_SWITCH_KEYS = frozenset({"foreach", "fused", "differentiable", "capturable"})
#: swiftopt's regularization, clipping and non-finite options, which torch.optim does not
#: have: keyword-only constructor arguments of every optimizer (SGD, Adagrad
#: and RMSprop also get decoupled_weight_decay, as torch's Adam has it), kept
#: in param_groups after torch's keys. Their defaults (0, False) switch them off.
_EXTRA_KEYS = ("l1", "max_grad_norm", "clip_value", "skip_nonfinite")
_STATE_NAMES = {
    _lib.STATE_MOMENTUM_BUFFER: "momentum_buffer",
    _lib.STATE_SUM: "sum",
    _lib.STATE_SQUARE_AVG: "square_avg",
    _lib.STATE_GRAD_AVG: "grad_avg",
    _lib.STATE_EXP_AVG: "exp_avg",
    _lib.STATE_EXP_AVG_SQ: "exp_avg_sq",
    _lib.STATE_MAX_EXP_AVG_SQ: "max_exp_avg_sq",
}
_STATE_CODES = {name: code for code, name in _STATE_NAMES.items()}


# ---- data pointers -----------------------------------------------------------


def _probe_data_offset() -> Optional[int]:
    """Offset of ``data`` in numpy's PyArrayObject (the field PyArray_DATA()
    reads), found and checked against ``__array_interface__`` on a few arrays.
    ``None`` (use the slower portable path) if it cannot be confirmed."""
    if sys.implementation.name != "cpython":
        return None
    base = np.arange(64, dtype=np.float64)
    samples: List[np.ndarray] = [base, base[5:], np.zeros(3, np.float32), base.reshape(8, 8)[2:]]
    for offset in range(8, 96, 8):
        try:
            if all(
                c_void_p.from_address(id(a) + offset).value == a.__array_interface__["data"][0] for a in samples
            ):
                return offset
        except (ValueError, OverflowError):  # pragma: no cover
            return None
    return None  # pragma: no cover


_DATA_OFFSET = _probe_data_offset()


def _data_pointer_portable(a: np.ndarray) -> int:
    return a.__array_interface__["data"][0]


def _make_data_pointer() -> Callable[[np.ndarray], int]:
    if _DATA_OFFSET is None:  # pragma: no cover
        return _data_pointer_portable
    from_address = c_void_p.from_address
    offset = _DATA_OFFSET

    def data_pointer(a: np.ndarray) -> int:
        # ~0.15 us instead of ~1.2 us for __array_interface__ / .ctypes.data.
        return from_address(id(a) + offset).value  # type: ignore[return-value]

    return data_pointer


_data_pointer = _make_data_pointer()


# ---- validation helpers ------------------------------------------------------


def _check_array(a: Any, what: str) -> np.ndarray:
    """Checks that ``a`` can be updated in place by the library; never copies."""
    if not isinstance(a, np.ndarray):
        raise ArgumentTypeError(
            f"{what} must be a numpy.ndarray of float32 or float64, got {type(a).__name__}; "
            "swiftopt updates parameters in place and never copies them"
        )
    if a.dtype not in _DTYPE_CODES:
        raise DTypeMismatchError(f"{what} has dtype {a.dtype}; swiftopt supports float32 and float64 (native byte order)")
    if not a.flags.c_contiguous:
        raise InvalidArgumentError(
            f"{what} is not C-contiguous (shape {a.shape}, strides {a.strides}); "
            "make it contiguous first (np.ascontiguousarray) and optimize that array"
        )
    if not a.flags.aligned:
        raise InvalidArgumentError(f"{what} is not aligned to its element size")
    if a.size == 0:
        raise InvalidArgumentError(f"{what} is empty; swiftopt needs at least one element per parameter")
    return a


def _to_float(key: str, value: Any) -> float:
    if isinstance(value, (str, bytes)) or value is None:
        raise ArgumentTypeError(f"hyperparameter {key!r} must be a number, got {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError) as error:
        raise ArgumentTypeError(f"hyperparameter {key!r} must be a number, got {value!r}") from error


def _betas(value: Any) -> Tuple[float, float]:
    try:
        beta1, beta2 = value
    except (TypeError, ValueError) as error:
        raise ArgumentTypeError(f"betas must be a pair (beta1, beta2), got {value!r}") from error
    return _to_float("betas[0]", beta1), _to_float("betas[1]", beta2)


class _Native:
    """Thin helpers over one handle (used for the live handle and for the
    handle that load_state_dict builds before swapping it in)."""

    __slots__ = ("handle",)

    def __init__(self, algorithm: int) -> None:
        handle = c_void_p()
        _L.swiftopt_optimizer_create(algorithm, byref(handle))
        self.handle = handle

    def free(self) -> None:
        _free_handle(self.handle.value)

    def add_group(self) -> int:
        out = c_int64()
        _L.swiftopt_optimizer_add_group(self.handle, byref(out))
        return out.value

    def set(self, group: int, code: int, value: float) -> None:
        _L.swiftopt_optimizer_set_hyperparameter(self.handle, group, code, value)

    def get(self, group: int, code: int) -> float:
        out = c_double()
        _L.swiftopt_optimizer_get_hyperparameter(self.handle, group, code, byref(out))
        return out.value

    def state_kinds(self, group: int) -> List[int]:
        kinds = (c_int32 * 8)()
        count = c_int64()
        _L.swiftopt_optimizer_state_kinds(self.handle, group, kinds, 8, byref(count))
        return list(kinds[: count.value])

    def add_param(self, group: int, a: np.ndarray) -> int:
        out = c_int64()
        _L.swiftopt_optimizer_add_param(self.handle, group, _DTYPE_CODES[a.dtype], _data_pointer(a), a.size, byref(out))
        return out.value


def _checkpoint_momentum_flags(data: bytes, n_params: int) -> List[bool]:
    """Per parameter, whether its momentum_buffer holds a value, read from a
    checkpoint the library has just accepted (format version 1: the header
    gives the offset of the parameter records)."""
    (offset,) = struct.unpack_from("<Q", data, 40)
    flags = []
    for _ in range(n_params):
        dtype, _group, count, _step, n_states = struct.unpack_from("<IIqqI", data, offset)
        offset += 28
        ready = False
        for _ in range(n_states):
            kind, bits = struct.unpack_from("<II", data, offset)
            offset += 8 + count * (4 if dtype == _lib.DTYPE_FLOAT32 else 8)
            ready |= kind == _lib.STATE_MOMENTUM_BUFFER and bool(bits & 1)
        flags.append(ready)
    return flags


def _free_handle(value: Optional[int]) -> None:
    if value:
        try:
            _L.swiftopt_optimizer_free(value)
        except SwiftOptError:  # pragma: no cover - freeing twice is harmless
            pass


_MISS = object()
_ndarray = np.ndarray


# ---- param groups ------------------------------------------------------------


class ParamGroup(dict):  # type: ignore[type-arg]
    """One parameter group: a ``dict`` like torch's ``param_groups`` entries.

    Setting a hyperparameter (``group["lr"] = 0.01``) validates it and stores
    it in the native optimizer at once, so it applies from the next step;
    an invalid value raises (e.g. :class:`OutOfBoundsError`) and leaves the
    group unchanged. Keys that are not hyperparameters (``initial_lr`` set by
    a scheduler, your own notes) are kept as in a plain dict. ``params`` and
    the hyperparameter keys cannot be deleted, and ``params`` cannot be
    replaced (use :meth:`Optimizer.add_param_group`). A copy (``dict(g)``,
    ``copy.deepcopy``) is a plain dict.
    """

    __slots__ = ("_owner", "_index")

    def __init__(self, owner: "Optimizer", index: int, items: Mapping[str, Any]) -> None:
        dict.__init__(self, items)
        self._owner = weakref.ref(owner)
        self._index = index

    def _optimizer(self) -> "Optimizer":
        owner = self._owner()
        if owner is None or owner._native is None:
            raise ClosedError("this parameter group's optimizer is closed")
        return owner

    def __setitem__(self, key: str, value: Any) -> None:
        owner = self._optimizer()
        if key == "params":
            raise InvalidArgumentError("a group's params cannot be replaced; use add_param_group() to add parameters")
        owner._set_option(owner._native, self._index, key, value, self.get(key, _MISS))  # type: ignore[arg-type]
        dict.__setitem__(self, key, value)
        if key == "momentum":
            owner._update_sgd_pending()

    def _managed(self, key: Any) -> bool:
        owner = self._owner()
        return key == "params" or (owner is not None and key in owner._keys)

    def __delitem__(self, key: str) -> None:
        if self._managed(key):
            raise InvalidArgumentError(f"{key!r} cannot be removed from a parameter group")
        dict.__delitem__(self, key)

    def pop(self, key: str, *default: Any) -> Any:
        if self._managed(key):
            raise InvalidArgumentError(f"{key!r} cannot be removed from a parameter group")
        return dict.pop(self, key, *default)

    def popitem(self) -> Tuple[str, Any]:
        raise InvalidArgumentError("items cannot be removed from a parameter group")

    def clear(self) -> None:
        raise InvalidArgumentError("a parameter group cannot be cleared")

    def update(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return dict.__getitem__(self, key)

    def __ior__(self, other: Any) -> "ParamGroup":  # type: ignore[override,misc]
        self.update(other)
        return self

    def __reduce__(self) -> Any:
        return (dict, (dict(self),))


# ---- optimizer base ----------------------------------------------------------

Params = Union[Iterable[np.ndarray], Iterable[Dict[str, Any]]]


class Optimizer:
    """Base class of the swiftopt optimizers (torch.optim.Optimizer's shape).

    Not instantiated directly: use :class:`SGD`, :class:`Adagrad`,
    :class:`RMSprop`, :class:`Adam` or :class:`AdamW`.

    Besides torch's arguments every optimizer takes these keyword-only
    options (libswiftopt's; all off by default). Like torch's they are keys
    of ``param_groups`` (after torch's keys) and of ``state_dict()``, can be
    set per group and changed between steps, and are validated by the
    library (:class:`OutOfBoundsError` for a negative or non-finite value):

    ``decoupled_weight_decay`` (not AdamW, which always decouples)
        ``weight_decay`` shrinks the parameter, ``theta *= 1 - lr *
        weight_decay``, before the update (AdamW's form) instead of adding
        ``weight_decay * theta`` to the gradient (torch's coupled L2).
    ``l1``
        A proximal L1 step after the update, ``theta = sign(theta) *
        max(|theta| - lr * l1, 0)``: weights reach exact zeros.
    ``max_grad_norm``
        When > 0, the gradients of all the group's parameters stepped in one
        call are scaled by ``min(max_grad_norm / (norm + 1e-6), 1)``, where
        ``norm`` is their global L2 norm: torch's ``clip_grad_norm_`` applied
        per group inside the step. The gradient arrays are not modified.
        :meth:`grad_norm` returns the norm before clipping.
    ``clip_value``
        When > 0, each gradient element is clamped to ``[-clip_value,
        clip_value]`` (after norm clipping), as torch's ``clip_grad_value_``.
    ``skip_nonfinite``
        When True, a step whose gradients for the group hold a NaN or an
        infinity leaves the group's parameters and state unchanged (torch's
        ``GradScaler`` skipping ``optimizer.step()`` in mixed-precision
        training) and counts the skip: :meth:`skipped_steps`,
        :meth:`last_step_skipped`. Other groups step normally; ``step()``
        raises nothing. An attached schedule advances anyway, as torch's
        ``scheduler.step()`` after a skipped step.

    Order per element: clip, negate (maximize), coupled L2, update, L1.

    Attributes:
        param_groups: list of :class:`ParamGroup` dicts; changing a
            hyperparameter there applies from the next step.
        defaults: the constructor's hyperparameters (a plain dict).
    """

    _algorithm: ClassVar[int]
    #: The group keys, in torch's order (without "params").
    _keys: ClassVar[Tuple[str, ...]]

    param_groups: List[ParamGroup]
    defaults: Dict[str, Any]

    def __init__(self, params: Params, defaults: Dict[str, Any]) -> None:
        self._native: Optional[_Native] = None
        self._finalizer: Optional[weakref.finalize] = None
        self.defaults = dict(defaults)
        self.param_groups = []
        self._params: List[np.ndarray] = []
        self._param_group: List[int] = []  # index in param_groups of each parameter
        self._dtypes: List[np.dtype] = []
        self._shapes: List[Tuple[int, ...]] = []
        self._strides: List[Tuple[int, ...]] = []  # C-contiguous strides of each parameter's shape
        self._n = 0
        self._ptrs = (c_void_p * 0)()
        self._grad_cache: List[Any] = []
        self._spare_group: Optional[int] = 0  # native group 0 exists, still unused
        self._momentum_ready: List[bool] = []  # SGD: momentum_buffer holds a value (torch: not None)
        self._sgd_pending = False
        self._step_native = _L.swiftopt_optimizer_step

        if isinstance(params, np.ndarray) or isinstance(params, dict):
            raise ArgumentTypeError(
                "params must be an iterable of numpy arrays or of dicts (parameter groups), "
                f"got a single {type(params).__name__}; wrap it in a list"
            )
        try:
            groups: List[Any] = list(params)
        except TypeError as error:
            raise ArgumentTypeError(f"params must be an iterable, got {type(params).__name__}") from error
        if not groups:
            raise NoParametersError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]

        self._check_switches(self.defaults)
        native = _Native(self._native_algorithm(self.defaults))
        self._native = native
        self._finalizer = weakref.finalize(self, _free_handle, native.handle.value)
        for group in groups:
            self.add_param_group(group)

    # -- lifecycle --

    def close(self) -> None:
        """Frees the native optimizer and its state. Idempotent. Later use
        raises :class:`ClosedError`; the parameter arrays stay yours."""
        if self._finalizer is not None:
            self._finalizer()
        self._native = None

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` has been called."""
        return self._native is None

    def __enter__(self) -> "Optimizer":
        self._live()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _live(self) -> _Native:
        native = self._native
        if native is None:
            raise ClosedError(f"{type(self).__name__} optimizer is closed")
        return native

    # -- options --

    @classmethod
    def _native_algorithm(cls, options: Mapping[str, Any]) -> int:
        return cls._algorithm

    def _check_switches(self, options: Mapping[str, Any]) -> None:
        for key in ("differentiable", "capturable"):
            if key in self._keys and options.get(key):
                raise InvalidArgumentError(f"{key}=True is a torch implementation mode that swiftopt does not support")
        if self._algorithm == _lib.ALGORITHM_ADAMW and "decoupled_weight_decay" in options:
            if options["decoupled_weight_decay"] != True:  # noqa: E712 (True, 1 or 1.0; not 0.5)
                raise IncompatibleOptionsError(
                    "AdamW always decouples weight decay (decoupled_weight_decay must stay True); "
                    "use Adam for coupled L2, or Adam(..., decoupled_weight_decay=True) to switch per group"
                )

    def _set_option(self, native: _Native, group: int, key: str, value: Any, old: Any = _MISS) -> None:
        """Validates one group option and stores it in ``native``; raises
        and changes nothing on error."""
        if not isinstance(key, str):
            raise ArgumentTypeError(f"parameter group keys must be strings, got {key!r}")
        if key not in self._keys:
            if key in _HYPERPARAMETER_CODES or key in _SWITCH_KEYS:
                raise UnknownHyperparameterError(
                    f"{type(self).__name__} has no hyperparameter {key!r} (it has: {', '.join(self._keys)})"
                )
            return  # a free-form key (e.g. a scheduler's initial_lr)
        if key in _SWITCH_KEYS or (key == "decoupled_weight_decay" and self._algorithm == _lib.ALGORITHM_ADAMW):
            self._check_switches({key: value})
            return
        codes = _HYPERPARAMETER_CODES[key]
        if key == "betas":
            beta1, beta2 = _betas(value)
            previous = native.get(group, codes[0])
            native.set(group, codes[0], beta1)
            try:
                native.set(group, codes[1], beta2)
            except SwiftOptError:
                native.set(group, codes[0], previous)
                raise
        else:
            native.set(group, codes[0], _to_float(key, value))

    def _configure(self, native: _Native, index: int, options: Mapping[str, Any]) -> None:
        if "nesterov" in self._keys:  # so that momentum/dampening can be set first
            native.set(index, _lib.HP_NESTEROV, 0.0)
        for key in self._keys:
            self._set_option(native, index, key, options[key])

    def _group_options(self, group: Mapping[str, Any], base: Mapping[str, Any]) -> Dict[str, Any]:
        options: Dict[str, Any] = {}
        for key in self._keys:
            options[key] = group[key] if key in group else base[key]
        for key, value in group.items():
            if key == "params" or key in self._keys:
                continue
            if not isinstance(key, str):
                raise ArgumentTypeError(f"parameter group keys must be strings, got {key!r}")
            if key in _HYPERPARAMETER_CODES or key in _SWITCH_KEYS:
                raise UnknownHyperparameterError(
                    f"{type(self).__name__} has no hyperparameter {key!r} (it has: {', '.join(self._keys)})"
                )
            options[key] = value
        self._check_switches(options)
        return options

    # -- groups --

    def add_param_group(self, param_group: Dict[str, Any]) -> None:
        """Adds a parameter group (a dict with ``params`` and any
        hyperparameters; missing ones come from ``defaults``), as torch's
        ``add_param_group``. Validates everything before registering anything."""
        native = self._live()
        if not isinstance(param_group, dict):
            raise ArgumentTypeError(f"a parameter group must be a dict, got {type(param_group).__name__}")
        if "params" not in param_group:
            raise InvalidArgumentError("a parameter group needs a 'params' entry")
        params = param_group["params"]
        if isinstance(params, np.ndarray):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise ArgumentTypeError("parameters must be in an ordered collection (a list), not a set")
        else:
            try:
                params = list(params)
            except TypeError as error:
                raise ArgumentTypeError(f"'params' must be a list of numpy arrays, got {type(params).__name__}") from error
        names = None
        if params and all(isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str) for p in params):
            names = [p[0] for p in params]
            params = [p[1] for p in params]
        base = len(self._params)
        for i, p in enumerate(params):
            _check_array(p, f"parameter {base + i}")
            if not p.flags.writeable:
                raise InvalidArgumentError(f"parameter {base + i} is read-only; swiftopt updates parameters in place")
        self._check_overlap(params)
        options = self._group_options(param_group, self.defaults)
        if names is not None:
            options["param_names"] = names

        index = self._spare_group if self._spare_group is not None else native.add_group()
        self._spare_group = index
        self._configure(native, index, options)
        registered = 0
        try:
            for p in params:
                native.add_param(index, p)
                registered += 1
        except SwiftOptError as error:
            if registered:  # the handle now holds parameters Python does not know: unusable
                self.close()
                raise InternalError(f"registering parameters failed part way ({error}); the optimizer was closed") from error
            raise
        self._spare_group = None

        group_position = len(self.param_groups)
        for p in params:
            self._params.append(p)
            self._param_group.append(group_position)
            self._dtypes.append(_F32 if p.dtype == _F32 else _F64)
            self._shapes.append(p.shape)
            self._strides.append(np.empty(p.shape, p.dtype).strides)
            self._momentum_ready.append(False)
        self._n = len(self._params)
        self._ptrs = (c_void_p * self._n)()
        self._grad_cache = [_MISS] * self._n  # the new pointer array holds nothing yet
        items: Dict[str, Any] = {"params": list(params)}
        items.update(options)
        self.param_groups.append(ParamGroup(self, index, items))
        self._update_sgd_pending()

    def _check_overlap(self, new: Sequence[np.ndarray]) -> None:
        spans = [(_data_pointer(p), _data_pointer(p) + p.nbytes, i) for i, p in enumerate(self._params + list(new))]
        spans.sort()
        for (start_a, end_a, a), (start_b, _end_b, b) in zip(spans, spans[1:]):
            if start_b < end_a:
                raise InvalidArgumentError(
                    f"parameters {min(a, b)} and {max(a, b)} share memory; each parameter must be a separate buffer"
                )

    # -- step --

    def step(self, grads: Sequence[Optional[np.ndarray]]) -> None:
        """Performs one update of every parameter.

        ``grads[i]`` is the gradient of parameter ``i`` (parameters numbered
        across groups in order, as in ``state_dict``): a numpy array of the
        parameter's shape and dtype, C-contiguous; or ``None`` to skip that
        parameter (as torch skips a parameter whose ``.grad`` is None). One
        native call updates every tensor. On any error nothing is updated.
        The last gradients are kept referenced until the next step, so reused
        gradient buffers cost no re-validation.
        """
        native = self._native
        if native is None:
            raise ClosedError(f"{type(self).__name__} optimizer is closed")
        n = self._n
        try:
            count = len(grads)
        except TypeError:
            raise ArgumentTypeError(f"step() takes a list of gradients, got {type(grads).__name__}") from None
        if count != n:
            raise SizeMismatchError(f"step() got {count} gradients for {n} parameters")
        ptrs = self._ptrs
        cache = self._grad_cache
        dtypes = self._dtypes
        shapes = self._shapes
        strides = self._strides
        i = 0
        for g in grads:
            if g is not cache[i] or g.dtype is not dtypes[i]:
                # Fast check of a new array: exact ndarray, same dtype object,
                # shape and C strides; alignment from the pointer itself.
                if (
                    type(g) is _ndarray
                    and g.dtype is dtypes[i]
                    and g.shape == shapes[i]
                    and g.strides == strides[i]
                    and not (pointer := _data_pointer(g)) % g.itemsize
                ):
                    ptrs[i] = pointer
                    cache[i] = g
                else:
                    ptrs[i] = self._grad_pointer(i, g)
            i += 1
        self._step_native(native.handle, ptrs, n)
        if self._sgd_pending:
            self._note_sgd_step(grads)

    def grad_norm(self, group: int = 0) -> float:
        """The global L2 norm of group ``group``'s gradients before clipping,
        as measured by its last step with ``max_grad_norm > 0`` (what
        torch's ``clip_grad_norm_`` returns); NaN if no such step has run.
        A non-finite norm means a gradient held NaN or infinity (the step
        then scaled the gradients by NaN, as torch does by default).
        ``group`` indexes ``param_groups``."""
        native = self._live()
        if isinstance(group, bool) or not isinstance(group, numbers.Integral):
            raise ArgumentTypeError(f"group must be an int, got {type(group).__name__}")
        if not -len(self.param_groups) <= group < len(self.param_groups):
            raise IndexOutOfRangeError(f"group {group} out of range: the optimizer has {len(self.param_groups)} groups")
        out = c_double()
        _L.swiftopt_optimizer_grad_norm(native.handle, self.param_groups[group]._index, byref(out))
        return out.value

    def skipped_steps(self, group: int = 0) -> int:
        """The number of steps of group ``group`` skipped because a gradient
        held NaN or infinity (``skip_nonfinite=True``), since the group was
        added. ``group`` indexes ``param_groups``."""
        native, index = self._native_group(group)
        out = c_int64()
        _L.swiftopt_optimizer_skipped_steps(native.handle, index, byref(out))
        return out.value

    def last_step_skipped(self, group: int = 0) -> bool:
        """Whether group ``group``'s last step (the last ``step()`` with a
        gradient for one of its parameters) was skipped because a gradient
        held NaN or infinity (``skip_nonfinite=True``); False before any."""
        native, index = self._native_group(group)
        out = c_int32()
        _L.swiftopt_optimizer_last_step_skipped(native.handle, index, byref(out))
        return bool(out.value)

    def _native_group(self, group: Any) -> Tuple["_Native", int]:
        native = self._live()
        if isinstance(group, bool) or not isinstance(group, numbers.Integral):
            raise ArgumentTypeError(f"group must be an int, got {type(group).__name__}")
        if not -len(self.param_groups) <= group < len(self.param_groups):
            raise IndexOutOfRangeError(f"group {group} out of range: the optimizer has {len(self.param_groups)} groups")
        return native, self.param_groups[group]._index

    def _grad_pointer(self, i: int, g: Any) -> Optional[int]:
        cache = self._grad_cache
        if g is None:
            cache[i] = _MISS
            return None
        cache[i] = _MISS
        if not isinstance(g, np.ndarray):
            raise ArgumentTypeError(f"gradient {i} must be a numpy.ndarray or None, got {type(g).__name__}")
        if g.dtype != self._dtypes[i]:
            raise DTypeMismatchError(f"gradient {i} has dtype {g.dtype} but its parameter has dtype {self._dtypes[i]}")
        if g.shape != self._shapes[i]:
            raise SizeMismatchError(f"gradient {i} has shape {g.shape} but its parameter has shape {self._shapes[i]}")
        if not g.flags.c_contiguous:
            raise InvalidArgumentError(f"gradient {i} is not C-contiguous (strides {g.strides})")
        if not g.flags.aligned:
            raise InvalidArgumentError(f"gradient {i} is not aligned to its element size")
        pointer = _data_pointer(g)
        if g.dtype is self._dtypes[i]:
            cache[i] = g
        return pointer

    # -- SGD momentum bookkeeping (torch: momentum_buffer is None until used) --

    def _update_sgd_pending(self) -> None:
        if self._algorithm != _lib.ALGORITHM_SGD:
            return
        self._sgd_pending = any(
            not ready and self.param_groups[self._param_group[i]]["momentum"] != 0
            for i, ready in enumerate(self._momentum_ready)
        )

    def _note_sgd_step(self, grads: Sequence[Optional[np.ndarray]]) -> None:
        skipped: Dict[int, bool] = {}  # group -> its step was skipped (skip_nonfinite)
        for i, g in enumerate(grads):
            k = self._param_group[i]
            group = self.param_groups[k]
            if g is None or group["momentum"] == 0:
                continue
            if group["skip_nonfinite"]:
                if k not in skipped:
                    skipped[k] = self.last_step_skipped(k)
                if skipped[k]:
                    continue
            self._momentum_ready[i] = True
        self._update_sgd_pending()

    # -- state --

    def _read_state(self, native: _Native, i: int) -> Optional[Dict[str, Any]]:
        p = self._params[i]
        group_index = self.param_groups[self._param_group[i]]._index
        step = c_int64()
        _L.swiftopt_optimizer_get_step(native.handle, i, byref(step))
        if self._algorithm == _lib.ALGORITHM_SGD:
            if not self._momentum_ready[i] or self.param_groups[self._param_group[i]]["momentum"] == 0:
                return None
        elif step.value == 0 and self._algorithm != _lib.ALGORITHM_ADAGRAD:
            return None
        entry: Dict[str, Any] = {}
        if self._algorithm != _lib.ALGORITHM_SGD:
            entry["step"] = np.array(float(step.value))
        for kind in native.state_kinds(group_index):
            out = np.empty(p.shape, p.dtype)
            _L.swiftopt_optimizer_get_state(native.handle, i, kind, _data_pointer(out), out.size)
            entry[_STATE_NAMES[kind]] = out
        return entry

    def state_dict(self) -> Dict[str, Any]:
        """The optimizer's state in torch's structure::

            {"state": {param_index: {"step": array(3.), "exp_avg": ndarray, ...}},
             "param_groups": [{"lr": ..., ..., "params": [0, 1]}, ...]}

        State names are torch's (``momentum_buffer``, ``sum``, ``square_avg``,
        ``grad_avg``, ``exp_avg``, ``exp_avg_sq``, ``max_exp_avg_sq``); each is
        a new array with the parameter's shape and dtype; ``step`` is a 0-d
        float64 array (torch: a 0-d float tensor; SGD has none). A parameter
        has an entry once it has been stepped (Adagrad: always), as in torch.
        """
        native = self._live()
        state: Dict[int, Dict[str, Any]] = {}
        for i in range(self._n):
            entry = self._read_state(native, i)
            if entry is not None:
                state[i] = entry
        groups = []
        start = 0
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            count = len(group["params"])
            packed["params"] = list(range(start, start + count))
            start += count
            groups.append(packed)
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Loads a state from :meth:`state_dict`, or from a torch optimizer's
        ``state_dict()`` of the same class (torch tensors are read with
        ``numpy.asarray``; state is cast to each parameter's dtype).

        Groups and their parameter counts must match. Hyperparameters are
        taken from the saved groups. Everything is validated into a new native
        optimizer first; on any error the optimizer is unchanged.
        """
        native = self._live()
        if not isinstance(state_dict, Mapping) or "state" not in state_dict or "param_groups" not in state_dict:
            raise ArgumentTypeError("state_dict must be a mapping with 'state' and 'param_groups'")
        saved_groups = list(state_dict["param_groups"])
        if len(saved_groups) != len(self.param_groups):
            raise SizeMismatchError(
                f"loaded state dict has {len(saved_groups)} parameter groups, the optimizer has {len(self.param_groups)}"
            )
        index_of: Dict[Any, int] = {}
        new_options: List[Dict[str, Any]] = []
        position = 0
        for g, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise SizeMismatchError(
                    f"loaded parameter group {g} has {len(saved['params'])} parameters, the optimizer's has "
                    f"{len(group['params'])}"
                )
            for key in saved["params"]:
                index_of[key] = position
                position += 1
            merged = {k: v for k, v in group.items() if k != "params"}
            merged.update({k: v for k, v in saved.items() if k != "params"})
            new_options.append(self._group_options(merged, merged))

        fresh = _Native(self._native_algorithm(new_options[0]))
        try:
            indices = []
            for g, options in enumerate(new_options):
                index = 0 if g == 0 else fresh.add_group()
                self._configure(fresh, index, options)
                indices.append(index)
            for i, p in enumerate(self._params):
                fresh.add_param(indices[self._param_group[i]], p)
            ready = [False] * self._n
            for key, entry in dict(state_dict["state"]).items():
                if key not in index_of:
                    raise SwiftOptError(f"state for parameter {key!r}, which no saved group lists")
                i = index_of[key]
                p = self._params[i]
                kinds = fresh.state_kinds(indices[self._param_group[i]])
                for name, value in dict(entry).items():
                    if value is None:
                        continue
                    if name == "step":
                        step = float(np.asarray(value))
                        if not (step >= 0 and step == math.floor(step)):
                            raise InvalidArgumentError(f"state[{key!r}]['step'] must be a whole number >= 0, got {step}")
                        _L.swiftopt_optimizer_set_step(fresh.handle, i, int(step))
                        continue
                    code = _STATE_CODES.get(name)
                    if code is None or code not in kinds:
                        raise UnknownStateError(
                            f"state[{key!r}] has {name!r}, which parameter {i}'s group does not use (it uses: "
                            f"{', '.join(_STATE_NAMES[k] for k in kinds) or 'none'})"
                        )
                    array = np.ascontiguousarray(np.asarray(value), dtype=p.dtype)
                    if array.size != p.size:
                        raise SizeMismatchError(
                            f"state[{key!r}][{name!r}] has {array.size} elements, parameter {i} has {p.size}"
                        )
                    _L.swiftopt_optimizer_set_state(fresh.handle, i, code, _data_pointer(array), array.size)
                    if code == _lib.STATE_MOMENTUM_BUFFER:
                        ready[i] = True
        except BaseException:
            fresh.free()
            raise
        # Commit: swap the handles, then update the Python view.
        old_finalizer = self._finalizer
        self._native = fresh
        self._finalizer = weakref.finalize(self, _free_handle, fresh.handle.value)
        if old_finalizer is not None:
            old_finalizer()
        for group, options, index in zip(self.param_groups, new_options, indices):
            group._index = index
            for key, value in options.items():
                dict.__setitem__(group, key, value)
        self._momentum_ready = ready
        self._update_sgd_pending()

    # -- checkpoints --

    def save_checkpoint(self) -> bytes:
        """The optimizer's whole state as one self-describing byte string
        (libswiftopt's checkpoint format, see "Checkpoints" in swiftopt.h):
        every group's hyperparameters, every parameter's step count and state
        tensors, with a CRC-32. The parameter arrays themselves are not
        included (save them yourself, as with torch's ``state_dict``), nor
        Python-only group keys (``param_names``, a scheduler's
        ``initial_lr``: save the scheduler's ``state_dict()``).

        >>> import numpy as np, swiftopt
        >>> w = np.ones(3)
        >>> opt = swiftopt.Adam([w], lr=0.1)
        >>> opt.step([np.ones(3)])
        >>> data = opt.save_checkpoint()
        >>> data[:8]
        b'SWOPTCK\\x00'
        >>> twin = swiftopt.Adam([w.copy()])
        >>> twin.load_checkpoint(data)
        >>> twin.param_groups[0]["lr"]
        0.1
        """
        native = self._live()
        size = c_int64()
        _L.swiftopt_optimizer_checkpoint_size(native.handle, byref(size))
        buffer = ctypes.create_string_buffer(size.value)
        written = c_int64()
        _L.swiftopt_optimizer_save(native.handle, buffer, size.value, byref(written))
        return buffer.raw[: written.value]

    def load_checkpoint(self, data: bytes) -> None:
        """Restores a :meth:`save_checkpoint` of an optimizer built the same
        way: same class, same number of groups, same parameter shapes and
        dtypes in the same order. Hyperparameters (``param_groups``), step
        counts and state tensors are replaced; the parameter arrays are not
        touched. Everything is checked first: on error nothing changes.

        Raises :class:`CorruptDataError` (not a readable checkpoint),
        :class:`InvalidArgumentError` (another algorithm, a parameter in
        another group), :class:`SizeMismatchError` (another number of groups
        or parameters, another size), :class:`DTypeMismatchError`.
        """
        native = self._live()
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise ArgumentTypeError(f"load_checkpoint() takes bytes, got {type(data).__name__}")
        raw = bytes(data)
        _L.swiftopt_optimizer_load(native.handle, raw, len(raw))
        # The native optimizer now holds the saved state: refresh the Python view.
        for group in self.param_groups:
            for key in self._keys:
                codes = _HYPERPARAMETER_CODES.get(key)
                if codes is None or (key == "decoupled_weight_decay" and self._algorithm == _lib.ALGORITHM_ADAMW):
                    continue
                values = [native.get(group._index, code) for code in codes]
                old = group.get(key)
                if key == "betas":
                    value: Any = (values[0], values[1])
                elif isinstance(old, bool):
                    value = values[0] != 0
                else:
                    value = values[0]
                dict.__setitem__(group, key, value)
        if self._algorithm == _lib.ALGORITHM_SGD:  # the only user of _momentum_ready
            self._momentum_ready = _checkpoint_momentum_flags(raw, self._n)
        self._update_sgd_pending()

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(k for k in group if k != "params"):
                lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)


# ---- the algorithms ----------------------------------------------------------


class SGD(Optimizer):
    r"""Stochastic gradient descent, optionally with momentum (torch.optim.SGD).

    With gradient :math:`g_t` of parameter :math:`\theta`, for each step:

    .. code-block:: text

        g = -g if maximize
        g = g + weight_decay * theta                    (if weight_decay != 0)
        if momentum != 0:
            b = g                                        (first step)
            b = momentum * b + (1 - dampening) * g       (later steps)
            g = g + momentum * b if nesterov else b
        theta = theta - lr * g

    Plain, full-batch, mini-batch or stochastic gradient descent differ only
    in the gradient you pass.

    Example:
        >>> import numpy as np, swiftopt
        >>> w = np.array([1.0, -2.0])
        >>> with swiftopt.SGD([w], lr=0.1, momentum=0.9) as opt:
        ...     for _ in range(3):
        ...         opt.step([2 * w])                   # gradient of sum(w**2)
        >>> w.round(4)
        array([ 0.062, -0.124])
    """

    _algorithm = _lib.ALGORITHM_SGD
    _keys = ("lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize", "foreach", "differentiable", "fused",
             "decoupled_weight_decay") + _EXTRA_KEYS

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        foreach: Optional[bool] = None,
        differentiable: bool = False,
        fused: Optional[bool] = None,
        decoupled_weight_decay: bool = False,
        l1: float = 0.0,
        max_grad_norm: float = 0.0,
        clip_value: float = 0.0,
        skip_nonfinite: bool = False,
    ) -> None:
        super().__init__(
            params,
            dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov,
                 maximize=maximize, foreach=foreach, differentiable=differentiable, fused=fused,
                 decoupled_weight_decay=decoupled_weight_decay, l1=l1, max_grad_norm=max_grad_norm,
                 clip_value=clip_value, skip_nonfinite=skip_nonfinite),
        )


class Adagrad(Optimizer):
    r"""Adagrad (torch.optim.Adagrad).

    .. code-block:: text

        sum starts at initial_accumulator_value
        clr = lr / (1 + (t - 1) * lr_decay)             (t = step count, from 1)
        g = -g if maximize
        g = g + weight_decay * theta                    (if weight_decay != 0)
        sum = sum + g * g
        theta = theta - clr * g / (sqrt(sum) + eps)

    Example:
        >>> import numpy as np, swiftopt
        >>> w = np.array([1.0, -2.0])
        >>> opt = swiftopt.Adagrad([w], lr=0.5)
        >>> for _ in range(3):
        ...     opt.step([2 * w])
        >>> w.round(4)
        array([ 0.1564, -0.9836])
        >>> opt.close()
    """

    _algorithm = _lib.ALGORITHM_ADAGRAD
    _keys = ("lr", "lr_decay", "eps", "weight_decay", "initial_accumulator_value", "foreach", "maximize",
             "differentiable", "fused", "decoupled_weight_decay") + _EXTRA_KEYS

    def __init__(
        self,
        params: Params,
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        foreach: Optional[bool] = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        fused: Optional[bool] = None,
        decoupled_weight_decay: bool = False,
        l1: float = 0.0,
        max_grad_norm: float = 0.0,
        clip_value: float = 0.0,
        skip_nonfinite: bool = False,
    ) -> None:
        super().__init__(
            params,
            dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                 initial_accumulator_value=initial_accumulator_value, foreach=foreach, maximize=maximize,
                 differentiable=differentiable, fused=fused, decoupled_weight_decay=decoupled_weight_decay, l1=l1,
                 max_grad_norm=max_grad_norm, clip_value=clip_value, skip_nonfinite=skip_nonfinite),
        )


class RMSprop(Optimizer):
    r"""RMSprop (torch.optim.RMSprop).

    .. code-block:: text

        g = -g if maximize
        g = g + weight_decay * theta                    (if weight_decay != 0)
        v = alpha * v + (1 - alpha) * g * g             (square_avg)
        if centered:
            m = lerp(m, g, 1 - alpha)                    (grad_avg)
            avg = sqrt(v - m * m) + eps
        else:
            avg = sqrt(v) + eps
        if momentum > 0:
            b = momentum * b + g / avg                   (momentum_buffer)
            theta = theta - lr * b
        else:
            theta = theta - lr * g / avg

    Example:
        >>> import numpy as np, swiftopt
        >>> w = np.array([1.0, -2.0], dtype=np.float32)
        >>> with swiftopt.RMSprop([w], lr=0.01) as opt:
        ...     opt.step([2 * w])
        >>> w.round(4)
        array([ 0.9, -1.9], dtype=float32)
    """

    _algorithm = _lib.ALGORITHM_RMSPROP
    _keys = ("lr", "momentum", "alpha", "eps", "centered", "weight_decay", "capturable", "foreach", "maximize",
             "differentiable", "decoupled_weight_decay") + _EXTRA_KEYS

    def __init__(
        self,
        params: Params,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        capturable: bool = False,
        foreach: Optional[bool] = None,
        maximize: bool = False,
        differentiable: bool = False,
        *,
        decoupled_weight_decay: bool = False,
        l1: float = 0.0,
        max_grad_norm: float = 0.0,
        clip_value: float = 0.0,
        skip_nonfinite: bool = False,
    ) -> None:
        super().__init__(
            params,
            dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered, weight_decay=weight_decay,
                 capturable=capturable, foreach=foreach, maximize=maximize, differentiable=differentiable,
                 decoupled_weight_decay=decoupled_weight_decay, l1=l1, max_grad_norm=max_grad_norm,
                 clip_value=clip_value, skip_nonfinite=skip_nonfinite),
        )


_ADAM_KEYS = ("lr", "betas", "eps", "weight_decay", "amsgrad", "maximize", "foreach", "capturable", "differentiable",
              "fused", "decoupled_weight_decay") + _EXTRA_KEYS


class Adam(Optimizer):
    r"""Adam (torch.optim.Adam), with coupled (L2) weight decay.

    With step count t (from 1), beta1, beta2 = betas:

    .. code-block:: text

        g = -g if maximize
        g = g + weight_decay * theta                    (if weight_decay != 0)
        m = lerp(m, g, 1 - beta1)                       (exp_avg)
        v = beta2 * v + (1 - beta2) * g * g             (exp_avg_sq)
        v_max = max(v_max, v); use v_max for v          (amsgrad; max_exp_avg_sq)
        theta = theta - lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)

    ``decoupled_weight_decay=True`` makes it :class:`AdamW` (per group: it
    is a hyperparameter like the others, as in torch).

    Example:
        >>> import numpy as np, swiftopt
        >>> w = np.array([1.0, -2.0])
        >>> with swiftopt.Adam([w], lr=0.1) as opt:
        ...     for _ in range(3):
        ...         opt.step([2 * w])
        >>> w.round(4)
        array([ 0.7016, -1.7006])
    """

    _algorithm = _lib.ALGORITHM_ADAM
    _keys = _ADAM_KEYS

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: Tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        foreach: Optional[bool] = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
        fused: Optional[bool] = None,
        decoupled_weight_decay: bool = False,
        l1: float = 0.0,
        max_grad_norm: float = 0.0,
        clip_value: float = 0.0,
        skip_nonfinite: bool = False,
    ) -> None:
        super().__init__(
            params,
            dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize,
                 foreach=foreach, capturable=capturable, differentiable=differentiable, fused=fused,
                 decoupled_weight_decay=decoupled_weight_decay, l1=l1, max_grad_norm=max_grad_norm,
                 clip_value=clip_value, skip_nonfinite=skip_nonfinite),
        )


class AdamW(Adam):
    r"""AdamW (torch.optim.AdamW): Adam with decoupled weight decay.

    As :class:`Adam`, except that the decay shrinks the parameter instead of
    being added to the gradient, before the moments are updated:

    .. code-block:: text

        theta = theta * (1 - lr * weight_decay)
        (then Adam's update with weight_decay = 0)

    Example:
        >>> import numpy as np, swiftopt
        >>> w = np.array([1.0, -2.0])
        >>> with swiftopt.AdamW([w], lr=0.1, weight_decay=0.1) as opt:
        ...     for _ in range(3):
        ...         opt.step([2 * w])
        >>> w.round(4)
        array([ 0.6751, -1.6444])
    """

    _algorithm = _lib.ALGORITHM_ADAMW

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: Tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        foreach: Optional[bool] = None,
        capturable: bool = False,
        differentiable: bool = False,
        fused: Optional[bool] = None,
        l1: float = 0.0,
        max_grad_norm: float = 0.0,
        clip_value: float = 0.0,
        skip_nonfinite: bool = False,
    ) -> None:
        Optimizer.__init__(
            self,
            params,
            dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize,
                 foreach=foreach, capturable=capturable, differentiable=differentiable, fused=fused,
                 decoupled_weight_decay=True, l1=l1, max_grad_norm=max_grad_norm, clip_value=clip_value, skip_nonfinite=skip_nonfinite),
        )
