"""Low-level binding: the one place that talks to libswiftopt.

Every C symbol of ``include/swiftopt.h`` is declared here once, with its
``argtypes`` and ``restype``; every function that returns a status has an
``errcheck`` that turns a non-zero status into the matching
:mod:`swiftopt` exception carrying the library's own message. The constants
mirror the header's enums. Nothing here is public API: use the classes in
:mod:`swiftopt`.

The library is found as follows: the ``SWIFTOPT_LIBRARY`` environment variable
(a path to a libswiftopt shared library) if set, else ``libswiftopt.so``
inside this package (put there by ``pip install``). Its version must equal the
package's, or importing swiftopt raises :class:`VersionMismatchError`.
"""

from __future__ import annotations

import ctypes
import os
import sys
from ctypes import POINTER, c_char_p, c_double, c_int32, c_int64, c_size_t, c_uint32, c_void_p
from typing import Any, Callable, Optional, Tuple

from ._errors import STATUS_ERRORS, LibraryLoadError, SwiftOptError, VersionMismatchError
from ._version import __version__

# ---- constants (values fixed by include/swiftopt.h) --------------------------

OK = 0

CPU_LEVEL_BASELINE = 1
CPU_LEVEL_X86_64_V3 = 2
CPU_LEVEL_X86_64_V4 = 3

DTYPE_FLOAT32 = 1
DTYPE_FLOAT64 = 2

ALGORITHM_SGD = 1
ALGORITHM_ADAGRAD = 2
ALGORITHM_RMSPROP = 3
ALGORITHM_ADAM = 4
ALGORITHM_ADAMW = 5

HP_LR = 1
HP_MOMENTUM = 2
HP_DAMPENING = 3
HP_WEIGHT_DECAY = 4
HP_NESTEROV = 5
HP_MAXIMIZE = 6
HP_LR_DECAY = 7
HP_INITIAL_ACCUMULATOR_VALUE = 8
HP_EPS = 9
HP_ALPHA = 10
HP_CENTERED = 11
HP_BETA1 = 12
HP_BETA2 = 13
HP_AMSGRAD = 14
HP_DECOUPLED_WEIGHT_DECAY = 15
HP_L1 = 16
HP_MAX_GRAD_NORM = 17
HP_CLIP_VALUE = 18
HP_SKIP_NONFINITE = 19

HP_FLAG_BOOLEAN = 1
HP_FLAG_MIN_EXCLUSIVE = 2
HP_FLAG_MAX_EXCLUSIVE = 4

STATE_MOMENTUM_BUFFER = 1
STATE_SUM = 2
STATE_SQUARE_AVG = 3
STATE_GRAD_AVG = 4
STATE_EXP_AVG = 5
STATE_EXP_AVG_SQ = 6
STATE_MAX_EXP_AVG_SQ = 7

REDUCTION_NONE = 1
REDUCTION_MEAN = 2
REDUCTION_SUM = 3

SCHEDULE_CONSTANT = 1
SCHEDULE_CONSTANT_LR = 2
SCHEDULE_LINEAR_LR = 3
SCHEDULE_STEP_LR = 4
SCHEDULE_MULTI_STEP_LR = 5
SCHEDULE_EXPONENTIAL_LR = 6
SCHEDULE_POLYNOMIAL_LR = 7
SCHEDULE_COSINE_ANNEALING_LR = 8
SCHEDULE_COSINE_ANNEALING_WARM_RESTARTS = 9
SCHEDULE_ONE_CYCLE_LR = 10
SCHEDULE_CYCLIC_LR = 11
SCHEDULE_SEQUENTIAL_LR = 12
SCHEDULE_REDUCE_LR_ON_PLATEAU = 13
SCHEDULE_INVERSE_SQRT = 14
SCHEDULE_INVERSE_TIME = 15

SCHEDULE_PARAM_FACTOR = 1
SCHEDULE_PARAM_TOTAL_ITERS = 2
SCHEDULE_PARAM_START_FACTOR = 3
SCHEDULE_PARAM_END_FACTOR = 4
SCHEDULE_PARAM_STEP_SIZE = 5
SCHEDULE_PARAM_GAMMA = 6
SCHEDULE_PARAM_POWER = 7
SCHEDULE_PARAM_T_MAX = 8
SCHEDULE_PARAM_ETA_MIN = 9
SCHEDULE_PARAM_T_0 = 10
SCHEDULE_PARAM_T_MULT = 11
SCHEDULE_PARAM_MAX_LR = 12
SCHEDULE_PARAM_TOTAL_STEPS = 13
SCHEDULE_PARAM_PCT_START = 14
SCHEDULE_PARAM_ANNEAL_STRATEGY = 15
SCHEDULE_PARAM_DIV_FACTOR = 16
SCHEDULE_PARAM_FINAL_DIV_FACTOR = 17
SCHEDULE_PARAM_THREE_PHASE = 18
SCHEDULE_PARAM_BASE_LR = 19
SCHEDULE_PARAM_STEP_SIZE_UP = 20
SCHEDULE_PARAM_STEP_SIZE_DOWN = 21
SCHEDULE_PARAM_MODE = 22
SCHEDULE_PARAM_SCALE_MODE = 23
SCHEDULE_PARAM_PATIENCE = 24
SCHEDULE_PARAM_THRESHOLD = 25
SCHEDULE_PARAM_THRESHOLD_MODE = 26
SCHEDULE_PARAM_COOLDOWN = 27
SCHEDULE_PARAM_MIN_LR = 28
SCHEDULE_PARAM_EPS = 29
SCHEDULE_PARAM_DECAY_RATE = 30
SCHEDULE_PARAM_WARMUP_STEPS = 31
SCHEDULE_PARAM_DECAY_STEPS = 32
SCHEDULE_PARAM_STAIRCASE = 33

ANNEAL_COS = 0
ANNEAL_LINEAR = 1

CYCLIC_TRIANGULAR = 0
CYCLIC_TRIANGULAR2 = 1
CYCLIC_EXP_RANGE = 2

CYCLIC_SCALE_BY_MODE = 0
CYCLIC_SCALE_CYCLE = 1
CYCLIC_SCALE_ITERATIONS = 2

PLATEAU_MIN = 0
PLATEAU_MAX = 1

THRESHOLD_REL = 0
THRESHOLD_ABS = 1

SCHEDULE_PARAM_FLAG_INTEGER = 8
SCHEDULE_PARAM_FLAG_REQUIRED = 16

LIBRARY_ENV = "SWIFTOPT_LIBRARY"
LIBRARY_NAME = "libswiftopt.dylib" if sys.platform == "darwin" else "libswiftopt.so"

optimizer_p = c_void_p  # swiftopt_optimizer * (opaque)
schedule_p = c_void_p  # swiftopt_schedule * (opaque)


# ---- errors ------------------------------------------------------------------


def last_error_message(lib: Any) -> str:
    """The calling thread's last error message from the library."""
    length = lib.swiftopt_last_error_message(None, 0)
    buffer = ctypes.create_string_buffer(length + 1)
    lib.swiftopt_last_error_message(buffer, length + 1)
    return buffer.value.decode("utf-8", "replace")


def error_for_status(lib: Any, status: int, function: str) -> SwiftOptError:
    """The exception for a failed call: its class from the status, its text
    the library's message."""
    cls = STATUS_ERRORS.get(status)
    message = last_error_message(lib)
    if cls is None:
        name = lib.swiftopt_status_name(status).decode()
        return SwiftOptError(f"{function}: {name} ({status}): {message}")
    if not message:
        return cls(f"{function}: {cls.status_name}")
    # The library's messages already start with the function's name.
    return cls(message if message.startswith(function + ":") else f"{function}: {message}")


def _errcheck_for(lib: Any) -> Callable[..., int]:
    def errcheck(status: int, func: Any, args: Tuple[Any, ...]) -> int:
        if status != OK:
            raise error_for_status(lib, status, func.__name__)
        return status

    return errcheck


# ---- declarations ------------------------------------------------------------

_i32p = POINTER(c_int32)
_i64p = POINTER(c_int64)
_u32p = POINTER(c_uint32)
_f64p = POINTER(c_double)
_ptr_array = POINTER(c_void_p)  # void *const * / const void *const *

#: name -> (restype, argtypes). Status-returning functions (restype c_int32
#: listed as STATUS) get the errcheck.
STATUS = object()
SIGNATURES: "dict[str, Tuple[Any, list]]" = {
    # version
    "swiftopt_version_number": (c_uint32, []),
    "swiftopt_version_string": (c_char_p, []),
    # runtime: CPU level and threads
    "swiftopt_cpu_level": (c_int32, []),
    "swiftopt_cpu_level_supported": (c_int32, []),
    "swiftopt_set_cpu_level": (STATUS, [c_int32]),
    "swiftopt_cpu_level_name": (c_char_p, [c_int32]),
    "swiftopt_num_threads": (c_int32, []),
    "swiftopt_set_num_threads": (STATUS, [c_int32]),
    # status codes and messages
    "swiftopt_status_name": (c_char_p, [c_int32]),
    "swiftopt_last_error_message": (c_size_t, [c_char_p, c_size_t]),
    # names and introspection
    "swiftopt_algorithm_name": (c_char_p, [c_int32]),
    "swiftopt_algorithm_from_name": (STATUS, [c_char_p, _i32p]),
    "swiftopt_hyperparameter_name": (c_char_p, [c_int32]),
    "swiftopt_hyperparameter_from_name": (STATUS, [c_char_p, _i32p]),
    "swiftopt_state_name": (c_char_p, [c_int32]),
    "swiftopt_algorithm_hyperparameters": (STATUS, [c_int32, _i32p, c_int64, _i64p]),
    "swiftopt_algorithm_hyperparameter_info": (STATUS, [c_int32, c_int32, _f64p, _f64p, _f64p, _u32p]),
    # optimizers
    "swiftopt_optimizer_create": (STATUS, [c_int32, POINTER(optimizer_p)]),
    "swiftopt_optimizer_free": (STATUS, [optimizer_p]),
    "swiftopt_optimizer_algorithm": (STATUS, [optimizer_p, _i32p]),
    "swiftopt_optimizer_add_group": (STATUS, [optimizer_p, _i64p]),
    "swiftopt_optimizer_group_count": (STATUS, [optimizer_p, _i64p]),
    "swiftopt_optimizer_set_hyperparameter": (STATUS, [optimizer_p, c_int64, c_int32, c_double]),
    "swiftopt_optimizer_get_hyperparameter": (STATUS, [optimizer_p, c_int64, c_int32, _f64p]),
    "swiftopt_optimizer_state_kinds": (STATUS, [optimizer_p, c_int64, _i32p, c_int64, _i64p]),
    # library-owned state
    "swiftopt_optimizer_add_param": (STATUS, [optimizer_p, c_int64, c_int32, c_void_p, c_int64, _i64p]),
    "swiftopt_optimizer_param_count": (STATUS, [optimizer_p, _i64p]),
    "swiftopt_optimizer_param_info": (STATUS, [optimizer_p, c_int64, _i64p, _i32p, _i64p]),
    "swiftopt_optimizer_step": (STATUS, [optimizer_p, _ptr_array, c_int64]),
    "swiftopt_optimizer_get_state": (STATUS, [optimizer_p, c_int64, c_int32, c_void_p, c_int64]),
    "swiftopt_optimizer_set_state": (STATUS, [optimizer_p, c_int64, c_int32, c_void_p, c_int64]),
    "swiftopt_optimizer_get_step": (STATUS, [optimizer_p, c_int64, _i64p]),
    "swiftopt_optimizer_set_step": (STATUS, [optimizer_p, c_int64, c_int64]),
    # caller-owned state
    "swiftopt_optimizer_step_tensors": (
        STATUS,
        [optimizer_p, c_int64, c_int32, c_int64, _ptr_array, _ptr_array, _i64p, _ptr_array, c_int64, _i64p],
    ),
    # gradient clipping
    "swiftopt_optimizer_grad_norm": (STATUS, [optimizer_p, c_int64, _f64p]),
    "swiftopt_optimizer_skipped_steps": (STATUS, [optimizer_p, c_int64, _i64p]),
    "swiftopt_optimizer_last_step_skipped": (STATUS, [optimizer_p, c_int64, _i32p]),
    "swiftopt_clip_grad_norm": (STATUS, [c_int32, c_int64, _ptr_array, _i64p, c_double, c_double, _f64p]),
    "swiftopt_clip_grad_value": (STATUS, [c_int32, c_int64, _ptr_array, _i64p, c_double]),
    # losses and penalties
    "swiftopt_mse_loss": (STATUS, [c_int32, c_int64, c_void_p, c_void_p, c_int32, c_void_p, c_void_p]),
    "swiftopt_l1_loss": (STATUS, [c_int32, c_int64, c_void_p, c_void_p, c_int32, c_void_p, c_void_p]),
    "swiftopt_huber_loss": (STATUS, [c_int32, c_int64, c_void_p, c_void_p, c_double, c_int32, c_void_p, c_void_p]),
    "swiftopt_smooth_l1_loss": (
        STATUS,
        [c_int32, c_int64, c_void_p, c_void_p, c_double, c_int32, c_void_p, c_void_p],
    ),
    "swiftopt_hinge_loss": (STATUS, [c_int32, c_int64, c_void_p, c_void_p, c_int32, c_void_p, c_void_p]),
    "swiftopt_binary_cross_entropy_with_logits": (
        STATUS,
        [c_int32, c_int64, c_int64, c_void_p, c_void_p, c_void_p, c_void_p, c_int32, c_void_p, c_void_p],
    ),
    "swiftopt_cross_entropy": (
        STATUS,
        [c_int32, c_int64, c_int64, c_void_p, _i64p, c_void_p, c_int64, c_double, c_int32, c_void_p, c_void_p],
    ),
    "swiftopt_cross_entropy_probs": (
        STATUS,
        [c_int32, c_int64, c_int64, c_void_p, c_void_p, c_void_p, c_double, c_int32, c_void_p, c_void_p],
    ),
    "swiftopt_nll_loss": (
        STATUS,
        [c_int32, c_int64, c_int64, c_void_p, _i64p, c_void_p, c_int64, c_int32, c_void_p, c_void_p],
    ),
    "swiftopt_l1_penalty": (STATUS, [c_int32, c_int64, c_void_p, c_double, _f64p, c_void_p]),
    "swiftopt_l2_penalty": (STATUS, [c_int32, c_int64, c_void_p, c_double, _f64p, c_void_p]),
    "swiftopt_elastic_net_penalty": (STATUS, [c_int32, c_int64, c_void_p, c_double, c_double, _f64p, c_void_p]),
    # learning-rate schedules
    "swiftopt_schedule_kind_name": (c_char_p, [c_int32]),
    "swiftopt_schedule_kind_from_name": (STATUS, [c_char_p, _i32p]),
    "swiftopt_schedule_param_name": (c_char_p, [c_int32]),
    "swiftopt_schedule_param_from_name": (STATUS, [c_char_p, _i32p]),
    "swiftopt_schedule_kind_params": (STATUS, [c_int32, _i32p, c_int64, _i64p]),
    "swiftopt_schedule_param_info": (STATUS, [c_int32, c_int32, _f64p, _f64p, _f64p, _u32p]),
    "swiftopt_schedule_create": (STATUS, [c_int32, POINTER(schedule_p)]),
    "swiftopt_schedule_free": (STATUS, [schedule_p]),
    "swiftopt_schedule_kind": (STATUS, [schedule_p, _i32p]),
    "swiftopt_schedule_set_param": (STATUS, [schedule_p, c_int32, c_double]),
    "swiftopt_schedule_get_param": (STATUS, [schedule_p, c_int32, _f64p]),
    "swiftopt_schedule_set_milestones": (STATUS, [schedule_p, _i64p, c_int64]),
    "swiftopt_schedule_get_milestones": (STATUS, [schedule_p, _i64p, c_int64, _i64p]),
    "swiftopt_schedule_add_child": (STATUS, [schedule_p, schedule_p]),
    "swiftopt_schedule_child_count": (STATUS, [schedule_p, _i64p]),
    "swiftopt_schedule_value": (STATUS, [schedule_p, c_double, c_int64, _f64p]),
    "swiftopt_schedule_values": (STATUS, [schedule_p, c_double, c_int64, c_int64, _f64p]),
    "swiftopt_schedule_step_metric": (STATUS, [schedule_p, c_double, c_int64, _f64p, _f64p, _f64p]),
    "swiftopt_schedule_plateau_state": (STATUS, [schedule_p, _f64p, _i64p, _i64p, _i64p]),
    "swiftopt_schedule_set_plateau_state": (STATUS, [schedule_p, c_double, c_int64, c_int64, c_int64]),
    # schedules attached to optimizer groups
    "swiftopt_optimizer_attach_schedule": (STATUS, [optimizer_p, c_int64, schedule_p]),
    "swiftopt_optimizer_detach_schedule": (STATUS, [optimizer_p, c_int64]),
    "swiftopt_optimizer_schedule_state": (STATUS, [optimizer_p, c_int64, _i32p, _f64p, _i64p]),
    "swiftopt_optimizer_set_schedule_state": (STATUS, [optimizer_p, c_int64, c_double, c_int64]),
    "swiftopt_optimizer_get_schedule": (STATUS, [optimizer_p, c_int64, POINTER(schedule_p)]),
    "swiftopt_optimizer_step_schedule_metric": (STATUS, [optimizer_p, c_int64, c_double, _f64p]),
    # ---- checkpoints (Optimizer.save_checkpoint / load_checkpoint) ----
    "swiftopt_optimizer_checkpoint_size": (STATUS, [optimizer_p, _i64p]),
    "swiftopt_optimizer_save": (STATUS, [optimizer_p, c_void_p, c_int64, _i64p]),
    "swiftopt_optimizer_load": (STATUS, [optimizer_p, c_void_p, c_int64]),
}


#: The symbols the optimizer classes need: a library without one of them
#: fails to load. Others (losses, schedules) that a library lacks are listed in
#: MISSING instead (the tests require MISSING to be empty).
REQUIRED = frozenset(
    name
    for name in SIGNATURES
    if name.startswith(("swiftopt_version_", "swiftopt_status_", "swiftopt_last_error", "swiftopt_algorithm_",
                        "swiftopt_hyperparameter_", "swiftopt_state_name"))
    or name in (
        "swiftopt_optimizer_create", "swiftopt_optimizer_free", "swiftopt_optimizer_algorithm",
        "swiftopt_optimizer_add_group", "swiftopt_optimizer_group_count", "swiftopt_optimizer_set_hyperparameter",
        "swiftopt_optimizer_get_hyperparameter", "swiftopt_optimizer_state_kinds", "swiftopt_optimizer_add_param",
        "swiftopt_optimizer_param_count", "swiftopt_optimizer_param_info", "swiftopt_optimizer_step",
        "swiftopt_optimizer_get_state", "swiftopt_optimizer_set_state", "swiftopt_optimizer_get_step",
        "swiftopt_optimizer_set_step", "swiftopt_optimizer_step_tensors",
    )
)
MISSING: Tuple[str, ...] = ()


def library_path() -> str:
    """Where the library is loaded from: $SWIFTOPT_LIBRARY, else the copy in this package."""
    override = os.environ.get(LIBRARY_ENV)
    if override:
        return override
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), LIBRARY_NAME)


def load(path: Optional[str] = None, expected_version: str = __version__) -> ctypes.CDLL:
    """Loads libswiftopt from ``path`` (default :func:`library_path`), checks
    that its version is ``expected_version`` and declares every symbol.

    Raises :class:`LibraryLoadError` (an ``OSError``) when the file is
    missing or cannot be loaded, :class:`VersionMismatchError` when its
    version differs.
    """
    path = path or library_path()
    source = f"${LIBRARY_ENV}" if os.environ.get(LIBRARY_ENV) and path == os.environ[LIBRARY_ENV] else "the package"
    if not os.path.exists(path):
        raise LibraryLoadError(
            f"swiftopt: cannot find the native library {path} (from {source}). "
            f"Reinstall the package with `pip install ./bindings/python`, or set {LIBRARY_ENV} "
            f"to the path of a libswiftopt shared library built by `make lib`."
        )
    try:
        lib = ctypes.CDLL(path)
    except OSError as error:
        raise LibraryLoadError(f"swiftopt: cannot load the native library {path} (from {source}): {error}") from error
    try:
        lib.swiftopt_version_string.restype = c_char_p
        lib.swiftopt_version_string.argtypes = []
        found = lib.swiftopt_version_string().decode()
    except AttributeError as error:
        raise LibraryLoadError(f"swiftopt: {path} is not a libswiftopt library: {error}") from error
    if found != expected_version:
        raise VersionMismatchError(
            f"swiftopt: the Python package is version {expected_version} but the native library "
            f"{path} (from {source}) is version {found}. They must match: reinstall the package "
            f"(`pip install ./bindings/python`) so that it ships its own library"
            + (f", or point {LIBRARY_ENV} at a library of version {expected_version}." if source != "the package" else ".")
        )
    errcheck = _errcheck_for(lib)
    missing = []
    for name, (restype, argtypes) in SIGNATURES.items():
        try:
            function = getattr(lib, name)
        except AttributeError as error:
            if name in REQUIRED:
                raise LibraryLoadError(f"swiftopt: {path} lacks the symbol {name}: {error}") from error
            missing.append(name)
            continue
        function.argtypes = argtypes
        if restype is STATUS:
            function.restype = c_int32
            function.errcheck = errcheck
        else:
            function.restype = restype
    global MISSING
    MISSING = tuple(missing)
    return lib


lib = load()
