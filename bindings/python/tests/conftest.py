"""Test setup: import swiftopt from this source tree (unless an installed copy
is asked for) and find the library built by `make lib`; collect the parity
figures and print them at the end of the run."""

from __future__ import annotations

import os
import sys
from typing import Dict, List, Tuple

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE_ROOT = os.path.dirname(HERE)
REPO_ROOT = os.path.dirname(os.path.dirname(PACKAGE_ROOT))

if not os.environ.get("SWIFTOPT_TEST_INSTALLED"):
    sys.path.insert(0, PACKAGE_ROOT)
    if not os.environ.get("SWIFTOPT_LIBRARY") and not os.path.exists(
        os.path.join(PACKAGE_ROOT, "swiftopt", "libswiftopt.so")
    ):
        os.environ["SWIFTOPT_LIBRARY"] = os.path.join(REPO_ROOT, ".build", "release", "libswiftopt.so")
sys.path.insert(0, HERE)

#: (suite, optimizer, dtype) -> list of measured max relative errors
PARITY: Dict[Tuple[str, str, str], List[float]] = {}


def record_parity(suite: str, optimizer: str, dtype: str, error: float) -> None:
    PARITY.setdefault((suite, optimizer, dtype), []).append(error)


def torch_required() -> bool:
    return os.environ.get("SWIFTOPT_REQUIRE_TORCH", "") not in ("", "0")


@pytest.fixture(scope="session")
def torch():
    """torch, or a skip; a failure when SWIFTOPT_REQUIRE_TORCH=1 (CI)."""
    try:
        import torch as module
    except ImportError as error:
        if torch_required():
            pytest.fail(f"torch is required (SWIFTOPT_REQUIRE_TORCH=1) but cannot be imported: {error}")
        pytest.skip(f"torch not installed: {error}")
    module.set_num_threads(1)
    return module


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # noqa: D103
    if not PARITY:
        return
    write = terminalreporter.write_line
    write("")
    write("swiftopt parity: max over configurations of max|x - x_ref| / max|x_ref| after all steps")
    width = max(9, *(len(name) for _, name, _ in PARITY))
    write(f"{'against':<17} {'function':<{width}} {'dtype':<8} {'configs':>7} {'max rel error':>14}")
    for (suite, optimizer, dtype), errors in sorted(PARITY.items()):
        write(f"{suite:<17} {optimizer:<{width}} {dtype:<8} {len(errors):>7} {max(errors):>14.3e}")
