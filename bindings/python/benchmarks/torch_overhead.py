"""Per-tensor overhead of swiftopt.torch's step() against torch.optim.

Steps N one-element float32 parameters (so the arithmetic costs next to
nothing) and reports the time of one step() per parameter tensor for
swiftopt.torch.Adam and torch.optim.Adam (fused=True, foreach=True and the
CPU default), plus swiftopt's bare native call on the same pointer arrays
(ctypes + kernels): what is left is the Python side of step() (checking each
parameter, gradient and state tensor, gathering pointers, step counts).
torch runs with one thread (torch.set_num_threads(1)).

    python bindings/python/benchmarks/torch_overhead.py [--tensors 1000] [--repeat 7] [--algorithm Adam]
"""

from __future__ import annotations

import argparse
import os
import sys
import timeit

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
if not os.environ.get("SWIFTOPT_LIBRARY") and not os.path.exists(
    os.path.join(os.path.dirname(__file__), "..", "swiftopt", "libswiftopt.so")
):
    os.environ["SWIFTOPT_LIBRARY"] = os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", ".build", "release", "libswiftopt.so"
    )

import torch  # noqa: E402

import swiftopt  # noqa: E402
import swiftopt.torch as st  # noqa: E402
from swiftopt import _lib  # noqa: E402


def best(fn, number, repeat):
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def params(n):
    ps = [torch.nn.Parameter(torch.zeros(1)) for _ in range(n)]
    for p in ps:
        p.grad = torch.ones(1)
    return ps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tensors", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--algorithm", default="Adam")
    args = parser.parse_args()
    n, repeat, name = args.tensors, args.repeat, args.algorithm
    number = max(5, 20_000 // n)
    torch.set_num_threads(1)

    ours = getattr(st, name)(params(n))
    ours.step()
    t_ours = best(ours.step, number, repeat)
    bucket = ours._buckets[(0, torch.float32)]
    k = bucket.k
    handle, native = ours._handle, _lib.lib.swiftopt_optimizer_step_tensors
    t_native = best(lambda: native(handle, 0, _lib.DTYPE_FLOAT32, n, bucket.params, bucket.grads, bucket.counts,
                                   bucket.states, k, bucket.steps), number, repeat)
    rows = [("swiftopt.torch." + name, t_ours), ("  of which the native call (ctypes + kernels)", t_native),
            ("  of which Python (checks, pointers, steps)", t_ours - t_native)]
    variants = [("fused=True", dict(fused=True)), ("foreach=True", dict(foreach=True)), ("default (CPU: for-loop)", {})]
    for label, kw in variants:
        if name in ("RMSprop",) and "fused" in kw:
            continue
        try:
            ref = getattr(torch.optim, name)(params(n), **kw)
            ref.step()
        except (RuntimeError, TypeError) as error:  # pragma: no cover - a torch without that mode
            print(f"  torch.optim.{name}({label}) unavailable: {error}")
            continue
        rows.append((f"torch.optim.{name}({label})", best(ref.step, number, repeat)))
    print(f"swiftopt {swiftopt.__version__}, torch {torch.__version__}, {name}, {n} float32 tensors of 1 element, "
          f"best of {repeat} (torch threads 1, swiftopt threads {swiftopt.num_threads()})")
    for label, t in rows:
        print(f"  {label:<48} {t * 1e6:10.1f} us/step  {t / n * 1e6:7.3f} us per tensor")
    fused = dict(rows).get(f"torch.optim.{name}(fused=True)")
    if fused:
        print(f"  swiftopt.torch / torch fused: {t_ours / fused:.2f}x the time")


if __name__ == "__main__":
    main()
