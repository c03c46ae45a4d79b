"""Against torch.optim itself: the same configurations and gradient sequences.

fp64 must agree to 1e-10 relative (measured: rounding level, ~1e-16).

fp32 must agree "to fp32 rounding". fp32 results of two correct
implementations are not bit-identical (torch's CPU kernels fuse some
multiply-adds, the order of a few operations differs), and the per-step
rounding differences accumulate over 300 steps. The bound is therefore
relative to fp32's own rounding error, measured on the same run: with
x64 = torch in float64 from the same (fp32) start and gradients, and all
errors taken as max|a - b| / max|x64| every 25 steps,
    |x_swiftopt32 - x64| <= 2 |x_torch32 - x64| + 2 eps32   (as accurate as torch)
    |x_swiftopt32 - x_torch32| <= 3 |x_torch32 - x64| + 2 eps32
A wrong formula (epsilon placement, bias correction, momentum convention)
is off by a fraction of an update, ~lr * |x| = 10^5 eps32, and fails both.
"""

from __future__ import annotations

import numpy as np
import pytest

import swiftopt
from conftest import record_parity
from reference import max_rel_error, option_id, option_table, problem

STEPS = 300
TABLE = option_table()
EPS32 = float(np.finfo(np.float32).eps)


def torch_optimizer(torch, name, params, options):
    tensors = [torch.tensor(p.copy()) for p in params]
    return tensors, getattr(torch.optim, name)(tensors, **options)


def torch_step(torch, tensors, opt, grads):
    for t, g in zip(tensors, grads):
        t.grad = None if g is None else torch.from_numpy(g.copy())
    opt.step()


def _rel(a, b, scale):
    return max(float(np.max(np.abs(x.astype(np.float64) - y.astype(np.float64)))) for x, y in zip(a, b)) / scale


@pytest.mark.parametrize("name,options", TABLE, ids=[option_id(n, o) for n, o in TABLE])
def test_matches_torch_fp64(torch, name, options):
    params, grads = problem(np.float64, STEPS, seed=1)
    tensors, reference = torch_optimizer(torch, name, params, options)
    with getattr(swiftopt, name)(params, **options) as opt:
        for g in grads:
            opt.step(g)
            torch_step(torch, tensors, reference, g)
    error = max_rel_error(params, [t.numpy() for t in tensors])
    record_parity("torch", name, "float64", error)
    assert error <= 1e-10, f"{name} {options}: relative error {error:.3e}"


@pytest.mark.parametrize("name,options", TABLE, ids=[option_id(n, o) for n, o in TABLE])
def test_matches_torch_fp32(torch, name, options):
    params, grads = problem(np.float32, STEPS, seed=1)
    tensors32, torch32 = torch_optimizer(torch, name, params, options)
    tensors64, torch64 = torch_optimizer(torch, name, [p.astype(np.float64) for p in params], options)
    worst = {"diff": 0.0, "torch": 0.0, "swiftopt": 0.0}
    with getattr(swiftopt, name)(params, **options) as opt:
        for t, g in enumerate(grads, 1):
            opt.step(g)
            torch_step(torch, tensors32, torch32, g)
            torch_step(torch, tensors64, torch64, [None if x is None else x.astype(np.float64) for x in g])
            if t % 25 == 0:
                exact = [x.numpy() for x in tensors64]
                scale = max(float(np.max(np.abs(e))) for e in exact)
                theirs = [x.numpy() for x in tensors32]
                err_torch, err_ours = _rel(theirs, exact, scale), _rel(params, exact, scale)
                diff = _rel(params, theirs, scale)
                worst = {k: max(worst[k], v) for k, v in (("diff", diff), ("torch", err_torch), ("swiftopt", err_ours))}
                # swiftopt's fp32 is as accurate as torch's own fp32 (against fp64)...
                assert err_ours <= 2 * err_torch + 2 * EPS32, f"step {t}: {err_ours / EPS32:.1f} eps vs torch {err_torch / EPS32:.1f}"
                # ...so the two differ by fp32 rounding error, not by a formula.
                assert diff <= 3 * err_torch + 2 * EPS32, f"step {t}: differs by {diff / EPS32:.1f} eps"
    record_parity("torch", name, "float32", worst["diff"])
    record_parity("torch32-own-error", name, "float32", worst["torch"])


#: swiftopt's own options (regularization, clipping, non-finite skip), keyword-only after
#: torch's arguments and after torch's keys in param_groups, off by default.
EXTRAS = {"decoupled_weight_decay": False, "l1": 0.0, "max_grad_norm": 0.0, "clip_value": 0.0,
          "skip_nonfinite": False}


def extras(name, signature=False):
    # torch's Adam has decoupled_weight_decay itself; AdamW always decouples
    # (torch's AdamW has the key in param_groups, True, but no argument).
    skip = ("decoupled_weight_decay",) if name in ("Adam", "AdamW") else ()
    return {k: v for k, v in EXTRAS.items() if k not in skip}


@pytest.mark.parametrize("name", ["SGD", "Adagrad", "RMSprop", "Adam", "AdamW"])
def test_signature_and_defaults_are_torchs(torch, name):
    """torch's arguments exactly (names, order, kinds, defaults), then only
    swiftopt's options, keyword-only, defaulting to off."""
    import inspect

    ours = inspect.signature(getattr(swiftopt, name).__init__).parameters
    theirs = inspect.signature(getattr(torch.optim, name).__init__).parameters
    assert list(ours) == list(theirs) + list(extras(name))
    for key in theirs:
        assert ours[key].kind == theirs[key].kind, key
        assert ours[key].default == theirs[key].default, key
    for key, default in extras(name).items():
        assert ours[key].kind == inspect.Parameter.KEYWORD_ONLY, key
        assert ours[key].default == default and type(ours[key].default) is type(default), key


@pytest.mark.parametrize("name", ["SGD", "Adagrad", "RMSprop", "Adam", "AdamW"])
def test_param_groups_and_defaults_have_torchs_keys(torch, name):
    """torch's keys and values, in torch's order, then swiftopt's options."""
    p = np.zeros(3)
    t = torch.zeros(3, dtype=torch.float64)
    with getattr(swiftopt, name)([p]) as ours:
        theirs = getattr(torch.optim, name)([t])
        assert list(ours.param_groups[0].keys()) == list(theirs.param_groups[0].keys()) + list(extras(name))
        assert ours.defaults == {**theirs.defaults, **extras(name)}
        assert {k: v for k, v in ours.param_groups[0].items() if k != "params"} == {
            **{k: v for k, v in theirs.param_groups[0].items() if k != "params"}, **extras(name)
        }


def test_lr_scheduler_pattern_matches_torch(torch):
    """Changing param_groups[i]['lr'] before each step, as torch's schedulers do."""
    params, grads = problem(np.float64, 200, seed=2)
    tensors, reference = torch_optimizer(torch, "Adam", params, {"lr": 0.01})
    with swiftopt.Adam(params, lr=0.01) as opt:
        for t, g in enumerate(grads):
            lr = 0.01 * 0.5 * (1 + np.cos(np.pi * t / 200))  # cosine annealing
            opt.param_groups[0]["lr"] = lr
            reference.param_groups[0]["lr"] = lr
            opt.step(g)
            torch_step(torch, tensors, reference, g)
    assert max_rel_error(params, [t.numpy() for t in tensors]) <= 1e-10


def test_torch_scheduler_drives_swiftopt_groups(torch):
    """A torch LambdaLR stepping a torch optimizer; its lr copied into
    swiftopt each step gives torch's trajectory."""
    params, grads = problem(np.float64, 100, seed=3)
    tensors, reference = torch_optimizer(torch, "SGD", params, {"lr": 0.1, "momentum": 0.9})
    scheduler = torch.optim.lr_scheduler.StepLR(reference, step_size=10, gamma=0.5)
    with swiftopt.SGD(params, lr=0.1, momentum=0.9) as opt:
        for g in grads:
            opt.param_groups[0]["lr"] = reference.param_groups[0]["lr"]
            opt.step(g)
            torch_step(torch, tensors, reference, g)
            scheduler.step()
    assert max_rel_error(params, [t.numpy() for t in tensors]) <= 1e-10
