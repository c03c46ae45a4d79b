"""swiftopt for PyTorch: drop-in ``torch.optim`` optimizers stepped by libswiftopt.

::

    import swiftopt.torch

    opt = swiftopt.torch.AdamW(model.parameters(), lr=1e-3)   # was: torch.optim.AdamW(...)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=1e-2, total_steps=1000)
    for x, y in data:
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()
        sched.step()
    torch.save(opt.state_dict(), "opt.pt")   # loads into torch.optim.AdamW, and back

:class:`SGD`, :class:`Adagrad`, :class:`RMSprop`, :class:`Adam` and
:class:`AdamW` subclass :class:`torch.optim.Optimizer` with torch's
constructor signatures and defaults, so ``param_groups``, ``state``,
``state_dict()``, ``load_state_dict()``, ``add_param_group``, ``zero_grad``,
the step/state-dict hooks and ``torch.optim.lr_scheduler`` all run through
torch's own base class. Per-parameter state is kept in ``self.state`` as torch
keeps it (same names, dtypes and shapes: ``step`` is a 0-d float tensor), and
is updated in place by the native kernels.

``step()`` pushes each group's current hyperparameters into one native
optimizer (only the values that changed, e.g. the ``lr`` a scheduler wrote),
gathers the data pointers of parameters, gradients and state tensors, and
makes one ``swiftopt_optimizer_step_tensors`` call per (group, dtype).

Keyword-only extras, as in the numpy classes (see :class:`swiftopt.Optimizer`):
``l1``, ``max_grad_norm``, ``clip_value``, ``skip_nonfinite`` on every optimizer, and
``decoupled_weight_decay`` on SGD, Adagrad and RMSprop (torch's Adam has it;
AdamW always decouples). They are ``param_groups`` keys; torch.optim ignores
them when it loads a swiftopt state dict.

Supported tensors: CPU, strided, contiguous, float32 or float64, gradient of
the parameter's dtype and size. Anything else (CUDA, sparse gradients,
non-contiguous tensors, float16/bfloat16, ...) raises a typed error
(:class:`swiftopt.InvalidArgumentError`, :class:`swiftopt.DTypeMismatchError`)
before anything is updated: there is no silent fallback. Parameters whose
``.grad`` is None are skipped, as torch skips them. ``foreach`` and ``fused``
are accepted and ignored (swiftopt always runs its own fused kernel);
``differentiable=True`` and ``capturable=True`` are refused.

Differences from torch.optim, all documented: ``max_grad_norm`` needs one
dtype per group (the norm is taken over one native call); Adagrad's ``sum``
starts at the group's ``initial_accumulator_value`` (torch uses the
constructor's for every group); state that a changed option needs (e.g.
``amsgrad`` switched on after some steps, where torch raises KeyError) is
created with its initial value.
"""

from __future__ import annotations

try:
    import torch
    from torch.optim import Optimizer as _TorchOptimizer
except ImportError as _error:  # pragma: no cover - exercised without torch
    raise ImportError(
        "swiftopt.torch needs PyTorch, which cannot be imported "
        f"({_error}). Install torch (https://pytorch.org) or use swiftopt's numpy optimizers "
        "(swiftopt.Adam, ...), which do not need it."
    ) from _error

import ctypes
import operator
import weakref
from ctypes import POINTER, byref, c_double, c_float, c_int32, c_int64, c_void_p
from typing import Any, Callable, Dict, List, Optional, Tuple

from . import _lib
from ._optim import _HYPERPARAMETER_CODES
from ._errors import (
    ArgumentTypeError,
    DTypeMismatchError,
    IncompatibleOptionsError,
    IndexOutOfRangeError,
    InvalidArgumentError,
    SwiftOptError,
)

__all__ = ["SGD", "Adagrad", "RMSprop", "Adam", "AdamW"]

_L = _lib.lib
_set_hp = _L.swiftopt_optimizer_set_hyperparameter
_step_tensors = _L.swiftopt_optimizer_step_tensors
_increment_version = torch._C._increment_version
_version = operator.attrgetter("_version")
_data_ptr = torch.Tensor.data_ptr
_F32 = torch.float32
_F64 = torch.float64
_STRIDED = torch.strided
_DTYPE_CODES = {_F32: _lib.DTYPE_FLOAT32, _F64: _lib.DTYPE_FLOAT64}

_STATE_NAMES = {
    _lib.STATE_MOMENTUM_BUFFER: "momentum_buffer",
    _lib.STATE_SUM: "sum",
    _lib.STATE_SQUARE_AVG: "square_avg",
    _lib.STATE_GRAD_AVG: "grad_avg",
    _lib.STATE_EXP_AVG: "exp_avg",
    _lib.STATE_EXP_AVG_SQ: "exp_avg_sq",
    _lib.STATE_MAX_EXP_AVG_SQ: "max_exp_avg_sq",
}

#: group key -> native codes (betas is two): the numpy optimizers' table.
_HP_CODES = _HYPERPARAMETER_CODES
_EXTRAS = {"l1": 0.0, "max_grad_norm": 0.0, "clip_value": 0.0, "skip_nonfinite": False}
_SGD_LINKED = frozenset({_lib.HP_MOMENTUM, _lib.HP_DAMPENING, _lib.HP_NESTEROV})


def _scalar_dtype() -> torch.dtype:
    # torch.optim.optimizer._get_scalar_dtype(): the dtype of state["step"].
    return torch.float64 if torch.get_default_dtype() == torch.float64 else torch.float32


def _free_handle(value: Optional[int]) -> None:
    if value:
        try:
            _L.swiftopt_optimizer_free(value)
        except SwiftOptError:  # pragma: no cover
            pass


def _describe(t: torch.Tensor) -> str:
    return f"dtype {t.dtype}, device {t.device}, layout {t.layout}, shape {tuple(t.shape)}"


_HIT_FUNCTIONS: Dict[Tuple[Tuple[str, ...], bool], Callable[[Dict[str, Any], list], bool]] = {}


def _hit_function(keys: Tuple[str, ...], has_step: bool) -> Callable[[Dict[str, Any], list], bool]:
    """``hit(entry, record)``: whether a parameter's state entry still holds the
    tensors its record validated, at the same addresses (and, for ``step``,
    unmodified since: its version counter, as our own writes are raw).
    Generated per state layout, unrolled: this runs once per parameter per step."""
    function = _HIT_FUNCTIONS.get((keys, has_step))
    if function is None:
        lines = ["def hit(e, r):"]
        for i, name in enumerate(keys):
            base = 3 + 3 * i
            lines.append(f"    t = e.get({name!r})")
            version = f" or t._version != r[{base + 1}]" if name == "step" else ""
            lines.append(f"    if t is not r[{base}]{version} or t.data_ptr() != r[{base + 2}]: return False")
        lines.append("    return True")
        namespace: Dict[str, Any] = {}
        exec("\n".join(lines), namespace)  # noqa: S102 - generated from the fixed state names only
        function = _HIT_FUNCTIONS[(keys, has_step)] = namespace["hit"]
    return function


class _Bucket:
    """Reusable ctypes arrays of one (group, dtype) native call."""

    __slots__ = ("cap", "k", "params", "grads", "counts", "steps", "states")

    def __init__(self, cap: int, k: int) -> None:
        self.cap = cap
        self.k = k
        self.params = (c_void_p * cap)()
        self.grads = (c_void_p * cap)()
        self.counts = (c_int64 * cap)()
        self.steps = (c_int64 * cap)()
        self.states = (c_void_p * max(1, cap * k))()


class _Optimizer(_TorchOptimizer):
    """Shared machinery; use the algorithm classes."""

    _algorithm: int
    #: Group keys pushed to the native optimizer, in push order.
    _hp_keys: Tuple[str, ...]
    #: torch's state names in torch's insertion order ("step" first where torch has it).
    _state_order: Tuple[str, ...]
    _has_step = True

    def __init__(self, params: Any, defaults: Dict[str, Any]) -> None:
        for key in ("differentiable", "capturable"):
            if defaults.get(key):
                raise InvalidArgumentError(
                    f"{key}=True is a torch implementation mode that swiftopt.torch does not support"
                )
        self._init_native()
        super().__init__(params, defaults)

    # -- native handle ------------------------------------------------------

    def _init_native(self) -> None:
        handle = c_void_p()
        _L.swiftopt_optimizer_create(self._algorithm, byref(handle))
        self._handle = handle
        self._handle_finalizer = weakref.finalize(self, _free_handle, handle.value)
        self._native_groups = 1
        self._synced: List[Optional[Tuple[float, ...]]] = []  # per group: the floats last pushed
        self._kinds: List[Tuple[int, ...]] = []  # per group: state kinds, in the C API's order
        self._buckets: Dict[Tuple[int, torch.dtype], _Bucket] = {}
        self._records: Dict[int, list] = {}  # id(param) -> its validated state (see _record)
        self._spec = [(key, j, code) for key in self._hp_keys for j, code in enumerate(_HP_CODES[key])]

    def __setstate__(self, state: Dict[str, Any]) -> None:
        # Called by torch's load_state_dict() with the new state and groups, and
        # when an optimizer is unpickled or deep-copied (torch's __getstate__
        # keeps only defaults, state and param_groups: a new native handle).
        super().__setstate__(state)
        if "_handle" not in self.__dict__:
            self._init_native()
        defaults = self.defaults
        for group in self.param_groups:
            for key, value in self._group_defaults().items():
                group.setdefault(key, defaults.get(key, value))
            self._fix_group(group)
            for p in group["params"]:
                entry = self.state.get(p)
                if entry and "step" in entry and not torch.is_tensor(entry["step"]):
                    entry["step"] = torch.tensor(float(entry["step"]), dtype=_scalar_dtype())
        self._synced = [None] * len(self._synced)
        self._records.clear()

    def _group_defaults(self) -> Dict[str, Any]:
        """Keys torch's own __setstate__ fills in, plus swiftopt's extras."""
        return dict(_EXTRAS)

    def _fix_group(self, group: Dict[str, Any]) -> None:
        pass

    def add_param_group(self, param_group: Dict[str, Any]) -> None:
        """torch's ``add_param_group``; the new group's hyperparameters are
        validated by the library at once (a bad value raises and the group is
        not added)."""
        super().add_param_group(param_group)
        index = len(self.param_groups) - 1
        try:
            self._sync(index, self.param_groups[index])
        except BaseException:
            self.param_groups.pop()
            del self._synced[index:]
            del self._kinds[index:]
            raise

    # -- hyperparameters ----------------------------------------------------

    def _values(self, group: Dict[str, Any]) -> Tuple[float, ...]:
        try:
            return tuple(float(group[key][j]) if key == "betas" else float(group[key]) for key, j, _ in self._spec)
        except (TypeError, ValueError, IndexError, RuntimeError) as error:
            raise ArgumentTypeError(f"{type(self).__name__}: a hyperparameter is not a number: {error}") from error

    def _sync(self, index: int, group: Dict[str, Any]) -> Tuple[int, ...]:
        """Pushes group ``index``'s hyperparameters that changed since the last
        push into native group ``index``; returns its state kinds."""
        synced = self._synced
        while len(synced) <= index:
            synced.append(None)
            self._kinds.append(())
        if group.get("differentiable") or group.get("capturable"):
            raise InvalidArgumentError("differentiable=True and capturable=True are not supported by swiftopt.torch")
        self._check_group(group)
        values = self._values(group)
        last = synced[index]
        if values == last:
            return self._kinds[index]
        handle = self._handle
        while self._native_groups <= index:
            _L.swiftopt_optimizer_add_group(handle, None)
            self._native_groups += 1
        synced[index] = None  # unknown until every push succeeded
        changed = [(code, v) for (_, _, code), v, old in zip(self._spec, values, last or (None,) * len(values))
                   if v != old]
        if self._algorithm == _lib.ALGORITHM_SGD and any(code in _SGD_LINKED for code, _ in changed):
            # nesterov is checked against momentum and dampening: clear it, set
            # those, then set it back.
            _set_hp(handle, index, _lib.HP_NESTEROV, 0.0)
            nesterov = values[[c for _, _, c in self._spec].index(_lib.HP_NESTEROV)]
            changed = [(c, v) for c, v in changed if c != _lib.HP_NESTEROV] + [(_lib.HP_NESTEROV, nesterov)]
        for code, value in changed:
            _set_hp(handle, index, code, value)
        kinds = (c_int32 * 8)()
        count = c_int64()
        _L.swiftopt_optimizer_state_kinds(handle, index, kinds, 8, byref(count))
        self._kinds[index] = tuple(kinds[: count.value])
        synced[index] = values
        return self._kinds[index]

    def _check_group(self, group: Dict[str, Any]) -> None:
        pass

    def grad_norm(self, group: int = 0) -> float:
        """The global L2 norm of group ``group``'s gradients before clipping,
        measured by its last step with ``max_grad_norm > 0`` (what torch's
        ``clip_grad_norm_`` returns); NaN if no such step has run."""
        group = self._group_index(group)
        if group >= self._native_groups:
            return float("nan")
        out = c_double()
        _L.swiftopt_optimizer_grad_norm(self._handle, group, byref(out))
        return out.value

    def skipped_steps(self, group: int = 0) -> int:
        """The number of steps of group ``group`` skipped because a gradient
        held NaN or infinity (``skip_nonfinite=True``)."""
        group = self._group_index(group)
        if group >= self._native_groups:
            return 0
        out = c_int64()
        _L.swiftopt_optimizer_skipped_steps(self._handle, group, byref(out))
        return out.value

    def _group_index(self, group: int) -> int:
        """``group`` checked against ``param_groups`` (negative counts from the end)."""
        if isinstance(group, bool) or not isinstance(group, int):
            raise ArgumentTypeError(f"group must be an int, got {type(group).__name__}")
        if not -len(self.param_groups) <= group < len(self.param_groups):
            raise IndexOutOfRangeError(f"group {group} out of range: the optimizer has {len(self.param_groups)} groups")
        return group % len(self.param_groups)

    # -- state --------------------------------------------------------------

    def _new_state(self, name: str, p: torch.Tensor, group: Dict[str, Any]) -> torch.Tensor:
        if name == "sum":
            return torch.full_like(p, float(group["initial_accumulator_value"]), memory_format=torch.contiguous_format)
        if name == "momentum_buffer" and self._algorithm == _lib.ALGORITHM_SGD:
            # Filled from the gradient by the library (step count 0), as torch clones it.
            return torch.empty_like(p, memory_format=torch.contiguous_format)
        return torch.zeros_like(p, memory_format=torch.contiguous_format)

    def _create_state(self, entry: Dict[str, Any], p: torch.Tensor, group: Dict[str, Any], names: List[str],
                      created: list) -> None:
        """Creates the missing state of ``p`` that the group's options use, in
        torch's order and with torch's initial values."""
        for name in self._state_order:
            if entry.get(name) is not None:
                continue
            if name == "step":
                if not self._has_step:
                    continue
                value = torch.tensor(0.0, dtype=_scalar_dtype())
            elif name in names:
                value = self._new_state(name, p, group)
            else:
                continue
            entry[name] = value
            created.append((entry, name))

    # -- step ---------------------------------------------------------------

    @torch.no_grad()
    def step(self, closure: Optional[Callable[[], Any]] = None) -> Any:  # type: ignore[override]
        """Performs one optimization step (torch's ``step``): one native call
        per (group, dtype) for every parameter whose ``.grad`` is not None.

        Everything is checked, and missing state created, before anything is
        updated: on an error (a CUDA, sparse, non-contiguous or float16 tensor,
        a state tensor that does not match its parameter, a bad
        hyperparameter, ...) no parameter, state tensor or step count changes."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        calls: list = []
        empties: List[Dict[str, Any]] = []  # states of empty parameters: only their step count moves
        created: List[Tuple[Dict[str, Any], str]] = []  # rolled back on error
        new_entries: List[torch.Tensor] = []
        misses: list = []  # (id(p), record) validated this step, cached once it succeeded
        try:
            for index, group in enumerate(self.param_groups):
                kinds = self._sync(index, group)
                self._gather(index, group, kinds, calls, empties, created, new_entries, misses)
        except BaseException:
            for entry, name in reversed(created):
                entry.pop(name, None)
            for p in new_entries:
                if not self.state.get(p, True):
                    del self.state[p]
            raise
        for entry in empties:
            entry["step"] = entry["step"] + 1
        handle = self._handle
        for index, dtype, n, bucket, k, stepped, records in calls:
            _step_tensors(handle, index, _DTYPE_CODES[dtype], n, bucket.params, bucket.grads, bucket.counts,
                          bucket.states, k, bucket.steps)
            _increment_version(stepped)  # like torch's in-place updates: stale autograd graphs are detected
            # The new step counts, written into the `step` tensors (raw writes:
            # their version counters stay as recorded).
            if self._has_step:
                for record, value in zip(records, bucket.steps[:n]):
                    record[0] = value
                    record[1].value = value
            else:
                for record, value in zip(records, bucket.steps[:n]):
                    record[0] = value
        cache = self._records
        for key, record in misses:
            cache[key] = record
        return loss

    def _gather(self, index: int, group: Dict[str, Any], kinds: Tuple[int, ...], calls: list, empties: list,
                created: list, new_entries: list, misses: list) -> None:
        names = tuple(_STATE_NAMES[k] for k in kinds)
        keys = ("step",) + names if self._has_step else names
        k = len(names)
        state_get = self.state.get
        cache_get = self._records.get
        hit = _hit_function(keys, self._has_step)
        per_dtype: Dict[torch.dtype, list] = {}
        for p in group["params"]:
            g = p.grad
            if g is None:
                continue
            dtype = p.dtype
            lists = per_dtype.get(dtype)
            if lists is None:
                if dtype not in _DTYPE_CODES:
                    self._reject(p, g)
                lists = per_dtype[dtype] = [[], [], [], [], [], []]
            # The gradient: CPU, strided, contiguous, the parameter's dtype and
            # size. (torch's .grad and .data setters already keep the
            # parameter's device and layout equal to its gradient's.)
            if not (g.dtype is dtype and g.layout is _STRIDED and g.is_cpu and p.is_contiguous()
                    and g.is_contiguous()):
                self._reject(p, g)
            n = p.numel()
            if g.numel() != n:
                raise InvalidArgumentError(f"a gradient has {g.numel()} elements but its parameter has {n}")
            # The state: a record validated at an earlier step is reused while
            # the state tensors are the same objects, unmodified in place
            # (version counter) and at the same address.
            entry = state_get(p)
            record = cache_get(id(p))
            if record is None or (keys and (entry is None or not hit(entry, record))):
                if n == 0:  # nothing to update; torch still counts the step
                    if self._has_step:
                        if entry is None:
                            entry = self.state[p]
                            new_entries.append(p)
                        if "step" not in entry:
                            self._create_state(entry, p, group, names, created)
                        self._read_step(entry, p)
                        empties.append(entry)
                    continue
                record = self._record(p, entry, group, names, keys, created, new_entries)
                misses.append((id(p), record))
            lists[0].append(p)
            lists[1].append(g.data_ptr())
            lists[2].append(n)
            lists[3].extend(record[2])
            lists[4].append(record[0])
            lists[5].append(record)
        for dtype, (params, grads, counts, states, steps, records) in per_dtype.items():
            n = len(params)
            if not n:
                continue
            if len(per_dtype) > 1 and group.get("max_grad_norm", 0):
                raise IncompatibleOptionsError(
                    "max_grad_norm clips over one native call, i.e. one dtype: this group mixes "
                    f"{', '.join(str(d) for d in per_dtype)}; put each dtype in its own group or clip with "
                    "torch.nn.utils.clip_grad_norm_"
                )
            bucket = self._buckets.get((index, dtype))
            if bucket is None or bucket.cap < n or bucket.k != k:
                bucket = _Bucket(max(n, 8), k)
                self._buckets[(index, dtype)] = bucket
            bucket.params[:n] = list(map(_data_ptr, params))
            bucket.grads[:n] = grads
            bucket.counts[:n] = counts
            bucket.steps[:n] = steps
            if k:
                bucket.states[: n * k] = states
            calls.append((index, dtype, n, bucket, k, params, records))

    def _record(self, p: torch.Tensor, entry: Optional[Dict[str, Any]], group: Dict[str, Any],
                names: Tuple[str, ...], keys: Tuple[str, ...], created: list, new_entries: list) -> list:
        """Validates (creating what is missing) the state of ``p``; returns its
        record: [step count, step writer, state pointers in the C API's order,
        then for each of ``keys``: tensor, version (step only), data pointer]."""
        if entry is None:
            if not keys:  # plain SGD: no state, as torch
                return [0, None, ()]
            entry = self.state[p]  # defaultdict: creates {}
            new_entries.append(p)
        fresh = any(entry.get(name) is None for name in keys)
        if fresh:
            self._create_state(entry, p, group, names, created)
        dtype, n = p.dtype, p.numel()
        for name in names:
            s = entry[name]
            if not (torch.is_tensor(s) and s.dtype is dtype and s.is_cpu and s.layout is _STRIDED
                    and s.is_contiguous() and s.numel() == n):
                raise InvalidArgumentError(
                    f"state {name!r} of a parameter of {_describe(p)} does not match it: "
                    + (_describe(s) if torch.is_tensor(s) else type(s).__name__)
                )
        if self._has_step:
            step, writer = self._read_step(entry, p)
        else:  # SGD: the library fills momentum_buffer from the gradient at step 0
            step, writer = (0 if fresh else 1), None
        record = [step, writer, tuple(entry[name].data_ptr() for name in names)]
        for name in keys:  # what _hit_function checks
            t = entry[name]
            record += [t, t._version if name == "step" else 0, t.data_ptr()]
        return record

    def _read_step(self, entry: Dict[str, Any], p: torch.Tensor) -> Tuple[int, Any]:
        """The step count of ``p`` and a ctypes view of its ``step`` tensor."""
        s = entry["step"]
        if not torch.is_tensor(s):
            raise ArgumentTypeError(f"state['step'] must be a tensor (torch's form), got {type(s).__name__}")
        if s.numel() != 1 or not s.is_cpu or s.dtype not in (_F32, _F64) or s.layout is not _STRIDED:
            raise InvalidArgumentError(f"state['step'] must be a CPU float32/float64 scalar tensor, got {_describe(s)}")
        value = float(s.item())
        if not (value >= 0 and value == int(value)) or value >= 2.0 ** 62:
            raise InvalidArgumentError(f"state['step'] must be a whole number >= 0, got {value}")
        writer = (c_float if s.dtype is _F32 else c_double).from_address(s.data_ptr())
        return int(value), writer

    def _reject(self, p: torch.Tensor, g: torch.Tensor) -> None:
        for what, t in (("parameter", p), ("gradient", g)):
            if t.layout is not _STRIDED:
                raise InvalidArgumentError(
                    f"swiftopt.torch does not support {t.layout} tensors (a {what} of {_describe(t)}); "
                    "sparse gradients (e.g. nn.Embedding(sparse=True)) need torch.optim.SparseAdam or dense gradients"
                )
            if not t.is_cpu:
                raise InvalidArgumentError(
                    f"swiftopt.torch runs on the CPU; got a {what} on {t.device} ({_describe(t)}). "
                    "Use torch.optim for accelerator tensors"
                )
            if t.dtype not in _DTYPE_CODES:
                raise DTypeMismatchError(f"swiftopt.torch supports float32 and float64; got a {what} of {_describe(t)}")
        if g.dtype is not p.dtype:
            raise DTypeMismatchError(f"a gradient of dtype {g.dtype} does not match its parameter's {p.dtype}")
        for what, t in (("parameter", p), ("gradient", g)):
            if not t.is_contiguous():
                raise InvalidArgumentError(
                    f"swiftopt.torch needs contiguous tensors; a {what} of {_describe(t)} has strides "
                    f"{t.stride()} (make the parameter contiguous, e.g. p.data = p.data.contiguous())"
                )
        raise InvalidArgumentError(f"unsupported parameter/gradient pair: {_describe(p)} / {_describe(g)}")  # pragma: no cover


def _check_nesterov(nesterov: Any, momentum: Any, dampening: Any) -> None:
    if nesterov and (momentum <= 0 or dampening != 0):
        raise IncompatibleOptionsError("Nesterov momentum requires a momentum and zero dampening")


class SGD(_Optimizer):
    """torch.optim.SGD stepped by swiftopt (same signature and defaults), plus
    swiftopt's keyword-only ``decoupled_weight_decay``, ``l1``,
    ``max_grad_norm`` and ``clip_value``. ``state[p]["momentum_buffer"]``
    exists once ``p`` has been stepped with momentum != 0, as in torch."""

    _algorithm = _lib.ALGORITHM_SGD
    _hp_keys = ("lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize", "decoupled_weight_decay",
                "l1", "max_grad_norm", "clip_value", "skip_nonfinite")
    _state_order = ("momentum_buffer",)
    _has_step = False

    def __init__(self, params: Any, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False,
                 foreach: Optional[bool] = None, differentiable: bool = False, fused: Optional[bool] = None,
                 decoupled_weight_decay: bool = False, l1: float = 0.0, max_grad_norm: float = 0.0,
                 clip_value: float = 0.0, skip_nonfinite: bool = False) -> None:
        _check_nesterov(nesterov, momentum, dampening)
        super().__init__(params, dict(
            lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov,
            maximize=maximize, foreach=foreach, differentiable=differentiable, fused=fused,
            decoupled_weight_decay=decoupled_weight_decay, l1=l1, max_grad_norm=max_grad_norm, clip_value=clip_value, skip_nonfinite=skip_nonfinite))

    def _group_defaults(self) -> Dict[str, Any]:
        return dict(nesterov=False, maximize=False, foreach=None, differentiable=False, fused=False,
                    decoupled_weight_decay=False, **_EXTRAS)


class Adagrad(_Optimizer):
    """torch.optim.Adagrad stepped by swiftopt (same signature and defaults),
    plus ``decoupled_weight_decay``, ``l1``, ``max_grad_norm``, ``clip_value``.
    As torch, creates ``step`` and ``sum`` for every parameter at construction."""

    _algorithm = _lib.ALGORITHM_ADAGRAD
    _hp_keys = ("lr", "lr_decay", "eps", "weight_decay", "initial_accumulator_value", "maximize",
                "decoupled_weight_decay", "l1", "max_grad_norm", "clip_value", "skip_nonfinite")
    _state_order = ("step", "sum")

    def __init__(self, params: Any, lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, foreach: Optional[bool] = None, *,
                 maximize: bool = False, differentiable: bool = False, fused: Optional[bool] = None,
                 decoupled_weight_decay: bool = False, l1: float = 0.0, max_grad_norm: float = 0.0,
                 clip_value: float = 0.0, skip_nonfinite: bool = False) -> None:
        super().__init__(params, dict(
            lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value, foreach=foreach, maximize=maximize,
            differentiable=differentiable, fused=fused, decoupled_weight_decay=decoupled_weight_decay, l1=l1,
            max_grad_norm=max_grad_norm, clip_value=clip_value, skip_nonfinite=skip_nonfinite))
        for group in self.param_groups:
            for p in group["params"]:
                entry = self.state[p]
                entry["step"] = torch.tensor(0.0, dtype=_scalar_dtype())
                entry["sum"] = torch.full_like(p, float(group["initial_accumulator_value"]),
                                               memory_format=torch.contiguous_format)

    def _group_defaults(self) -> Dict[str, Any]:
        return dict(foreach=None, maximize=False, differentiable=False, fused=None, decoupled_weight_decay=False,
                    **_EXTRAS)


class RMSprop(_Optimizer):
    """torch.optim.RMSprop stepped by swiftopt (same signature and defaults),
    plus keyword-only ``decoupled_weight_decay``, ``l1``, ``max_grad_norm``,
    ``clip_value``."""

    _algorithm = _lib.ALGORITHM_RMSPROP
    _hp_keys = ("lr", "momentum", "alpha", "eps", "centered", "weight_decay", "maximize", "decoupled_weight_decay",
                "l1", "max_grad_norm", "clip_value", "skip_nonfinite")
    _state_order = ("step", "square_avg", "momentum_buffer", "grad_avg")

    def __init__(self, params: Any, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False, capturable: bool = False,
                 foreach: Optional[bool] = None, maximize: bool = False, differentiable: bool = False, *,
                 decoupled_weight_decay: bool = False, l1: float = 0.0, max_grad_norm: float = 0.0,
                 clip_value: float = 0.0, skip_nonfinite: bool = False) -> None:
        super().__init__(params, dict(
            lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered, weight_decay=weight_decay,
            capturable=capturable, foreach=foreach, maximize=maximize, differentiable=differentiable,
            decoupled_weight_decay=decoupled_weight_decay, l1=l1, max_grad_norm=max_grad_norm, clip_value=clip_value, skip_nonfinite=skip_nonfinite))

    def _group_defaults(self) -> Dict[str, Any]:
        return dict(momentum=0, centered=False, foreach=None, maximize=False, differentiable=False, capturable=False,
                    decoupled_weight_decay=False, **_EXTRAS)


class Adam(_Optimizer):
    """torch.optim.Adam stepped by swiftopt (same signature and defaults,
    including ``decoupled_weight_decay``), plus keyword-only ``l1``,
    ``max_grad_norm`` and ``clip_value``."""

    _algorithm = _lib.ALGORITHM_ADAM
    _hp_keys = ("lr", "betas", "eps", "weight_decay", "amsgrad", "maximize", "decoupled_weight_decay", "l1",
                "max_grad_norm", "clip_value", "skip_nonfinite")
    _state_order = ("step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq")

    def __init__(self, params: Any, lr: float = 1e-3, betas: Tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, foreach: Optional[bool] = None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False,
                 fused: Optional[bool] = None, decoupled_weight_decay: bool = False, l1: float = 0.0,
                 max_grad_norm: float = 0.0, clip_value: float = 0.0, skip_nonfinite: bool = False) -> None:
        super().__init__(params, dict(
            lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize,
            foreach=foreach, capturable=capturable, differentiable=differentiable, fused=fused,
            decoupled_weight_decay=decoupled_weight_decay, l1=l1, max_grad_norm=max_grad_norm, clip_value=clip_value, skip_nonfinite=skip_nonfinite))

    def _group_defaults(self) -> Dict[str, Any]:
        return dict(amsgrad=False, maximize=False, foreach=None, capturable=False, differentiable=False,
                    decoupled_weight_decay=False, fused=None, **_EXTRAS)


class AdamW(Adam):
    """torch.optim.AdamW stepped by swiftopt (same signature and defaults),
    plus keyword-only ``l1``, ``max_grad_norm`` and ``clip_value``. Its groups
    keep ``decoupled_weight_decay=True``, as torch's."""

    _algorithm = _lib.ALGORITHM_ADAMW
    _hp_keys = ("lr", "betas", "eps", "weight_decay", "amsgrad", "maximize", "l1", "max_grad_norm", "clip_value", "skip_nonfinite")

    def __init__(self, params: Any, lr: float = 1e-3, betas: Tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False,
                 foreach: Optional[bool] = None, capturable: bool = False, differentiable: bool = False,
                 fused: Optional[bool] = None, l1: float = 0.0, max_grad_norm: float = 0.0,
                 clip_value: float = 0.0, skip_nonfinite: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True, l1=l1, max_grad_norm=max_grad_norm, clip_value=clip_value,
                         skip_nonfinite=skip_nonfinite)

    def _fix_group(self, group: Dict[str, Any]) -> None:
        group["decoupled_weight_decay"] = True  # as torch's AdamW.__setstate__

    def _check_group(self, group: Dict[str, Any]) -> None:
        if group.get("decoupled_weight_decay", True) != True:  # noqa: E712
            raise IncompatibleOptionsError(
                "AdamW always decouples weight decay (decoupled_weight_decay must stay True); use Adam for coupled L2"
            )
