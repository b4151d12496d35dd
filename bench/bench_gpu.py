"""Second half of `make bench-gpu`: numpy and Numba on the same machine in the same run.

Reads the JSON written by `cargo run --release -p rhpc --example bench_gpu -- --json FILE`,
measures the same expression `z = (x - y) * (x - y)` on float32 arrays with numpy (two ufunc
passes into preallocated arrays) and Numba `@vectorize` (into a preallocated output), the
sum with `np.sum`, and Numba's `cache=True` cold compile and warm load, each in a fresh
process; then prints one markdown table with the ratios and the issue's targets.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

MIB = 1 << 20
REPEATS = 15

# Timed in a fresh process: defining the function (an eager compile, or a cache load) and
# its first call, after `import numba` (excluded, as in Numba's own figures). Two forms of
# the same expression: @vectorize (the ufunc, as in the throughput rows) and an @njit loop.
# With "warmup", an unrelated function is compiled first, so Numba's one-time start-up
# (typing context, LLVM) is paid before the timing: the cost of each further cached kernel.
FIRST_CALL = r"""
import json, sys, time
import numpy as np
import numba
x = np.full(1000, 3.0, np.float32)
y = np.full(1000, 1.0, np.float32)
if sys.argv[2] == "warmup":
    numba.njit(lambda a: a + 1)(1)
start = time.perf_counter()
if sys.argv[1] == "vectorize":
    @numba.vectorize(["float32(float32, float32)"], cache=True)
    def squared_diff(x, y):
        return (x - y) * (x - y)
    z = squared_diff(x, y)
else:
    @numba.njit(cache=True)
    def squared_diff_loop(x, y, z):
        for i in range(x.shape[0]):
            z[i] = (x[i] - y[i]) * (x[i] - y[i])
    z = np.empty_like(x)
    squared_diff_loop(x, y, z)
seconds = time.perf_counter() - start
assert (z == 4.0).all()
print(json.dumps({"seconds": seconds}))
"""


def best_of(repeats, function):
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def python_rows(mib):
    import numba

    @numba.vectorize(["float32(float32, float32)"])
    def squared_diff(x, y):
        return (x - y) * (x - y)

    n = mib * MIB // 4
    x = (np.arange(n) % 1000).astype(np.float32)
    y = np.full(n, 0.5, np.float32)
    z = np.empty_like(x)
    t = np.empty_like(x)

    def numpy_passes():
        np.subtract(x, y, out=t)
        np.multiply(t, t, out=z)

    numpy_passes()
    squared_diff(x, y, out=z)
    best = {"numpy": float("inf"), "numba": float("inf"), "sum": float("inf")}
    for _ in range(REPEATS):  # interleaved, as the Rust side does
        best["numpy"] = min(best["numpy"], best_of(1, numpy_passes))
        best["numba"] = min(best["numba"], best_of(1, lambda: squared_diff(x, y, out=z)))
        best["sum"] = min(best["sum"], best_of(1, lambda: np.sum(x)))
    traffic = 3 * n * 4
    return {
        "numpy_gbs": traffic / best["numpy"] / 1e9,
        "numba_gbs": traffic / best["numba"] / 1e9,
        "numpy_sum_gbs": n * 4 / best["sum"] / 1e9,
    }


def numba_first_call(script, form, warmup, cache_dir):
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir)
    out = subprocess.run(
        [sys.executable, script, form, warmup],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])["seconds"]


def numba_cache_rows(form):
    with tempfile.TemporaryDirectory(prefix="rhpc-bench-numba-") as root:
        # Numba caches only functions defined in a file.
        script = os.path.join(root, "first_call.py")
        with open(script, "w") as f:
            f.write(FIRST_CALL)
        cold = [
            numba_first_call(script, form, "none", os.path.join(root, f"cold-{run}"))
            for run in range(3)
        ]
        cache = os.path.join(root, "cold-0")
        warm = [numba_first_call(script, form, "none", cache) for _ in range(5)]
        warmed_up = [numba_first_call(script, form, "warmup", cache) for _ in range(5)]
    return {
        "cold": statistics.median(cold),
        "warm": statistics.median(warm),
        "warmed_up": statistics.median(warmed_up),
    }


def ms(seconds):
    return f"{seconds * 1e3:.2f} ms" if seconds < 0.01 else f"{seconds * 1e3:.0f} ms"


def main():
    with open(sys.argv[1]) as f:
        rust = json.load(f)
    print(f"host: {rust['host']['name']}, {rust['host']['threads']} threads\n")
    print("| measure | rhpc | numpy | Numba | target |")
    print("|---|---|---|---|---|")
    for row in rust["sizes"]:
        mib = row["mib"]
        py = python_rows(mib)
        ratio = row["elementwise_vs_bandwidth"]
        print(
            f"| memory bandwidth, STREAM triad, {mib} MiB arrays | {row['triad_gbs']:.1f} GB/s "
            f"| | | |"
        )
        print(
            f"| elementwise `(x - y) * (x - y)` float32, {mib} MiB | "
            f"{row['elementwise_gbs']:.1f} GB/s ({ratio:.0%} of triad) | "
            f"{py['numpy_gbs']:.1f} GB/s | {py['numba_gbs']:.1f} GB/s (@vectorize) | "
            f"≥ 70% of bandwidth: {'met' if ratio >= 0.7 else 'NOT met'} |"
        )
        print(
            f"| sum float32, {mib} MiB | {row['sum_gbs']:.1f} GB/s | "
            f"{py['numpy_sum_gbs']:.1f} GB/s | | |"
        )
    cache = rust["cache"]
    vectorize = numba_cache_rows("vectorize")
    njit = numba_cache_rows("njit")
    warm = cache["warm_first_call_seconds"]
    print(
        f"| first call, cold (compile), fresh process | {ms(cache['cold_first_call_seconds'])} "
        f"| | {ms(vectorize['cold'])} @vectorize, {ms(njit['cold'])} @njit (cache=True) | |"
    )
    print(
        f"| first call, warm cache, fresh process | {ms(warm)} "
        f"(load {ms(cache['warm_load_seconds'])}) | | {ms(vectorize['warm'])} @vectorize, "
        f"{ms(njit['warm'])} @njit (cache=True) | "
        f"≤ 2 ms: {'met' if warm <= 0.002 else 'NOT met'} |"
    )
    print(
        f"| same, after Numba's start-up was paid by another function | | | "
        f"{ms(vectorize['warmed_up'])} @vectorize, {ms(njit['warmed_up'])} @njit | |"
    )
    gpu = rust["gpu"]
    if "absent" in gpu:
        print(f"\nGPU rows skipped: {gpu['absent']}")
    else:
        print(f"\nGPU: {gpu['device']}\n")
        print("| GPU measure | GB/s |")
        print("|---|---|")
        for key, label in [
            ("h2d_pageable_gbs", "host to device, pageable"),
            ("h2d_pinned_gbs", "host to device, pinned"),
            ("d2h_pageable_gbs", "device to host, pageable"),
            ("d2h_pinned_gbs", "device to host, pinned"),
            ("device_copy_gbs", "device memory bandwidth (device-to-device copy)"),
            ("elementwise_gbs", "elementwise kernel, 256 MiB float32"),
        ]:
            print(f"| {label} | {gpu[key]:.1f} |")
        print(
            f"| kernel / device bandwidth | {gpu['elementwise_gbs'] / gpu['device_copy_gbs']:.0%} |"
        )


if __name__ == "__main__":
    main()
