"""Learning-rate schedules: torch.optim.lr_scheduler's classes, computed natively.

Swap ``torch.optim.lr_scheduler.X`` for ``swiftopt.lr_scheduler.X``: the class
names, constructor arguments, defaults, ``step()``, ``get_last_lr()``,
``last_epoch``, ``base_lrs`` and ``state_dict()`` are torch's::

    import numpy as np, swiftopt
    from swiftopt.lr_scheduler import CosineAnnealingLR

    w = np.zeros(3)
    opt = swiftopt.SGD([w], lr=0.1)
    sched = CosineAnnealingLR(opt, T_max=100)
    for epoch in range(100):
        opt.step([2 * (w - 1)])
        sched.step()                  # sets opt.param_groups[i]["lr"]

Each scheduler holds a native ``swiftopt_schedule`` (one per parameter group
where an argument differs per group) and sets ``group["lr"]`` to the
library's closed-form value ``swiftopt_schedule_value(initial_lr, last_epoch)``
for each group, where ``initial_lr`` is the group's lr when the first
scheduler was created (``group.setdefault("initial_lr", group["lr"])``, as
torch). Python only passes numbers; the values equal torch's to rounding
(max relative error measured by ``tests/test_lr_scheduler.py``: 1e-12 or
better over 1000 steps). Exceptions:

* :class:`LambdaLR` and :class:`MultiplicativeLR` call your Python function;
* OneCycleLR's and CyclicLR's momentum cycling (``cycle_momentum=True``, the
  native schedule cycles the lr only) is computed here with torch's formulas.

Because values are closed forms, changing ``group["lr"]`` by hand between
steps does not carry over (torch's recursive forms would scale it); the next
``step()`` sets the scheduled value again. Change ``group["initial_lr"]``
and ``base_lrs`` instead.

Any object with torch-like ``param_groups`` (a list of dicts with ``"lr"``)
works, e.g. a ``torch.optim`` optimizer. Bad arguments raise the package's
typed errors (:class:`~swiftopt.OutOfBoundsError`, ... all ``ValueError``)
with the library's message, before anything is changed.

The native schedules are freed by :meth:`LRScheduler.close` or when the
scheduler is garbage-collected.
"""

from __future__ import annotations

import copy
import math
import types
import weakref
from bisect import bisect_right
from collections import Counter
from ctypes import byref, c_double, c_int32, c_int64, c_void_p
from typing import Any, Callable, ClassVar, Dict, List, Mapping, Optional, Sequence, Union

from . import _lib
from ._errors import (
    ArgumentTypeError,
    ClosedError,
    IncompatibleOptionsError,
    InvalidArgumentError,
    OutOfBoundsError,
    SizeMismatchError,
    SwiftOptError,
)

_L = _lib.lib

__all__ = [
    "LRScheduler",
    "LambdaLR",
    "MultiplicativeLR",
    "ConstantLR",
    "LinearLR",
    "StepLR",
    "MultiStepLR",
    "ExponentialLR",
    "PolynomialLR",
    "CosineAnnealingLR",
    "CosineAnnealingWarmRestarts",
    "OneCycleLR",
    "CyclicLR",
    "SequentialLR",
    "ChainedScheduler",
    "ReduceLROnPlateau",
    "InverseSqrtLR",
    "InverseTimeLR",
]


# ---- native schedule handles -------------------------------------------------

_PARAM_CODES: Dict[str, int] = {}


def _param_code(name: str) -> int:
    code = _PARAM_CODES.get(name)
    if code is None:
        out = c_int32()
        _L.swiftopt_schedule_param_from_name(name.encode(), byref(out))
        code = _PARAM_CODES[name] = out.value
    return code


def _free_schedule(value: Optional[int]) -> None:
    if value:
        try:
            _L.swiftopt_schedule_free(value)
        except SwiftOptError:  # pragma: no cover - freeing twice is harmless
            pass


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (str, bytes)):
        raise ArgumentTypeError(f"{name} must be a number, got {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ArgumentTypeError(f"{name} must be a number, got {value!r}") from None


def _choice(name: str, value: Any, table: Mapping[str, int]) -> int:
    if not isinstance(value, str):
        raise ArgumentTypeError(f"{name} must be one of {', '.join(map(repr, table))}; got {value!r}")
    if value not in table:
        raise OutOfBoundsError(f"{name} must be one of {', '.join(map(repr, table))}; got {value!r}")
    return table[value]


def _per_group(name: str, value: Any, n: int) -> List[Any]:
    """torch's _format_param: a list/tuple must have one value per group."""
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise SizeMismatchError(
                f"{name} must have the same length as optimizer.param_groups: {name} has {len(value)} values, "
                f"param_groups has {n}"
            )
        return list(value)
    return [value] * n


class _Schedule:
    """One native ``swiftopt_schedule`` handle, freed by :meth:`close` or by
    garbage collection."""

    __slots__ = ("handle", "_finalizer", "__weakref__")

    def __init__(
        self,
        kind: int,
        params: Mapping[str, Any] = (),  # type: ignore[assignment]
        milestones: Optional[Sequence[int]] = None,
        children: Sequence["_Schedule"] = (),
    ) -> None:
        handle = c_void_p()
        _L.swiftopt_schedule_create(kind, byref(handle))
        self.handle = handle
        self._finalizer = weakref.finalize(self, _free_schedule, handle.value)
        for name, value in dict(params).items():
            _L.swiftopt_schedule_set_param(handle, _param_code(name), _number(name, value))
        if milestones is not None:
            values = []
            for m in milestones:
                if isinstance(m, bool) or not isinstance(m, (int, float)) or m != int(m):
                    raise ArgumentTypeError(f"milestones must be integers, got {m!r}")
                values.append(int(m))
            array = (c_int64 * len(values))(*values)
            _L.swiftopt_schedule_set_milestones(handle, array, len(values))
        for child in children:
            _L.swiftopt_schedule_add_child(handle, child.handle)

    def close(self) -> None:
        self._finalizer()

    def value(self, base_lr: float, step: int) -> float:
        out = c_double()
        _L.swiftopt_schedule_value(self.handle, base_lr, step, byref(out))
        return out.value

    def values(self, base_lr: float, first: int, count: int) -> List[float]:
        out = (c_double * count)()
        _L.swiftopt_schedule_values(self.handle, base_lr, first, count, out)
        return list(out)


def _step_arg(epoch: Any) -> int:
    if isinstance(epoch, bool) or not isinstance(epoch, (int, float)) or epoch != int(epoch):
        raise ArgumentTypeError(f"epoch must be a whole number, got {epoch!r}")
    return int(epoch)


_COMMON_STATE = ("base_lrs", "last_epoch", "_step_count", "_last_lr")


# ---- base class ----------------------------------------------------------------


class LRScheduler:
    """Base class (torch's ``LRScheduler``): sets each group's lr to the
    schedule's value at ``last_epoch``.

    Attributes:
        optimizer: the optimizer whose ``param_groups`` are scheduled.
        base_lrs: each group's ``initial_lr``.
        last_epoch: the number of ``step()`` calls (0 after construction).
    """

    #: The native kind (SWIFTOPT_SCHEDULE_*), or 0 for the Python-only classes.
    _kind: ClassVar[int] = 0
    #: Constructor attributes saved by state_dict() and used to build the schedule.
    _params: ClassVar[tuple] = ()
    #: Whether the native value is base_lr times a factor that torch's recursive
    #: form applies multiplicatively (so that ChainedScheduler can compose it).
    _multiplicative: ClassVar[bool] = False

    optimizer: Any
    base_lrs: List[float]
    last_epoch: int

    # -- construction --

    def _native_params(self, group: int) -> Dict[str, Any]:
        """The native parameters of group ``group``'s schedule."""
        return {name: getattr(self, name) for name in self._params}

    def _milestones(self) -> Optional[Sequence[int]]:
        return None

    def _per_group_params(self) -> bool:
        return False

    def _build(self, n: int) -> List[_Schedule]:
        """The native schedules, one per group (the same object when shared).
        Raises (and frees what it made) on a bad argument."""
        if not self._kind:
            return []
        if not self._per_group_params():
            shared = _Schedule(self._kind, self._native_params(0), self._milestones())
            return [shared] * n
        return [_Schedule(self._kind, self._native_params(i), self._milestones()) for i in range(n)]

    def _setup(self, optimizer: Any, last_epoch: int, updates: Optional[List[Dict[str, Any]]] = None,
               base_lrs: Optional[List[float]] = None) -> None:
        """torch's LRScheduler.__init__: validates everything first, then sets
        ``initial_lr`` (and ``updates``, torch's side effects on the groups when
        last_epoch == -1) and the lr of step last_epoch + 1."""
        if not hasattr(optimizer, "param_groups"):
            raise ArgumentTypeError(f"{type(optimizer).__name__} is not an optimizer (it has no param_groups)")
        last_epoch = _step_arg(last_epoch)
        if last_epoch < -1:
            raise OutOfBoundsError(f"last_epoch must be >= -1, got {last_epoch}")
        groups = optimizer.param_groups
        n = len(groups)
        updates = updates if updates is not None and last_epoch == -1 else [{} for _ in range(n)]
        initial = []
        for i, (group, update) in enumerate(zip(groups, updates)):
            if last_epoch == -1:
                if "initial_lr" in update:
                    initial.append(update["initial_lr"])
                elif "initial_lr" in group:
                    initial.append(group["initial_lr"])
                else:
                    initial.append(update.get("lr", group["lr"]))
            elif "initial_lr" not in group:
                raise InvalidArgumentError(
                    f"param 'initial_lr' is not specified in param_groups[{i}] when resuming a scheduler "
                    "with last_epoch >= 0"
                )
            else:
                initial.append(group["initial_lr"])
        initial = [_number("initial_lr", v) for v in initial]
        self.optimizer = optimizer
        self.base_lrs = list(base_lrs) if base_lrs is not None else initial
        self._closed = False
        schedules = self._build(n)
        try:
            self._schedules = schedules
            lrs = self._compute(last_epoch + 1)
            extras = self._extras(last_epoch + 1, updates)
        except BaseException:
            for s in set(schedules):
                s.close()
            raise
        for group, update, base in zip(groups, updates, initial):
            for key, value in update.items():
                group[key] = value
            group.setdefault("initial_lr", base)
        self._apply(lrs, extras)
        self.last_epoch = last_epoch + 1
        self._step_count = 1

    # -- values --

    def _check_groups(self) -> None:
        if self._closed:
            raise ClosedError(f"{type(self).__name__} is closed")
        n = len(self.optimizer.param_groups)
        if n != len(self.base_lrs):
            raise SizeMismatchError(
                f"the optimizer has {n} parameter groups but this scheduler was made for {len(self.base_lrs)}"
            )

    def _compute(self, step: int) -> List[float]:
        """The lr of each group at ``step`` (native closed form)."""
        self._check_groups()
        return [s.value(base, step) for s, base in zip(self._schedules, self.base_lrs)]

    def _extras(self, step: int, updates: Optional[List[Dict[str, Any]]] = None) -> Optional[List[Dict[str, Any]]]:
        """Other group keys to set at ``step`` (momentum cycling)."""
        return None

    def _apply(self, lrs: List[float], extras: Optional[List[Dict[str, Any]]] = None) -> None:
        groups = self.optimizer.param_groups
        done: List[tuple] = []  # (group, key, old value) to undo on error
        try:
            for i, (group, lr) in enumerate(zip(groups, lrs)):
                items = [("lr", lr)] + (list(extras[i].items()) if extras is not None else [])
                for key, value in items:
                    old = group[key]
                    group[key] = value
                    done.append((group, key, old))
        except BaseException:
            # e.g. a swiftopt optimizer refusing OneCycleLR's negative linear
            # overshoot at step total_steps: put back what was already set
            for group, key, old in reversed(done):
                group[key] = old
            raise
        self._last_lr = [group["lr"] for group in groups]

    def get_last_lr(self) -> List[float]:
        """The lrs set by the last step (one per group)."""
        return self._last_lr

    def get_lr(self) -> List[float]:
        """The lrs of the current ``last_epoch`` (closed form; no side effect)."""
        return self._compute(self.last_epoch)

    def step(self, epoch: Optional[int] = None) -> None:
        """Advances one step (or, deprecated in torch, to step ``epoch``) and
        sets each group's lr. On error nothing changes."""
        step = self.last_epoch + 1 if epoch is None else _step_arg(epoch)
        lrs = self._compute(step)
        extras = self._extras(step)
        self._apply(lrs, extras)
        self.last_epoch = step
        self._step_count += 1

    # -- state --

    def state_dict(self) -> Dict[str, Any]:
        """The scheduler's state (torch's keys: ``last_epoch``, ``base_lrs``,
        ``_last_lr``, ``_step_count`` and the constructor arguments)."""
        keys = tuple(self._params) + self._extra_state() + _COMMON_STATE
        return {key: copy.deepcopy(getattr(self, key)) for key in keys}

    def _extra_state(self) -> tuple:
        return ()

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Loads :meth:`state_dict`'s output (unknown keys, e.g. torch's
        internals, are ignored). Validates by building the native schedule
        first; on error the scheduler is unchanged. Group lrs are not changed
        (as torch): the next ``step()`` sets them."""
        if not isinstance(state_dict, Mapping):
            raise ArgumentTypeError(f"state_dict must be a mapping, got {type(state_dict).__name__}")
        keys = tuple(self._params) + self._extra_state() + _COMMON_STATE
        old = {key: getattr(self, key) for key in keys if hasattr(self, key)}
        try:
            for key in keys:
                if key in state_dict:
                    setattr(self, key, self._load_value(key, copy.deepcopy(state_dict[key])))
            self.last_epoch = _step_arg(self.last_epoch)
            self.base_lrs = [_number("base_lrs", v) for v in self.base_lrs]
            schedules = self._build(len(self.base_lrs))
        except BaseException:
            for key, value in old.items():
                setattr(self, key, value)
            raise
        previous = getattr(self, "_schedules", [])
        self._schedules = schedules
        for s in set(previous):
            s.close()

    def _load_value(self, key: str, value: Any) -> Any:
        return value

    # -- lifecycle --

    def close(self) -> None:
        """Frees the native schedules. Idempotent; later steps raise
        :class:`~swiftopt.ClosedError`."""
        for s in set(getattr(self, "_schedules", [])):
            s.close()
        self._schedules = []
        self._closed = True

    def __enter__(self) -> "LRScheduler":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        args = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._params)
        return f"{type(self).__name__}({args}{', ' if args else ''}last_epoch={getattr(self, 'last_epoch', None)})"


# ---- Python-function schedules -----------------------------------------------------------


def _lambdas(optimizer: Any, lr_lambda: Any) -> List[Callable[[int], float]]:
    n = len(optimizer.param_groups)
    if isinstance(lr_lambda, (list, tuple)):
        if len(lr_lambda) != n:
            raise SizeMismatchError(f"Expected {n} lr_lambdas, but got {len(lr_lambda)}")
        fns = list(lr_lambda)
    else:
        fns = [lr_lambda] * n
    for fn in fns:
        if not callable(fn):
            raise ArgumentTypeError(f"lr_lambda must be callable, got {type(fn).__name__}")
    return fns


def _lambda_state(fns: List[Callable[[int], float]]) -> List[Optional[Dict[str, Any]]]:
    return [None if isinstance(fn, types.FunctionType) else fn.__dict__.copy() for fn in fns]


class LambdaLR(LRScheduler):
    r"""lr = initial_lr · lr_lambda(last_epoch), with your Python function
    (one per group, or one for all): the one class whose factor Python
    computes.

    Example:
        >>> import numpy as np, swiftopt
        >>> from swiftopt.lr_scheduler import LambdaLR
        >>> opt = swiftopt.SGD([np.zeros(2)], lr=0.1)
        >>> sched = LambdaLR(opt, lambda epoch: 0.5 ** epoch)
        >>> sched.step(); sched.step()
        >>> sched.get_last_lr()
        [0.025]
        >>> opt.close()
    """

    def __init__(self, optimizer: Any, lr_lambda: Union[Callable[[int], float], List[Callable[[int], float]]],
                 last_epoch: int = -1) -> None:
        self.lr_lambdas = _lambdas(optimizer, lr_lambda)
        self._setup(optimizer, last_epoch)

    def _compute(self, step: int) -> List[float]:
        self._check_groups()
        return [base * float(fn(step)) for fn, base in zip(self.lr_lambdas, self.base_lrs)]

    def state_dict(self) -> Dict[str, Any]:
        """As torch: ``lr_lambdas`` holds the ``__dict__`` of callable objects
        (None for plain functions and lambdas)."""
        state = super().state_dict()
        state["lr_lambdas"] = _lambda_state(self.lr_lambdas)
        return state

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        state = dict(state_dict)
        saved = state.pop("lr_lambdas", None)
        super().load_state_dict(state)
        if saved is not None:
            for fn, entry in zip(self.lr_lambdas, saved):
                if entry is not None:
                    fn.__dict__.update(entry)


class MultiplicativeLR(LambdaLR):
    r"""lr ← lr · lr_lambda(last_epoch) at each step after the first (torch's
    MultiplicativeLR; your Python function computes the factor).

    Example:
        >>> import numpy as np, swiftopt
        >>> from swiftopt.lr_scheduler import MultiplicativeLR
        >>> opt = swiftopt.SGD([np.zeros(2)], lr=0.1)
        >>> sched = MultiplicativeLR(opt, lambda epoch: 0.5)
        >>> sched.step(); sched.step()
        >>> sched.get_last_lr()
        [0.025]
        >>> opt.close()
    """

    def __init__(self, optimizer: Any, lr_lambda: Union[Callable[[int], float], List[Callable[[int], float]]],
                 last_epoch: int = -1) -> None:
        self._initial = True
        self.lr_lambdas = _lambdas(optimizer, lr_lambda)
        self._setup(optimizer, last_epoch)
        self._initial = False

    def _compute(self, step: int) -> List[float]:
        self._check_groups()
        groups = self.optimizer.param_groups
        if self._initial:
            return [float(g["lr"]) for g in groups]
        return [float(g["lr"]) * float(fn(step)) for fn, g in zip(self.lr_lambdas, groups)]


# ---- native closed forms --------------------------------------------------------------------


class ConstantLR(LRScheduler):
    r"""lr = initial_lr · factor while last_epoch < total_iters, then initial_lr.

    Example:
        >>> import numpy as np, swiftopt
        >>> from swiftopt.lr_scheduler import ConstantLR
        >>> opt = swiftopt.SGD([np.zeros(2)], lr=0.1)
        >>> sched = ConstantLR(opt, factor=0.5, total_iters=2)
        >>> lrs = [sched.get_last_lr()[0]]
        >>> for _ in range(3):
        ...     sched.step(); lrs.append(sched.get_last_lr()[0])
        >>> lrs
        [0.05, 0.05, 0.1, 0.1]
        >>> opt.close()
    """

    _kind = _lib.SCHEDULE_CONSTANT_LR
    _params = ("factor", "total_iters")
    _multiplicative = True

    def __init__(self, optimizer: Any, factor: float = 1.0 / 3, total_iters: int = 5, last_epoch: int = -1) -> None:
        self.factor = factor
        self.total_iters = total_iters
        self._setup(optimizer, last_epoch)


class LinearLR(LRScheduler):
    r"""lr = initial_lr · (start_factor + (end_factor − start_factor) ·
    min(last_epoch, total_iters) / total_iters): a linear warmup (or decay).

    Example:
        >>> import numpy as np, swiftopt
        >>> from swiftopt.lr_scheduler import LinearLR
        >>> opt = swiftopt.SGD([np.zeros(2)], lr=1.0)
        >>> sched = LinearLR(opt, start_factor=0.25, total_iters=3)
        >>> lrs = [sched.get_last_lr()[0]]
        >>> for _ in range(4):
        ...     sched.step(); lrs.append(sched.get_last_lr()[0])
        >>> lrs
        [0.25, 0.5, 0.75, 1.0, 1.0]
        >>> opt.close()
    """

    _kind = _lib.SCHEDULE_LINEAR_LR
    _params = ("start_factor", "end_factor", "total_iters")
    _multiplicative = True

    def __init__(self, optimizer: Any, start_factor: float = 1.0 / 3, end_factor: float = 1.0,
                 total_iters: int = 5, last_epoch: int = -1) -> None:
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = total_iters
        self._setup(optimizer, last_epoch)


class StepLR(LRScheduler):
    r"""lr = initial_lr · gamma^⌊last_epoch / step_size⌋.

    Example:
        >>> import numpy as np, swiftopt
        >>> from swiftopt.lr_scheduler import StepLR
        >>> opt = swiftopt.SGD([np.zeros(2)], lr=1.0)
        >>> sched = StepLR(opt, step_size=2, gamma=0.5)
        >>> lrs = [sched.get_last_lr()[0]]
        >>> for _ in range(5):
        ...     sched.step(); lrs.append(sched.get_last_lr()[0])
        >>> lrs
        [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]
        >>> opt.close()
    """

    _kind = _lib.SCHEDULE_STEP_LR
    _params = ("step_size", "gamma")
    _multiplicative = True

    def __init__(self, optimizer: Any, step_size: int, gamma: float = 0.1, last_epoch: int = -1) -> None:
        self.step_size = step_size
        self.gamma = gamma
        self._setup(optimizer, last_epoch)


class MultiStepLR(LRScheduler):
    r"""lr = initial_lr · gamma^(number of milestones ≤ last_epoch). Milestones
    are a multiset as in torch (a repeated milestone decays twice; order does
    not matter); each must be >= 0.

    Example:
        >>> import numpy as np, swiftopt
        >>> from swiftopt.lr_scheduler import MultiStepLR
        >>> opt = swiftopt.SGD([np.zeros(2)], lr=1.0)
        >>> sched = MultiStepLR(opt, milestones=[1, 3], gamma=0.1)
        >>> lrs = [sched.get_last_lr()[0]]
        >>> for _ in range(4):
        ...     sched.step(); lrs.append(round(sched.get_last_lr()[0], 12))
        >>> lrs
        [1.0, 0.1, 0.1, 0.01, 0.01]
        >>> opt.close()
    """

    _kind = _lib.SCHEDULE_MULTI_STEP_LR
    _params = ("gamma",)
    _multiplicative = True

    def __init__(self, optimizer: Any, milestones: Sequence[int], gamma: float = 0.1, last_epoch: int = -1) -> None:
        self.milestones = self._load_value("milestones", milestones)
        self.gamma = gamma
        self._setup(optimizer, last_epoch)

    def _milestones(self) -> Sequence[int]:
        return sorted(self.milestones.elements())

    def _extra_state(self) -> tuple:
        return ("milestones",)

    def _load_value(self, key: str, value: Any) -> Any:
        if key == "milestones":
            try:
                return Counter(value) if not isinstance(value, Counter) else Counter(value)
            except TypeError:
                raise ArgumentTypeError(f"milestones must be an iterable of integers, got {value!r}") from None
        return value


class ExponentialLR(LRScheduler):
    r"""lr = initial_lr · gamma^last_epoch.

    Example:
        >>> import numpy as np, swiftopt
        >>> from swiftopt.lr_scheduler import ExponentialLR
        >>> opt = swiftopt.SGD([np.zeros(2)], lr=1.0)
        >>> sched = ExponentialLR(opt, gamma=0.5)
        >>> for _ in range(3):
        ...     sched.step()
        >>> sched.get_last_lr()
        [0.125]
        >>> opt.close()
    """

    _kind = _lib.SCHEDULE_EXPONENTIAL_LR
    _params = ("gamma",)
    _multiplicative = True

    def __init__(self, optimizer: Any, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = gamma
        self._setup(optimizer, last_epoch)


class PolynomialLR(LRScheduler):
    r"""lr = initial_lr · (1 − min(last_epoch, total_iters) / total_iters)^power.

    Example:
        >>> import numpy as np, swiftopt
        >>> from swiftopt.lr_scheduler import PolynomialLR
        >>> opt = swiftopt.SGD([np.zeros(2)], lr=1.0)
        >>> sched = PolynomialLR(opt, total_iters=4, power=2.0)
        >>> lrs = [sched.get_last_lr()[0]]
        >>> for _ in range(5):
        ...     sched.step(); lrs.append(sched.get_last_lr()[0])
        >>> lrs
        [1.0, 0.5625, 0.25, 0.0625, 0.0, 0.0]
        >>> opt.close()
    """

    _kind = _lib.SCHEDULE_POLYNOMIAL_LR
    _params = ("total_iters", "power")
    _multiplicative = True

    def __init__(self, optimizer: Any, total_iters: int = 5, power: float = 1.0, last_epoch: int = -1) -> None:
        self.total_iters = total_iters
        self.power = power
        self._setup(optimizer, last_epoch)


class CosineAnnealingLR(LRScheduler):
    r"""lr = eta_min + (initial_lr − eta_min) · (1 + cos(π · last_epoch / T_max)) / 2
    (past T_max the cosine rises again, as torch's).

    Example:
        >>> import numpy as np, swiftopt
        >>> from swiftopt.lr_scheduler import CosineAnnealingLR
        >>> opt = swiftopt.SGD([np.zeros(2)], lr=1.0)
        >>> sched = CosineAnnealingLR(opt, T_max=4)
        >>> lrs = [sched.get_last_lr()[0]]
        >>> for _ in range(4):
        ...     sched.step(); lrs.append(round(sched.get_last_lr()[0], 6))
        >>> lrs
        [1.0, 0.853553, 0.5, 0.146447, 0.0]
        >>> opt.close()
    """

    _kind = _lib.SCHEDULE_COSINE_ANNEALING_LR
    _params = ("T_max", "eta_min")

    def __init__(self, optimizer: Any, T_max: int, eta_min: float = 0.0, last_epoch: int = -1) -> None:
        self.T_max = T_max
        self.eta_min = eta_min
        self._setup(optimizer, last_epoch)


class CosineAnnealingWarmRestarts(LRScheduler):
    r"""SGDR: lr = eta_min + (initial_lr − eta_min) · (1 + cos(π · T_cur / T_i)) / 2,
    where T_i is T_0, T_0·T_mult, T_0·T_mult², … and T_cur counts the steps
    since the last restart. ``step(epoch)`` takes whole epochs only (torch
    also accepts fractional ones).

    Example:
        >>> import numpy as np, swiftopt
        >>> from swiftopt.lr_scheduler import CosineAnnealingWarmRestarts
        >>> opt = swiftopt.SGD([np.zeros(2)], lr=1.0)
        >>> sched = CosineAnnealingWarmRestarts(opt, T_0=2)
        >>> lrs = [sched.get_last_lr()[0]]
        >>> for _ in range(4):
        ...     sched.step(); lrs.append(round(sched.get_last_lr()[0], 6))
        >>> lrs
        [1.0, 0.5, 1.0, 0.5, 1.0]
        >>> opt.close()
    """

    _kind = _lib.SCHEDULE_COSINE_ANNEALING_WARM_RESTARTS
    _params = ("T_0", "T_mult", "eta_min")

    def __init__(self, optimizer: Any, T_0: int, T_mult: int = 1, eta_min: float = 0.0, last_epoch: int = -1) -> None:
        self.T_0 = T_0
        self.T_mult = T_mult
        self.eta_min = eta_min
        self._setup(optimizer, last_epoch)


_ANNEAL = {"cos": _lib.ANNEAL_COS, "linear": _lib.ANNEAL_LINEAR}
_CYCLIC_MODES = {
    "triangular": _lib.CYCLIC_TRIANGULAR,
    "triangular2": _lib.CYCLIC_TRIANGULAR2,
    "exp_range": _lib.CYCLIC_EXP_RANGE,
}


def _momentum_updates(optimizer: Any, base_momentum: Any, max_momentum: Any, n: int) -> tuple:
    defaults = getattr(optimizer, "defaults", {})
    if "momentum" not in defaults and "betas" not in defaults:
        raise IncompatibleOptionsError("optimizer must support momentum or beta1 with `cycle_momentum` option enabled")
    use_beta1 = "betas" in defaults
    bases = [_number("base_momentum", v) for v in _per_group("base_momentum", base_momentum, n)]
    maxes = [_number("max_momentum", v) for v in _per_group("max_momentum", max_momentum, n)]
    return use_beta1, bases, maxes


def _momentum_entry(use_beta1: bool, group: Mapping[str, Any], momentum: float) -> Dict[str, Any]:
    if use_beta1:
        return {"betas": (momentum, *tuple(group["betas"])[1:])}
    return {"momentum": momentum}


class OneCycleLR(LRScheduler):
    r"""The 1cycle policy: anneals (``anneal_strategy`` "cos" or "linear") from
    max_lr/div_factor up to max_lr over pct_start·total_steps steps, then
    down to max_lr/div_factor/final_div_factor at step total_steps − 1
    (three_phase: back to max_lr/div_factor first). ``max_lr`` may be a list
    (one per group). Stepping past total_steps raises
    :class:`~swiftopt.IndexOutOfRangeError` (torch raises too). With
    ``cycle_momentum`` (default, as torch) momentum (or beta1) is cycled
    inversely between max_momentum and base_momentum, computed in Python with
    torch's formula.

    Example:
        >>> import numpy as np, swiftopt
        >>> from swiftopt.lr_scheduler import OneCycleLR
        >>> opt = swiftopt.SGD([np.zeros(2)], lr=0.1)
        >>> sched = OneCycleLR(opt, max_lr=1.0, total_steps=5, pct_start=0.4,
        ...                    anneal_strategy="linear", cycle_momentum=False)
        >>> lrs = [sched.get_last_lr()[0]]
        >>> for _ in range(4):
        ...     sched.step(); lrs.append(round(sched.get_last_lr()[0], 6))
        >>> lrs
        [0.04, 1.0, 0.666668, 0.333336, 4e-06]
        >>> opt.close()
    """

    _kind = _lib.SCHEDULE_ONE_CYCLE_LR
    _params = ("max_lrs", "total_steps", "pct_start", "anneal_strategy", "div_factor", "final_div_factor",
               "three_phase", "cycle_momentum", "base_momentums", "max_momentums")

    def __init__(
        self,
        optimizer: Any,
        max_lr: Union[float, List[float]],
        total_steps: Optional[int] = None,
        epochs: Optional[int] = None,
        steps_per_epoch: Optional[int] = None,
        pct_start: float = 0.3,
        anneal_strategy: str = "cos",
        cycle_momentum: bool = True,
        base_momentum: Union[float, List[float]] = 0.85,
        max_momentum: Union[float, List[float]] = 0.95,
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
        last_epoch: int = -1,
    ) -> None:
        n = len(optimizer.param_groups)
        if total_steps is None:
            if epochs is None or steps_per_epoch is None:
                raise InvalidArgumentError("You must define either total_steps OR (epochs AND steps_per_epoch)")
            for name, value in (("epochs", epochs), ("steps_per_epoch", steps_per_epoch)):
                if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                    raise OutOfBoundsError(f"Expected positive integer {name}, but got {value!r}")
            total_steps = epochs * steps_per_epoch
        self.total_steps = total_steps
        self.max_lrs = [_number("max_lr", v) for v in _per_group("max_lr", max_lr, n)]
        self.pct_start = pct_start
        _choice("anneal_strategy", anneal_strategy, _ANNEAL)
        self.anneal_strategy = anneal_strategy
        self.div_factor = div_factor
        self.final_div_factor = final_div_factor
        self.three_phase = bool(three_phase)
        self.cycle_momentum = bool(cycle_momentum)
        updates = []
        for max_value in self.max_lrs:
            initial = max_value / _number("div_factor", div_factor)
            updates.append({"initial_lr": initial, "max_lr": max_value,
                            "min_lr": initial / _number("final_div_factor", final_div_factor)})
        self.base_momentums: Optional[List[float]] = None
        self.max_momentums: Optional[List[float]] = None
        if self.cycle_momentum:
            self.use_beta1, self.base_momentums, self.max_momentums = _momentum_updates(
                optimizer, base_momentum, max_momentum, n)
            for update, group, top, bottom in zip(updates, optimizer.param_groups, self.max_momentums,
                                                  self.base_momentums):
                update.update(_momentum_entry(self.use_beta1, group, top))
                update["max_momentum"] = top
                update["base_momentum"] = bottom
        self._setup(optimizer, last_epoch, updates)

    def _per_group_params(self) -> bool:
        return len(set(self.max_lrs)) > 1

    def _native_params(self, group: int) -> Dict[str, Any]:
        return {
            "max_lr": self.max_lrs[group], "total_steps": self.total_steps, "pct_start": self.pct_start,
            "anneal_strategy": _choice("anneal_strategy", self.anneal_strategy, _ANNEAL),
            "div_factor": self.div_factor, "final_div_factor": self.final_div_factor,
            "three_phase": self.three_phase,
        }

    def _extras(self, step: int, updates: Optional[List[Dict[str, Any]]] = None) -> Optional[List[Dict[str, Any]]]:
        if not self.cycle_momentum:
            return None
        # torch's phases and anneal functions, on the momentum only
        total, pct_start = self.total_steps, float(self.pct_start)
        ends = ([float(pct_start * total) - 1, float(2 * pct_start * total) - 2, total - 1] if self.three_phase
                else [float(pct_start * total) - 1, total - 1])
        out = []
        for i, group in enumerate(self.optimizer.param_groups):
            top, bottom = self.max_momentums[i], self.base_momentums[i]  # type: ignore[index]
            pairs = [(top, bottom), (bottom, top), (top, top)] if self.three_phase else [(top, bottom), (bottom, top)]
            start = 0.0
            for k, end in enumerate(ends):
                if step <= end or k == len(ends) - 1:
                    pct = (step - start) / (end - start)
                    a, b = pairs[k]
                    if self.anneal_strategy == "cos":
                        momentum = b + (a - b) / 2.0 * (math.cos(math.pi * pct) + 1)
                    else:
                        momentum = (b - a) * pct + a
                    break
                start = end
            out.append(_momentum_entry(self.use_beta1, group, momentum))
        return out


class CyclicLR(LRScheduler):
    r"""Cyclical learning rate (Smith): lr = base_lr + (max_lr − base_lr) ·
    max(0, 1 − x) · scale, over cycles of step_size_up + step_size_down
    steps (step_size_down None: equal to step_size_up), with mode
    "triangular" (scale 1), "triangular2" (halved each cycle) or "exp_range"
    (gamma^last_epoch). ``base_lr`` and ``max_lr`` may be lists (one per
    group); the groups' lr is set to base_lr at construction, as torch.
    ``scale_fn`` (a Python function) is not supported. With
    ``cycle_momentum`` (default, as torch) momentum (or beta1) cycles
    inversely between max_momentum and base_momentum (computed in Python).

    Example:
        >>> import numpy as np, swiftopt
        >>> from swiftopt.lr_scheduler import CyclicLR
        >>> opt = swiftopt.SGD([np.zeros(2)], lr=0.1)
        >>> sched = CyclicLR(opt, base_lr=0.1, max_lr=0.5, step_size_up=2, cycle_momentum=False)
        >>> lrs = [sched.get_last_lr()[0]]
        >>> for _ in range(5):
        ...     sched.step(); lrs.append(round(sched.get_last_lr()[0], 6))
        >>> lrs
        [0.1, 0.3, 0.5, 0.3, 0.1, 0.3]
        >>> opt.close()
    """

    _kind = _lib.SCHEDULE_CYCLIC_LR
    _params = ("cyclic_base_lrs", "max_lrs", "step_size_up", "step_size_down", "mode", "gamma",
               "cycle_momentum", "base_momentums", "max_momentums")

    def __init__(
        self,
        optimizer: Any,
        base_lr: Union[float, List[float]],
        max_lr: Union[float, List[float]],
        step_size_up: int = 2000,
        step_size_down: Optional[int] = None,
        mode: str = "triangular",
        gamma: float = 1.0,
        scale_fn: Optional[Callable[[float], float]] = None,
        scale_mode: str = "cycle",
        cycle_momentum: bool = True,
        base_momentum: Union[float, List[float]] = 0.8,
        max_momentum: Union[float, List[float]] = 0.9,
        last_epoch: int = -1,
    ) -> None:
        if scale_fn is not None:
            raise IncompatibleOptionsError(
                "CyclicLR: a custom scale_fn (a Python function) is not supported by the native schedule; "
                "use mode 'triangular', 'triangular2' or 'exp_range'")
        n = len(optimizer.param_groups)
        self.cyclic_base_lrs = [_number("base_lr", v) for v in _per_group("base_lr", base_lr, n)]
        self.max_lrs = [_number("max_lr", v) for v in _per_group("max_lr", max_lr, n)]
        self.step_size_up = step_size_up
        self.step_size_down = step_size_down
        _choice("mode", mode, _CYCLIC_MODES)
        self.mode = mode
        self.gamma = gamma
        self.scale_mode = "iterations" if mode == "exp_range" else "cycle"
        self.cycle_momentum = bool(cycle_momentum)
        updates: List[Dict[str, Any]] = [{"lr": lr} for lr in self.cyclic_base_lrs]
        self.base_momentums: Optional[List[float]] = None
        self.max_momentums: Optional[List[float]] = None
        if self.cycle_momentum:
            self.use_beta1, self.base_momentums, self.max_momentums = _momentum_updates(
                optimizer, base_momentum, max_momentum, n)
            for update, group, top, bottom in zip(updates, optimizer.param_groups, self.max_momentums,
                                                  self.base_momentums):
                update.update(_momentum_entry(self.use_beta1, group, top))
                update["max_momentum"] = top
                update["base_momentum"] = bottom
        self._setup(optimizer, last_epoch, updates, base_lrs=self.cyclic_base_lrs)

    def _per_group_params(self) -> bool:
        return len(set(zip(self.cyclic_base_lrs, self.max_lrs))) > 1

    def _native_params(self, group: int) -> Dict[str, Any]:
        return {
            "base_lr": self.cyclic_base_lrs[group], "max_lr": self.max_lrs[group],
            "step_size_up": self.step_size_up,
            "step_size_down": -1 if self.step_size_down is None else self.step_size_down,
            "mode": _choice("mode", self.mode, _CYCLIC_MODES), "gamma": self.gamma,
        }

    def _extras(self, step: int, updates: Optional[List[Dict[str, Any]]] = None) -> Optional[List[Dict[str, Any]]]:
        if not self.cycle_momentum:
            return None
        # torch's CyclicLR.get_lr, on the momentum only
        up = float(self.step_size_up)
        down = float(self.step_size_down) if self.step_size_down is not None else up
        total = up + down
        ratio = up / total
        cycle = math.floor(1 + step / total)
        x = 1.0 + step / total - cycle
        scale_factor = x / ratio if x <= ratio else (x - 1) / (ratio - 1)
        if self.mode == "triangular":
            scale = 1.0
        elif self.mode == "triangular2":
            scale = 1 / (2.0 ** (cycle - 1))
        else:
            scale = self.gamma ** step
        out = []
        for i, group in enumerate(self.optimizer.param_groups):
            top, bottom = self.max_momentums[i], self.base_momentums[i]  # type: ignore[index]
            momentum = top - (top - bottom) * scale_factor * scale
            out.append(_momentum_entry(self.use_beta1, group, momentum))
        return out


class InverseSqrtLR(LRScheduler):
    r"""Linear warmup then inverse-square-root decay (not in torch), with
    k = decay_rate and w = warmup_steps::

        lr = initial_lr · t / w                    for t < w
        lr = initial_lr / (1 + k · (√t − √w))      for t >= w

    With w = 0 it is initial_lr / (1 + k·√t); with k = 1/√w it is the
    Transformer schedule initial_lr · √(w/t) after warmup (fairseq's
    inverse_sqrt, Hugging Face's get_inverse_sqrt_schedule).

    Example:
        >>> import numpy as np, swiftopt
        >>> from swiftopt.lr_scheduler import InverseSqrtLR
        >>> opt = swiftopt.SGD([np.zeros(2)], lr=1.0)
        >>> sched = InverseSqrtLR(opt, decay_rate=1.0)
        >>> lrs = [sched.get_last_lr()[0]]
        >>> for _ in range(4):
        ...     sched.step(); lrs.append(round(sched.get_last_lr()[0], 6))
        >>> lrs
        [1.0, 0.5, 0.414214, 0.366025, 0.333333]
        >>> opt.close()
    """

    _kind = _lib.SCHEDULE_INVERSE_SQRT
    _params = ("decay_rate", "warmup_steps")
    _multiplicative = True

    def __init__(self, optimizer: Any, decay_rate: float = 1.0, warmup_steps: int = 0, last_epoch: int = -1) -> None:
        self.decay_rate = decay_rate
        self.warmup_steps = warmup_steps
        self._setup(optimizer, last_epoch)


class InverseTimeLR(LRScheduler):
    r"""Keras's InverseTimeDecay (not in torch):
    lr = initial_lr / (1 + decay_rate · t / decay_steps); with ``staircase``,
    t / decay_steps becomes ⌊t / decay_steps⌋.

    Example:
        >>> import numpy as np, swiftopt
        >>> from swiftopt.lr_scheduler import InverseTimeLR
        >>> opt = swiftopt.SGD([np.zeros(2)], lr=1.0)
        >>> sched = InverseTimeLR(opt, decay_rate=1.0, decay_steps=2)
        >>> lrs = [sched.get_last_lr()[0]]
        >>> for _ in range(4):
        ...     sched.step(); lrs.append(round(sched.get_last_lr()[0], 6))
        >>> lrs
        [1.0, 0.666667, 0.5, 0.4, 0.333333]
        >>> opt.close()
    """

    _kind = _lib.SCHEDULE_INVERSE_TIME
    _params = ("decay_rate", "decay_steps", "staircase")
    _multiplicative = True

    def __init__(self, optimizer: Any, decay_rate: float, decay_steps: float, staircase: bool = False,
                 last_epoch: int = -1) -> None:
        self.decay_rate = decay_rate
        self.decay_steps = decay_steps
        self.staircase = bool(staircase)
        self._setup(optimizer, last_epoch)


# ---- composites -----------------------------------------------------------------------------


def _check_children(name: str, optimizer: Any, schedulers: Sequence[Any]) -> List[LRScheduler]:
    schedulers = list(schedulers)
    if not schedulers:
        raise InvalidArgumentError(f"{name} expects at least one scheduler, but got none")
    for i, s in enumerate(schedulers):
        if isinstance(s, ReduceLROnPlateau):
            raise IncompatibleOptionsError(f"{name} does not support ReduceLROnPlateau (scheduler {i})")
        if not isinstance(s, LRScheduler):
            raise ArgumentTypeError(f"{name}: scheduler {i} is a {type(s).__name__}, not a swiftopt.lr_scheduler")
        if s.optimizer is not optimizer:
            raise InvalidArgumentError(f"{name} expects all schedulers to belong to the same optimizer "
                                       f"(scheduler {i}, {type(s).__name__}, has another)")
    return schedulers


class SequentialLR(LRScheduler):
    r"""Runs ``schedulers`` one after another, switching at ``milestones``
    (strictly increasing, one fewer than the schedulers): at step t the
    scheduler i = number of milestones ≤ t gives its value at
    t − milestones[i−1] (each restarts at its step 0, as torch's). The
    children are copied into one native schedule when this is created; they
    must be native schedules (not LambdaLR, MultiplicativeLR, ChainedScheduler
    or ReduceLROnPlateau).

    Example:
        >>> import numpy as np, swiftopt
        >>> from swiftopt.lr_scheduler import LinearLR, ExponentialLR, SequentialLR
        >>> opt = swiftopt.SGD([np.zeros(2)], lr=1.0)
        >>> warmup = LinearLR(opt, start_factor=0.5, total_iters=2)
        >>> decay = ExponentialLR(opt, gamma=0.5)
        >>> sched = SequentialLR(opt, [warmup, decay], milestones=[2])
        >>> lrs = [sched.get_last_lr()[0]]
        >>> for _ in range(4):
        ...     sched.step(); lrs.append(sched.get_last_lr()[0])
        >>> lrs
        [0.5, 0.75, 1.0, 0.5, 0.25]
        >>> opt.close()
    """

    _kind = _lib.SCHEDULE_SEQUENTIAL_LR

    def __init__(self, optimizer: Any, schedulers: Sequence[LRScheduler], milestones: Sequence[int],
                 last_epoch: int = -1) -> None:
        self._schedulers = _check_children("SequentialLR", optimizer, schedulers)
        for i, s in enumerate(self._schedulers):
            if not s._kind:
                raise IncompatibleOptionsError(
                    f"SequentialLR: scheduler {i} ({type(s).__name__}) is not a native schedule")
        if isinstance(milestones, (str, bytes)) or not hasattr(milestones, "__len__"):
            raise ArgumentTypeError(f"milestones must be a list of integers, got {milestones!r}")
        if len(milestones) != len(self._schedulers) - 1:
            raise SizeMismatchError(
                "SequentialLR expects one more scheduler than milestones, but got "
                f"{len(self._schedulers)} schedulers and {len(milestones)} milestones")
        self._milestones_list = list(milestones)
        self._setup(optimizer, last_epoch)

    def _milestones(self) -> Sequence[int]:
        return self._milestones_list

    def _build(self, n: int) -> List[_Schedule]:
        made: Dict[tuple, _Schedule] = {}
        out = []
        try:
            for i in range(n):
                children = tuple(s._schedules[i] for s in self._schedulers)
                key = tuple(id(c) for c in children)
                if key not in made:
                    made[key] = _Schedule(self._kind, {}, self._milestones_list, children)
                out.append(made[key])
        except BaseException:
            for s in made.values():
                s.close()
            raise
        return out

    def _extra_state(self) -> tuple:
        return ("_milestones_list",)

    def state_dict(self) -> Dict[str, Any]:
        """As torch: the children's state dicts under ``_schedulers``."""
        state = super().state_dict()
        state["_milestones"] = state.pop("_milestones_list")
        state["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return state

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        state = dict(state_dict)
        children = state.pop("_schedulers", None)
        if "_milestones" in state:
            state["_milestones_list"] = list(state.pop("_milestones"))
        if children is not None:
            if len(children) != len(self._schedulers):
                raise SizeMismatchError(f"state_dict has {len(children)} schedulers, this SequentialLR has "
                                        f"{len(self._schedulers)}")
            for s, child in zip(self._schedulers, children):
                s.load_state_dict(child)
        super().load_state_dict(state)


class ChainedScheduler(LRScheduler):
    r"""Applies several schedulers at once: lr = initial_lr · Π factor_k(t_k)
    (torch's ChainedScheduler, whose recursive schedulers multiply the lr in
    turn). Supported for the schedulers whose torch form is multiplicative:
    ConstantLR, LinearLR, StepLR, MultiStepLR, ExponentialLR, PolynomialLR
    (and InverseSqrtLR, InverseTimeLR).

    Example:
        >>> import numpy as np, swiftopt
        >>> from swiftopt.lr_scheduler import ConstantLR, ExponentialLR, ChainedScheduler
        >>> opt = swiftopt.SGD([np.zeros(2)], lr=1.0)
        >>> sched = ChainedScheduler([ConstantLR(opt, factor=0.5, total_iters=2),
        ...                           ExponentialLR(opt, gamma=0.5)])
        >>> lrs = [sched.get_last_lr()[0]]
        >>> for _ in range(3):
        ...     sched.step(); lrs.append(sched.get_last_lr()[0])
        >>> lrs
        [0.5, 0.25, 0.25, 0.125]
        >>> opt.close()
    """

    def __init__(self, schedulers: Sequence[LRScheduler], optimizer: Any = None) -> None:
        schedulers = list(schedulers)
        if optimizer is None and schedulers:
            optimizer = schedulers[0].optimizer
        self._schedulers = _check_children("ChainedScheduler", optimizer, schedulers)
        for i, s in enumerate(self._schedulers):
            if not s._multiplicative:
                raise IncompatibleOptionsError(
                    f"ChainedScheduler: scheduler {i} ({type(s).__name__}) is not multiplicative; supported: "
                    "ConstantLR, LinearLR, StepLR, MultiStepLR, ExponentialLR, PolynomialLR, InverseSqrtLR, "
                    "InverseTimeLR")
        self.optimizer = optimizer
        self._closed = False
        self._schedules = []
        self.base_lrs = list(self._schedulers[0].base_lrs)
        self.last_epoch = self._schedulers[0].last_epoch
        self._step_count = 1
        self._apply(self._product([s.last_epoch for s in self._schedulers]))

    def _product(self, steps: List[int]) -> List[float]:
        self._check_groups()
        lrs = []
        for i, base in enumerate(self.base_lrs):
            lr = base
            for s, t in zip(self._schedulers, steps):
                s._check_groups()
                lr *= s._schedules[i].value(1.0, t)
            lrs.append(lr)
        return lrs

    def step(self, epoch: Optional[int] = None) -> None:
        """Steps every scheduler once and sets the product of their factors."""
        if epoch is not None:
            raise IncompatibleOptionsError("ChainedScheduler.step() takes no epoch")
        steps = [s.last_epoch + 1 for s in self._schedulers]
        lrs = self._product(steps)
        self._apply(lrs)
        for s, t in zip(self._schedulers, steps):
            s.last_epoch = t
            s._step_count += 1
            s._last_lr = list(self._last_lr)
        self.last_epoch += 1
        self._step_count += 1

    def get_lr(self) -> List[float]:
        return self._product([s.last_epoch for s in self._schedulers])

    def state_dict(self) -> Dict[str, Any]:
        """As torch: the children's state dicts under ``_schedulers``."""
        state = super().state_dict()
        state["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return state

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        state = dict(state_dict)
        children = state.pop("_schedulers", None)
        if children is not None:
            if len(children) != len(self._schedulers):
                raise SizeMismatchError(f"state_dict has {len(children)} schedulers, this ChainedScheduler has "
                                        f"{len(self._schedulers)}")
            for s, child in zip(self._schedulers, children):
                s.load_state_dict(child)
        super().load_state_dict(state)

    def close(self) -> None:
        for s in self._schedulers:
            s.close()
        super().close()


# ---- metric-driven ----------------------------------------------------------------------------

_PLATEAU_MODES = {"min": _lib.PLATEAU_MIN, "max": _lib.PLATEAU_MAX}
_THRESHOLD_MODES = {"rel": _lib.THRESHOLD_REL, "abs": _lib.THRESHOLD_ABS}


class ReduceLROnPlateau(LRScheduler):
    r"""Multiplies each group's lr by ``factor`` (not below its ``min_lr``,
    and only if that lowers it by more than ``eps``) once the metric passed
    to ``step(metrics)`` has not improved for more than ``patience`` steps,
    then waits ``cooldown`` steps. The metric improves on the best one when
    metric < best·(1 − threshold) (mode "min", threshold_mode "rel"),
    metric < best − threshold ("min", "abs"), metric > best·(1 + threshold)
    ("max", "rel") or metric > best + threshold ("max", "abs"). ``min_lr``
    may be a list (one per group). The rules and the state (``best``,
    ``num_bad_epochs``, ``cooldown_counter``, ``last_epoch``) live in the
    native schedule.

    Example:
        >>> import numpy as np, swiftopt
        >>> from swiftopt.lr_scheduler import ReduceLROnPlateau
        >>> opt = swiftopt.SGD([np.zeros(2)], lr=1.0)
        >>> sched = ReduceLROnPlateau(opt, patience=1, factor=0.5)
        >>> for loss in [1.0, 0.9, 0.9, 0.9, 0.9]:
        ...     sched.step(loss)
        >>> sched.get_last_lr(), sched.best, sched.num_bad_epochs
        ([0.5], 0.9, 1)
        >>> opt.close()
    """

    _kind = _lib.SCHEDULE_REDUCE_LR_ON_PLATEAU
    _params = ("mode", "factor", "patience", "threshold", "threshold_mode", "cooldown", "eps", "min_lrs",
               "default_min_lr")

    def __init__(
        self,
        optimizer: Any,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: Union[float, List[float]] = 0,
        eps: float = 1e-8,
    ) -> None:
        if not hasattr(optimizer, "param_groups"):
            raise ArgumentTypeError(f"{type(optimizer).__name__} is not an optimizer (it has no param_groups)")
        n = len(optimizer.param_groups)
        _choice("mode", mode, _PLATEAU_MODES)
        _choice("threshold_mode", threshold_mode, _THRESHOLD_MODES)
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != n:
                raise SizeMismatchError(f"expected {n} min_lrs, got {len(min_lr)}")
            self.default_min_lr: Optional[float] = None
            self.min_lrs = [_number("min_lr", v) for v in min_lr]
        else:
            self.default_min_lr = _number("min_lr", min_lr)
            self.min_lrs = [self.default_min_lr] * n
        self.mode = mode
        self.factor = factor
        self.patience = patience
        self.threshold = threshold
        self.threshold_mode = threshold_mode
        self.cooldown = cooldown
        self.eps = eps
        schedules = self._build(n)
        self._check_min_lrs(schedules[0], self.min_lrs)
        self.optimizer = optimizer
        self._closed = False
        self._schedules = schedules
        self._step_count = 0
        self._last_lr = [group["lr"] for group in optimizer.param_groups]

    def _check_min_lrs(self, schedule: _Schedule, min_lrs: List[float]) -> None:
        # validated natively: a fresh copy of the schedule takes one throwaway step
        probe = _Schedule(self._kind, self._native_params(0))
        try:
            n = len(min_lrs)
            lrs = (c_double * n)(*([1.0] * n))
            mins = (c_double * n)(*min_lrs)
            out = (c_double * n)()
            _L.swiftopt_schedule_step_metric(probe.handle, 0.0, n, lrs, mins, out)
        finally:
            probe.close()

    def _native_params(self, group: int) -> Dict[str, Any]:
        return {
            "mode": _choice("mode", self.mode, _PLATEAU_MODES), "factor": self.factor, "patience": self.patience,
            "threshold": self.threshold,
            "threshold_mode": _choice("threshold_mode", self.threshold_mode, _THRESHOLD_MODES),
            "cooldown": self.cooldown, "eps": self.eps,
            "min_lr": self.default_min_lr if self.default_min_lr is not None else 0.0,
        }

    def _build(self, n: int) -> List[_Schedule]:
        return [_Schedule(self._kind, self._native_params(0))]

    def _state(self) -> tuple:
        if self._closed:
            raise ClosedError("ReduceLROnPlateau is closed")
        best, bad, cool, epoch = c_double(), c_int64(), c_int64(), c_int64()
        _L.swiftopt_schedule_plateau_state(self._schedules[0].handle, byref(best), byref(bad), byref(cool),
                                           byref(epoch))
        return best.value, bad.value, cool.value, epoch.value

    @property
    def best(self) -> float:
        """The best metric so far (+inf for "min", −inf for "max" before the first)."""
        return self._state()[0]

    @property
    def num_bad_epochs(self) -> int:
        return self._state()[1]

    @property
    def cooldown_counter(self) -> int:
        return self._state()[2]

    @property
    def last_epoch(self) -> int:  # type: ignore[override]
        return self._state()[3]

    @property
    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    @property
    def mode_worse(self) -> float:
        return math.inf if self.mode == "min" else -math.inf

    def step(self, metrics: Any, epoch: Optional[int] = None) -> None:  # type: ignore[override]
        """Records one metric (a number, or a 0-d array/tensor) and lowers the
        lrs if it has stalled. On error nothing changes."""
        try:
            current = float(metrics)
        except (TypeError, ValueError):
            raise ArgumentTypeError(f"metrics must be a number, got {type(metrics).__name__}") from None
        groups = self.optimizer.param_groups
        n = len(groups)
        if n != len(self.min_lrs):
            if self.default_min_lr is None:
                raise SizeMismatchError(
                    f"the optimizer has {n} parameter groups but min_lr has {len(self.min_lrs)} values")
            self.min_lrs = [self.default_min_lr] * n
        if epoch is not None:
            epoch = _step_arg(epoch)
            if epoch < 0:
                raise OutOfBoundsError(f"epoch must be >= 0, got {epoch}")
        handle = self._schedules[0].handle if not self._closed else None
        if handle is None:
            raise ClosedError("ReduceLROnPlateau is closed")
        current_lrs = [_number("lr", g["lr"]) for g in groups]
        lrs = (c_double * n)(*current_lrs)
        mins = (c_double * n)(*self.min_lrs)
        out = (c_double * n)()
        _L.swiftopt_schedule_step_metric(handle, current, n, lrs, mins, out)
        if epoch is not None:
            best, bad, cool, _ = self._state()
            _L.swiftopt_schedule_set_plateau_state(handle, best, bad, cool, epoch)
        for group, old, new in zip(groups, current_lrs, out):
            if new != old:
                group["lr"] = new
        self._step_count += 1
        self._last_lr = [group["lr"] for group in groups]

    def get_lr(self) -> List[float]:
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> Dict[str, Any]:
        """torch's keys: factor, min_lrs, patience, cooldown, cooldown_counter,
        mode, threshold, threshold_mode, best, num_bad_epochs, mode_worse,
        eps, last_epoch, _last_lr (plus default_min_lr, _step_count)."""
        state = {key: copy.deepcopy(getattr(self, key)) for key in self._params}
        best, bad, cool, epoch = self._state()
        state.update(best=best, num_bad_epochs=bad, cooldown_counter=cool, last_epoch=epoch,
                     mode_worse=self.mode_worse, _last_lr=list(self._last_lr), _step_count=self._step_count)
        return state

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Loads :meth:`state_dict`'s output (or torch's). On error nothing changes."""
        if not isinstance(state_dict, Mapping):
            raise ArgumentTypeError(f"state_dict must be a mapping, got {type(state_dict).__name__}")
        old = {key: getattr(self, key) for key in self._params}
        best0, bad0, cool0, epoch0 = self._state()
        try:
            for key in self._params:
                if key in state_dict:
                    setattr(self, key, copy.deepcopy(state_dict[key]))
            self.min_lrs = [_number("min_lr", v) for v in self.min_lrs]
            schedule = self._build(len(self.min_lrs))[0]
            try:
                self._check_min_lrs(schedule, self.min_lrs)
                _L.swiftopt_schedule_set_plateau_state(
                    schedule.handle, _number("best", state_dict.get("best", best0)),
                    int(state_dict.get("num_bad_epochs", bad0)), int(state_dict.get("cooldown_counter", cool0)),
                    int(state_dict.get("last_epoch", epoch0)))
            except BaseException:
                schedule.close()
                raise
        except BaseException:
            for key, value in old.items():
                setattr(self, key, value)
            raise
        previous = self._schedules
        self._schedules = [schedule]
        for s in previous:
            s.close()
        if "_last_lr" in state_dict:
            self._last_lr = list(state_dict["_last_lr"])
        if "_step_count" in state_dict:
            self._step_count = int(state_dict["_step_count"])

    def __repr__(self) -> str:
        return (f"ReduceLROnPlateau(mode={self.mode!r}, factor={self.factor!r}, patience={self.patience!r}, "
                f"threshold={self.threshold!r}, threshold_mode={self.threshold_mode!r}, "
                f"cooldown={self.cooldown!r}, min_lrs={self.min_lrs!r}, eps={self.eps!r})")
