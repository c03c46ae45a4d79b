"""The optimizers' regularization and clipping options (decoupled_weight_decay,
l1, max_grad_norm, clip_value) and grad_norm(): against the numpy reference of
the header's formulas (tests/reference.py), against torch where torch has the
same thing (clip_grad_norm_ / clip_grad_value_ before a torch step, Adam's
decoupled_weight_decay), live updates, state_dict, bad values."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

import swiftopt
from conftest import record_parity
from reference import REFERENCES, max_rel_error, problem

ALL = ["SGD", "Adagrad", "RMSprop", "Adam", "AdamW"]
BASE = {
    "SGD": dict(lr=0.05, momentum=0.9, weight_decay=0.05),
    "Adagrad": dict(lr=0.05, weight_decay=0.05),
    "RMSprop": dict(lr=0.01, momentum=0.5, centered=True, weight_decay=0.05),
    "Adam": dict(lr=0.01, weight_decay=0.05, amsgrad=True),
    "AdamW": dict(lr=0.01, weight_decay=0.05),
}
OPTIONS = [
    dict(max_grad_norm=2.0),  # the problem's gradient norm is ~8: clips every step
    dict(max_grad_norm=50.0),  # never clips
    dict(clip_value=0.5),
    dict(max_grad_norm=3.0, clip_value=0.3, maximize=True),
    dict(l1=0.05),
    dict(decoupled_weight_decay=True),
    dict(decoupled_weight_decay=True, l1=0.01, max_grad_norm=2.0, clip_value=0.4),
]
TABLE = [(name, {**BASE[name], **o}) for name in ALL for o in OPTIONS
         if not (name == "AdamW" and "decoupled_weight_decay" in o)]
TOLERANCE = {np.float64: 1e-13, np.float32: 2e-6}
STEPS = 200


def ids(table):
    return [n + "-" + ",".join(f"{k}={v}" for k, v in o.items() if k not in BASE[n]) for n, o in table]


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["fp64", "fp32"])
@pytest.mark.parametrize("name,options", TABLE, ids=ids(TABLE))
def test_options_match_numpy_reference(name, options, dtype):
    params, grads = problem(dtype, STEPS)
    ref_params = [p.copy() for p in params]
    reference = REFERENCES[name](ref_params, **options)
    with getattr(swiftopt, name)(params, **options) as opt:
        for g in grads:
            kept = [None if x is None else x.copy() for x in g]
            opt.step(g)
            reference.step(g)
            for x, y in zip(g, kept):  # in-step clipping never writes the gradients
                assert (x is None and y is None) or np.array_equal(x, y)
            if options.get("max_grad_norm"):
                assert opt.grad_norm() == pytest.approx(reference.last_norm, rel=1e-13)
            else:
                assert math.isnan(opt.grad_norm())
    error = max_rel_error(params, ref_params)
    record_parity("numpy-options", name, np.dtype(dtype).name, error)
    assert error <= TOLERANCE[dtype], f"{name} {options}: relative error {error:.3e}"


def torch_step(torch, tensors, opt, grads, max_norm=None, clip_value=None):
    for t, g in zip(tensors, grads):
        t.grad = None if g is None else torch.from_numpy(g.copy())
    norm = None
    stepped = [t for t in tensors if t.grad is not None]
    if max_norm:
        norm = float(torch.nn.utils.clip_grad_norm_(stepped, max_norm))
    if clip_value:
        torch.nn.utils.clip_grad_value_(stepped, clip_value)
    opt.step()
    return norm


TORCH_TABLE = [(name, {**BASE[name], **o}) for name in ALL
               for o in (dict(max_grad_norm=2.0), dict(max_grad_norm=50.0), dict(clip_value=0.5),
                         dict(max_grad_norm=3.0, clip_value=0.3))]


@pytest.mark.parametrize("name,options", TORCH_TABLE, ids=ids(TORCH_TABLE))
def test_in_step_clipping_matches_torch_clip_then_step(torch, name, options):
    """torch.nn.utils.clip_grad_norm_ / clip_grad_value_ then torch's step ==
    swiftopt's step with max_grad_norm / clip_value; grad_norm() == the norm
    torch's clip_grad_norm_ returns."""
    params, grads = problem(np.float64, STEPS, seed=7)
    torch_options = {k: v for k, v in options.items() if k not in ("max_grad_norm", "clip_value")}
    tensors = [torch.tensor(p.copy()) for p in params]
    reference = getattr(torch.optim, name)(tensors, **torch_options)
    worst_norm = 0.0
    with getattr(swiftopt, name)(params, **options) as opt:
        for g in grads:
            opt.step(g)
            norm = torch_step(torch, tensors, reference, g, options.get("max_grad_norm"), options.get("clip_value"))
            if norm is not None:
                worst_norm = max(worst_norm, abs(opt.grad_norm() - norm) / norm)
    error = max_rel_error(params, [t.numpy() for t in tensors])
    record_parity("torch-options", name, "float64", error)
    assert error <= 1e-10, f"{name} {options}: relative error {error:.3e}"
    assert worst_norm <= 1e-12


def test_per_group_clipping_matches_torch_per_group(torch):
    """max_grad_norm clips each group's gradients by that group's norm."""
    params, grads = problem(np.float64, 100, seed=8)
    tensors = [torch.tensor(p.copy()) for p in params]
    reference = torch.optim.SGD([{"params": tensors[:2]}, {"params": tensors[2:]}], lr=0.05, momentum=0.9)
    groups = [{"params": params[:2], "max_grad_norm": 1.5}, {"params": params[2:], "max_grad_norm": 2.5}]
    with swiftopt.SGD(groups, lr=0.05, momentum=0.9) as opt:
        for g in grads:
            opt.step(g)
            for t, x in zip(tensors, g):
                t.grad = None if x is None else torch.from_numpy(x.copy())
            n0 = float(torch.nn.utils.clip_grad_norm_([t for t in tensors[:2] if t.grad is not None], 1.5))
            n1 = float(torch.nn.utils.clip_grad_norm_([t for t in tensors[2:] if t.grad is not None], 2.5))
            reference.step()
            assert opt.grad_norm(0) == pytest.approx(n0, rel=1e-12)
            assert opt.grad_norm(1) == pytest.approx(n1, rel=1e-12)
            assert opt.grad_norm(-1) == opt.grad_norm(1)
    assert max_rel_error(params, [t.numpy() for t in tensors]) <= 1e-10


@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam_decoupled_weight_decay_matches_torch(torch, amsgrad):
    params, grads = problem(np.float64, STEPS, seed=9)
    tensors = [torch.tensor(p.copy()) for p in params]
    options = dict(lr=0.01, weight_decay=0.1, amsgrad=amsgrad, decoupled_weight_decay=True)
    reference = torch.optim.Adam(tensors, **options)
    with swiftopt.Adam(params, **options) as opt:
        assert opt.param_groups[0]["decoupled_weight_decay"] is True
        for g in grads:
            opt.step(g)
            torch_step(torch, tensors, reference, g)
    assert max_rel_error(params, [t.numpy() for t in tensors]) <= 1e-10


def test_decoupled_weight_decay_per_group_and_live():
    """Adam's decoupled_weight_decay is a per-group hyperparameter: one group
    coupled, one decoupled, switched between steps; each matches its reference."""
    params, grads = problem(np.float64, 60, seed=10)
    ref = [p.copy() for p in params]
    groups = [{"params": params[:1]}, {"params": params[1:], "decoupled_weight_decay": True}]
    ref_a = REFERENCES["Adam"](ref[:1], lr=0.01, weight_decay=0.1)
    ref_b = REFERENCES["Adam"](ref[1:], lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)
    with swiftopt.Adam(groups, lr=0.01, weight_decay=0.1) as opt:
        for t, g in enumerate(grads):
            if t == 30:
                opt.param_groups[0]["decoupled_weight_decay"] = True
                opt.param_groups[1]["decoupled_weight_decay"] = False
                ref_a.o = dict(ref_a.o, decoupled_weight_decay=True)
                ref_b.o = dict(ref_b.o, decoupled_weight_decay=False)
            opt.step(g)
            ref_a.step(g[:1])
            ref_b.step(g[1:])
    assert max_rel_error(params, ref) <= 1e-13


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["fp64", "fp32"])
def test_l1_produces_exact_zeros(name, dtype):
    """The proximal step sets weights to exactly 0.0, where they stay while
    the gradient is small; the same elements as in the reference."""
    rng = np.random.default_rng(11)
    w = rng.standard_normal(200).astype(dtype) * dtype(0.05)
    ref = w.copy()
    options = dict(lr=0.05, l1=0.2)
    reference = REFERENCES[name]([ref], **options)
    with getattr(swiftopt, name)([w], **options) as opt:
        for _ in range(30):
            g = (rng.standard_normal(200) * 1e-3).astype(dtype)
            opt.step([g])
            reference.step([g])
    zeros = w == 0
    # adaptive methods rescale tiny gradients to lr-sized steps, so fewer stay at 0
    assert zeros.sum() >= (100 if name in ("SGD", "Adagrad") else 1), zeros.sum()
    assert np.array_equal(zeros, ref == 0)
    np.testing.assert_allclose(w, ref, rtol=0, atol=TOLERANCE[dtype] * max(1.0, float(np.abs(ref).max())))


def test_l1_proximal_formula_one_step():
    """theta <- sign(theta) max(|theta| - lr l1, 0) after a plain SGD update."""
    w = np.array([0.5, -0.5, 0.01, -0.01, 0.0, 2.0])
    g = np.array([0.1, -0.1, 0.0, 0.0, 0.0, -1.0])
    lr, l1 = 0.1, 0.5
    expected = w - lr * g
    expected = np.sign(expected) * np.maximum(np.abs(expected) - lr * l1, 0)
    with swiftopt.SGD([w], lr=lr, l1=l1) as opt:
        opt.step([g])
    np.testing.assert_array_equal(w, expected)
    assert (w[2:5] == 0).all()


def test_options_are_live_and_in_state_dict():
    params, grads = problem(np.float64, 40, seed=12)
    ref_params = [p.copy() for p in params]
    reference = REFERENCES["RMSprop"](ref_params, lr=0.01)
    with swiftopt.RMSprop(params, lr=0.01) as opt:
        group = opt.param_groups[0]
        assert [group[k] for k in ("decoupled_weight_decay", "l1", "max_grad_norm", "clip_value")] == [False, 0, 0, 0]
        changes = {10: dict(max_grad_norm=1.0), 20: dict(clip_value=0.2, l1=0.01),
                   30: dict(max_grad_norm=0.0, weight_decay=0.1, decoupled_weight_decay=True)}
        for t, g in enumerate(grads):
            if t in changes:
                group.update(changes[t])
                reference.o = dict(reference.o, **changes[t])
            opt.step(g)
            reference.step(g)
        assert max_rel_error(params, ref_params) <= 1e-13
        saved = copy.deepcopy(opt.state_dict())
        expected = dict(max_grad_norm=0.0, clip_value=0.2, l1=0.01, decoupled_weight_decay=True, weight_decay=0.1)
        assert {k: saved["param_groups"][0][k] for k in expected} == expected
        # load_state_dict restores them (into the native handle too)
        group.update(l1=0.0, clip_value=0.0, decoupled_weight_decay=False)
        opt.load_state_dict(saved)
        assert {k: opt.param_groups[0][k] for k in expected} == expected
        twin = [p.copy() for p in params]
        with swiftopt.RMSprop(twin, lr=0.01) as other:
            other.load_state_dict(saved)
            for g in grads[:10]:
                opt.step(g)
                other.step(g)
                reference.step(g)
        for a, b in zip(params, twin):
            np.testing.assert_array_equal(a, b)
        assert max_rel_error(params, ref_params) <= 1e-13


def test_torch_state_dict_without_the_options_keeps_them():
    """A torch state_dict has no l1/max_grad_norm/clip_value: loading it
    keeps the optimizer's own values."""
    with swiftopt.SGD([np.zeros(3)], lr=0.1, l1=0.5, max_grad_norm=2.0) as opt:
        saved = opt.state_dict()
        for key in ("l1", "max_grad_norm", "clip_value", "decoupled_weight_decay"):
            del saved["param_groups"][0][key]
        saved["param_groups"][0]["lr"] = 0.2
        opt.load_state_dict(saved)
        assert opt.param_groups[0]["lr"] == 0.2 and opt.param_groups[0]["l1"] == 0.5
        assert opt.param_groups[0]["max_grad_norm"] == 2.0


BAD_VALUES = [
    ("l1", -0.1, swiftopt.OutOfBoundsError),
    ("l1", float("nan"), swiftopt.OutOfBoundsError),
    ("max_grad_norm", -1.0, swiftopt.OutOfBoundsError),
    ("max_grad_norm", float("inf"), swiftopt.OutOfBoundsError),
    ("clip_value", -0.5, swiftopt.OutOfBoundsError),
    ("clip_value", float("nan"), swiftopt.OutOfBoundsError),
    ("decoupled_weight_decay", 0.5, swiftopt.OutOfBoundsError),
    ("l1", "0.1", swiftopt.ArgumentTypeError),
    ("max_grad_norm", None, swiftopt.ArgumentTypeError),
]


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("key,value,error", BAD_VALUES, ids=[f"{k}={v!r}" for k, v, _ in BAD_VALUES])
def test_bad_option_values_raise_and_change_nothing(name, key, value, error):
    if name == "AdamW" and key == "decoupled_weight_decay":
        error = swiftopt.IncompatibleOptionsError  # AdamW's is a switch that must stay True
        with pytest.raises(TypeError):  # and not an argument, as in torch
            swiftopt.AdamW([np.zeros(2)], decoupled_weight_decay=value)
    else:
        with pytest.raises(error):
            getattr(swiftopt, name)([np.zeros(2)], **{key: value})
    params, grads = problem(np.float64, 6, seed=13)
    with getattr(swiftopt, name)(params, lr=0.01, l1=0.01, max_grad_norm=1.0) as opt:
        opt.step(grads[0])
        before = (opt.state_dict(), [p.copy() for p in params], opt.grad_norm())
        with pytest.raises(error):
            opt.param_groups[0][key] = value
        with pytest.raises(error):
            opt.add_param_group({"params": [np.zeros(2)], key: value})
        assert len(opt.param_groups) == 1
        state = opt.state_dict()
        assert state["param_groups"] == before[0]["param_groups"]
        # the native handle still holds the old values: the next step equals a twin's
        twin = [p.copy() for p in params]
        with getattr(swiftopt, name)(twin, lr=0.01, l1=0.01, max_grad_norm=1.0) as other:
            other.load_state_dict(before[0])
            opt.step(grads[1])
            other.step(grads[1])
        for a, b in zip(params, twin):
            np.testing.assert_array_equal(a, b)


def test_grad_norm_errors_and_nan_before_clipping():
    with swiftopt.Adam([np.zeros(2)], max_grad_norm=1.0) as opt:
        assert math.isnan(opt.grad_norm())
        opt.step([np.array([3.0, 4.0])])
        assert opt.grad_norm() == 5.0
        assert opt.grad_norm(group=0) == 5.0
        with pytest.raises(swiftopt.IndexOutOfRangeError):
            opt.grad_norm(1)
        with pytest.raises(IndexError):
            opt.grad_norm(-2)
        with pytest.raises(swiftopt.ArgumentTypeError):
            opt.grad_norm("0")
        opt.step([np.array([np.nan, 1.0])])
        assert math.isnan(opt.grad_norm())
    with pytest.raises(swiftopt.ClosedError):
        opt.grad_norm()


def test_clipping_scales_like_torch_formula_single_step():
    """One SGD step with lr=1: the update is exactly the clipped gradient."""
    w = np.zeros(3)
    g = np.array([3.0, 4.0, 12.0])  # norm 13
    with swiftopt.SGD([w], lr=1.0, max_grad_norm=1.0, clip_value=0.5) as opt:
        opt.step([g])
        assert opt.grad_norm() == 13.0
    clipped = np.clip(g * min(1.0 / (13.0 + 1e-6), 1.0), -0.5, 0.5)
    np.testing.assert_allclose(w, -clipped, rtol=1e-15)
