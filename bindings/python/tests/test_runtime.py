"""swiftopt.runtime: CPU level and thread-pool settings, info(), and that
neither changes results."""
import doctest

import numpy as np
import pytest

import swiftopt
from swiftopt import runtime


@pytest.fixture(autouse=True)
def restore_defaults():
    yield
    swiftopt.set_cpu_level(None)
    swiftopt.set_num_threads(0)


def test_info_reports_the_loaded_library():
    info = swiftopt.info()
    assert info["version"] == swiftopt.__version__
    assert info["library_path"] == swiftopt.library_path
    assert info["cpu_level"] in swiftopt.CPU_LEVELS
    assert info["cpu_level_supported"] in swiftopt.CPU_LEVELS
    assert swiftopt.CPU_LEVELS.index(info["cpu_level"]) <= swiftopt.CPU_LEVELS.index(info["cpu_level_supported"])
    assert info["num_threads"] >= 1


def supported_levels():
    best = swiftopt.CPU_LEVELS.index(swiftopt.cpu_level_supported())
    return swiftopt.CPU_LEVELS[: best + 1]


def test_every_supported_level_can_be_selected_and_reset():
    for level in supported_levels():
        swiftopt.set_cpu_level(level)
        assert swiftopt.cpu_level() == level
    swiftopt.set_cpu_level(None)
    assert swiftopt.cpu_level() in supported_levels()


def test_bad_levels_raise_and_change_nothing():
    before = swiftopt.cpu_level()
    with pytest.raises(swiftopt.InvalidArgumentError):
        swiftopt.set_cpu_level("sse9")
    assert swiftopt.cpu_level() == before
    unsupported = swiftopt.CPU_LEVELS[len(supported_levels()):]
    for level in unsupported:
        with pytest.raises(swiftopt.InvalidArgumentError):
            swiftopt.set_cpu_level(level)
        assert swiftopt.cpu_level() == before


def test_thread_count_round_trips_and_is_bounded():
    swiftopt.set_num_threads(3)
    assert swiftopt.num_threads() == 3
    for bad in (-1, 1025, 2**40):
        with pytest.raises(swiftopt.OutOfBoundsError):
            swiftopt.set_num_threads(bad)
        assert swiftopt.num_threads() == 3
    with pytest.raises(swiftopt.InvalidArgumentError):
        swiftopt.set_num_threads(2.0)
    swiftopt.set_num_threads(0)
    assert swiftopt.num_threads() >= 1


def run_adam(dtype, steps=50):
    """Adam with options on tensors large enough to be split across threads."""
    rng = np.random.default_rng(7)
    params = [rng.standard_normal(n).astype(dtype) for n in (300_000, 1_000, 70_000)]
    opt = swiftopt.Adam(params, lr=1e-2, weight_decay=0.1, amsgrad=True, max_grad_norm=50.0)
    for _ in range(steps):
        opt.step([2 * p - 0.5 for p in params])
    opt.close()
    return params


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_results_are_bitwise_identical_at_every_level_and_thread_count(dtype):
    swiftopt.set_cpu_level("baseline")
    swiftopt.set_num_threads(1)
    reference = run_adam(dtype)
    for level in supported_levels():
        for threads in (1, 2, 3):
            swiftopt.set_cpu_level(level)
            swiftopt.set_num_threads(threads)
            for got, want in zip(run_adam(dtype), reference):
                assert np.array_equal(got, want), (level, threads)


def test_docstring_examples_run():
    failures, tried = doctest.testmod(runtime)
    assert tried > 0 and failures == 0
