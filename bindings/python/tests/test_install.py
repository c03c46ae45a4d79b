"""`pip install ./bindings/python` from a clean copy of the repository into a
new virtual environment works, and so does installing the sdist; the
installed package loads the libswiftopt.so shipped inside it.

Slow (two Swift release builds, ~1 minute): runs when SWIFTOPT_TEST_INSTALL=1
(set by `make test-python`).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))

pytestmark = pytest.mark.skipif(
    os.environ.get("SWIFTOPT_TEST_INSTALL", "") in ("", "0"), reason="set SWIFTOPT_TEST_INSTALL=1 (make test-python)"
)

SMOKE = textwrap.dedent(
    """
    import os, subprocess, sys, sysconfig
    import numpy as np
    import swiftopt
    site = sysconfig.get_paths()["platlib"]
    assert swiftopt.library_path.startswith(site), (swiftopt.library_path, site)
    assert swiftopt.library_version == swiftopt.__version__
    assert os.path.exists(os.path.join(os.path.dirname(swiftopt.__file__), "py.typed"))
    w = np.array([1.0, -2.0])
    with swiftopt.Adam([w], lr=0.1) as opt:
        for _ in range(3):
            opt.step([2 * w])
    assert np.allclose(w, [0.7016, -1.7006], atol=1e-4), w
    deps = subprocess.run(["ldd", swiftopt.library_path], stdout=subprocess.PIPE, universal_newlines=True).stdout
    assert "swift" not in deps.replace(swiftopt.library_path, ""), deps
    print("installed swiftopt", swiftopt.__version__, "OK at", swiftopt.library_path)
    """
)


def clean_env():
    env = {k: v for k, v in os.environ.items() if k not in ("SWIFTOPT_LIBRARY", "PYTHONPATH", "VIRTUAL_ENV")}
    return env


def run(command, cwd=None):
    print("+", " ".join(command), flush=True)
    result = subprocess.run(command, cwd=cwd, env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            universal_newlines=True)
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout[-6000:]}"
    return result.stdout


def base_python():
    """The interpreter to make venvs from (this one, or its base)."""
    return getattr(sys, "_base_executable", None) or sys.executable


def new_venv(path):
    run([base_python(), "-m", "venv", str(path)])
    return os.path.join(str(path), "bin", "python")


@pytest.fixture(scope="module")
def clean_tree(tmp_path_factory):
    """The repository's tracked and untracked-but-not-ignored files: what a fresh clone has."""
    if not os.path.isdir(os.path.join(REPO_ROOT, ".git")) or shutil.which("git") is None:
        pytest.skip("not in a git checkout")
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO_ROOT,
                           stdout=subprocess.PIPE, check=True).stdout.split(b"\0")
    tree = tmp_path_factory.mktemp("clean") / "swiftopt"
    for name in files:
        if not name:
            continue
        source = os.path.join(REPO_ROOT, name.decode())
        if not os.path.isfile(source):
            continue  # deleted in the work tree
        target = os.path.join(str(tree), name.decode())
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(source, target)
    assert not os.path.exists(os.path.join(str(tree), ".build"))
    return tree


def test_pip_install_from_a_clean_tree(clean_tree, tmp_path):
    python = new_venv(tmp_path / "venv")
    run([python, "-m", "pip", "install", str(clean_tree / "bindings" / "python")], cwd=str(tmp_path))
    print(run([python, "-c", SMOKE], cwd=str(tmp_path)))


def test_sdist_carries_the_swift_sources_and_installs(clean_tree, tmp_path):
    builder = new_venv(tmp_path / "builder")
    run([builder, "-m", "pip", "install", "build"], cwd=str(tmp_path))
    dist = tmp_path / "dist"
    run([builder, "-m", "build", "--sdist", "--outdir", str(dist), str(clean_tree / "bindings" / "python")],
        cwd=str(tmp_path))
    (sdist,) = glob.glob(str(dist / "swiftopt-*.tar.gz"))
    listing = run(["tar", "tzf", sdist])
    for needed in ("swift/Package.swift", "swift/include/swiftopt.h", "swift/Sources/_SwiftOptABI/exports.map",
                   "swiftopt/_lib.py", "swiftopt/py.typed"):
        assert needed in listing, needed
    assert "/.build/" not in listing and ".so\n" not in listing
    python = new_venv(tmp_path / "venv")
    run([python, "-m", "pip", "install", sdist], cwd=str(tmp_path))
    print(run([python, "-c", SMOKE], cwd=str(tmp_path)))
