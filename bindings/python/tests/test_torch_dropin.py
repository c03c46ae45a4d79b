"""swiftopt.torch against torch.optim: a small nn.Module trained with both.

Every test needs torch (the `torch` fixture: a skip without it, a failure when
SWIFTOPT_REQUIRE_TORCH=1).

fp64: swiftopt.torch.X and torch.optim.X train the same model, from the same
weights on the same data, to 1e-10 relative after 200 steps (measured:
~1e-15; the training loop feeds each run's own weights back into its
gradients, so the two runs are compared in closed loop).

fp32: the two fp32 runs are not bit-identical (torch's CPU kernels fuse some
multiply-adds and order a few operations differently) and each step's
rounding difference is fed back through the gradients. The bound is relative
to fp32's own error on the same run: with x64 = torch.optim in float64 from
the same fp32 weights and data, and errors taken as max|a - b| / max|x64|,
    |x_swiftopt32 - x64| <= 3 |x_torch32 - x64| + 8 eps32   (as accurate as torch's fp32)
    |x_swiftopt32 - x_torch32| <= 4 |x_torch32 - x64| + 8 eps32
A wrong formula is off by a fraction of an update per step (~lr ~ 10^4 eps32
relative to weights of size ~0.3), far beyond both bounds.
"""

from __future__ import annotations

import copy
import math
import os
import subprocess
import sys

import pytest

import swiftopt
from conftest import PACKAGE_ROOT, record_parity

STEPS = 200
EPS32 = 2.0 ** -23

#: (optimizer, options, two parameter groups with their own lr?)
CONFIGS = [
    ("SGD", dict(lr=0.05), False),
    ("SGD", dict(lr=0.05, momentum=0.9), True),
    ("SGD", dict(lr=0.02, momentum=0.9, dampening=0.1, weight_decay=1e-3), False),
    ("SGD", dict(lr=0.02, momentum=0.9, nesterov=True, weight_decay=1e-2, maximize=True), False),
    ("Adagrad", dict(lr=0.05), False),
    ("Adagrad", dict(lr=0.05, lr_decay=1e-3, weight_decay=1e-3, initial_accumulator_value=0.1, eps=1e-8), True),
    ("Adagrad", dict(lr=0.05, maximize=True), False),
    ("RMSprop", dict(lr=1e-3), False),
    ("RMSprop", dict(lr=1e-3, alpha=0.9, momentum=0.9, centered=True, weight_decay=1e-3), True),
    ("RMSprop", dict(lr=1e-3, centered=True, maximize=True), False),
    ("Adam", dict(lr=1e-2), False),
    ("Adam", dict(lr=1e-2, betas=(0.8, 0.99), eps=1e-6, weight_decay=1e-2, amsgrad=True), True),
    ("Adam", dict(lr=1e-2, weight_decay=0.1, decoupled_weight_decay=True, maximize=True), False),
    ("AdamW", dict(lr=1e-2), False),
    ("AdamW", dict(lr=1e-2, weight_decay=0.1, amsgrad=True), True),
]
IDS = [f"{n}-{'-'.join(f'{k}={v}' for k, v in o.items())}{'-2groups' if g else ''}" for n, o, g in CONFIGS]


@pytest.fixture(scope="module")
def st(torch):
    import swiftopt.torch as module

    return module


# ---- the model and the training loop --------------------------------------------


def make_model(torch, dtype, seed=0, frozen=False):
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(6, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3)).to(dtype)
    if frozen:  # a parameter that never gets a gradient: skipped by both, no state
        model.register_parameter("unused", torch.nn.Parameter(torch.zeros(4, dtype=dtype)))
    return model


def data(torch, dtype, seed=1):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(64, 6, generator=g, dtype=torch.float64)
    y = torch.sin(x[:, :3] * 2) + 0.1 * torch.randn(64, 3, generator=g, dtype=torch.float64)
    return x.to(dtype), y.to(dtype)


def groups(model, options, two_groups):
    if not two_groups:
        return list(model.parameters())
    first, *rest = list(model.parameters())
    return [{"params": [first], "lr": options["lr"] * 0.5}, {"params": rest}]


def loss_of(torch, model, x, y, sign=1.0):
    return sign * torch.nn.functional.mse_loss(model(x), y)


def train(torch, model, opt, x, y, steps, sign=1.0, after_step=None, before_step=None):
    losses = []
    for t in range(steps):
        opt.zero_grad()
        loss = loss_of(torch, model, x, y, sign)
        loss.backward()
        if before_step is not None:
            before_step(t)
        opt.step()
        losses.append(loss.item())
        if after_step is not None:
            after_step(t, loss.item())
    return losses


def rel(torch, a_model, b_model, scale_model=None):
    scale_model = scale_model or b_model
    scale = max(float(p.detach().abs().max()) for p in scale_model.parameters())
    return max(
        float((a.detach().double() - b.detach().double()).abs().max()) for a, b in zip(a_model.parameters(), b_model.parameters())
    ) / scale


def pair(torch, st, name, options, two_groups, dtype, frozen=True):
    ours_model = make_model(torch, dtype, frozen=frozen)
    ref_model = copy.deepcopy(ours_model)
    ours = getattr(st, name)(groups(ours_model, options, two_groups), **options)
    ref = getattr(torch.optim, name)(groups(ref_model, options, two_groups), **options)
    return ours_model, ours, ref_model, ref


def assert_states_match(torch, ours, ref, tol):
    """Same state entries, names (in torch's order), step dtypes and values."""
    a, b = ours.state_dict(), ref.state_dict()
    assert a["state"].keys() == b["state"].keys()
    for key in b["state"]:
        ea, eb = a["state"][key], b["state"][key]
        assert list(ea) == list(eb), f"param {key}: {list(ea)} vs torch {list(eb)}"
        for name in eb:
            va, vb = ea[name], eb[name]
            if vb is None:
                assert va is None
                continue
            assert va.dtype == vb.dtype and va.shape == vb.shape, name
            if name == "step":
                assert float(va) == float(vb)
            elif tol is not None:
                scale = max(float(vb.abs().max()), 1e-30)
                assert float((va - vb).abs().max()) <= tol * scale, (name, float((va - vb).abs().max()) / scale)
    for ga, gb in zip(a["param_groups"], b["param_groups"]):
        for k, v in gb.items():
            assert ga[k] == v, k


# ---- parity ----------------------------------------------------------------------


@pytest.mark.parametrize("name,options,two_groups", CONFIGS, ids=IDS)
def test_training_matches_torch_fp64(torch, st, name, options, two_groups):
    dtype = torch.float64
    x, y = data(torch, dtype)
    sign = -1.0 if options.get("maximize") else 1.0
    ours_model, ours, ref_model, ref = pair(torch, st, name, options, two_groups, dtype)
    train(torch, ours_model, ours, x, y, STEPS, sign)
    train(torch, ref_model, ref, x, y, STEPS, sign)
    error = rel(torch, ours_model, ref_model)
    record_parity("torch nn training", name, "float64", error)
    assert error <= 1e-10, f"{name} {options}: {error:.3e}"
    assert_states_match(torch, ours, ref, 1e-9)
    unused = ours_model.unused  # never has a gradient: skipped (Adagrad, like torch, has its initial state)
    assert unused.grad is None and (unused not in ours.state or float(ours.state[unused]["step"]) == 0.0)


@pytest.mark.parametrize("name,options,two_groups", CONFIGS, ids=IDS)
def test_training_matches_torch_fp32(torch, st, name, options, two_groups):
    x, y = data(torch, torch.float32)
    sign = -1.0 if options.get("maximize") else 1.0
    ours_model, ours, ref_model, ref = pair(torch, st, name, options, two_groups, torch.float32)
    exact_model = copy.deepcopy(ref_model).double()
    exact = getattr(torch.optim, name)(groups(exact_model, options, two_groups), **options)
    worst = {"diff": 0.0, "torch": 0.0, "swiftopt": 0.0}

    def check(t, _loss):
        if (t + 1) % 25:
            return
        err_torch = rel(torch, ref_model, exact_model)
        err_ours = rel(torch, ours_model, exact_model)
        diff = rel(torch, ours_model, ref_model, exact_model)
        for k, v in (("diff", diff), ("torch", err_torch), ("swiftopt", err_ours)):
            worst[k] = max(worst[k], v)
        assert err_ours <= 3 * err_torch + 8 * EPS32, f"step {t + 1}: {err_ours / EPS32:.1f} eps vs torch {err_torch / EPS32:.1f}"
        assert diff <= 4 * err_torch + 8 * EPS32, f"step {t + 1}: diff {diff / EPS32:.1f} eps vs torch {err_torch / EPS32:.1f}"

    for t in range(STEPS):
        for model, opt, xx, yy in ((ours_model, ours, x, y), (ref_model, ref, x, y), (exact_model, exact, x.double(), y.double())):
            opt.zero_grad()
            loss_of(torch, model, xx, yy, sign).backward()
            opt.step()
        check(t, None)
    record_parity("torch nn training", name, "float32", worst["diff"])
    assert_states_match(torch, ours, ref, None)  # names, dtypes, shapes, steps; the values follow the weights


# ---- state_dict interchange --------------------------------------------------------


@pytest.mark.parametrize("name,options,two_groups", [c for c in CONFIGS if c[0] != "SGD" or "momentum" in c[1]],
                         ids=[i for c, i in zip(CONFIGS, IDS) if c[0] != "SGD" or "momentum" in c[1]])
@pytest.mark.parametrize("direction", ["swiftopt->torch", "torch->swiftopt"])
def test_state_dict_interchange(torch, st, name, options, two_groups, direction):
    dtype = torch.float64
    x, y = data(torch, dtype)
    sign = -1.0 if options.get("maximize") else 1.0
    first, second = (st, torch.optim) if direction == "swiftopt->torch" else (torch.optim, st)
    # Train 100 steps with one; continue 100 with both: the first, and the other one
    # loaded from the first's state_dict (through torch.save/torch.load).
    model = make_model(torch, dtype)
    opt = getattr(first, name)(groups(model, options, two_groups), **options)
    train(torch, model, opt, x, y, 100, sign)
    model2 = copy.deepcopy(model)
    opt2 = getattr(second, name)(groups(model2, options, two_groups), **options)
    import io

    buffer = io.BytesIO()
    torch.save(opt.state_dict(), buffer)
    buffer.seek(0)
    opt2.load_state_dict(torch.load(buffer))
    train(torch, model, opt, x, y, 100, sign)
    train(torch, model2, opt2, x, y, 100, sign)
    error = rel(torch, model2, model)
    assert error <= 1e-10, f"{direction} {name}: {error:.3e}"
    ours, ref = (opt, opt2) if first is st else (opt2, opt)
    assert_states_match(torch, ours, ref, 1e-9)


def test_sgd_momentum_buffer_like_torch(torch, st):
    model = make_model(torch, torch.float64)
    opt = st.SGD(model.parameters(), lr=0.1, momentum=0.9)
    assert len(opt.state) == 0 and opt.state_dict()["state"] == {}
    opt.zero_grad()
    loss_of(torch, model, *data(torch, torch.float64)).backward()
    grads = [p.grad.clone() for p in model.parameters()]
    opt.step()
    for p, g in zip(model.parameters(), grads):
        assert list(opt.state[p]) == ["momentum_buffer"]
        assert torch.equal(opt.state[p]["momentum_buffer"], g)  # torch clones the first gradient
    plain = st.SGD(make_model(torch, torch.float64).parameters(), lr=0.1)
    plain.step()  # no gradients: nothing happens
    assert plain.state_dict()["state"] == {}


def test_step_counts_are_float_tensors_like_torch(torch, st):
    model = make_model(torch, torch.float32)
    opt = st.Adam(model.parameters())
    ref = torch.optim.Adam(copy.deepcopy(model).parameters())
    x, y = data(torch, torch.float32)
    train(torch, model, opt, x, y, 3)
    p = next(model.parameters())
    step = opt.state[p]["step"]
    ref_step = next(iter(ref.state.values()), {"step": torch.tensor(0.0)})["step"]
    assert step.dtype == ref_step.dtype == torch.float32 and step.shape == () and float(step) == 3.0
    # A step count changed by the user (e.g. a restored checkpoint) is honoured.
    step.fill_(0.0)
    opt.zero_grad()
    loss_of(torch, model, x, y).backward()
    opt.step()
    assert float(opt.state[p]["step"]) == 1.0
    # A replaced step tensor too.
    opt.state[p]["step"] = torch.tensor(41.0)
    opt.step()
    assert float(opt.state[p]["step"]) == 42.0
    # Adagrad, like torch, has its state from construction.
    ada = st.Adagrad(model.parameters(), initial_accumulator_value=0.5)
    assert float(ada.state[p]["step"]) == 0.0 and torch.all(ada.state[p]["sum"] == 0.5)


def test_closure_hooks_zero_grad_add_param_group(torch, st):
    model = make_model(torch, torch.float64)
    x, y = data(torch, torch.float64)
    opt = st.Adam(model.parameters(), lr=1e-2)
    calls = []
    opt.register_step_pre_hook(lambda o, a, k: calls.append("pre"))
    opt.register_step_post_hook(lambda o, a, k: calls.append("post"))

    def closure():
        opt.zero_grad()
        loss = loss_of(torch, model, x, y)
        loss.backward()
        return loss

    first = opt.step(closure).item()
    for _ in range(20):
        last = opt.step(closure).item()
    assert last < first and calls[:2] == ["pre", "post"] and len(calls) == 42
    opt.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    extra = torch.nn.Parameter(torch.ones(5, dtype=torch.float64))
    opt.add_param_group({"params": [extra], "lr": 0.5, "betas": (0.5, 0.9)})
    extra.grad = torch.ones(5, dtype=torch.float64)
    ref_extra = torch.nn.Parameter(torch.ones(5, dtype=torch.float64))
    ref = torch.optim.Adam([ref_extra], lr=0.5, betas=(0.5, 0.9))
    ref_extra.grad = torch.ones(5, dtype=torch.float64)
    for _ in range(3):
        opt.step()
        ref.step()
    assert torch.allclose(extra, ref_extra, rtol=1e-12, atol=0)
    with pytest.raises(swiftopt.OutOfBoundsError):
        opt.add_param_group({"params": [torch.nn.Parameter(torch.ones(2))], "lr": -1.0})
    assert len(opt.param_groups) == 2
    with pytest.raises(ValueError):  # torch's own check: a parameter in two groups
        opt.add_param_group({"params": [extra]})


def test_version_counter_is_bumped(torch, st):
    # Like torch.optim's in-place updates: a stale graph is detected, not silently wrong.
    w = torch.nn.Parameter(torch.ones(3, dtype=torch.float64))
    opt = st.SGD([w], lr=0.1)
    loss = (w * w).sum()
    w.grad = torch.ones(3, dtype=torch.float64)
    opt.step()
    with pytest.raises(RuntimeError, match="inplace"):
        loss.backward()


def test_deepcopy_and_pickle(torch, st):
    import pickle

    model = make_model(torch, torch.float64)
    x, y = data(torch, torch.float64)
    opt = st.RMSprop(model.parameters(), lr=1e-3, momentum=0.5)
    train(torch, model, opt, x, y, 5)
    clone_model = copy.deepcopy(model)
    clone = copy.deepcopy(opt)
    assert clone._handle.value != opt._handle.value
    restored = pickle.loads(pickle.dumps(opt))
    assert restored.state_dict()["param_groups"] == opt.state_dict()["param_groups"]
    from collections import defaultdict

    copied = clone.param_groups[0]["params"]  # deepcopy copied the parameters too: point them at clone_model's
    clone.state = defaultdict(dict, {q: clone.state[p] for p, q in zip(copied, clone_model.parameters())})
    clone.param_groups[0]["params"] = list(clone_model.parameters())
    train(torch, model, opt, x, y, 5)
    train(torch, clone_model, clone, x, y, 5)
    assert rel(torch, clone_model, model) == 0.0


# ---- schedulers -----------------------------------------------------------------------


def _run_scheduled(torch, module, name, options, make_sched, steps=120, dtype=None):
    dtype = dtype or torch.float64
    model = make_model(torch, dtype)
    x, y = data(torch, dtype)
    opt = getattr(module, name)(model.parameters(), **options)
    sched = make_sched(opt)
    lrs = []

    def after(t, loss):
        lrs.append(opt.param_groups[0]["lr"])
        if isinstance(sched, torch.optim.lr_scheduler.ReduceLROnPlateau):
            sched.step(loss)
        else:
            sched.step()

    train(torch, model, opt, x, y, steps, after_step=after)
    return model, lrs, opt


SCHEDULES = [
    ("SGD", dict(lr=0.05, momentum=0.9), "StepLR", lambda torch: lambda o: torch.optim.lr_scheduler.StepLR(o, 30, 0.5)),
    ("Adam", dict(lr=1e-2), "StepLR", lambda torch: lambda o: torch.optim.lr_scheduler.StepLR(o, 25, 0.3)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True), "OneCycleLR",
     lambda torch: lambda o: torch.optim.lr_scheduler.OneCycleLR(o, max_lr=0.1, total_steps=120, cycle_momentum=True)),
    ("Adam", dict(lr=1e-2), "OneCycleLR",
     lambda torch: lambda o: torch.optim.lr_scheduler.OneCycleLR(o, max_lr=0.02, total_steps=120, cycle_momentum=True)),
    ("AdamW", dict(lr=1e-2), "OneCycleLR-linear",
     lambda torch: lambda o: torch.optim.lr_scheduler.OneCycleLR(o, max_lr=0.02, total_steps=120,
                                                                 anneal_strategy="linear", three_phase=True)),
    ("RMSprop", dict(lr=1e-2, momentum=0.5), "CosineAnnealingLR",
     lambda torch: lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=40)),
    ("Adam", dict(lr=3e-2), "ReduceLROnPlateau",
     lambda torch: lambda o: torch.optim.lr_scheduler.ReduceLROnPlateau(o, factor=0.5, patience=2, threshold=0.3)),
    ("Adagrad", dict(lr=0.1), "ReduceLROnPlateau",
     lambda torch: lambda o: torch.optim.lr_scheduler.ReduceLROnPlateau(o, factor=0.3, patience=2, threshold=0.3)),
]


@pytest.mark.parametrize("name,options,label,factory", SCHEDULES, ids=[f"{s[0]}-{s[2]}" for s in SCHEDULES])
def test_lr_schedulers(torch, st, name, options, label, factory):
    ours_model, ours_lrs, ours = _run_scheduled(torch, st, name, options, factory(torch))
    ref_model, ref_lrs, ref = _run_scheduled(torch, torch.optim, name, options, factory(torch))
    assert ours_lrs == ref_lrs and len(set(ref_lrs)) > 1
    error = rel(torch, ours_model, ref_model)
    assert error <= 1e-10, f"{label}: {error:.3e}"
    if "OneCycle" in label and "linear" not in label:  # momentum / beta1 cycled too
        key = "betas" if "betas" in ref.param_groups[0] else "momentum"
        assert ours.param_groups[0][key] == ref.param_groups[0][key]


# ---- swiftopt's extras -------------------------------------------------------------


def _extra_case(torch, st, name, base, extra, manual, steps=60):
    """swiftopt.torch.X(**base, **extra) against torch.optim.X(**base) plus the
    same operation done by hand with torch (`manual(model, opt, phase)`)."""
    dtype = torch.float64
    x, y = data(torch, dtype)
    ours_model = make_model(torch, dtype)
    ref_model = copy.deepcopy(ours_model)
    ours = getattr(st, name)(ours_model.parameters(), **base, **extra)
    ref = getattr(torch.optim, name)(ref_model.parameters(), **base)
    norms = []
    for _ in range(steps):
        ours.zero_grad()
        loss_of(torch, ours_model, x, y).backward()
        grads = [p.grad.clone() for p in ours_model.parameters()]
        ours.step()
        assert all(torch.equal(g, p.grad) for g, p in zip(grads, ours_model.parameters()))  # gradients untouched
        ref.zero_grad()
        loss_of(torch, ref_model, x, y).backward()
        norms.append((manual(ref_model, ref, "before"), ours.grad_norm()))
        ref.step()
        manual(ref_model, ref, "after")
    error = rel(torch, ours_model, ref_model)
    assert error <= 1e-10, f"{name} {extra}: {error:.3e}"
    return norms


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"])
def test_max_grad_norm_is_clip_grad_norm_then_step(torch, st, name):
    base = dict(lr=0.05) if name in ("SGD", "Adagrad") else dict(lr=1e-2)

    def manual(model, opt, phase):
        if phase == "before":
            return float(torch.nn.utils.clip_grad_norm_(model.parameters(), 0.05))

    norms = _extra_case(torch, st, name, base, dict(max_grad_norm=0.05), manual)
    for theirs, ours in norms:
        assert math.isclose(theirs, ours, rel_tol=1e-12)
    assert any(n > 0.05 for n, _ in norms)  # clipping was active


@pytest.mark.parametrize("name", ["SGD", "Adam"])
def test_clip_value_is_clip_grad_value_then_step(torch, st, name):
    def manual(model, opt, phase):
        if phase == "before":
            torch.nn.utils.clip_grad_value_(model.parameters(), 0.01)

    _extra_case(torch, st, name, dict(lr=0.05, momentum=0.9) if name == "SGD" else dict(lr=1e-2), dict(clip_value=0.01),
                manual)


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop"])
def test_l1_is_a_proximal_step_after_the_update(torch, st, name):
    lr, l1 = 1e-2, 0.5

    def manual(model, opt, phase):
        if phase == "after":
            with torch.no_grad():
                for p in model.parameters():
                    p.copy_(torch.sign(p) * torch.clamp(p.abs() - lr * l1, min=0))

    _extra_case(torch, st, name, dict(lr=lr), dict(l1=l1), manual)


@pytest.mark.parametrize("name", ["SGD", "RMSprop", "Adagrad"])
def test_decoupled_weight_decay(torch, st, name):
    lr, wd = 1e-2, 0.5

    def manual(model, opt, phase):
        if phase == "before":
            with torch.no_grad():
                for p in model.parameters():
                    p.mul_(1 - lr * wd)

    _extra_case(torch, st, name, dict(lr=lr), dict(weight_decay=wd, decoupled_weight_decay=True), manual)


def test_extras_survive_state_dict_and_torch_ignores_them(torch, st):
    model = make_model(torch, torch.float64)
    opt = st.Adam(model.parameters(), l1=1e-4, max_grad_norm=1.0)
    sd = opt.state_dict()
    assert sd["param_groups"][0]["l1"] == 1e-4 and sd["param_groups"][0]["max_grad_norm"] == 1.0
    torch.optim.Adam(make_model(torch, torch.float64).parameters()).load_state_dict(sd)
    fresh = st.Adam(model.parameters(), clip_value=0.5)
    fresh.load_state_dict(torch.optim.Adam(model.parameters()).state_dict())  # torch's groups lack the extras
    assert fresh.param_groups[0]["clip_value"] == 0.5 and fresh.param_groups[0]["l1"] == 0.0


def test_constructor_signatures_match_torch(torch, st):
    import inspect

    for name in ("SGD", "Adagrad", "RMSprop", "Adam", "AdamW"):
        theirs = inspect.signature(getattr(torch.optim, name).__init__).parameters
        ours = inspect.signature(getattr(st, name).__init__).parameters
        for key, p in theirs.items():
            assert key in ours, (name, key)
            assert ours[key].kind == p.kind and ours[key].default == p.default, (name, key)
        extras = set(ours) - set(theirs)
        assert extras <= {"l1", "max_grad_norm", "clip_value", "skip_nonfinite", "decoupled_weight_decay"}, extras
        assert all(ours[k].kind is inspect.Parameter.KEYWORD_ONLY for k in extras)
        opt_ours = getattr(st, name)([torch.nn.Parameter(torch.zeros(2))])
        opt_ref = getattr(torch.optim, name)([torch.nn.Parameter(torch.zeros(2))])
        assert isinstance(opt_ours, torch.optim.Optimizer)
        for key, value in opt_ref.defaults.items():
            assert opt_ours.defaults[key] == value, (name, key)
        assert list(opt_ours.param_groups[0])[: len(opt_ref.param_groups[0])] == list(opt_ref.param_groups[0])


def test_bad_hyperparameters(torch, st):
    p = [torch.nn.Parameter(torch.zeros(2))]
    with pytest.raises(swiftopt.OutOfBoundsError):
        st.Adam(p, lr=-1.0)
    with pytest.raises(swiftopt.OutOfBoundsError):
        st.Adam(p, betas=(1.0, 0.9))
    with pytest.raises(swiftopt.IncompatibleOptionsError):
        st.SGD(p, momentum=0.0, nesterov=True)
    with pytest.raises(swiftopt.InvalidArgumentError):
        st.Adam(p, differentiable=True)
    opt = st.SGD(p, lr=0.1)
    p[0].grad = torch.ones(2)
    opt.param_groups[0]["lr"] = float("nan")
    with pytest.raises(swiftopt.OutOfBoundsError):
        opt.step()
    assert torch.equal(p[0], torch.zeros(2))
    opt.param_groups[0]["lr"] = 0.1
    opt.step()
    assert torch.allclose(p[0], torch.full((2,), -0.1))
    adamw = st.AdamW(p)
    adamw.param_groups[0]["decoupled_weight_decay"] = False
    with pytest.raises(swiftopt.IncompatibleOptionsError):
        adamw.step()


# ---- bad tensors: typed errors, nothing changed -------------------------------------------


def _snapshot(torch, opt, model):
    sd = opt.state_dict()
    state = {k: {n: (v.clone() if torch.is_tensor(v) else v) for n, v in e.items()} for k, e in sd["state"].items()}
    return [p.detach().clone() for p in model.parameters()], state


def _assert_unchanged(torch, opt, model, snap):
    params, state = snap
    assert all(torch.equal(a, b) for a, b in zip(params, model.parameters()))
    now = opt.state_dict()["state"]
    assert now.keys() == state.keys()
    for k in state:
        assert now[k].keys() == state[k].keys()
        for n in state[k]:
            assert torch.equal(now[k][n], state[k][n]), (k, n)


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop"])
@pytest.mark.parametrize("bad", ["meta-device", "sparse-grad", "non-contiguous-param", "non-contiguous-grad",
                                 "float16", "bfloat16", "grad-dtype", "state-shape"])
def test_bad_tensors_raise_and_change_nothing(torch, st, name, bad):
    options = dict(lr=0.1, momentum=0.9) if name in ("SGD", "RMSprop") else dict(lr=0.1)
    model = make_model(torch, torch.float32)
    x, y = data(torch, torch.float32)
    opt = st.__dict__[name](model.parameters(), **options)
    train(torch, model, opt, x, y, 2)
    opt.zero_grad()
    loss_of(torch, model, x, y).backward()
    # A second group, stepped after the first: its bad tensor must stop the first too.
    expected = swiftopt.InvalidArgumentError
    if bad == "meta-device":
        q = torch.nn.Parameter(torch.zeros(3, device="meta"))
        q.grad = torch.ones(3, device="meta")
    elif bad == "sparse-grad":
        emb = torch.nn.Embedding(5, 3, sparse=True)
        emb(torch.tensor([1, 2])).sum().backward()
        q = emb.weight
    elif bad == "non-contiguous-param":
        q = torch.nn.Parameter(torch.zeros(4, 3).t())
        q.grad = torch.ones(3, 4)
    elif bad == "non-contiguous-grad":
        q = torch.nn.Parameter(torch.zeros(3, 4))
        q.grad = torch.ones(4, 3).t()
    elif bad in ("float16", "bfloat16"):
        q = torch.nn.Parameter(torch.zeros(3, dtype=getattr(torch, bad)))
        q.grad = torch.ones(3, dtype=getattr(torch, bad))
        expected = swiftopt.DTypeMismatchError
    elif bad == "grad-dtype":
        q = torch.nn.Parameter(torch.zeros(3))
        q.grad = torch.ones(3)
        q.grad.data = torch.ones(3, dtype=torch.float64)  # bypasses the .grad setter's checks
        expected = swiftopt.DTypeMismatchError
    else:  # a state tensor that does not match its parameter (e.g. a wrong checkpoint)
        q = torch.nn.Parameter(torch.zeros(3))
        q.grad = torch.ones(3)
    opt.add_param_group({"params": [q]})
    if bad == "state-shape":
        opt.step()  # creates q's state (SGD/RMSprop momentum, Adam's moments)
        opt.zero_grad()
        loss_of(torch, model, x, y).backward()
        q.grad = torch.ones(3)
        key = "momentum_buffer" if name != "Adam" else "exp_avg"
        opt.state[q][key] = torch.zeros(2)
    snap = _snapshot(torch, opt, model)
    q_before = q.detach().clone() if q.device.type != "meta" else None
    with pytest.raises(expected) as info:
        opt.step()
    assert isinstance(info.value, swiftopt.SwiftOptError)
    _assert_unchanged(torch, opt, model, snap)
    if q_before is not None and q.layout == torch.strided:
        assert torch.equal(q.detach(), q_before)
    if bad != "state-shape":
        assert q not in opt.state or not opt.state[q]


def test_mixed_dtypes_in_one_group(torch, st):
    a = torch.nn.Parameter(torch.ones(3))
    b = torch.nn.Parameter(torch.ones(3, dtype=torch.float64))
    ra, rb = (torch.nn.Parameter(t.detach().clone()) for t in (a, b))
    opt, ref = st.Adam([a, b], lr=0.1), torch.optim.Adam([ra, rb], lr=0.1)
    for t in range(5):
        for p in (a, b, ra, rb):
            p.grad = torch.full_like(p, float(t + 1))
        opt.step()
        ref.step()
    assert torch.allclose(a, ra, rtol=1e-6) and torch.allclose(b, rb, rtol=1e-14)
    clipped = st.Adam([a, b], max_grad_norm=1.0)
    with pytest.raises(swiftopt.IncompatibleOptionsError):
        clipped.step()


# ---- import behaviour and the overhead benchmark -------------------------------------------


def test_import_swiftopt_does_not_import_torch(torch):
    code = "import sys, swiftopt; assert 'torch' not in sys.modules, 'torch imported'; print('ok')"
    env = dict(os.environ)
    env["PYTHONPATH"] = PACKAGE_ROOT + os.pathsep + env.get("PYTHONPATH", "")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0 and "ok" in out.stdout, out.stderr


def test_overhead_benchmark_runs(torch):
    script = os.path.join(PACKAGE_ROOT, "benchmarks", "torch_overhead.py")
    env = dict(os.environ)
    out = subprocess.run([sys.executable, script, "--tensors", "200", "--repeat", "2"], env=env, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "us per tensor" in out.stdout
    print(out.stdout)


@pytest.mark.parametrize("name", ["SGD", "Adagrad", "RMSprop", "Adam", "AdamW"])
def test_skip_nonfinite_skips_a_step_with_a_nan_gradient(torch, st, name):
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 2).double()
    kwargs = dict(lr=0.1, momentum=0.9) if name in ("SGD", "RMSprop") else dict(lr=0.1)
    opt = getattr(st, name)(model.parameters(), skip_nonfinite=True, **kwargs)
    x = torch.randn(4, 3, dtype=torch.float64)
    model(x).square().sum().backward()
    opt.step()
    before = [p.detach().clone() for p in model.parameters()]
    state = {k: (v.clone() if torch.is_tensor(v) else v) for k, v in opt.state[model.weight].items()}
    model.weight.grad[0, 0] = float("nan")
    opt.step()
    assert opt.skipped_steps() == 1
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))
    for key, value in opt.state[model.weight].items():
        assert torch.equal(value, state[key]) if torch.is_tensor(value) else value == state[key], key
    model.weight.grad[0, 0] = 0.5
    opt.step()
    assert opt.skipped_steps() == 1
    assert not torch.equal(before[0], model.weight)
