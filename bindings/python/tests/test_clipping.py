"""swiftopt.clip_grad_norm_ / clip_grad_value_ against torch.nn.utils's and
against numpy; one native call; bad input changes nothing.

fp64: total norm and clipped gradients to 1e-12 relative. fp32: the library
accumulates norms in double (the returned total is a double computed from the
fp32 values: checked to 1e-12 against numpy's float64 norm of the same values)
and scales each element with one rounding, so the clipped fp32 gradients are
within eps32 (relative to max|g|) of the exact values; torch's fp32 result,
which accumulates in fp32, is compared against the exact values for the record.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import swiftopt
from swiftopt import clip as clip_module
from conftest import record_parity

EPS32 = float(np.finfo(np.float32).eps)
SHAPES = [(5, 3), (7,), (2, 2, 2)]


def grads(dtype, seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal(s) * scale).astype(dtype) for s in SHAPES]


def rel(a, b):
    num = max(float(np.max(np.abs(x.astype(np.float64) - y.astype(np.float64)))) for x, y in zip(a, b))
    return num / max(float(np.max(np.abs(y))) for y in b)


def torch_clip(torch, arrays, max_norm, norm_type):
    tensors = [torch.tensor(a.copy()) for a in arrays]
    params = []
    for t in tensors:
        p = torch.zeros_like(t, requires_grad=True)
        p.grad = t
        params.append(p)
    total = float(torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type=norm_type))
    return total, [t.numpy() for t in tensors]


def exact_norm(arrays, p):
    flat = np.concatenate([a.astype(np.float64).ravel() for a in arrays])
    return float(np.max(np.abs(flat))) if p == math.inf else float(np.sum(np.abs(flat) ** p) ** (1 / p))


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["fp64", "fp32"])
@pytest.mark.parametrize("norm_type", [2.0, 1.0, math.inf, 3.0, "inf"])
@pytest.mark.parametrize("max_norm", [0.5, 1e3, 0.0])
def test_clip_grad_norm_matches_torch(torch, dtype, norm_type, max_norm):
    ours = grads(dtype)
    original = [g.copy() for g in ours]
    p = math.inf if norm_type == "inf" else norm_type
    total = swiftopt.clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    assert isinstance(total, float)
    exact_total = exact_norm(original, p)
    assert abs(total - exact_total) <= 1e-12 * exact_total
    scale = min(max_norm / (exact_total + 1e-6), 1.0)
    exact = [g.astype(np.float64) * scale for g in original]
    if dtype == np.float64:
        theirs_total, theirs = torch_clip(torch, original, max_norm, norm_type)
        assert abs(total - theirs_total) <= 1e-12 * theirs_total
        if max_norm == 0.0:
            assert all(np.array_equal(a, b) for a, b in zip(ours, theirs))
        else:
            error = rel(ours, theirs)
            record_parity("torch-clip", f"norm{norm_type}", "float64", error)
            assert error <= 1e-12
    else:
        if max_norm == 0.0:
            assert all(not g.any() for g in ours)
        else:
            error = rel(ours, exact)
            record_parity("exact-clip", f"norm{norm_type}", "float32", error)
            assert error <= EPS32
            theirs_total, theirs = torch_clip(torch, original, max_norm, norm_type)
            record_parity("torch32-clip-own", f"norm{norm_type}", "float32", rel(theirs, exact))
            assert abs(theirs_total - exact_total) <= 1e-5 * exact_total  # torch's fp32 norm, for sanity
    for g in ours:
        assert g.dtype == dtype


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["fp64", "fp32"])
@pytest.mark.parametrize("clip_value", [0.0, 0.3, 1.0, 10.0])
def test_clip_grad_value_matches_torch_exactly(torch, dtype, clip_value):
    ours = grads(dtype, seed=1)
    tensors = [torch.tensor(g.copy()) for g in ours]
    params = []
    for t in tensors:
        p = torch.zeros_like(t, requires_grad=True)
        p.grad = t
        params.append(p)
    torch.nn.utils.clip_grad_value_(params, clip_value)
    assert swiftopt.clip_grad_value_(ours, clip_value) is None
    for a, b in zip(ours, tensors):
        np.testing.assert_array_equal(a, b.numpy())


def test_nonfinite_norm_behaves_like_torch(torch):
    for bad in (np.nan, np.inf):
        ours = grads(np.float64, seed=2)
        ours[1][3] = bad
        original = [g.copy() for g in ours]
        total = swiftopt.clip_grad_norm_(ours, 1.0)
        theirs_total, theirs = torch_clip(torch, original, 1.0, 2.0)
        assert (math.isnan(total) and math.isnan(theirs_total)) or total == theirs_total
        for a, b in zip(ours, theirs):
            np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
            np.testing.assert_array_equal(a[~np.isnan(a)], b[~np.isnan(b)])
        # error_if_nonfinite: raises and changes nothing
        again = [g.copy() for g in original]
        with pytest.raises(swiftopt.OutOfBoundsError):
            swiftopt.clip_grad_norm_(again, 1.0, error_if_nonfinite=True)
        for a, b in zip(again, original):
            np.testing.assert_array_equal(a, b)
    fine = grads(np.float64)
    assert swiftopt.clip_grad_norm_(fine, 1.0, error_if_nonfinite=True) == pytest.approx(exact_norm(grads(np.float64), 2))


def test_single_array_none_entries_and_empty():
    g = np.array([3.0, 4.0])
    assert swiftopt.clip_grad_norm_(g, 1.0) == 5.0
    np.testing.assert_allclose(g, [0.6, 0.8], rtol=1e-6)
    a, b = np.array([3.0]), np.array([4.0])
    assert swiftopt.clip_grad_norm_([a, None, b, np.zeros(0)], 10.0) == 5.0  # None and empty skipped, as torch
    assert swiftopt.clip_grad_norm_([], 1.0) == 0.0  # torch returns tensor(0.)
    assert swiftopt.clip_grad_norm_([None], 1.0) == 0.0
    swiftopt.clip_grad_value_((x for x in [a, None, b]), 3.5)  # any iterable
    assert a[0] == 3.0 and b[0] == 3.5
    swiftopt.clip_grad_value_([], 1.0)


def test_one_native_call_for_all_arrays(monkeypatch):
    calls = []

    class Spy:
        def __getattr__(self, name):
            function = getattr(swiftopt._lib.lib, name)

            def wrapper(*args):
                calls.append((name, args[1]))
                return function(*args)

            return wrapper

    monkeypatch.setattr(clip_module, "_L", Spy())
    swiftopt.clip_grad_norm_(grads(np.float32), 1.0)
    swiftopt.clip_grad_value_(grads(np.float64), 1.0)
    assert calls == [("swiftopt_clip_grad_norm", 3), ("swiftopt_clip_grad_value", 3)]


BAD = [
    ("mixed dtypes", lambda g: swiftopt.clip_grad_norm_([g[0], g[1].astype(np.float32)], 1.0),
     swiftopt.DTypeMismatchError),
    ("int array", lambda g: swiftopt.clip_grad_norm_([g[0], np.ones(3, np.int64)], 1.0), swiftopt.DTypeMismatchError),
    ("non-contiguous", lambda g: swiftopt.clip_grad_value_([g[0], np.ones((4, 4))[:, ::2]], 1.0),
     swiftopt.InvalidArgumentError),
    ("read-only", lambda g: swiftopt.clip_grad_value_([g[0], _readonly()], 1.0), swiftopt.InvalidArgumentError),
    ("list entry", lambda g: swiftopt.clip_grad_norm_([g[0], [1.0, 2.0]], 1.0), swiftopt.ArgumentTypeError),
    ("not iterable", lambda g: swiftopt.clip_grad_norm_(3.0, 1.0), swiftopt.ArgumentTypeError),
    ("negative max_norm", lambda g: swiftopt.clip_grad_norm_(g, -1.0), swiftopt.OutOfBoundsError),
    ("nan max_norm", lambda g: swiftopt.clip_grad_norm_(g, float("nan")), swiftopt.OutOfBoundsError),
    ("inf max_norm", lambda g: swiftopt.clip_grad_norm_(g, float("inf")), swiftopt.OutOfBoundsError),
    ("norm_type < 1", lambda g: swiftopt.clip_grad_norm_(g, 1.0, norm_type=0.5), swiftopt.OutOfBoundsError),
    ("norm_type nan", lambda g: swiftopt.clip_grad_norm_(g, 1.0, norm_type=float("nan")), swiftopt.OutOfBoundsError),
    ("norm_type str", lambda g: swiftopt.clip_grad_norm_(g, 1.0, norm_type="fro"), swiftopt.ArgumentTypeError),
    ("max_norm None", lambda g: swiftopt.clip_grad_norm_(g, None), swiftopt.ArgumentTypeError),
    ("negative clip_value", lambda g: swiftopt.clip_grad_value_(g, -0.1), swiftopt.OutOfBoundsError),
    ("nan clip_value", lambda g: swiftopt.clip_grad_value_(g, float("nan")), swiftopt.OutOfBoundsError),
]


def _readonly():
    a = np.ones(3)
    a.flags.writeable = False
    return a


@pytest.mark.parametrize("label,call,error", BAD, ids=[b[0] for b in BAD])
def test_bad_input_raises_and_changes_nothing(label, call, error):
    g = grads(np.float64, scale=10.0)
    before = [x.copy() for x in g]
    with pytest.raises(error):
        call(g)
    for a, b in zip(g, before):
        np.testing.assert_array_equal(a, b)


def test_docstring_examples_run():
    import doctest

    failures, tried = doctest.testmod(clip_module)
    assert tried >= 4 and failures == 0
