"""Optimizer.save_checkpoint / load_checkpoint: a round trip resumes bit for
bit, Python-side bookkeeping (param_groups, SGD's momentum tracking) follows
the native state, and bad input raises without changing anything."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

import swiftopt

CASES = [
    ("SGD", dict(lr=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, max_grad_norm=0.5)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1)),
    ("RMSprop", dict(lr=0.01, momentum=0.9, centered=True)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.01)),
    ("AdamW", dict(lr=0.01, betas=(0.8, 0.99), amsgrad=True)),
]


def make(name, options, dtype, seed=0, configure=True):
    rng = np.random.default_rng(seed)
    params = [rng.standard_normal((3, 2)).astype(dtype), rng.standard_normal(4).astype(dtype)]
    cls = getattr(swiftopt, name)
    if configure:
        groups = [{"params": [params[0]]}, {"params": [params[1]], "lr": options["lr"] * 0.5}]
        return cls(groups, **options), params
    return cls([{"params": [params[0]]}, {"params": [params[1]]}]), params


def grads(params, k):
    return [(p * 0.5 + 0.01 * k).astype(p.dtype) for p in params]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,options", CASES)
@pytest.mark.parametrize("saved_after", [0, 3])
def test_round_trip_resumes_bitwise(name, options, dtype, saved_after):
    a, pa = make(name, options, dtype)
    for k in range(saved_after):
        a.step(grads(pa, k))
    data = a.save_checkpoint()
    assert isinstance(data, bytes) and data[:8] == b"SWOPTCK\x00"
    assert int.from_bytes(data[-4:], "little") == zlib.crc32(data[:-4])

    b, pb = make(name, options, dtype, seed=1, configure=False)
    for x, y in zip(pa, pb):
        y[...] = x
    b.load_checkpoint(data)
    for ga, gb in zip(a.param_groups, b.param_groups):
        assert {k: v for k, v in ga.items() if k != "params"} == {k: v for k, v in gb.items() if k != "params"}
    assert b._momentum_ready == a._momentum_ready
    assert b.save_checkpoint() == data
    sa, sb = a.state_dict(), b.state_dict()
    assert sa["state"].keys() == sb["state"].keys()
    for k in range(saved_after, saved_after + 5):
        a.step(grads(pa, k))
        b.step(grads(pb, k))
    for x, y in zip(pa, pb):
        assert x.tobytes() == y.tobytes()
    assert a.save_checkpoint() == b.save_checkpoint()


def test_sgd_momentum_tracking_follows_the_checkpoint():
    w = np.ones(3)
    with swiftopt.SGD([w], lr=0.1, momentum=0.9) as a, swiftopt.SGD([w.copy()], lr=0.1, momentum=0.9) as b:
        fresh = a.save_checkpoint()
        b.step([np.ones(3)])
        assert b._momentum_ready == [True] and "momentum_buffer" in b.state_dict()["state"][0]
        b.load_checkpoint(fresh)  # back to before the first step: no momentum buffer
        assert b._momentum_ready == [False] and b.state_dict()["state"] == {}
        a.step([np.ones(3)])
        b.load_checkpoint(a.save_checkpoint())
        assert b._momentum_ready == [True]
        np.testing.assert_array_equal(b.state_dict()["state"][0]["momentum_buffer"], np.ones(3))


def test_bad_input_raises_and_changes_nothing():
    a, pa = make("Adam", dict(lr=0.01), np.float64)
    a.step(grads(pa, 0))
    data = a.save_checkpoint()
    b, pb = make("Adam", dict(lr=0.02), np.float64, seed=1)
    b.step(grads(pb, 0))
    before = b.save_checkpoint()
    groups = [dict(g) for g in b.param_groups]
    bad = bytearray(data)
    bad[60] ^= 0xFF
    with pytest.raises(swiftopt.CorruptDataError, match="checksum"):
        b.load_checkpoint(bytes(bad))
    with pytest.raises(swiftopt.CorruptDataError):
        b.load_checkpoint(data[:-1])
    with pytest.raises(swiftopt.CorruptDataError):
        b.load_checkpoint(b"")
    with pytest.raises(swiftopt.ArgumentTypeError):
        b.load_checkpoint("not bytes")  # type: ignore[arg-type]
    c, _ = make("SGD", dict(lr=0.01), np.float64)
    with pytest.raises(swiftopt.InvalidArgumentError, match="adam"):
        c.load_checkpoint(data)
    f32, _ = make("Adam", dict(lr=0.01), np.float32)
    with pytest.raises(swiftopt.DTypeMismatchError):
        f32.load_checkpoint(data)
    one = swiftopt.Adam([np.zeros((3, 2)), np.zeros(4)])
    with pytest.raises(swiftopt.SizeMismatchError):
        one.load_checkpoint(data)
    assert b.save_checkpoint() == before
    assert [dict(g) for g in b.param_groups] == groups
    b.load_checkpoint(data)  # memoryview and bytearray work too
    b.load_checkpoint(memoryview(bytearray(data)))
    assert b.param_groups[0]["lr"] == 0.01


def test_closed_optimizer_raises():
    a, _ = make("Adam", dict(lr=0.01), np.float64)
    data = a.save_checkpoint()
    a.close()
    with pytest.raises(swiftopt.ClosedError):
        a.save_checkpoint()
    with pytest.raises(swiftopt.ClosedError):
        a.load_checkpoint(data)
