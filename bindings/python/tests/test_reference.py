"""Every optimizer and option combination against the independent numpy
references (tests/reference.py), in float32 and float64, for 300 steps."""

from __future__ import annotations

import numpy as np
import pytest

import swiftopt
from conftest import record_parity
from reference import REFERENCES, max_rel_error, option_id, option_table, problem

STEPS = 300
TABLE = option_table()
#: fp64: both sides compute the same formulas in double; only the order of a
#: few operations may differ. fp32: likewise in float, over 300 steps.
TOLERANCE = {np.float64: 1e-13, np.float32: 2e-6}


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["fp64", "fp32"])
@pytest.mark.parametrize("name,options", TABLE, ids=[option_id(n, o) for n, o in TABLE])
def test_matches_numpy_reference(name, options, dtype):
    params, grads = problem(dtype, STEPS)
    ref_params = [p.copy() for p in params]
    reference = REFERENCES[name](ref_params, **options)
    with getattr(swiftopt, name)(params, **options) as opt:
        for g in grads:
            opt.step(g)
            reference.step(g)
    error = max_rel_error(params, ref_params)
    record_parity("numpy", name, np.dtype(dtype).name, error)
    assert error <= TOLERANCE[dtype], f"{name} {options}: relative error {error:.3e}"
    for p in params:
        assert p.dtype == dtype


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["fp64", "fp32"])
def test_groups_with_their_own_hyperparameters(dtype):
    params, grads = problem(dtype, 100)
    ref = [p.copy() for p in params]
    groups = [{"params": params[:2], "lr": 0.02, "betas": (0.8, 0.99)}, {"params": params[2:], "amsgrad": True}]
    ref_a = REFERENCES["Adam"](ref[:2], lr=0.02, betas=(0.8, 0.99), weight_decay=0.1)
    ref_b = REFERENCES["Adam"](ref[2:], lr=0.01, amsgrad=True, weight_decay=0.1)
    with swiftopt.Adam(groups, lr=0.01, weight_decay=0.1) as opt:
        for g in grads:
            opt.step(g)
            ref_a.step(g[:2])
            ref_b.step(g[2:])
    assert max_rel_error(params, ref) <= TOLERANCE[dtype]


def test_minimizes_a_quadratic():
    """Gradient depending on the parameter: every optimizer drives w to its target."""
    target = np.array([1.0, -2.0, 3.0])
    for cls, kwargs in [(swiftopt.SGD, dict(lr=0.1, momentum=0.9)), (swiftopt.Adagrad, dict(lr=0.5)),
                        (swiftopt.RMSprop, dict(lr=0.01)), (swiftopt.Adam, dict(lr=0.05)),
                        (swiftopt.AdamW, dict(lr=0.05, weight_decay=0.0))]:
        w = np.zeros(3)
        with cls([w], **kwargs) as opt:
            for _ in range(2000):
                opt.step([2 * (w - target)])
        np.testing.assert_allclose(w, target, atol=2e-2, err_msg=cls.__name__)
