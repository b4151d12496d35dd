"""make bench-par, Python side: the course's matrix-multiply table for pure Python, Numba
@njit, Numba parallel (prange) and numpy, written as JSON for runtime/examples/bench_par.rs,
which adds rhpc's kernels and prints the merged table.

The kernel is the course's (and the Numba paper's) naive triple loop in i-k-j order on
float64 n x n matrices. Timing follows rhpc::time::Timeit: the loop count is the first of
1, 2, 5, 10, ... giving a run of at least 0.1 s, then the best of REPEAT runs, the
implementations of one size taking turns run by run (as the Rust side does). Pure Python
is too slow for that at large n: it is timed once per size up to PYTHON_MAX_N (256 by
default, about a second) and extrapolated by n^3 beyond, marked as an estimate.

Usage: python bench/bench_par.py OUT.json [--sizes 64,128,256,512]
Environment: BENCH_PY_MAX_N (largest n timed in pure Python), BENCH_REPEAT (default 5).
"""

from __future__ import annotations

import json
import os
import sys
import time

import numba
import numpy as np
from numba import config as numba_config, njit, prange

REPEAT = int(os.environ.get("BENCH_REPEAT", "5"))
PYTHON_MAX_N = int(os.environ.get("BENCH_PY_MAX_N", "256"))
MIN_RUN = 0.1


def matmul_python(a, b, n):
    """The naive i-k-j loop on lists of lists."""
    c = [[0.0] * n for _ in range(n)]
    for i in range(n):
        a_row, c_row = a[i], c[i]
        for k in range(n):
            a_ik, b_row = a_row[k], b[k]
            for j in range(n):
                c_row[j] += a_ik * b_row[j]
    return c


@njit(cache=True)
def matmul_numba(a, b):
    n = a.shape[0]
    c = np.zeros((n, n))
    for i in range(n):
        for k in range(n):
            a_ik = a[i, k]
            for j in range(n):
                c[i, j] += a_ik * b[k, j]
    return c


@njit(parallel=True, cache=True)
def matmul_numba_parallel(a, b):
    n = a.shape[0]
    c = np.zeros((n, n))
    for i in prange(n):
        for k in range(n):
            a_ik = a[i, k]
            for j in range(n):
                c[i, j] += a_ik * b[k, j]
    return c


def autorange(func, min_run=MIN_RUN) -> int:
    """The first loop count of 1, 2, 5, 10, ... whose run lasts at least min_run seconds."""
    decade = 1
    while True:
        for step in (1, 2, 5):
            loops = decade * step
            start = time.perf_counter()
            for _ in range(loops):
                func()
            if time.perf_counter() - start >= min_run:
                return loops
        decade *= 10


def run_time(func, loops: int) -> float:
    """Seconds per call over one run of `loops` calls."""
    start = time.perf_counter()
    for _ in range(loops):
        func()
    return (time.perf_counter() - start) / loops


def best_times(funcs: dict, repeat=REPEAT) -> dict:
    """Seconds per call of each function's best run. The runs go in turns (first function,
    second, ..., first again), so a busy moment on a shared machine spoils one run of each
    rather than every run of one, and each best comes from the same stretch of time."""
    loops = {name: autorange(func) for name, func in funcs.items()}
    best = {name: float("inf") for name in funcs}
    for _ in range(repeat):
        for name, func in funcs.items():
            best[name] = min(best[name], run_time(func, loops[name]))
    return best


def measure(n: int) -> dict:
    rng = np.random.default_rng(n)
    a = rng.uniform(-1.0, 1.0, (n, n))
    b = rng.uniform(-1.0, 1.0, (n, n))
    expected = a @ b
    for kernel in (matmul_numba, matmul_numba_parallel):
        if not np.allclose(kernel(a, b), expected):  # also compiles before timing
            raise SystemExit(f"{kernel.__name__} computed a wrong product at n = {n}")
    row = best_times({
        "numba": lambda: matmul_numba(a, b),
        "numba_parallel": lambda: matmul_numba_parallel(a, b),
        "numpy": lambda: a @ b,
    })
    if n <= PYTHON_MAX_N:
        a_list, b_list = a.tolist(), b.tolist()
        if not np.allclose(np.array(matmul_python(a_list, b_list, n)), expected):
            raise SystemExit(f"pure Python computed a wrong product at n = {n}")
        # One run of at least MIN_RUN, best of at most 3 (a single run beyond a second).
        repeat = 3 if n <= 128 else 1
        python = {"python": lambda: matmul_python(a_list, b_list, n)}
        row.update(best_times(python, repeat=repeat))
    return row


def blas_info() -> str:
    try:
        from threadpoolctl import threadpool_info

        pools = [f"{p.get('internal_api')} {p.get('version')} ({p.get('architecture')}, "
                 f"{p.get('num_threads')} threads)" for p in threadpool_info()]
        return ", ".join(pools)
    except ImportError:
        return "threadpoolctl not installed"


def main() -> None:
    args = sys.argv[1:]
    if not args:
        raise SystemExit(__doc__)
    out = args[0]
    sizes = [64, 128, 256, 512]
    if "--sizes" in args:
        sizes = [int(s) for s in args[args.index("--sizes") + 1].split(",")]
    times: dict[str, dict] = {}
    for n in sizes:
        times[str(n)] = measure(n)
        print(f"python side: n = {n} done", file=sys.stderr)
    measured = [n for n in sizes if "python" in times[str(n)]]
    if measured:
        largest = max(measured)
        for n in sizes:
            row = times[str(n)]
            if "python" not in row:
                row["python"] = times[str(largest)]["python"] * (n / largest) ** 3
                row["python_estimated"] = True
    note = (f"python side: numpy {np.__version__} ({blas_info()}); numba {numba.__version__} "
            f"({numba.threading_layer()} threading layer, {numba_config.NUMBA_NUM_THREADS} "
            f"threads); pure Python beyond n = {PYTHON_MAX_N} extrapolated by n^3")
    with open(out, "w") as f:
        json.dump({"times": times, "note": note}, f, indent=1)


if __name__ == "__main__":
    main()
