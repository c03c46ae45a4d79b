"""Bad input raises the documented exception and changes nothing; use after
close; library loading and version mismatch."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import swiftopt
from swiftopt import _lib
from swiftopt._errors import SwiftOptError


def snapshot(opt, params):
    state = opt.state_dict()
    return [p.copy() for p in params], state


def assert_unchanged(opt, params, before):
    old_params, old_state = before
    for p, q in zip(params, old_params):
        np.testing.assert_array_equal(p, q)
    state = opt.state_dict()
    assert sorted(state["state"]) == sorted(old_state["state"])
    for i, entry in old_state["state"].items():
        for key, value in entry.items():
            np.testing.assert_array_equal(state["state"][i][key], value)
    assert state["param_groups"] == old_state["param_groups"]


@pytest.fixture
def trained():
    params = [np.linspace(-1, 1, 6).reshape(2, 3), np.ones(4)]
    opt = swiftopt.Adam(params, lr=0.1, amsgrad=True)
    opt.step([np.full((2, 3), 0.5), np.full(4, -0.5)])
    yield opt, params
    opt.close()


GOOD = [np.ones((2, 3)), np.ones(4)]

BAD_STEPS = [
    ("wrong dtype", [np.ones((2, 3), np.float32), np.ones(4)], swiftopt.DTypeMismatchError, TypeError),
    ("int dtype", [np.ones((2, 3), np.int64), np.ones(4)], swiftopt.DTypeMismatchError, TypeError),
    ("byte-swapped", [np.ones((2, 3), ">f8"), np.ones(4)], swiftopt.DTypeMismatchError, TypeError),
    ("not an array", [[1.0] * 6, np.ones(4)], swiftopt.ArgumentTypeError, TypeError),
    ("wrong shape", [np.ones((3, 2)), np.ones(4)], swiftopt.SizeMismatchError, ValueError),
    ("wrong size", [np.ones((2, 3)), np.ones(5)], swiftopt.SizeMismatchError, ValueError),
    ("non-contiguous", [np.ones((2, 4))[:, :3], np.ones(4)], swiftopt.InvalidArgumentError, ValueError),
    ("transposed", [np.ones((3, 2)).T, np.ones(4)], swiftopt.InvalidArgumentError, ValueError),
    ("too few", [np.ones((2, 3))], swiftopt.SizeMismatchError, ValueError),
    ("too many", [np.ones((2, 3)), np.ones(4), np.ones(1)], swiftopt.SizeMismatchError, ValueError),
]


@pytest.mark.parametrize("label,grads,error,builtin", BAD_STEPS, ids=[b[0] for b in BAD_STEPS])
def test_bad_gradients_raise_and_change_nothing(trained, label, grads, error, builtin):
    opt, params = trained
    before = snapshot(opt, params)
    with pytest.raises(error) as info:
        opt.step(grads)
    assert isinstance(info.value, builtin) and isinstance(info.value, SwiftOptError)
    assert_unchanged(opt, params, before)
    # the optimizer still works afterwards, and a bad second gradient after a good first one also changes nothing
    opt.step(GOOD)
    before = snapshot(opt, params)
    with pytest.raises(error):
        opt.step(grads)
    assert_unchanged(opt, params, before)


def test_gradients_must_be_a_list(trained):
    opt, params = trained
    with pytest.raises(swiftopt.ArgumentTypeError):
        opt.step(None)
    with pytest.raises(swiftopt.ArgumentTypeError):
        opt.step(g for g in GOOD)


def test_misaligned_gradient_is_rejected(trained):
    opt, params = trained
    raw = np.zeros(6 * 8 + 1, np.uint8)[1:].view(np.float64).reshape(2, 3)
    assert not raw.flags.aligned
    before = snapshot(opt, params)
    with pytest.raises(swiftopt.InvalidArgumentError):
        opt.step([raw, np.ones(4)])
    assert_unchanged(opt, params, before)


BAD_PARAMS = [
    ("list", [1.0, 2.0], swiftopt.ArgumentTypeError),
    ("int array", np.ones(3, np.int32), swiftopt.DTypeMismatchError),
    ("float16", np.ones(3, np.float16), swiftopt.DTypeMismatchError),
    ("complex", np.ones(3, np.complex128), swiftopt.DTypeMismatchError),
    ("non-contiguous", np.ones(6)[::2], swiftopt.InvalidArgumentError),
    ("read-only", np.ones(3), swiftopt.InvalidArgumentError),
    ("empty", np.ones(0), swiftopt.InvalidArgumentError),
]


@pytest.mark.parametrize("label,param,error", BAD_PARAMS, ids=[b[0] for b in BAD_PARAMS])
def test_bad_parameters_raise(label, param, error):
    if label == "read-only":
        param.flags.writeable = False
    with pytest.raises(error):
        swiftopt.SGD([np.zeros(2), param])
    with swiftopt.SGD([np.zeros(2)]) as opt:
        with pytest.raises(error):
            opt.add_param_group({"params": [param]})
        assert len(opt.param_groups) == 1
        opt.step([np.ones(2)])  # still consistent


def test_overlapping_and_duplicate_parameters_raise():
    a = np.zeros(10)
    with pytest.raises(swiftopt.InvalidArgumentError, match="share memory"):
        swiftopt.SGD([a, a])
    with pytest.raises(swiftopt.InvalidArgumentError, match="share memory"):
        swiftopt.SGD([a[:6], a[4:]])
    with swiftopt.SGD([a[:5]]) as opt:
        with pytest.raises(swiftopt.InvalidArgumentError):
            opt.add_param_group({"params": [a[3:]]})
        opt.add_param_group({"params": [a[5:]]})  # adjacent, not overlapping


def test_bad_params_argument():
    with pytest.raises(swiftopt.NoParametersError):
        swiftopt.Adam([])
    with pytest.raises(ValueError):  # torch's type for the same mistake
        swiftopt.Adam([])
    with pytest.raises(swiftopt.ArgumentTypeError):
        swiftopt.Adam(np.zeros(3))  # a bare array, not a list
    with pytest.raises(swiftopt.ArgumentTypeError):
        swiftopt.Adam({np.zeros(3).tobytes()})
    with pytest.raises(TypeError):
        swiftopt.Adam([np.zeros(3)], momentum=0.9)  # Python: unexpected keyword


BAD_OPTIONS = [
    ("SGD", dict(lr=float("nan")), swiftopt.OutOfBoundsError),
    ("SGD", dict(lr=-1.0), swiftopt.OutOfBoundsError),
    ("SGD", dict(lr=float("inf")), swiftopt.OutOfBoundsError),
    ("SGD", dict(nesterov=True), swiftopt.IncompatibleOptionsError),
    ("SGD", dict(momentum=0.9, dampening=0.1, nesterov=True), swiftopt.IncompatibleOptionsError),
    ("SGD", dict(dampening=2.0), swiftopt.OutOfBoundsError),
    ("Adam", dict(betas=(1.0, 0.999)), swiftopt.OutOfBoundsError),
    ("Adam", dict(betas=(0.9, float("nan"))), swiftopt.OutOfBoundsError),
    ("Adam", dict(betas=0.9), swiftopt.ArgumentTypeError),
    ("Adam", dict(eps=0.0), swiftopt.OutOfBoundsError),
    ("Adam", dict(lr="fast"), swiftopt.ArgumentTypeError),
    ("Adam", dict(amsgrad=2), swiftopt.OutOfBoundsError),
    ("Adam", dict(differentiable=True), swiftopt.InvalidArgumentError),
    ("Adam", dict(capturable=True), swiftopt.InvalidArgumentError),
    ("RMSprop", dict(alpha=1.5), swiftopt.OutOfBoundsError),
    ("Adagrad", dict(initial_accumulator_value=-1.0), swiftopt.OutOfBoundsError),
    ("Adagrad", dict(lr_decay=float("nan")), swiftopt.OutOfBoundsError),
]


@pytest.mark.parametrize("name,options,error", BAD_OPTIONS, ids=[f"{n}-{o}" for n, o, _ in BAD_OPTIONS])
def test_bad_hyperparameters_raise_in_constructor_and_in_param_groups(name, options, error):
    cls = getattr(swiftopt, name)
    with pytest.raises(error):
        cls([np.zeros(2)], **options)
    params = [np.ones(2)]
    with cls(params) as opt:
        opt.step([np.ones(2)])
        before = snapshot(opt, params)
        group = opt.param_groups[0]
        with pytest.raises(error):
            if name == "SGD" and "nesterov" in options:
                group.update(options)  # sets momentum, then dampening, then nesterov
            else:
                for key, value in options.items():
                    group[key] = value
        if not (name == "SGD" and len(options) > 1):
            assert_unchanged(opt, params, before)
        with pytest.raises(error):
            opt.add_param_group({"params": [np.zeros(3)], **options})
        assert len(opt.param_groups) == 1
        opt.add_param_group({"params": [np.zeros(3)]})  # the spare native group is reused cleanly
        opt.step([np.ones(2), np.ones(3)])


def test_unknown_and_foreign_hyperparameter_names():
    with swiftopt.Adam([np.zeros(2)]) as opt:
        with pytest.raises(swiftopt.UnknownHyperparameterError):
            opt.param_groups[0]["momentum"] = 0.9
        with pytest.raises(swiftopt.UnknownHyperparameterError):
            opt.add_param_group({"params": [np.zeros(1)], "nesterov": True})
        assert "momentum" not in opt.param_groups[0]
        with pytest.raises(swiftopt.InvalidArgumentError):
            opt.param_groups[0]["params"] = []
        with pytest.raises(swiftopt.InvalidArgumentError):
            del opt.param_groups[0]["lr"]
    with swiftopt.AdamW([np.zeros(2)]) as opt:
        with pytest.raises(swiftopt.IncompatibleOptionsError):
            opt.param_groups[0]["decoupled_weight_decay"] = False
        with pytest.raises(swiftopt.IncompatibleOptionsError):
            opt.add_param_group({"params": [np.zeros(1)], "decoupled_weight_decay": False})
        with pytest.raises(TypeError):
            swiftopt.AdamW([np.zeros(1)], decoupled_weight_decay=False)  # not an argument of AdamW, as in torch
        assert opt.param_groups[0]["decoupled_weight_decay"] is True and len(opt.param_groups) == 1


def test_nesterov_constraint_checked_on_change():
    with swiftopt.SGD([np.zeros(2)], momentum=0.9, nesterov=True) as opt:
        with pytest.raises(swiftopt.IncompatibleOptionsError):
            opt.param_groups[0]["momentum"] = 0.0
        assert opt.param_groups[0]["momentum"] == 0.9


def test_bad_load_state_dict_changes_nothing(trained):
    opt, params = trained
    good = opt.state_dict()
    before = snapshot(opt, params)
    cases = [
        ({"state": {}}, swiftopt.ArgumentTypeError),
        ({"state": {}, "param_groups": []}, swiftopt.SizeMismatchError),
        ({"state": {}, "param_groups": [dict(good["param_groups"][0], params=[0])]}, swiftopt.SizeMismatchError),
        ({"state": {0: {"exp_avg": np.zeros(5)}}, "param_groups": good["param_groups"]}, swiftopt.SizeMismatchError),
        ({"state": {0: {"momentum_buffer": np.zeros(6)}}, "param_groups": good["param_groups"]},
         swiftopt.UnknownStateError),
        ({"state": {0: {"step": -1}}, "param_groups": good["param_groups"]}, swiftopt.InvalidArgumentError),
        ({"state": good["state"], "param_groups": [dict(good["param_groups"][0], lr=float("nan"))]},
         swiftopt.OutOfBoundsError),
        # the whole dict is validated before anything is applied: a bad second parameter spoils all
        ({"state": {0: good["state"][0], 1: {"exp_avg": np.zeros(3)}}, "param_groups": good["param_groups"]},
         swiftopt.SizeMismatchError),
    ]
    for bad, error in cases:
        with pytest.raises(error):
            opt.load_state_dict(bad)
        assert_unchanged(opt, params, before)
    opt.step(GOOD)


# ---- closed optimizers -------------------------------------------------------


def test_use_after_close_raises():
    params = [np.ones(3)]
    opt = swiftopt.Adam(params)
    group = opt.param_groups[0]
    opt.close()
    for action in (
        lambda: opt.step([np.ones(3)]),
        opt.state_dict,
        lambda: opt.load_state_dict({"state": {}, "param_groups": []}),
        lambda: opt.add_param_group({"params": [np.ones(1)]}),
        lambda: group.__setitem__("lr", 0.1),
        lambda: opt.__enter__(),
    ):
        with pytest.raises(swiftopt.ClosedError) as info:
            action()
        assert isinstance(info.value, ValueError)
        assert "closed" in str(info.value)
    np.testing.assert_array_equal(params[0], 1)


# ---- the low-level errcheck --------------------------------------------------


def test_errcheck_carries_the_library_message():
    with pytest.raises(swiftopt.UnknownAlgorithmError) as info:
        _lib.lib.swiftopt_algorithm_from_name(b"lion", _lib.ctypes.byref(_lib.ctypes.c_int32()))
    assert "lion" in str(info.value) and info.value.status == 4
    assert info.value.status_name == "SWIFTOPT_ERROR_UNKNOWN_ALGORITHM"
    with pytest.raises(swiftopt.UnknownHyperparameterError):
        _lib.lib.swiftopt_hyperparameter_from_name(b"betas", _lib.ctypes.byref(_lib.ctypes.c_int32()))
    with pytest.raises(swiftopt.InvalidHandleError):  # a freed handle
        native = swiftopt._optim._Native(_lib.ALGORITHM_SGD)
        handle = native.handle.value
        native.free()
        _lib.lib.swiftopt_optimizer_add_group(handle, None)
    with pytest.raises(swiftopt.NullPointerError):
        _lib.lib.swiftopt_optimizer_group_count(None, None)


# ---- loading the library -----------------------------------------------------


def run_python(code, **env):
    package_parent = os.path.dirname(os.path.dirname(os.path.abspath(swiftopt.__file__)))
    environment = dict(os.environ, PYTHONPATH=package_parent, **env)
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=environment,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                          cwd=os.path.dirname(__file__))


def test_missing_library_names_the_file(tmp_path):
    missing = str(tmp_path / "nope" / "libswiftopt.so")
    result = run_python("import swiftopt", SWIFTOPT_LIBRARY=missing)
    assert result.returncode != 0
    assert "LibraryLoadError" in result.stdout and missing in result.stdout and "SWIFTOPT_LIBRARY" in result.stdout


def test_version_mismatch_is_explained(tmp_path):
    with pytest.raises(swiftopt.VersionMismatchError) as info:
        _lib.load(_lib.library_path(), expected_version="9.9.9")
    assert isinstance(info.value, OSError)
    message = str(info.value)
    assert "9.9.9" in message and swiftopt.__version__ in message and "must match" in message


def test_version_mismatch_of_a_foreign_build_at_import(tmp_path):
    """A library that says it is 0.0.1, passed by SWIFTOPT_LIBRARY: import fails clearly."""
    compiler = shutil.which(os.environ.get("CC", "cc")) or shutil.which("gcc") or shutil.which("clang")
    if compiler is None:
        pytest.skip("no C compiler")
    source = tmp_path / "fake.c"
    source.write_text(
        '#include <stdint.h>\n'
        'const char *swiftopt_version_string(void) { return "0.0.1"; }\n'
        'uint32_t swiftopt_version_number(void) { return 1; }\n'
    )
    library = tmp_path / "libswiftopt.so"
    subprocess.run([compiler, "-shared", "-fPIC", "-o", str(library), str(source)], check=True)
    result = run_python(
        """
        try:
            import swiftopt
        except OSError as error:
            print(type(error).__name__, error)
        """,
        SWIFTOPT_LIBRARY=str(library),
    )
    assert "VersionMismatchError" in result.stdout, result.stdout
    assert "0.0.1" in result.stdout and str(library) in result.stdout and "SWIFTOPT_LIBRARY" in result.stdout
