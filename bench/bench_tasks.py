"""make bench-tasks: Dask on the same task graphs as runtime/examples/bench_tasks.rs.

1. Overhead per task: a tree reduction of 20,000 `inc` leaves summed pairwise by `add`
   (39,999 tasks) with dask.delayed, computed by the "sync" and "threads" schedulers, and
   with futures (`client.map` + `client.submit`) on an in-process LocalCluster. Futures
   cost milliseconds each in Dask, so that tree has fewer leaves (BENCH_FUTURE_LEAVES,
   default 2,000: 3,999 tasks) and is reported per task.
2. Speed-up of 64 independent 5 ms tasks (sleeping, then spinning on the CPU, where the GIL
   shows) on as many threads as cores, against the sync scheduler.

With --rust FILE (the JSON the Rust example wrote), prints both side by side with ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

import dask
from dask import delayed

LEAVES = 20_000
FUTURE_LEAVES = int(os.environ.get("BENCH_FUTURE_LEAVES", "2000"))
REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))
SMALL_TASKS = 64
SMALL_TASK = 0.005


def inc(x):
    return x + 1


def add(a, b):
    return a + b


def reduce(level, pair):
    """Pairs neighbours until one value is left (an odd one out moves up a level)."""
    while len(level) > 1:
        nxt = [pair(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2 == 1:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def tree(leaves=LEAVES):
    return reduce([delayed(inc)(i) for i in range(leaves)], lambda a, b: delayed(add)(a, b))


def median_time(run, repeats=REPEATS):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def expected(leaves):
    return leaves * (leaves + 1) // 2


def checked(value, leaves=LEAVES):
    assert value == expected(leaves), value


def sleep_task(_):
    time.sleep(SMALL_TASK)


def spin_task(_):
    end = time.perf_counter() + SMALL_TASK
    while time.perf_counter() < end:
        pass


def measure_dask(cores):
    tasks = 2 * LEAVES - 1
    build = median_time(tree)
    total = tree()
    sync = median_time(lambda: checked(total.compute(scheduler="sync")))
    threads = median_time(lambda: checked(total.compute(scheduler="threads", num_workers=cores)))

    from distributed import Client, LocalCluster

    with LocalCluster(processes=False, n_workers=1, threads_per_worker=cores,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        def futures():
            leaves = client.map(inc, range(FUTURE_LEAVES), pure=False)
            result = reduce(leaves, lambda a, b: client.submit(add, a, b, pure=False))
            checked(result.result(), FUTURE_LEAVES)

        futures_time = median_time(futures)

    speedups = []
    for body in (sleep_task, spin_task):
        work = [delayed(body)(i) for i in range(SMALL_TASKS)]
        one = median_time(lambda: dask.compute(*work, scheduler="sync"))
        many = median_time(lambda: dask.compute(*work, scheduler="threads", num_workers=cores))
        speedups.append(one / many)
    return {
        "tasks": tasks,
        "build_per_task": build / tasks,
        "sync_per_task": sync / tasks,
        "threads_per_task": threads / tasks,
        "futures_per_task": futures_time / (2 * FUTURE_LEAVES - 1),
        "sleep_speedup": speedups[0],
        "spin_speedup": speedups[1],
    }


def micro(seconds):
    return f"{seconds * 1e6:.2f} µs"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rust", help="JSON written by the Rust benchmark")
    args = parser.parse_args()
    rust = json.load(open(args.rust)) if args.rust else None
    cores = rust["cores"] if rust else (os.cpu_count() or 1)
    dask_figures = measure_dask(cores)

    rows = [
        ("build the graph, per task", "build_per_task", micro, "lower"),
        ("compute, synchronous, per task", "sync_per_task", micro, "lower"),
        ("compute, threads, per task", "threads_per_task", micro, "lower"),
        ("futures (map + submit), per task", "futures_per_task", micro, "lower"),
        (f"{SMALL_TASKS} x 5 ms sleep, speed-up on {cores} workers", "sleep_speedup",
         lambda x: f"{x:.2f}x", "higher"),
        (f"{SMALL_TASKS} x 5 ms CPU spin, speed-up on {cores} workers", "spin_speedup",
         lambda x: f"{x:.2f}x", "higher"),
    ]
    print(f"\nTask scheduling, {cores} cores: tree reduction of {LEAVES} leaves "
          f"({dask_figures['tasks']} tasks; Dask futures on {2 * FUTURE_LEAVES - 1} tasks), "
          f"dask {dask.__version__}")
    print("| measure | rhpc | Dask | rhpc advantage |")
    print("|---|---|---|---|")
    for name, key, fmt, better in rows:
        theirs = dask_figures[key]
        if rust:
            ours = rust[key]
            ratio = theirs / ours if better == "lower" else ours / theirs
            print(f"| {name} | {fmt(ours)} | {fmt(theirs)} | {ratio:.0f}x |"
                  if better == "lower" else f"| {name} | {fmt(ours)} | {fmt(theirs)} | {ratio:.2f}x |")
        else:
            print(f"| {name} | | {fmt(theirs)} | |")
    if rust:
        ok_threads = rust["threads_per_task"] <= 2e-6
        ok_speedup = rust["sleep_speedup"] >= 1.8
        print(f"\ntargets: threads <= 2 µs per task: {'met' if ok_threads else 'NOT met'}; "
              f"64 x 5 ms speed-up >= 1.8x: {'met' if ok_speedup else 'NOT met'}")


if __name__ == "__main__":
    main()
