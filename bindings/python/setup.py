"""Builds the swiftopt wheel: runs `swift build -c release` on the Swift package
and ships the resulting self-contained libswiftopt.so inside the Python
package, so the wheel is platform-specific (py3-none-<platform>).

Where the Swift package is found:
  * ``swift/`` beside this file (an sdist: the sdist command copies
    Package.swift, Sources/, include/ and Tests/SwiftOptTests/ there), else
  * the repository root two levels up (``pip install ./bindings/python``).
Environment: SWIFT (the swift driver, default ``swift``).
"""

import os
import shutil
import subprocess
import sys

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist
from setuptools.dist import Distribution

try:  # setuptools >= 70.1 has bdist_wheel itself
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:  # pragma: no cover
    try:
        from wheel.bdist_wheel import bdist_wheel
    except ImportError:  # building an sdist only (`python setup.py sdist`) needs no wheel
        bdist_wheel = None

HERE = os.path.dirname(os.path.abspath(__file__))
LIBRARY = "libswiftopt.dylib" if sys.platform == "darwin" else "libswiftopt.so"
#: What of the Swift package an sdist carries (paths relative to its root).
SWIFT_PACKAGE_FILES = ["Package.swift", "Sources", "include", "Tests/SwiftOptTests"]


def swift_package_root():
    for candidate in (os.path.join(HERE, "swift"), os.path.normpath(os.path.join(HERE, "..", ".."))):
        if os.path.isfile(os.path.join(candidate, "Package.swift")):
            return candidate
    raise RuntimeError(
        "swiftopt: cannot find the Swift package (Package.swift) in ./swift or ../..; "
        "build from a checkout of the repository or from the sdist"
    )


def build_swift_library():
    swift = os.environ.get("SWIFT", "swift")
    root = swift_package_root()
    command = [swift, "build", "-c", "release", "--product", "swiftopt", "--package-path", root]
    print("swiftopt: " + " ".join(command), flush=True)
    try:
        subprocess.run(command, check=True)
        bin_path = subprocess.run(
            [swift, "build", "-c", "release", "--package-path", root, "--show-bin-path"],
            check=True, stdout=subprocess.PIPE, universal_newlines=True,
        ).stdout.strip().splitlines()[-1]
    except FileNotFoundError as error:
        raise RuntimeError(f"swiftopt: the Swift toolchain ({swift}) is needed to build libswiftopt: {error}")
    library = os.path.join(bin_path, LIBRARY)
    if not os.path.isfile(library):
        raise RuntimeError(f"swiftopt: swift build did not produce {library}")
    return library


class BuildPyWithLibrary(build_py):
    """build_py that also builds libswiftopt and copies it into the package."""

    def run(self):
        super().run()
        library = build_swift_library()
        target = os.path.join(self.build_lib, "swiftopt", LIBRARY)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(library, target)
        os.chmod(target, 0o755)


class SdistWithSwiftSources(sdist):
    """sdist that carries the Swift package under swift/ (never .build)."""

    def make_release_tree(self, base_dir, files):
        super().make_release_tree(base_dir, files)
        root = swift_package_root()
        for name in SWIFT_PACKAGE_FILES:
            source = os.path.join(root, name)
            target = os.path.join(base_dir, "swift", name)
            if os.path.isdir(source):
                shutil.copytree(source, target, ignore=shutil.ignore_patterns(".build", ".build-*", "*.o", "*.so"))
            elif os.path.isfile(source):
                os.makedirs(os.path.dirname(target), exist_ok=True)
                shutil.copyfile(source, target)


class PlatformWheel(bdist_wheel or object):
    """The wheel holds a native library but no CPython extension: py3-none-<platform>."""

    def finalize_options(self):
        super().finalize_options()
        self.root_is_pure = False

    def get_tag(self):
        _python, _abi, platform = super().get_tag()
        return "py3", "none", platform


class BinaryDistribution(Distribution):
    def has_ext_modules(self):
        return True


setup(
    distclass=BinaryDistribution,
    cmdclass=dict(
        build_py=BuildPyWithLibrary,
        sdist=SdistWithSwiftSources,
        **({"bdist_wheel": PlatformWheel} if bdist_wheel is not None else {}),
    ),
)
