# rhpc: `make lab` to work, `make test` to check everything. See README.md.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV      := .venv
PYTHON    := $(VENV)/bin/python
JUPYTER   := $(VENV)/bin/jupyter
KERNEL    := target/release/rhpc-kernel
CARGO     := cargo
# Where executed copies of the notebooks go (the originals stay untouched).
NB_OUT    := target/notebooks
LAB_ARGS  ?=

.PHONY: help setup build kernelspec lab test lint unit-test kernel-test notebooks \
        bench bench-setup bench-kernel bench-kernel-evcxr clean

help:
	@echo "make lab    set up, then open JupyterLab with the Rust (rhpc) kernel on notebooks/"
	@echo "make test   formatting, clippy, Rust tests, kernel tests and every notebook"
	@echo "make bench  all benchmarks (bench-kernel, ...)"

# --- setup -----------------------------------------------------------------------------

$(VENV)/.installed: requirements.txt scripts/ensure-system.sh
	scripts/ensure-system.sh
	python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -r requirements.txt
	touch $@

setup: $(VENV)/.installed

build:
	$(CARGO) build --release --locked

# Installs the kernelspec into the virtualenv, pointing at the release binary.
kernelspec: setup build
	VIRTUAL_ENV="$(abspath $(VENV))" $(KERNEL) install --sys-prefix

# --- the two commands --------------------------------------------------------------------

lab: kernelspec
	$(JUPYTER) lab --notebook-dir=notebooks $(LAB_ARGS)

test: lint unit-test kernel-test notebooks

lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --release --locked --workspace --all-targets --all-features -- -D warnings

# Twice: the default build (as notebooks get it) and with every feature (rhpc::frame).
unit-test:
	$(CARGO) test --release --locked --workspace --all-features

kernel-test: kernelspec
	$(PYTHON) -m pytest tests -v --durations=10

notebooks: kernelspec
	mkdir -p $(NB_OUT)
	for notebook in notebooks/*.ipynb; do \
	    echo "== $$notebook"; \
	    $(JUPYTER) nbconvert --to notebook --execute --ExecutePreprocessor.timeout=600 \
	        --output-dir $(NB_OUT) "$$notebook"; \
	done

# --- benchmarks --------------------------------------------------------------------------
# Each bench-* target builds what it measures in release mode and runs the Python
# competitors (numpy, Numba, Dask: bench/requirements.txt) in the same run.

$(VENV)/.bench-installed: bench/requirements.txt $(VENV)/.installed
	$(PYTHON) -m pip install --quiet -r bench/requirements.txt
	touch $@

bench-setup: $(VENV)/.bench-installed

bench: bench-kernel bench-par bench-gpu bench-tasks
bench: bench-array

bench-kernel: kernelspec
	$(PYTHON) bench/kernel_bench.py

# GPU arrays and JIT kernels (rhpc::gpu, rhpc::jit): host kernel throughput against the
# machine's memory bandwidth, numpy and Numba; kernel cache against Numba's cache=True;
# transfer and kernel bandwidth on a GPU when one is present.
.PHONY: bench-gpu
bench-gpu: $(VENV)/.bench-installed
	mkdir -p target/bench
	$(CARGO) run --release --locked -p rhpc --example bench_gpu -- --json target/bench/gpu.json
	$(PYTHON) bench/bench_gpu.py target/bench/gpu.json
# The course's matrix-multiply table: rhpc's serial, parallel and tiled kernels against pure
# Python, Numba (@njit and prange) and numpy. Python and Rust passes alternate, within a pass
# the implementations of one size take turns run by run, and the table keeps each cell's best,
# so a busy moment on a shared machine spoils one run of everything rather than all of one
# column. OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are unset for the Python side alone so
# numpy runs its best BLAS kernel for this CPU.
BENCH_PAR_OUT    := target/bench-par
BENCH_PAR_PASSES ?= 3
.PHONY: bench-par
bench-par: $(VENV)/.bench-installed
	rm -rf $(BENCH_PAR_OUT) && mkdir -p $(BENCH_PAR_OUT)
	$(CARGO) build --release --locked -p rhpc --example bench_par
	for pass in $$(seq $(BENCH_PAR_PASSES)); do \
	    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
	        $(PYTHON) bench/bench_par.py $(BENCH_PAR_OUT)/python-$$pass.json; \
	    target/release/examples/bench_par --measure $(BENCH_PAR_OUT)/rust-$$pass.json; \
	done
	target/release/examples/bench_par $(BENCH_PAR_OUT)/*.json

clean:
	$(CARGO) clean
	rm -rf $(VENV)

# Builds evcxr_jupyter (the existing Rust kernel) so bench-kernel measures it side by side.
bench-kernel-evcxr:
	$(CARGO) install --locked --root .cache/bench evcxr_jupyter
	$(MAKE) bench-kernel

# rhpc::tasks against Dask on the same graphs: overhead per task (a 39,999-task tree
# reduction: sync, threads, futures) and the speed-up of 64 independent 5 ms tasks.
.PHONY: bench-tasks
bench-tasks: bench-setup
	mkdir -p target
	$(CARGO) run --release --locked -p rhpc --example bench_tasks -- --json target/bench-tasks.json
	$(PYTHON) bench/bench_tasks.py --rust target/bench-tasks.json

# rhpc::array and rhpc::frame against NumPy, dask.array and dask.dataframe in the same run:
# ((x + 1) * 2).sum() over 5e7 float64 in 5, 50 and 500 chunks (and a hand-written rayon
# loop), and a group-by mean over generated CSV files.
.PHONY: bench-array
bench-array: bench-setup
	mkdir -p target
	$(CARGO) run --release --locked -p rhpc --features frame --example bench_array -- --json target/bench-array.json
	$(PYTHON) bench/bench_array.py --rust target/bench-array.json
