"""skip_nonfinite: a step whose gradients hold NaN or inf leaves the group
unchanged (torch's GradScaler skipping optimizer.step()), counted by
skipped_steps() / last_step_skipped(); the next finite steps continue exactly
as if the bad step had never happened; with the option off NaN propagates."""

from __future__ import annotations

import numpy as np
import pytest

import swiftopt

ALL = {
    "SGD": dict(lr=0.05, momentum=0.9),
    "Adagrad": dict(lr=0.05),
    "RMSprop": dict(lr=0.01, momentum=0.5, centered=True),
    "Adam": dict(lr=0.01, amsgrad=True),
    "AdamW": dict(lr=0.01),
}


def make(dtype):
    rng = np.random.default_rng(7)
    return [rng.standard_normal(5).astype(dtype), rng.standard_normal((2, 3)).astype(dtype)]


def grads_for(step, params):
    rng = np.random.default_rng(100 + step)
    return [rng.standard_normal(p.shape).astype(p.dtype) for p in params]


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["fp64", "fp32"])
@pytest.mark.parametrize("clip", [0.0, 1.0], ids=["noclip", "clip"])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf], ids=["nan", "inf", "-inf"])
@pytest.mark.parametrize("name", list(ALL))
def test_bad_step_is_skipped_and_the_run_continues_as_if_it_never_happened(name, bad, clip, dtype):
    a, b = make(dtype), make(dtype)
    options = dict(ALL[name], max_grad_norm=clip, skip_nonfinite=True)
    with getattr(swiftopt, name)(a, **options) as oa, getattr(swiftopt, name)(b, **options) as ob:
        for s in range(3):
            oa.step(grads_for(s, a))
            ob.step(grads_for(s, b))
        before = [p.copy() for p in a]
        state_before = oa.state_dict()
        g = grads_for(99, a)
        g[1][1, 2] = bad
        oa.step(g)
        assert oa.last_step_skipped() and oa.skipped_steps() == 1
        for x, y in zip(a, before):
            assert x.tobytes() == y.tobytes()
        state_after = oa.state_dict()
        for i, entry in state_before["state"].items():
            for key, value in entry.items():
                assert np.asarray(state_after["state"][i][key]).tobytes() == np.asarray(value).tobytes(), key
        for s in range(3, 6):
            oa.step(grads_for(s, a))
            ob.step(grads_for(s, b))
        assert not oa.last_step_skipped() and oa.skipped_steps() == 1 and ob.skipped_steps() == 0
        for x, y in zip(a, b):
            assert x.tobytes() == y.tobytes()


def test_only_the_group_with_the_bad_gradient_is_skipped():
    params = make(np.float32)
    with swiftopt.Adam([{"params": [params[0]]}, {"params": [params[1]]}], lr=0.1, skip_nonfinite=True) as opt:
        before = [p.copy() for p in params]
        g = grads_for(0, params)
        g[0][4] = np.nan
        opt.step(g)
        assert np.array_equal(params[0], before[0])
        assert not np.array_equal(params[1], before[1])
        assert opt.skipped_steps(0) == 1 and opt.last_step_skipped(0)
        assert opt.skipped_steps(1) == 0 and not opt.last_step_skipped(1)
        assert opt.skipped_steps(-1) == 0  # indexes param_groups like a list
        with pytest.raises(swiftopt.IndexOutOfRangeError):
            opt.skipped_steps(2)
        with pytest.raises(swiftopt.ArgumentTypeError):
            opt.last_step_skipped("0")


def test_sgd_momentum_buffer_is_not_started_by_a_skipped_step():
    """state_dict after a skipped first step has no momentum_buffer, as torch
    (the buffer is created by the first step that runs)."""
    params = make(np.float64)
    with swiftopt.SGD(params, lr=0.1, momentum=0.9, skip_nonfinite=True) as opt:
        g = grads_for(0, params)
        g[0][0] = np.inf
        opt.step(g)
        assert opt.state_dict()["state"] == {}
        opt.step(grads_for(1, params))
        assert set(opt.state_dict()["state"][0]) == {"momentum_buffer"}


def test_option_is_a_live_group_key_and_off_by_default_nan_propagates():
    params = make(np.float32)
    with swiftopt.Adam(params, lr=0.1) as opt:
        assert opt.param_groups[0]["skip_nonfinite"] is False
        g = grads_for(0, params)
        g[0][0] = np.nan
        opt.step(g)
        assert np.isnan(params[0][0]) and opt.skipped_steps() == 0
    params = make(np.float32)
    with swiftopt.Adam(params, lr=0.1) as opt:
        opt.param_groups[0]["skip_nonfinite"] = True
        opt.step(g)
        assert not np.isnan(params[0]).any() and opt.skipped_steps() == 1
        assert opt.state_dict()["param_groups"][0]["skip_nonfinite"] is True
        with pytest.raises(swiftopt.OutOfBoundsError):
            opt.param_groups[0]["skip_nonfinite"] = 0.5


def test_attached_schedule_advances_on_a_skipped_step():
    params = make(np.float64)
    with swiftopt.SGD(params, lr=1.0, skip_nonfinite=True) as opt:
        sched = swiftopt.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
        g = grads_for(0, params)
        g[1][0, 0] = np.nan
        opt.step(g)
        sched.step()
        assert opt.last_step_skipped()
        assert opt.param_groups[0]["lr"] == 0.5
