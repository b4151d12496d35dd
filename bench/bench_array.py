"""make bench-array: NumPy and Dask on the workloads of runtime/examples/bench_array.rs.

1. ((x + 1) * 2).sum() over 5e7 float64 (BENCH_N): NumPy on one array, dask.array from
   that array in 5, 50 and 500 chunks (threaded scheduler; from_array before timing).
2. A group-by mean over the CSV files the Rust example wrote: dask.dataframe.read_csv,
   groupby("name").x.mean(), compute; then the same rows as the Parquet files rhpc wrote,
   through dask.dataframe.read_parquet.

With --rust FILE (the JSON the Rust example wrote), prints both side by side with the
ratios and the targets: rhpc within 1.2x of the hand-written rayon loop, and at least 3x
faster than dask.array at 500 chunks.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import timeit

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np

N = int(os.environ.get("BENCH_N", "50000000"))
CHUNK_COUNTS = (5, 50, 500)
REPEATS = int(os.environ.get("BENCH_REPEATS", "7"))


def median_time(run):
    """The median of REPEATS runs after one warm-up run, as on the Rust side."""
    run()
    return statistics.median(timeit.repeat(run, number=1, repeat=REPEATS))


def ms(seconds):
    return f"{seconds * 1e3:.1f} ms"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rust", help="JSON written by bench_array --json")
    args = parser.parse_args()
    rust = json.load(open(args.rust)) if args.rust else None
    n = rust["n"] if rust else N

    x = np.random.default_rng(0).random(n)
    expected = ((x + 1) * 2).sum()
    numpy_time = median_time(lambda: ((x + 1) * 2).sum())
    dask_times = {}
    for chunks in CHUNK_COUNTS:
        dx = da.from_array(x, chunks=-(-n // chunks))
        total = ((dx + 1) * 2).sum()
        assert abs(total.compute() - expected) <= 1e-9 * expected
        dask_times[chunks] = median_time(lambda: total.compute(scheduler="threads"))

    groupby_time = None
    if rust:
        pattern = rust["groupby"]["pattern"]
        groupby_time = median_time(lambda: dd.read_csv(pattern).groupby("name").x.mean().compute())
        # The Parquet files rhpc wrote, read by Dask (pyarrow): also a check that they are
        # ordinary Parquet.
        parquet_dir = rust["parquet"]["dir"]
        means = dd.read_parquet(parquet_dir).groupby("name").x.mean().compute()
        assert len(means) == rust["groupby"]["groups"], "Dask reads rhpc's Parquet files"
        parquet_time = median_time(
            lambda: dd.read_parquet(parquet_dir).groupby("name").x.mean().compute())

    print(f"\n((x + 1) * 2).sum() over {n:,} float64, medians of {REPEATS} "
          f"(dask {dask.__version__}, numpy {np.__version__}); numpy: {ms(numpy_time)}")
    if not rust:
        for chunks, seconds in dask_times.items():
            print(f"dask.array, {chunks} chunks: {ms(seconds)}")
        return
    print("| chunks | rhpc | rayon loop | dask.array | numpy | rhpc / rayon (target ≤ 1.2x) "
          "| dask / rhpc (target ≥ 3x at 500) |")
    print("|---|---|---|---|---|---|---|")
    for entry in rust["arrays"]:
        chunks, seconds = entry["chunks"], entry["seconds"]
        print(f"| {chunks} | {ms(seconds)} | {ms(rust['rayon'])} | {ms(dask_times[chunks])} "
              f"| {ms(numpy_time)} | {seconds / rust['rayon']:.2f}x | {dask_times[chunks] / seconds:.1f}x |")
    g = rust["groupby"]
    print(f"\ngroup-by mean, {g['files']} CSV files × {g['rows']:,} rows ({g['groups']:.0f} groups): "
          f"rhpc {ms(g['seconds'])}, dask.dataframe {ms(groupby_time)}, "
          f"dask / rhpc {groupby_time / g['seconds']:.1f}x")
    p = rust["parquet"]
    print(f"group-by mean, the same rows in {g['files']} Parquet files written by rhpc: "
          f"rhpc {ms(p['seconds'])}, dask.dataframe {ms(parquet_time)}, "
          f"dask / rhpc {parquet_time / p['seconds']:.1f}x")


if __name__ == "__main__":
    main()
