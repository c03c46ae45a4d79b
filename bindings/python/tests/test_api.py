"""The torch.optim-shaped API: param_groups, add_param_group, state_dict
round trips and interchange with torch, lifecycle, in-place updates."""

from __future__ import annotations

import copy
import ctypes
import doctest
import gc
import os
import re
import weakref

import numpy as np
import pytest

import swiftopt
from swiftopt import _lib, _optim
from reference import REFERENCES, max_rel_error, problem

ALL = ["SGD", "Adagrad", "RMSprop", "Adam", "AdamW"]
#: options under which every state tensor of the algorithm exists
FULL = {
    "SGD": dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01),
    "Adagrad": dict(lr=0.05, lr_decay=0.01, initial_accumulator_value=0.1),
    "RMSprop": dict(lr=0.01, momentum=0.5, centered=True),
    "Adam": dict(lr=0.01, amsgrad=True, weight_decay=0.01),
    "AdamW": dict(lr=0.01, amsgrad=True),
}
STATE_NAMES = {
    "SGD": ["momentum_buffer"],
    "Adagrad": ["step", "sum"],
    "RMSprop": ["step", "square_avg", "momentum_buffer", "grad_avg"],
    "Adam": ["step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"],
    "AdamW": ["step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"],
}


def run(opt, grads):
    for g in grads:
        opt.step(g)


# ---- in place, groups, hyperparameters --------------------------------------


def test_updates_the_callers_arrays_in_place():
    w = np.ones((2, 3), dtype=np.float32)
    view_base = np.ones(10)
    v = view_base[2:6]  # a contiguous view: the base's memory is updated
    with swiftopt.SGD([w, v], lr=0.5) as opt:
        assert opt.param_groups[0]["params"][0] is w
        opt.step([np.ones_like(w), np.ones_like(v)])
    np.testing.assert_array_equal(w, 0.5)
    np.testing.assert_array_equal(view_base, [1, 1, 0.5, 0.5, 0.5, 0.5, 1, 1, 1, 1])


def test_changing_lr_in_param_groups_applies_at_next_step():
    w = np.zeros(1)
    with swiftopt.SGD([w], lr=0.1) as opt:
        opt.step([np.ones(1)])
        assert w[0] == pytest.approx(-0.1)
        opt.param_groups[0]["lr"] = 1.0
        assert opt.param_groups[0]["lr"] == 1.0
        opt.step([np.ones(1)])
        assert w[0] == pytest.approx(-1.1)
        opt.param_groups[0].update(lr=0.0)
        opt.step([np.ones(1)])
        assert w[0] == pytest.approx(-1.1)


def test_every_hyperparameter_change_reaches_the_native_handle():
    w = np.zeros(4)
    with swiftopt.Adam([w]) as opt:
        group = opt.param_groups[0]
        group["betas"] = (0.5, 0.75)
        group["eps"] = 1e-3
        group["amsgrad"] = True
        group["weight_decay"] = 0.25
        native = opt._native
        assert native.get(group._index, _lib.HP_BETA1) == 0.5
        assert native.get(group._index, _lib.HP_BETA2) == 0.75
        assert native.get(group._index, _lib.HP_EPS) == 1e-3
        assert native.get(group._index, _lib.HP_AMSGRAD) == 1.0
        assert native.get(group._index, _lib.HP_WEIGHT_DECAY) == 0.25
        group["initial_lr"] = 0.01  # a free-form key, as schedulers add
        assert group["initial_lr"] == 0.01


def test_add_param_group_and_per_group_hyperparameters():
    params, grads = problem(np.float64, 50)
    ref = [p.copy() for p in params]
    opt = swiftopt.RMSprop([params[0]], lr=0.01)
    opt.add_param_group({"params": params[1:], "lr": 0.02, "centered": True})
    assert [g["lr"] for g in opt.param_groups] == [0.01, 0.02]
    assert opt.param_groups[1]["alpha"] == 0.99  # from defaults
    ra = REFERENCES["RMSprop"](ref[:1], lr=0.01)
    rb = REFERENCES["RMSprop"](ref[1:], lr=0.02, centered=True)
    for g in grads:
        opt.step(g)
        ra.step(g[:1])
        rb.step(g[1:])
    opt.close()
    assert max_rel_error(params, ref) <= 1e-13


def test_named_parameters_like_torch():
    w, b = np.zeros(3), np.zeros(1)
    with swiftopt.SGD([("weight", w), ("bias", b)], lr=0.1) as opt:
        assert opt.param_groups[0]["param_names"] == ["weight", "bias"]
        opt.step([np.ones(3), np.ones(1)])
    np.testing.assert_allclose(b, [-0.1])


def test_none_gradient_skips_parameter_and_its_state():
    a, b = np.zeros(2), np.zeros(2)
    with swiftopt.Adam([a, b], lr=0.1) as opt:
        opt.step([np.ones(2), None])
        np.testing.assert_array_equal(b, 0)
        state = opt.state_dict()["state"]
        assert set(state) == {0}
        assert float(state[0]["step"]) == 1


def test_reused_gradient_buffers_and_fresh_arrays_give_the_same_result():
    params, grads = problem(np.float32, 30)
    twin = [p.copy() for p in params]
    buffers = [np.empty_like(p) for p in params]
    with swiftopt.Adam(params, lr=0.01) as a, swiftopt.Adam(twin, lr=0.01) as b:
        for g in grads:
            a.step([None if x is None else x.copy() for x in g])
            for buf, x in zip(buffers, g):
                if x is not None:
                    buf[...] = x
            b.step([None if x is None else buf for buf, x in zip(buffers, g)])
    for x, y in zip(params, twin):
        np.testing.assert_array_equal(x, y)


def test_repr_lists_groups():
    with swiftopt.AdamW([np.zeros(1)]) as opt:
        text = repr(opt)
    assert text.startswith("AdamW (") and "Parameter Group 0" in text and "weight_decay: 0.01" in text


def test_adam_with_decoupled_weight_decay_is_adamw():
    params, grads = problem(np.float64, 40)
    twin = [p.copy() for p in params]
    with swiftopt.Adam(params, weight_decay=0.1, decoupled_weight_decay=True) as a, swiftopt.AdamW(
        twin, weight_decay=0.1
    ) as b:
        run(a, grads)
        run(b, grads)
    for x, y in zip(params, twin):
        np.testing.assert_array_equal(x, y)


# ---- state_dict --------------------------------------------------------------


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["fp64", "fp32"])
def test_state_dict_round_trip_continues_identically(name, dtype):
    params, grads = problem(dtype, 60)
    twin = [p.copy() for p in params]
    first = getattr(swiftopt, name)(params, **FULL[name])
    run(first, grads[:30])
    saved = copy.deepcopy(first.state_dict())
    assert sorted(saved["state"]) == [0, 1, 2]
    assert list(saved["state"][0]) == STATE_NAMES[name]
    for i, entry in saved["state"].items():
        for key, value in entry.items():
            if key == "step":
                assert value.shape == () and float(value) == (30 if i != 1 else 30 - 5)
            else:
                assert value.shape == params[i].shape and value.dtype == dtype
    # a second optimizer on copies of the parameters, loaded from the checkpoint
    for p, q in zip(twin, params):
        p[...] = q
    second = getattr(swiftopt, name)(twin, lr=123.0)  # hyperparameters come from the checkpoint
    second.load_state_dict(saved)
    assert second.param_groups[0]["lr"] == FULL[name]["lr"]
    run(first, grads[30:])
    run(second, grads[30:])
    for x, y in zip(params, twin):
        np.testing.assert_array_equal(x, y)
    first.close()
    second.close()


def test_state_dict_before_any_step_is_torchs():
    with swiftopt.Adam([np.zeros(2)]) as adam, swiftopt.Adagrad([np.zeros(2)], initial_accumulator_value=0.5) as ada:
        assert adam.state_dict()["state"] == {}
        entry = ada.state_dict()["state"][0]  # torch creates Adagrad's state in the constructor
        assert float(entry["step"]) == 0
        np.testing.assert_array_equal(entry["sum"], [0.5, 0.5])
    with swiftopt.SGD([np.zeros(2)], lr=0.1) as sgd:
        sgd.step([np.ones(2)])
        assert sgd.state_dict()["state"] == {}  # torch: no momentum_buffer without momentum


def test_state_dict_param_groups_structure():
    a, b = np.zeros(2), np.zeros(3)
    with swiftopt.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1, momentum=0.9) as opt:
        groups = opt.state_dict()["param_groups"]
    assert [g["params"] for g in groups] == [[0], [1]]
    assert list(groups[0])[-1] == "params"
    assert groups[1]["lr"] == 0.5 and groups[1]["momentum"] == 0.9


def to_torch_state(torch, state_dict):
    return {
        "state": {i: {k: torch.as_tensor(v) for k, v in s.items()} for i, s in state_dict["state"].items()},
        "param_groups": state_dict["param_groups"],
    }


@pytest.mark.parametrize("name", ALL)
def test_load_torch_state_dict_and_continue_identically(torch, name):
    params, grads = problem(np.float64, 60, seed=4)
    tensors = [torch.tensor(p) for p in params]
    reference = getattr(torch.optim, name)(tensors, **FULL[name])
    for g in grads[:30]:
        for t, x in zip(tensors, g):
            t.grad = None if x is None else torch.from_numpy(x.copy())
        reference.step()
    ours = [t.numpy().copy() for t in tensors]
    opt = getattr(swiftopt, name)(ours)
    opt.load_state_dict(reference.state_dict())  # torch tensors, torch structure
    for g in grads[30:]:
        opt.step(g)
        for t, x in zip(tensors, g):
            t.grad = None if x is None else torch.from_numpy(x.copy())
        reference.step()
    opt.close()
    assert max_rel_error(ours, [t.numpy() for t in tensors]) <= 1e-13


@pytest.mark.parametrize("name", ALL)
def test_torch_loads_swiftopt_state_dict_and_continues_identically(torch, name):
    params, grads = problem(np.float64, 60, seed=5)
    opt = getattr(swiftopt, name)(params, **FULL[name])
    run(opt, grads[:30])
    tensors = [torch.tensor(p) for p in params]
    reference = getattr(torch.optim, name)(tensors)
    reference.load_state_dict(to_torch_state(torch, opt.state_dict()))
    assert reference.param_groups[0]["lr"] == FULL[name]["lr"]
    for g in grads[30:]:
        opt.step(g)
        for t, x in zip(tensors, g):
            t.grad = None if x is None else torch.from_numpy(x.copy())
        reference.step()
    opt.close()
    assert max_rel_error(params, [t.numpy() for t in tensors]) <= 1e-13


def test_state_dict_keys_match_torchs(torch):
    for name in ALL:
        params, grads = problem(np.float32, 3)
        tensors = [torch.tensor(p) for p in params]
        reference = getattr(torch.optim, name)(tensors, **FULL[name])
        for g in grads:
            for t, x in zip(tensors, g):
                t.grad = None if x is None else torch.from_numpy(x.copy())
            reference.step()
        with getattr(swiftopt, name)(params, **FULL[name]) as opt:
            run(opt, grads)
            ours, theirs = opt.state_dict(), reference.state_dict()
        assert sorted(ours["state"]) == sorted(theirs["state"]), name
        for i in theirs["state"]:
            assert list(ours["state"][i]) == list(theirs["state"][i]), name
        # torch's keys and values, then swiftopt's own options (off)
        extras = {"l1": 0.0, "max_grad_norm": 0.0, "clip_value": 0.0, "skip_nonfinite": False}
        if name not in ("Adam", "AdamW"):
            extras = {"decoupled_weight_decay": False, **extras}
        expected = [{**{k: v for k, v in g.items() if k != "params"}, **extras, "params": g["params"]}
                    for g in theirs["param_groups"]]
        assert [list(g) for g in ours["param_groups"]] == [list(g) for g in expected], name
        assert ours["param_groups"] == expected, name


def test_load_state_dict_then_keep_changing_lr():
    params, grads = problem(np.float64, 20)
    with swiftopt.Adam(params, lr=0.01) as opt:
        run(opt, grads[:10])
        opt.load_state_dict(opt.state_dict())
        opt.param_groups[0]["lr"] = 0.0
        before = [p.copy() for p in params]
        run(opt, grads[10:])
        for x, y in zip(params, before):
            np.testing.assert_array_equal(x, y)


# ---- lifecycle ---------------------------------------------------------------


def test_close_is_idempotent_and_context_manager_closes():
    with swiftopt.SGD([np.zeros(1)]) as opt:
        assert not opt.closed
    assert opt.closed
    opt.close()
    opt.close()


def test_finalizer_frees_the_handle_when_unreferenced():
    opt = swiftopt.Adam([np.zeros(10)])
    finalizer = opt._finalizer
    assert finalizer.alive
    ref = weakref.ref(opt)
    del opt
    gc.collect()
    assert ref() is None
    assert not finalizer.alive


def test_param_group_copies_are_plain_dicts():
    with swiftopt.Adam([np.zeros(1)]) as opt:
        clone = copy.deepcopy(opt.param_groups[0])
        assert type(clone) is dict
        clone["lr"] = -1.0  # no effect on the optimizer
        assert opt.param_groups[0]["lr"] == 1e-3


# ---- packaging facts ---------------------------------------------------------


def test_version_matches_the_header_and_the_library():
    header = open(os.path.join(os.path.dirname(__file__), "..", "..", "..", "include", "swiftopt.h")).read()
    version = re.search(r'#define SWIFTOPT_VERSION_STRING "([^"]+)"', header).group(1)
    assert swiftopt.__version__ == version == swiftopt.library_version
    major, minor, patch = map(int, version.split("."))
    assert _lib.lib.swiftopt_version_number() == major * 10000 + minor * 100 + patch


HEADER = os.path.join(os.path.dirname(__file__), "..", "..", "..", "include", "swiftopt.h")
C_TYPES = {
    "int32_t": ctypes.c_int32, "int64_t": ctypes.c_int64, "uint32_t": ctypes.c_uint32, "size_t": ctypes.c_size_t,
    "double": ctypes.c_double, "const char *": ctypes.c_char_p, "char *": ctypes.c_char_p,
    "void *": ctypes.c_void_p, "const void *": ctypes.c_void_p,
    "int32_t *": ctypes.POINTER(ctypes.c_int32), "uint32_t *": ctypes.POINTER(ctypes.c_uint32),
    "int64_t *": ctypes.POINTER(ctypes.c_int64), "const int64_t *": ctypes.POINTER(ctypes.c_int64),
    "double *": ctypes.POINTER(ctypes.c_double), "const double *": ctypes.POINTER(ctypes.c_double),
    "swiftopt_optimizer *": ctypes.c_void_p, "swiftopt_optimizer **": ctypes.POINTER(ctypes.c_void_p),
    "swiftopt_schedule *": ctypes.c_void_p, "swiftopt_schedule **": ctypes.POINTER(ctypes.c_void_p),
    "void *const *": ctypes.POINTER(ctypes.c_void_p), "const void *const *": ctypes.POINTER(ctypes.c_void_p),
}


def header_prototypes():
    """name -> (return type, [argument types]) for every function in swiftopt.h."""
    text = re.sub(r"/\*.*?\*/", "", open(HEADER).read(), flags=re.S)
    prototypes = {}
    for m in re.finditer(r"^([a-z][\w ]*?\**)\s*(swiftopt_\w+)\s*\(([^)]*)\)\s*;", text, flags=re.M):
        args = []
        if m.group(3).strip() not in ("", "void"):
            for arg in m.group(3).split(","):
                ctype = re.match(r"(.*?)\w+$", " ".join(arg.split())).group(1)
                args.append(re.sub(r"\s*\*", " *", ctype).replace("* *", "**").replace("*const", "*const").strip())
        prototypes[m.group(2)] = (re.sub(r"\s*\*", " *", m.group(1)).strip(), args)
    return prototypes


def test_every_header_function_is_declared_once_with_its_types():
    prototypes = header_prototypes()
    assert len(prototypes) >= 28
    assert set(prototypes) == set(_lib.SIGNATURES), "declare every function of swiftopt.h in swiftopt/_lib.py"
    assert _lib.MISSING == (), f"{_lib.library_path()} lacks {_lib.MISSING}: rebuild it (make lib)"
    # The int32_t results that are values, not statuses (the header says "Never fails").
    values = {"swiftopt_cpu_level", "swiftopt_cpu_level_supported", "swiftopt_num_threads"}
    for name, (ret, args) in prototypes.items():
        restype, argtypes = _lib.SIGNATURES[name]
        status = ret == "int32_t" and name not in values
        if status:
            assert restype is _lib.STATUS, name  # every int32_t status is checked by errcheck
        else:
            assert restype is C_TYPES[ret], name
        assert [C_TYPES[a] for a in args] == argtypes, name
        function = getattr(_lib.lib, name)
        assert function.argtypes == argtypes
        assert (function.errcheck is not None) == status, name


def test_header_enums_match_the_constants():
    header = open(HEADER).read()
    for name, value in re.findall(r"\bSWIFTOPT_(\w+)\s*=\s*(\d+)", header):
        constant = name[len("ERROR_"):] if name.startswith("ERROR_") else name
        if name == "OK" or name.startswith("ERROR_"):
            continue  # statuses map to exception classes, checked below
        assert getattr(_lib, constant) == int(value), name
    statuses = dict(re.findall(r"\b(SWIFTOPT_(?:OK|ERROR_\w+))\s*=\s*(\d+)", header))
    assert {int(v) for k, v in statuses.items() if k != "SWIFTOPT_OK"} == set(swiftopt._errors.STATUS_ERRORS)
    for cls in swiftopt._errors.STATUS_ERRORS.values():
        assert statuses[cls.status_name] == str(cls.status)
        assert _lib.lib.swiftopt_status_name(cls.status).decode() == cls.status_name


def test_state_and_hyperparameter_names_match_the_library():
    for code, name in _optim._STATE_NAMES.items():
        assert _lib.lib.swiftopt_state_name(code).decode() == name
    for key, codes in _optim._HYPERPARAMETER_CODES.items():
        names = [_lib.lib.swiftopt_hyperparameter_name(c).decode() for c in codes]
        assert names == (["beta1", "beta2"] if key == "betas" else [key])


def test_defaults_match_the_library_table():
    for cls in (swiftopt.SGD, swiftopt.Adagrad, swiftopt.RMSprop, swiftopt.Adam, swiftopt.AdamW):
        with cls([np.zeros(1)]) as opt:
            algorithm = opt._native_algorithm(opt.defaults)
            for key, codes in _optim._HYPERPARAMETER_CODES.items():
                if key not in opt.defaults or (cls is swiftopt.AdamW and key == "decoupled_weight_decay"):
                    continue  # AdamW's decoupled_weight_decay is a fixed switch, not a native option
                value = opt.defaults[key]
                values = value if key == "betas" else (value,)
                for code, v in zip(codes, values):
                    default = _lib.ctypes.c_double()
                    _lib.lib.swiftopt_algorithm_hyperparameter_info(algorithm, code, _lib.ctypes.byref(default),
                                                                   None, None, None)
                    assert default.value == float(v), (cls.__name__, key)


def test_docstring_examples_run():
    failures, tried = doctest.testmod(_optim)
    assert tried >= 20 and failures == 0
