# Python binding (bindings/python): its virtual environment, install checks,
# tests and benchmark. Included by the top-level Makefile, whose `test` target
# runs $(PYTHON_TEST_TARGETS).
#
#   make test-python   create .venv if missing (numpy, pytest, torch), then run
#                      the tests: numpy references, torch.optim parity (which
#                      must run: no torch is an error), bad input, state_dict,
#                      and `pip install ./bindings/python` + the sdist into new
#                      throwaway virtual environments from a clean copy of the tree
#   make python-bench  per-tensor Python overhead of step()
#
# torch: a CPU-only wheel if $(TORCH_WHEEL_DIR) (this machine kind's pip
# find-links folder) has one this Python can install (190 MB, ~20 s);
# otherwise PyPI's torch, which on Linux x86-64 is the CUDA build with its
# nvidia-* dependencies (~3 GB on disk, 81 s measured here with no pip cache).
# PyPI has no CPU-only Linux torch, and `pip install --no-deps torch` fails to
# import without the nvidia libraries, so there is no smaller PyPI-only way.

PY_DIR          := bindings/python
VENV            := .venv
VENV_PYTHON     := $(VENV)/bin/python
VENV_STAMP      := $(VENV)/.swiftopt-test-deps
TORCH_WHEEL_DIR ?= /opt/wheels

PYTHON_TEST_TARGETS := test-python

.PHONY: test-python python-venv python-bench

$(VENV_PYTHON):
	$(PYTHON) -m venv $(VENV)

$(VENV_STAMP): $(VENV_PYTHON) $(PY_DIR)/python.mk
	$(VENV_PYTHON) -m pip install numpy pytest
	@if $(VENV_PYTHON) -c "import torch" 2>/dev/null; then \
	  echo "torch: already in $(VENV)"; \
	else \
	  wheel=$$(ls $(TORCH_WHEEL_DIR)/torch-*+cpu-*.whl 2>/dev/null | sort -V | tail -n 1); \
	  if [ -n "$$wheel" ] && $(VENV_PYTHON) -m pip install "$$wheel"; then \
	    echo "torch: installed the CPU-only wheel $$wheel"; \
	  else \
	    echo "torch: no CPU-only wheel for this Python in $(TORCH_WHEEL_DIR); installing PyPI's torch (CUDA build, ~3 GB)"; \
	    $(VENV_PYTHON) -m pip install torch || exit 1; \
	  fi; \
	fi
	touch $@

python-venv: $(VENV_STAMP)

test-python: $(LIB) $(VENV_STAMP)
	@$(VENV_PYTHON) -c "import numpy, pytest, torch; print('test-python: numpy', numpy.__version__, '| pytest', pytest.__version__, '| torch', torch.__version__)" \
	  || { echo "test-python: torch cannot be imported from $(VENV); the torch parity tests must run (remove $(VENV_STAMP) to reinstall)" >&2; exit 1; }
	SWIFTOPT_LIBRARY=$(abspath $(LIB)) SWIFTOPT_REQUIRE_TORCH=1 SWIFTOPT_TEST_INSTALL=1 \
	  $(VENV_PYTHON) -m pytest $(PY_DIR)/tests -ra

python-bench: $(LIB) $(VENV_STAMP)
	SWIFTOPT_LIBRARY=$(abspath $(LIB)) $(VENV_PYTHON) $(PY_DIR)/benchmarks/overhead.py
