"""swiftopt.lr_scheduler against torch.optim.lr_scheduler, and the native schedules behind it.

The one place for schedule parity (it replaces tools/schedule_parity.py). For
each kind and several argument sets, 1000-step lr sequences must agree:

  * swiftopt.lr_scheduler.X on a swiftopt optimizer vs torch's X on a torch
    optimizer (the lrs after 0, 1, ..., 999 calls to step(), torch's recursive
    path that users run): 1e-12 relative;
  * the lr the swiftopt optimizer actually uses (SGD from w = 0 with gradient
    1 moves w to exactly -lr) equals the scheduled one: exactly;
  * the native closed form vs torch's own `_get_closed_form_lr`: 1e-15;
  * a schedule attached to a native optimizer group through the C API
    (swiftopt_optimizer_attach_schedule) makes it use the same lrs: exactly;

and the two kinds torch lacks (InverseSqrtLR, InverseTimeLR) against the
header's formulas. Measured maxima are printed in the parity table at the
end of the run (suite "lr_scheduler").
"""

from __future__ import annotations

import copy
import ctypes
import doctest
import gc
import inspect
import math
import warnings

import numpy as np
import pytest

import swiftopt
from swiftopt import _lib, lr_scheduler as S
from conftest import record_parity

N = 1000
TOLERANCE = 1e-12  # vs torch's step() sequence (torch computes most kinds recursively)
TOLERANCE_CLOSED = 1e-15  # vs torch's own closed form: same expression, same libm


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def rel_err(a, b) -> float:
    assert len(a) == len(b), (len(a), len(b))
    worst = 0.0
    for x, y in zip(a, b):
        if x == y:
            continue
        scale = max(abs(x), abs(y))
        worst = max(worst, abs(x - y) / scale if scale > 0 else math.inf)
    return worst


# ---- cases: (class, kwargs, base lr, steps) ----------------------------------------------------
# kwargs are given to both torch's and swiftopt's class. SequentialLR and ChainedScheduler take
# "children": [(class, kwargs), ...], built on each side.

CASES = {
    "ConstantLR": [
        ({}, 0.1, N),
        (dict(factor=0.5, total_iters=100), 0.03, N),
        (dict(factor=1 / 3, total_iters=1), 1.0, N),
    ],
    "LinearLR": [
        ({}, 0.1, N),
        (dict(start_factor=0.01, end_factor=1.0, total_iters=100), 0.05, N),
        (dict(start_factor=1.0, end_factor=0.0, total_iters=999), 0.3, N),
        (dict(start_factor=0.25, end_factor=0.75, total_iters=1500), 1e-3, N),
    ],
    "StepLR": [
        (dict(step_size=30), 0.1, N),
        (dict(step_size=7, gamma=0.5), 0.1, N),
        (dict(step_size=1, gamma=0.99), 1.0, N),
        (dict(step_size=100, gamma=2.0), 1e-4, N),
    ],
    "MultiStepLR": [
        (dict(milestones=[30, 80]), 0.1, N),
        (dict(milestones=[0, 5, 5, 500], gamma=0.5), 0.2, N),
        (dict(milestones=list(range(1, 21)), gamma=0.9), 1.0, N),
        (dict(milestones=[300, 100, 200], gamma=0.5), 1.0, N),  # torch: a multiset, any order
    ],
    "ExponentialLR": [
        (dict(gamma=0.99), 0.1, N),
        (dict(gamma=0.9), 1.0, N),
        (dict(gamma=1.001), 1e-3, N),
    ],
    "PolynomialLR": [
        ({}, 0.1, N),
        (dict(total_iters=500, power=2.0), 0.1, N),
        (dict(total_iters=999, power=0.5), 0.01, N),
        (dict(total_iters=1000, power=1.0), 0.01, N),
    ],
    "CosineAnnealingLR": [
        (dict(T_max=100), 0.1, N),
        (dict(T_max=999, eta_min=1e-4), 0.1, N),
        (dict(T_max=10, eta_min=0.01), 0.5, N),
        (dict(T_max=1), 0.1, N),
        (dict(T_max=300), 1.0, N),  # past T_max the cosine rises again
    ],
    "CosineAnnealingWarmRestarts": [
        (dict(T_0=10), 0.1, N),
        (dict(T_0=10, T_mult=2), 0.1, N),
        (dict(T_0=1, T_mult=3, eta_min=1e-3), 0.05, N),
        (dict(T_0=50, eta_min=0.01), 1.0, N),
    ],
    "OneCycleLR": [
        (dict(max_lr=0.1, total_steps=999, cycle_momentum=False), 0.1, N),
        (dict(max_lr=1.0, total_steps=999, pct_start=0.25, anneal_strategy="linear", cycle_momentum=False), 0.1, N),
        (dict(max_lr=0.5, total_steps=1200, three_phase=True, div_factor=10.0, final_div_factor=100.0,
              cycle_momentum=False), 0.1, N),
        # step 100 (= total_steps, allowed by torch) overshoots below 0 with linear annealing: the
        # swiftopt optimizer refuses that lr (OutOfBoundsError, nothing changed); torch's takes it
        (dict(max_lr=0.01, total_steps=100, three_phase=True, anneal_strategy="linear", cycle_momentum=False),
         0.1, 101),
        (dict(max_lr=0.1, epochs=10, steps_per_epoch=100), 0.1, N),  # momentum cycled too
        (dict(max_lr=0.3, total_steps=1000, three_phase=True, anneal_strategy="linear", base_momentum=0.8,
              max_momentum=0.9), 0.1, N),
    ],
    "CyclicLR": [
        (dict(base_lr=0.001, max_lr=0.1, step_size_up=50, cycle_momentum=False), 0.1, N),
        (dict(base_lr=0.01, max_lr=0.1, step_size_up=20, step_size_down=80, mode="triangular2",
              cycle_momentum=False), 0.1, N),
        (dict(base_lr=0.001, max_lr=0.006, step_size_up=33, mode="exp_range", gamma=0.995,
              cycle_momentum=False), 0.1, N),
        (dict(base_lr=0.1, max_lr=1.0, step_size_up=7, step_size_down=0, cycle_momentum=False), 0.1, N),
        (dict(base_lr=0.001, max_lr=0.1, step_size_up=50), 0.1, N),  # momentum cycled too
        (dict(base_lr=0.001, max_lr=0.006, step_size_up=33, mode="exp_range", gamma=0.995), 0.1, N),
    ],
    "SequentialLR": [
        (dict(children=[("LinearLR", dict(start_factor=0.01, end_factor=1.0, total_iters=50)),
                        ("CosineAnnealingLR", dict(T_max=950))], milestones=[50]), 0.1, N),
        (dict(children=[("ConstantLR", dict(factor=0.1, total_iters=10)), ("ExponentialLR", dict(gamma=0.99)),
                        ("StepLR", dict(step_size=100, gamma=0.5))], milestones=[20, 300]), 0.2, N),
        (dict(children=[("LinearLR", dict(start_factor=0.1, total_iters=10)),
                        ("CosineAnnealingWarmRestarts", dict(T_0=30, T_mult=2))], milestones=[10]), 0.1, N),
        (dict(children=[("PolynomialLR", dict(total_iters=40, power=2.0)),
                        ("MultiStepLR", dict(milestones=[100, 200], gamma=0.3))], milestones=[60]), 0.1, N),
    ],
    "ChainedScheduler": [
        (dict(children=[("ConstantLR", dict(factor=0.1, total_iters=10)), ("ExponentialLR", dict(gamma=0.995))]),
         0.1, N),
        (dict(children=[("LinearLR", dict(start_factor=0.01, total_iters=100)), ("StepLR", dict(step_size=50,
                                                                                               gamma=0.7)),
                        ("PolynomialLR", dict(total_iters=900, power=1.5))]), 0.5, N),
        (dict(children=[("MultiStepLR", dict(milestones=[10, 400])), ("ExponentialLR", dict(gamma=1.001))]),
         1e-3, N),
    ],
    "LambdaLR": [
        (dict(lr_lambda=lambda t: 1.0), 0.1, N),  # the native "Constant" kind's values
        (dict(lr_lambda=lambda t: 1.0 / (1.0 + 0.01 * t)), 0.1, N),
    ],
    "MultiplicativeLR": [
        (dict(lr_lambda=lambda t: 0.995), 0.1, N),
        (dict(lr_lambda=lambda t: 0.9 if t % 10 == 0 else 1.0), 1.0, N),
    ],
}


def plateau_metrics(torch, seed: int, n: int = N):
    """A noisy, stalling loss curve (deterministic)."""
    g = torch.Generator().manual_seed(seed)
    noise = torch.rand(n, generator=g, dtype=torch.float64).tolist()
    return [1.0 / (1.0 + 0.02 * min(t, 150 + 100 * (t // 300))) + 0.05 * noise[t] for t in range(n)]


PLATEAU_CASES = [
    ({}, 0.1, 0),
    (dict(patience=3, factor=0.5, cooldown=2), 0.1, 1),
    (dict(mode="max", threshold_mode="abs", threshold=0.01, min_lr=1e-3, patience=2), 0.1, 2),
    (dict(patience=0, eps=1e-3), 1.0, 3),
]


def case_ids(name):
    return [f"{name}-{i}" for i in range(len(CASES[name]))]


ALL_CASES = [(name, i) for name in CASES for i in range(len(CASES[name]))]


def make(module, name, opt, kwargs):
    kwargs = dict(kwargs)
    if name in ("SequentialLR", "ChainedScheduler"):
        children = [getattr(module, child)(opt, **kw) for child, kw in kwargs.pop("children")]
        if name == "SequentialLR":
            return module.SequentialLR(opt, children, **kwargs)
        return module.ChainedScheduler(children)
    return getattr(module, name)(opt, **kwargs)


def torch_run(torch, name, kwargs, base, n, groups=1, metrics=None):
    """Per-step lrs (and momenta) of torch's scheduler on a torch SGD."""
    params = [torch.nn.Parameter(torch.zeros(1, dtype=torch.float64)) for _ in range(groups)]
    opt = torch.optim.SGD([{"params": [p], "lr": base * (1 + k)} for k, p in enumerate(params)], lr=base)
    sched = make(torch.optim.lr_scheduler, name, opt, kwargs)
    lrs = [[g["lr"] for g in opt.param_groups]]
    momenta = [[g["momentum"] for g in opt.param_groups]]
    for t in range(n - 1):
        opt.step()
        sched.step(metrics[t]) if metrics is not None else sched.step()
        lrs.append([g["lr"] for g in opt.param_groups])
        momenta.append([g["momentum"] for g in opt.param_groups])
    return lrs, momenta, sched


def swiftopt_run(name, kwargs, base, n, groups=1, metrics=None):
    """Per-step lrs and momenta of swiftopt's scheduler on a swiftopt SGD, and the lr each
    optimizer step actually used (SGD from w = 0 with gradient 1 and no momentum: w = -lr;
    None where momentum is cycled). Stops at a step the optimizer refuses."""
    ws = [np.zeros(1) for _ in range(groups)]
    grads = [np.ones(1) for _ in range(groups)]
    opt = swiftopt.SGD([{"params": [w], "lr": base * (1 + k)} for k, w in enumerate(ws)], lr=base)
    sched = make(S, name, opt, kwargs)
    lrs = [[g["lr"] for g in opt.param_groups]]
    momenta = [[g["momentum"] for g in opt.param_groups]]
    used = []
    refused = None
    for t in range(n):
        for w in ws:
            w[:] = 0.0
        opt.step(grads)
        used.append([-float(w[0]) for w in ws])
        if t == n - 1:
            break
        try:
            sched.step(metrics[t]) if metrics is not None else sched.step()
        except swiftopt.OutOfBoundsError:
            refused = t + 1
            assert sched.last_epoch == t and [g["lr"] for g in opt.param_groups] == lrs[-1]  # nothing changed
            break
        lrs.append([g["lr"] for g in opt.param_groups])
        momenta.append([g["momentum"] for g in opt.param_groups])
    return lrs, momenta, used, sched, opt, refused


def flat(rows):
    return [x for row in rows for x in row]


def check_against_torch(torch, name, kwargs, base, n, groups=1, metrics=None):
    theirs, their_momenta, tsched = torch_run(torch, name, kwargs, base, n, groups, metrics)
    mine, my_momenta, used, sched, opt, refused = swiftopt_run(name, kwargs, base, n, groups, metrics)
    m = len(mine)
    if refused is not None:
        assert min(theirs[refused]) < 0, "only a negative lr may be refused"
    else:
        assert m == n
    error = rel_err(flat(mine), flat(theirs[:m]))
    momentum_error = rel_err(flat(my_momenta), flat(their_momenta[:m]))
    if not kwargs.get("cycle_momentum", True) or name not in ("OneCycleLR", "CyclicLR"):
        # every optimizer step used the lr the schedule set before it
        assert used[:m] == mine, name
    assert sched.get_last_lr() == mine[-1]
    if name == "ReduceLROnPlateau":
        assert sched.last_epoch == m - 1
    else:
        assert sched.base_lrs == [g["initial_lr"] for g in opt.param_groups]
    if name != "ChainedScheduler":
        assert sched.last_epoch == m - 1
    opt.close()
    sched.close()
    return max(error, momentum_error)


@pytest.mark.parametrize("name,index", ALL_CASES, ids=[f"{n}-{i}" for n, i in ALL_CASES])
def test_matches_torch(torch, name, index):
    kwargs, base, n = CASES[name][index]
    error = check_against_torch(torch, name, kwargs, base, n)
    record_parity("lr_scheduler", name, "float64", error)
    assert error <= TOLERANCE, f"{name} {kwargs}: max relative error {error:.3e}"


@pytest.mark.parametrize("index", range(len(PLATEAU_CASES)))
def test_reduce_lr_on_plateau_matches_torch(torch, index):
    kwargs, base, seed = PLATEAU_CASES[index]
    metrics = plateau_metrics(torch, seed)
    if kwargs.get("mode") == "max":
        metrics = [-m for m in metrics]
    error = check_against_torch(torch, "ReduceLROnPlateau", kwargs, base, N, metrics=metrics)
    record_parity("lr_scheduler", "ReduceLROnPlateau", "float64", error)
    assert error == 0.0


# ---- several groups, per-group list arguments ------------------------------------------------------


GROUP_CASES = [
    ("StepLR", dict(step_size=10, gamma=0.5)),
    ("CosineAnnealingLR", dict(T_max=200, eta_min=1e-4)),
    ("OneCycleLR", dict(max_lr=[0.1, 0.3], total_steps=1000, base_momentum=[0.8, 0.85], max_momentum=[0.9, 0.99])),
    ("OneCycleLR", dict(max_lr=[0.2, 0.2], total_steps=1000, cycle_momentum=False)),
    ("CyclicLR", dict(base_lr=[0.001, 0.01], max_lr=[0.1, 0.05], step_size_up=40, mode="triangular2",
                      base_momentum=[0.7, 0.8], max_momentum=[0.9, 0.95])),
    ("SequentialLR", dict(children=[("LinearLR", dict(start_factor=0.1, total_iters=20)),
                                    ("OneCycleLR", dict(max_lr=[0.1, 0.2], total_steps=980, cycle_momentum=False))],
                          milestones=[20])),
]


@pytest.mark.parametrize("name,kwargs", GROUP_CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(GROUP_CASES)])
def test_two_groups_match_torch(torch, name, kwargs):
    error = check_against_torch(torch, name, kwargs, 0.1, N, groups=2)
    record_parity("lr_scheduler", name, "float64", error)
    assert error <= TOLERANCE


def test_plateau_two_groups_list_min_lr(torch):
    kwargs = dict(patience=2, factor=0.3, min_lr=[1e-3, 5e-3], cooldown=1)
    error = check_against_torch(torch, "ReduceLROnPlateau", kwargs, 0.1, N, groups=2,
                                metrics=plateau_metrics(torch, 4))
    theirs, _, _ = torch_run(torch, "ReduceLROnPlateau", kwargs, 0.1, N, 2, plateau_metrics(torch, 4))
    assert theirs[-1] == [1e-3, 5e-3]  # reductions happened, down to both min lrs
    record_parity("lr_scheduler", "ReduceLROnPlateau", "float64", error)
    assert error == 0.0


def test_shared_schedule_unless_groups_differ():
    opt = swiftopt.SGD([{"params": [np.zeros(1)]}, {"params": [np.zeros(1)]}], lr=0.1)
    shared = S.OneCycleLR(opt, max_lr=0.1, total_steps=10, cycle_momentum=False)
    assert shared._schedules[0] is shared._schedules[1]
    split = S.OneCycleLR(opt, max_lr=[0.1, 0.2], total_steps=10, cycle_momentum=False)
    assert split._schedules[0] is not split._schedules[1]


def test_on_a_torch_optimizer(torch):
    """swiftopt's schedulers drive anything with param_groups, e.g. a torch optimizer."""
    for name, kwargs in [("CosineAnnealingLR", dict(T_max=100)), ("OneCycleLR", dict(max_lr=0.1, total_steps=N))]:
        theirs, their_momenta, _ = torch_run(torch, name, kwargs, 0.1, N)
        p = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
        opt = torch.optim.SGD([p], lr=0.1)
        sched = make(S, name, opt, kwargs)
        mine, momenta = [opt.param_groups[0]["lr"]], [opt.param_groups[0]["momentum"]]
        for _ in range(N - 1):
            opt.step()
            sched.step()
            mine.append(opt.param_groups[0]["lr"])
            momenta.append(opt.param_groups[0]["momentum"])
        assert rel_err(mine, flat(theirs)) <= TOLERANCE
        assert rel_err(momenta, flat(their_momenta)) <= TOLERANCE


def test_momentum_cycled_on_adam_betas(torch):
    p = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    topt = torch.optim.Adam([p], lr=0.1, betas=(0.9, 0.98))
    tsched = torch.optim.lr_scheduler.OneCycleLR(topt, max_lr=0.1, total_steps=200)
    w = np.zeros(1)
    opt = swiftopt.Adam([w], lr=0.1, betas=(0.9, 0.98))
    sched = S.OneCycleLR(opt, max_lr=0.1, total_steps=200)
    for _ in range(199):
        assert rel_err(list(opt.param_groups[0]["betas"]), list(topt.param_groups[0]["betas"])) <= TOLERANCE
        assert rel_err([opt.param_groups[0]["lr"]], [topt.param_groups[0]["lr"]]) <= TOLERANCE
        topt.step()
        tsched.step()
        opt.step([np.ones(1)])
        sched.step()
    assert opt.param_groups[0]["betas"][1] == 0.98
    opt.close()


def test_cycle_momentum_needs_momentum():
    opt = swiftopt.Adagrad([np.zeros(1)], lr=0.1)
    with pytest.raises(swiftopt.IncompatibleOptionsError):
        S.OneCycleLR(opt, max_lr=0.1, total_steps=10)
    with pytest.raises(swiftopt.IncompatibleOptionsError):
        S.CyclicLR(opt, base_lr=0.01, max_lr=0.1)
    assert "initial_lr" not in opt.param_groups[0] and opt.param_groups[0]["lr"] == 0.1
    S.OneCycleLR(opt, max_lr=0.1, total_steps=10, cycle_momentum=False)


# ---- native closed forms vs torch's own closed form, and the C attach path ------------------------


CLOSED_FORM = ["ConstantLR", "LinearLR", "StepLR", "MultiStepLR", "ExponentialLR", "PolynomialLR",
               "CosineAnnealingLR"]


@pytest.mark.parametrize("name", CLOSED_FORM)
def test_native_equals_torch_closed_form(torch, name):
    worst = 0.0
    for kwargs, base, n in CASES[name]:
        p = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
        tsched = make(torch.optim.lr_scheduler, name, torch.optim.SGD([p], lr=base), kwargs)
        closed = []
        for t in range(n):
            tsched.last_epoch = t
            closed.append(tsched._get_closed_form_lr()[0])
        sched = make(S, name, swiftopt.SGD([np.zeros(1)], lr=base), kwargs)
        worst = max(worst, rel_err(sched._schedules[0].values(base, 0, n), closed))
    assert worst <= TOLERANCE_CLOSED


def attached_lrs(schedule, base, n, metrics=None):
    """The lrs a native SGD optimizer (C API) uses at each of n steps with `schedule` attached."""
    L, P = _lib.lib, ctypes.c_void_p
    opt = P()
    L.swiftopt_optimizer_create(_lib.ALGORITHM_SGD, ctypes.byref(opt))
    try:
        L.swiftopt_optimizer_set_hyperparameter(opt, 0, _lib.HP_LR, base)
        w = (ctypes.c_double * 1)(0.0)
        g = (ctypes.c_double * 1)(1.0)
        L.swiftopt_optimizer_add_param(opt, 0, _lib.DTYPE_FLOAT64, ctypes.cast(w, P), 1, None)
        L.swiftopt_optimizer_attach_schedule(opt, 0, schedule.handle)
        grads = (P * 1)(ctypes.cast(g, P))
        lrs = []
        for t in range(n):
            w[0] = 0.0
            L.swiftopt_optimizer_step(opt, grads, 1)
            lrs.append(-w[0])  # SGD from w = 0 with gradient 1: w = -lr, exactly
            if metrics is not None and t < n - 1:
                L.swiftopt_optimizer_step_schedule_metric(opt, 0, float(metrics[t]), None)
        return lrs
    finally:
        L.swiftopt_optimizer_free(opt)


ATTACHABLE = [name for name in CASES if name not in ("LambdaLR", "MultiplicativeLR", "ChainedScheduler")]


@pytest.mark.parametrize("name", ATTACHABLE)
def test_attached_schedule_matches(name):
    for kwargs, base, n in CASES[name]:
        sched = make(S, name, swiftopt.SGD([np.zeros(1)], lr=base), kwargs)
        schedule = sched._schedules[0]
        values = schedule.values(base, 0, n - 1) if name == "OneCycleLR" else schedule.values(base, 0, n)
        n_att = next((t for t, lr in enumerate(values) if lr < 0), len(values))  # the C API refuses lr < 0
        assert attached_lrs(schedule, base, n_att) == values[:n_att]


def test_attached_plateau_matches(torch):
    for kwargs, base, seed in PLATEAU_CASES:
        metrics = plateau_metrics(torch, seed)
        if kwargs.get("mode") == "max":
            metrics = [-m for m in metrics]
        _, _, used, sched, opt, _ = swiftopt_run("ReduceLROnPlateau", kwargs, base, N, metrics=metrics)
        fresh = S.ReduceLROnPlateau(swiftopt.SGD([np.zeros(1)], lr=base), **kwargs)
        assert attached_lrs(fresh._schedules[0], base, N, metrics) == flat(used)


def test_native_constant_kind():
    values = S._Schedule(_lib.SCHEDULE_CONSTANT).values(0.1, 0, N)
    assert values == [0.1] * N


# ---- the two kinds torch lacks, against their formulas ------------------------------------------


def inverse_sqrt_formula(base, k, w, t):
    if t < w:
        return base * t / w
    return base / (1 + k * (math.sqrt(t) - math.sqrt(w)))


def hf_inverse_sqrt(base, w, t):
    """Hugging Face's get_inverse_sqrt_schedule (timescale = w), written out."""
    if t < w:
        return base * float(t) / float(max(1, w))
    return base * (1.0 / math.sqrt(t / w))


def scheduled(name, kwargs, base, n=N):
    mine, _, used, sched, opt, refused = swiftopt_run(name, kwargs, base, n)
    assert refused is None and used == mine
    return flat(mine)


def test_inverse_sqrt_formula():
    worst = 0.0
    for base, k, w in [(0.1, 1.0, 0), (1.0, 0.05, 0), (0.01, 1 / math.sqrt(4000), 4000), (5e-4, 0.3, 100)]:
        mine = scheduled("InverseSqrtLR", dict(decay_rate=k, warmup_steps=w), base)
        worst = max(worst, rel_err(mine, [inverse_sqrt_formula(base, k, w, t) for t in range(N)]))
    # k = 1/sqrt(w): Hugging Face's / fairseq's Transformer schedule
    w = 100
    mine = scheduled("InverseSqrtLR", dict(decay_rate=1 / math.sqrt(w), warmup_steps=w), 1e-3)
    worst = max(worst, rel_err(mine, [hf_inverse_sqrt(1e-3, w, t) for t in range(N)]))
    record_parity("formula", "InverseSqrtLR", "float64", worst)
    assert worst <= 1e-15
    assert scheduled("InverseSqrtLR", {}, 1.0, 5)[:2] == [1.0, 0.5]  # defaults: k = 1, w = 0


def test_inverse_time_formula():
    worst = 0.0
    for base, k, T, stair in [(0.1, 0.5, 10.0, False), (0.1, 0.5, 10.0, True), (1.0, 2.0, 333.0, False),
                              (0.01, 1.0, 2.5, True)]:
        mine = scheduled("InverseTimeLR", dict(decay_rate=k, decay_steps=T, staircase=stair), base)
        ref = [base / (1 + k * (math.floor(t / T) if stair else t / T)) for t in range(N)]
        worst = max(worst, rel_err(mine, ref))
    record_parity("formula", "InverseTimeLR", "float64", worst)
    assert worst <= 1e-15


# ---- state_dict -----------------------------------------------------------------------------------


RESUME = [(name, CASES[name][i]) for name, i in ALL_CASES
          if name not in ("LambdaLR", "MultiplicativeLR") and i in (0, len(CASES[name]) - 1)]


@pytest.mark.parametrize("name,case", RESUME, ids=[f"{n}-{i}" for i, (n, _) in enumerate(RESUME)])
def test_state_dict_round_trip_resumes(name, case):
    kwargs, base, n = case
    n = min(n, 100)
    full, _, _, _, _, _ = swiftopt_run(name, kwargs, base, n)

    opt = swiftopt.SGD([np.zeros(1)], lr=base)
    sched = make(S, name, opt, kwargs)
    for _ in range(n // 2 - 1):
        sched.step()
    state = copy.deepcopy(sched.state_dict())
    opt_state = opt.state_dict()
    for key in ("last_epoch", "base_lrs", "_last_lr", "_step_count"):
        assert key in state, key
    assert state["last_epoch"] == n // 2 - 1 or name == "ChainedScheduler"

    # a fresh optimizer and scheduler: load both, continue
    opt2 = swiftopt.SGD([np.zeros(1)], lr=base)
    sched2 = make(S, name, opt2, kwargs)
    for _ in range(7):
        sched2.step()  # somewhere else
    opt2.load_state_dict(opt_state)
    sched2.load_state_dict(state)
    assert sched2.get_last_lr() == sched.get_last_lr()
    rest = []
    for _ in range(n - n // 2):
        sched2.step()
        rest.append(opt2.param_groups[0]["lr"])
    assert rest == flat(full[n // 2:])


def test_plateau_state_dict_round_trip(torch):
    metrics = plateau_metrics(torch, 1)
    kwargs = dict(patience=3, factor=0.5, cooldown=2)
    full, _, _, _, _, _ = swiftopt_run("ReduceLROnPlateau", kwargs, 0.1, N, metrics=metrics)
    opt = swiftopt.SGD([np.zeros(1)], lr=0.1)
    sched = S.ReduceLROnPlateau(opt, **kwargs)
    for m in metrics[:500]:
        sched.step(m)
    state = sched.state_dict()
    # torch's keys, with torch's values for the same run
    tp = torch.nn.Parameter(torch.zeros(1))
    topt = torch.optim.SGD([tp], lr=0.1)
    tsched = torch.optim.lr_scheduler.ReduceLROnPlateau(topt, **kwargs)
    for m in metrics[:500]:
        tsched.step(m)
    theirs = tsched.state_dict()
    for key in ("best", "num_bad_epochs", "cooldown_counter", "last_epoch", "_last_lr", "min_lrs", "factor",
                "patience", "cooldown", "mode", "threshold", "threshold_mode", "eps", "mode_worse"):
        assert state[key] == theirs[key], key
    # resume in a fresh scheduler, from ours and from torch's state dict
    for saved in (state, theirs):
        opt2 = swiftopt.SGD([np.zeros(1)], lr=0.1)
        opt2.load_state_dict(opt.state_dict())
        sched2 = S.ReduceLROnPlateau(opt2, **kwargs)
        sched2.load_state_dict(saved)
        assert (sched2.best, sched2.num_bad_epochs, sched2.cooldown_counter, sched2.last_epoch) == (
            sched.best, sched.num_bad_epochs, sched.cooldown_counter, sched.last_epoch)
        rest = []
        for m in metrics[500:-1]:
            sched2.step(m)
            rest.append(opt2.param_groups[0]["lr"])
        assert rest == flat(full[501:])


def test_load_state_dict_bad_changes_nothing():
    opt = swiftopt.SGD([np.zeros(1)], lr=0.1)
    sched = S.StepLR(opt, step_size=3, gamma=0.5)
    for _ in range(4):
        sched.step()
    before = sched.state_dict()
    bad = dict(before, step_size=-1, last_epoch=99)
    with pytest.raises(swiftopt.OutOfBoundsError):
        sched.load_state_dict(bad)
    assert sched.state_dict() == before
    sched.step()
    assert sched.get_last_lr() == [0.1 * 0.5 ** (5 // 3)]
    plateau = S.ReduceLROnPlateau(opt)
    with pytest.raises(swiftopt.OutOfBoundsError):
        plateau.load_state_dict(dict(plateau.state_dict(), best=float("nan")))
    assert math.isinf(plateau.best)


# ---- bad input ---------------------------------------------------------------------------------


def _opt():
    return swiftopt.SGD([{"params": [np.zeros(1)], "lr": 0.1}, {"params": [np.zeros(1)], "lr": 0.2}],
                        momentum=0.5)


BAD = [
    (lambda o: S.StepLR(o, step_size=0), swiftopt.OutOfBoundsError),
    (lambda o: S.StepLR(o, step_size=-3), swiftopt.OutOfBoundsError),
    (lambda o: S.StepLR(o, step_size=2.5), swiftopt.OutOfBoundsError),
    (lambda o: S.StepLR(o, step_size=10, gamma=float("nan")), swiftopt.OutOfBoundsError),
    (lambda o: S.StepLR(o, step_size="10"), swiftopt.ArgumentTypeError),
    (lambda o: S.ExponentialLR(o, gamma=float("inf")), swiftopt.OutOfBoundsError),
    (lambda o: S.ExponentialLR(o, gamma=0.0), swiftopt.OutOfBoundsError),
    (lambda o: S.ConstantLR(o, factor=1.5), swiftopt.OutOfBoundsError),
    (lambda o: S.LinearLR(o, start_factor=0.0), swiftopt.OutOfBoundsError),
    (lambda o: S.PolynomialLR(o, total_iters=0), swiftopt.OutOfBoundsError),
    (lambda o: S.CosineAnnealingLR(o, T_max=-1), swiftopt.OutOfBoundsError),
    (lambda o: S.CosineAnnealingLR(o, T_max=10, eta_min=float("nan")), swiftopt.OutOfBoundsError),
    (lambda o: S.CosineAnnealingWarmRestarts(o, T_0=0), swiftopt.OutOfBoundsError),
    (lambda o: S.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=0), swiftopt.OutOfBoundsError),
    (lambda o: S.MultiStepLR(o, milestones=[-1, 5]), swiftopt.OutOfBoundsError),
    (lambda o: S.MultiStepLR(o, milestones=[1.5]), swiftopt.ArgumentTypeError),
    (lambda o: S.OneCycleLR(o, max_lr=0.1), swiftopt.InvalidArgumentError),
    (lambda o: S.OneCycleLR(o, max_lr=0.1, total_steps=0), swiftopt.OutOfBoundsError),
    (lambda o: S.OneCycleLR(o, max_lr=0.1, total_steps=10, pct_start=1.5), swiftopt.OutOfBoundsError),
    (lambda o: S.OneCycleLR(o, max_lr=0.1, total_steps=10, anneal_strategy="cosine"), swiftopt.OutOfBoundsError),
    (lambda o: S.OneCycleLR(o, max_lr=[0.1, 0.2, 0.3], total_steps=10), swiftopt.SizeMismatchError),
    (lambda o: S.OneCycleLR(o, max_lr=-0.1, total_steps=10), swiftopt.OutOfBoundsError),
    (lambda o: S.CyclicLR(o, base_lr=0.01, max_lr=0.1, mode="triangle"), swiftopt.OutOfBoundsError),
    (lambda o: S.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=-5), swiftopt.OutOfBoundsError),
    (lambda o: S.CyclicLR(o, base_lr=[0.01], max_lr=0.1), swiftopt.SizeMismatchError),
    (lambda o: S.CyclicLR(o, base_lr=0.01, max_lr=0.1, scale_fn=lambda x: 1.0), swiftopt.IncompatibleOptionsError),
    (lambda o: S.ReduceLROnPlateau(o, mode="minimum"), swiftopt.OutOfBoundsError),
    (lambda o: S.ReduceLROnPlateau(o, threshold_mode="relative"), swiftopt.OutOfBoundsError),
    (lambda o: S.ReduceLROnPlateau(o, factor=1.0), swiftopt.OutOfBoundsError),
    (lambda o: S.ReduceLROnPlateau(o, patience=-1), swiftopt.OutOfBoundsError),
    (lambda o: S.ReduceLROnPlateau(o, min_lr=[0.0]), swiftopt.SizeMismatchError),
    (lambda o: S.ReduceLROnPlateau(o, min_lr=[0.0, -1.0]), swiftopt.OutOfBoundsError),
    (lambda o: S.InverseSqrtLR(o, decay_rate=-1.0), swiftopt.OutOfBoundsError),
    (lambda o: S.InverseTimeLR(o, decay_rate=0.5, decay_steps=float("nan")), swiftopt.OutOfBoundsError),
    (lambda o: S.LambdaLR(o, lr_lambda=[lambda t: 1.0]), swiftopt.SizeMismatchError),
    (lambda o: S.LambdaLR(o, lr_lambda=3), swiftopt.ArgumentTypeError),
    (lambda o: S.StepLR(o, step_size=3, last_epoch=5), swiftopt.InvalidArgumentError),  # no initial_lr
    (lambda o: S.SequentialLR(o, [S.StepLR(o, 3), S.StepLR(o, 5), S.StepLR(o, 7)], milestones=[10, 10]),
     swiftopt.OutOfBoundsError),  # non-increasing
    (lambda o: S.SequentialLR(o, [S.StepLR(o, 3), S.StepLR(o, 5), S.StepLR(o, 7)], milestones=[20, 10]),
     swiftopt.OutOfBoundsError),
    (lambda o: S.SequentialLR(o, [S.StepLR(o, 3), S.StepLR(o, 5)], milestones=[-2]), swiftopt.OutOfBoundsError),
    (lambda o: S.SequentialLR(o, [S.StepLR(o, 3), S.StepLR(o, 5)], milestones=[2, 4]), swiftopt.SizeMismatchError),
    (lambda o: S.SequentialLR(o, [S.StepLR(o, 3), S.ReduceLROnPlateau(o)], milestones=[2]),
     swiftopt.IncompatibleOptionsError),
    (lambda o: S.SequentialLR(o, [S.StepLR(o, 3), S.LambdaLR(o, lambda t: 1)], milestones=[2]),
     swiftopt.IncompatibleOptionsError),
    (lambda o: S.ChainedScheduler([S.StepLR(o, 3), S.CosineAnnealingLR(o, 10)]), swiftopt.IncompatibleOptionsError),
]


@pytest.mark.parametrize("index", range(len(BAD)))
def test_bad_input_raises_and_changes_nothing(index):
    factory, error = BAD[index]
    opt = _opt()
    with pytest.raises(error) as info:
        factory(opt)
    assert isinstance(info.value, ValueError) or isinstance(info.value, TypeError)
    assert str(info.value)
    source = inspect.getsource(factory)
    if "SequentialLR" not in source and "Chained" not in source:
        # nothing changed (SequentialLR/ChainedScheduler: only their children did, as in torch)
        assert [dict(g) for g in opt.param_groups] == [dict(g) for g in _opt().param_groups]


def test_native_message_is_kept():
    with pytest.raises(swiftopt.OutOfBoundsError, match="step_size"):
        S.StepLR(_opt(), step_size=-1)


def test_failed_step_changes_nothing():
    opt = _opt()
    sched = S.OneCycleLR(opt, max_lr=0.1, total_steps=5)
    for _ in range(5):
        sched.step()
    state = ([dict(g) for g in opt.param_groups], sched.last_epoch, sched.get_last_lr())
    with pytest.raises(swiftopt.IndexOutOfRangeError):
        sched.step()
    assert ([dict(g) for g in opt.param_groups], sched.last_epoch, sched.get_last_lr()) == state
    plateau = S.ReduceLROnPlateau(opt)
    with pytest.raises(swiftopt.ArgumentTypeError):
        plateau.step("loss")
    with pytest.raises(swiftopt.ArgumentTypeError):
        sched.step(epoch=1.5)


def test_nan_metric_never_improves(torch):
    opt = swiftopt.SGD([np.zeros(1)], lr=1.0)
    sched = S.ReduceLROnPlateau(opt, patience=1)
    for m in [1.0, float("nan"), float("nan"), float("nan")]:
        sched.step(m)
    assert sched.best == 1.0 and opt.param_groups[0]["lr"] == pytest.approx(0.1)


def test_group_count_change_is_an_error():
    opt = swiftopt.SGD([np.zeros(1)], lr=0.1)
    sched = S.StepLR(opt, 2)
    opt.add_param_group({"params": [np.zeros(1)]})
    with pytest.raises(swiftopt.SizeMismatchError):
        sched.step()


# ---- API shape, lifecycle, docs ----------------------------------------------------------------


def test_public_names(torch):
    import swiftopt.lr_scheduler as module

    assert module is swiftopt.lr_scheduler and "lr_scheduler" in swiftopt.__all__
    for name in ("ConstantLR", "LinearLR", "StepLR", "MultiStepLR", "ExponentialLR", "PolynomialLR",
                 "CosineAnnealingLR", "CosineAnnealingWarmRestarts", "OneCycleLR", "CyclicLR", "SequentialLR",
                 "ReduceLROnPlateau", "LambdaLR", "MultiplicativeLR", "ChainedScheduler"):
        ours, theirs = getattr(module, name), getattr(torch.optim.lr_scheduler, name)
        mine = list(inspect.signature(ours).parameters.items())
        torchs = list(inspect.signature(theirs).parameters.items())
        assert [k for k, _ in mine] == [k for k, _ in torchs], name
        assert [p.default for _, p in mine] == [p.default for _, p in torchs], name
    for name in ("InverseSqrtLR", "InverseTimeLR"):
        kind = ctypes.c_int32()
        _lib.lib.swiftopt_schedule_kind_from_name(name.encode(), ctypes.byref(kind))
        assert getattr(module, name)._kind == kind.value


def test_initial_lr_like_torch():
    opt = swiftopt.SGD([np.zeros(1)], lr=0.1)
    S.StepLR(opt, 2)
    assert opt.param_groups[0]["initial_lr"] == 0.1
    opt.param_groups[0]["lr"] = 0.5
    second = S.ExponentialLR(opt, 0.5)  # keeps the first scheduler's initial_lr
    assert second.base_lrs == [0.1] and opt.param_groups[0]["lr"] == 0.1
    resumed = S.ExponentialLR(opt, 0.5, last_epoch=3)
    assert resumed.last_epoch == 4 and opt.param_groups[0]["lr"] == 0.1 * 0.5 ** 4


def test_close_and_finalizer():
    opt = swiftopt.SGD([np.zeros(1)], lr=0.1)
    sched = S.CosineAnnealingLR(opt, 10)
    handle = sched._schedules[0].handle.value
    sched.close()
    sched.close()
    with pytest.raises(swiftopt.ClosedError):
        sched.step()
    with pytest.raises(swiftopt.InvalidHandleError):  # really freed
        _lib.lib.swiftopt_schedule_kind(handle, ctypes.byref(ctypes.c_int32()))
    with S.StepLR(opt, 2) as other:
        other.step()
    assert other._closed
    third = S.StepLR(opt, 2)
    handle = third._schedules[0].handle.value
    del third
    gc.collect()
    with pytest.raises(swiftopt.InvalidHandleError):
        _lib.lib.swiftopt_schedule_kind(handle, ctypes.byref(ctypes.c_int32()))


def test_docstring_examples_run():
    failures, tried = doctest.testmod(S)
    assert tried >= 40 and failures == 0
