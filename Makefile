# swiftopt — build, examples and tests.
#
#   make demo     the main job: build the library, then train the demo models
#                 (examples/demo.py: linear regression and a digits classifier)
#   make test     every test: Swift, C (plain, ASan+UBSan, valgrind), exports,
#                 examples, Python (numpy references and torch parity)
#   make lib      the release library: .build/release/libswiftopt.so
#   make examples the C examples, in build/
#   make demo-c   the C examples: linear regression with SGD, momentum and Adam;
#                 a softmax classifier with a warmup-cosine schedule, clipping
#                 and the library's cross-entropy
#   make bench    the benchmark suite (benchmarks/bench.py): table + build/bench.json
#
# Nothing here needs root except the apt-get fallback for valgrind.

SWIFT      ?= swift
CC         ?= cc
CXX        ?= c++
PYTHON     ?= python3
BUILD      := build
LIB_DIR    := .build/release
LIB        := $(LIB_DIR)/libswiftopt.so
CFLAGS     ?= -O2
WARN       := -Wall -Wextra -Werror
C_STD      := -std=c11 -pedantic
CXX_STD    := -std=c++17 -pedantic
LINK       := -L$(LIB_DIR) -lswiftopt -Wl,-rpath,$(abspath $(LIB_DIR)) -lm

.PHONY: all lib examples demo demo-c bench test test-swift test-c test-exports test-examples clean
.DEFAULT_GOAL := all

all: lib examples

SWIFT_SOURCES := $(shell find Sources include -type f) Package.swift

$(LIB): $(SWIFT_SOURCES)
	$(SWIFT) build -c release --product swiftopt
	@touch $@

lib: $(LIB)

$(BUILD):
	mkdir -p $(BUILD)

# ---- examples ----------------------------------------------------------------

EXAMPLES := $(patsubst examples/%.c,$(BUILD)/%,$(wildcard examples/*.c))

$(BUILD)/%: examples/%.c include/swiftopt.h $(LIB) | $(BUILD)
	$(CC) $(C_STD) $(WARN) $(CFLAGS) -Iinclude $< -o $@ $(LINK)

examples: $(EXAMPLES)

demo-c: $(BUILD)/linear_regression $(BUILD)/softmax_classifier
	$(BUILD)/linear_regression examples/data/linear.csv
	$(BUILD)/softmax_classifier

# The C examples must converge: linear regression to the least-squares fit it
# prints, the softmax classifier to 90% accuracy (its exit status).
test-examples: $(BUILD)/linear_regression $(BUILD)/softmax_classifier
	@$(BUILD)/softmax_classifier > $(BUILD)/softmax_classifier.out || { cat $(BUILD)/softmax_classifier.out; exit 1; }
	@tail -n 1 $(BUILD)/softmax_classifier.out
	@$(BUILD)/linear_regression examples/data/linear.csv | awk '/^fitted/ { n++; \
	  w = $$4; b = $$7; lw = $$15; lb = $$18; \
	  if ((w - lw) ^ 2 > 1e-4 || (b - lb) ^ 2 > 1e-4) { print "not converged: " $$0; bad = 1 } } \
	  END { if (n != 3 || bad) exit 1; print "examples: linear_regression converged (" n " optimizers)" }'

# ---- benchmarks ----------------------------------------------------------------

# Uses the repository's .venv when there is one (numpy required; torch and
# DeepSpeed are compared against when they import). BENCH_ARGS: e.g. --quick.
BENCH_PYTHON ?= $(if $(wildcard .venv/bin/python),.venv/bin/python,$(PYTHON))
BENCH_ARGS   ?=

bench: $(LIB) | $(BUILD)
	$(BENCH_PYTHON) benchmarks/bench.py --lib $(LIB) --json $(BUILD)/bench.json $(BENCH_ARGS)

# ---- tests ---------------------------------------------------------------------

test-swift:
	$(SWIFT) test --disable-xctest

include Tests/C/c-tests.mk
-include bindings/python/python.mk

# The demo needs only numpy: a virtual environment lighter than the tests'.
DEMO_STAMP := .venv/.swiftopt-demo-deps

$(DEMO_STAMP):
	$(PYTHON) -m venv .venv
	.venv/bin/python -m pip install --quiet numpy
	touch $@

demo: $(LIB) $(DEMO_STAMP)
	SWIFTOPT_LIBRARY=$(abspath $(LIB)) PYTHONPATH=bindings/python .venv/bin/python examples/demo.py

test: test-swift test-c test-exports test-examples $(PYTHON_TEST_TARGETS)
	@echo "all test suites passed"

clean:
	rm -rf $(BUILD) .build
