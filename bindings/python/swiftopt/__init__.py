"""swiftopt: torch.optim's optimizers for numpy arrays, run by a native Swift library.

Replace ``torch.optim.Adam(params)`` by ``swiftopt.Adam(params)`` on numpy
arrays and pass the gradients to ``step``::

    import numpy as np, swiftopt

    w = np.zeros(3)                          # float32 or float64, C-contiguous
    opt = swiftopt.Adam([w], lr=1e-2)        # torch's signature and defaults
    for _ in range(100):
        opt.step([2 * (w - 1)])              # one gradient per parameter
    opt.param_groups[0]["lr"] = 1e-3         # applies from the next step
    checkpoint = opt.state_dict()            # torch's structure and names
    opt.close()

Losses with their gradients are in :mod:`swiftopt.losses` (torch.nn.functional's
names); :func:`clip_grad_norm_` and :func:`clip_grad_value_` clip gradient arrays.

Parameters are updated in place and never copied; every step is one native
call for all tensors. Errors derive from :class:`SwiftOptError`.

The native library is the ``libswiftopt.so`` shipped inside this package, or
the file named by the ``SWIFTOPT_LIBRARY`` environment variable; its version
must equal :data:`__version__`.
"""

from ._version import __version__
from . import _errors
from ._errors import *  # noqa: F401,F403 -- every exception class, listed in _errors.__all__
from ._optim import SGD, Adagrad, Adam, AdamW, Optimizer, ParamGroup, RMSprop
from . import _lib
from .runtime import (
    CPU_LEVELS,
    cpu_level,
    cpu_level_supported,
    info,
    num_threads,
    set_cpu_level,
    set_num_threads,
)
from . import losses  # losses.cross_entropy(logits, labels) -> (loss, grad), penalties
from .clip import clip_grad_norm_, clip_grad_value_  # torch.nn.utils's, on gradient arrays
from . import lr_scheduler  # torch.optim.lr_scheduler's classes: swiftopt.lr_scheduler.StepLR, ...

#: The path of the loaded native library.
library_path: str = _lib.library_path()
#: The loaded native library's version string (equal to __version__).
library_version: str = _lib.lib.swiftopt_version_string().decode()

__all__ = [
    "__version__",
    "library_path",
    "library_version",
    "Optimizer",
    "ParamGroup",
    "SGD",
    "Adagrad",
    "RMSprop",
    "Adam",
    "AdamW",
    "losses",
    "clip_grad_norm_",
    "clip_grad_value_",
    "lr_scheduler",
    "CPU_LEVELS",
    "cpu_level",
    "cpu_level_supported",
    "set_cpu_level",
    "num_threads",
    "set_num_threads",
    "info",
] + _errors.__all__
