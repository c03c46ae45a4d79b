"""Per-tensor Python overhead of swiftopt's step().

Steps an optimizer over N one-element float32 tensors (so the kernels cost
next to nothing) and subtracts the bare native call on the same cached
pointer array (ctypes call + kernels). What is left is the Python side of
step(): checking each gradient and gathering its pointer.

    python bindings/python/benchmarks/overhead.py [--tensors 1000] [--repeat 7]

Two cases: gradients that are the same arrays every step (buffers the caller
reuses: identity cache hit) and new arrays every step (each fully checked and
its pointer read). Also: the cost of one hyperparameter change through
param_groups, and the ways of reading a numpy data pointer, for reference.
"""

from __future__ import annotations

import argparse
import os
import sys
import timeit

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
if not os.environ.get("SWIFTOPT_LIBRARY") and not os.path.exists(
    os.path.join(os.path.dirname(__file__), "..", "swiftopt", "libswiftopt.so")
):
    os.environ["SWIFTOPT_LIBRARY"] = os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", ".build", "release", "libswiftopt.so"
    )

import swiftopt  # noqa: E402
from swiftopt import _lib, _optim  # noqa: E402


def best(fn, number, repeat):
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tensors", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--algorithm", default="Adam")
    args = parser.parse_args()
    n, repeat = args.tensors, args.repeat
    number = max(20, 200_000 // n)

    params = [np.zeros(1, np.float32) for _ in range(n)]
    grads = [np.ones(1, np.float32) for _ in range(n)]
    opt = getattr(swiftopt, args.algorithm)(params)
    opt.step(grads)
    handle, ptrs = opt._native.handle, opt._ptrs
    native_step = _lib.lib.swiftopt_optimizer_step

    t_native = best(lambda: native_step(handle, ptrs, n), number, repeat)
    t_reused = best(lambda: opt.step(grads), number, repeat)
    pools = [[np.ones(1, np.float32) for _ in range(n)] for _ in range(2)]
    flip = [0]

    def fresh() -> None:  # alternate between two sets of distinct arrays: never a cache hit
        flip[0] ^= 1
        opt.step(pools[flip[0]])

    t_fresh = best(fresh, number, repeat)
    group = opt.param_groups[0]
    t_set_lr = best(lambda: group.__setitem__("lr", 1e-3), 20000, repeat)
    opt.close()

    g = grads[0]
    pointer_ways = {
        "arr.__array_interface__['data'][0]": lambda: g.__array_interface__["data"][0],
        "arr.ctypes.data": lambda: g.ctypes.data,
        "swiftopt (PyArrayObject.data, probed)": lambda: _optim._data_pointer(g),
    }
    print(f"swiftopt {swiftopt.__version__}, numpy {np.__version__}, Python {sys.version.split()[0]}, "
          f"{args.algorithm}, {n} float32 tensors of 1 element, best of {repeat}")
    print(f"  native call alone (ctypes + kernels)   {t_native * 1e6:9.1f} us/step")
    print(f"  step(), reused gradient arrays         {t_reused * 1e6:9.1f} us/step  "
          f"-> Python overhead {(t_reused - t_native) / n * 1e9:6.0f} ns/tensor")
    print(f"  step(), new gradient arrays            {t_fresh * 1e6:9.1f} us/step  "
          f"-> Python overhead {(t_fresh - t_native) / n * 1e9:6.0f} ns/tensor")
    print(f"  param_groups[0]['lr'] = x (validated, stored natively)  {t_set_lr * 1e9:6.0f} ns")
    print("  reading one numpy data pointer:")
    for label, fn in pointer_ways.items():
        print(f"    {label:<40} {best(fn, 100000, repeat) * 1e9:6.0f} ns")
    try:
        import torch
    except ImportError:
        return
    torch.set_num_threads(1)
    tensors = [torch.zeros(1) for _ in range(n)]
    for t in tensors:
        t.grad = torch.ones(1)
    reference = getattr(torch.optim, args.algorithm)(tensors)
    reference.step()
    t_torch = best(reference.step, max(5, number // 10), repeat)
    print(f"  for scale: torch.optim.{args.algorithm}.step() on the same tensors "
          f"{t_torch * 1e6:9.1f} us/step ({t_torch / n * 1e9:.0f} ns/tensor)")


if __name__ == "__main__":
    main()
