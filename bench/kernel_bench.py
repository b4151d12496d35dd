"""make bench-kernel: kernel start-up and cell round trips, against other kernels run here.

Measures, for each kernel available:
  - start to ready: from launching the process to the first kernel_info_reply (what a
    frontend waits for before it enables the notebook);
  - first cell: the first `1 + 1` after ready (evcxr kernels compile their first cell then);
  - p50 round trip of a trivial cell (`1 + 1`) and of a function definition;
  - rhpc only: the first cell `use rhpc::prelude::*;` of a new session, with a cold build
    cache (a fresh RHPC_CACHE_DIR: rhpc and its dependencies compile), a warm one (the next
    sessions, reusing that build and the compiled cells), and warm with the reuse of
    compiled cells off; the issue's target is 3 s warm;
  - rhpc only: a warm session's first cell with a `let`, sent at once after the first cell
    and after a pause (rust-analyzer's analysis of the standard library waits for one or
    the other);
  - rhpc only: a whole notebook (BENCH_NOTEBOOK, default notebooks/00-welcome.ipynb) run in
    a new session, run again in the same session, in a restarted session, and in a
    restarted session with the reuse of compiled cells off.

Competitors: ipykernel (always, from the venv) and evcxr_jupyter, the existing Rust kernel,
when its binary is found (EVCXR_JUPYTER=path, PATH, or .cache/bench/bin; `make
bench-kernel-evcxr` builds it). Without it, evcxr_jupyter's figures measured on this machine
class (../shared/anchors.md) are printed for reference, marked as such.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from jupyter_client.manager import KernelManager

ROOT = Path(__file__).resolve().parent.parent
STARTS = int(os.environ.get("BENCH_STARTS", "3"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "15"))
# evcxr_jupyter 0.22 on this machine class (shared/anchors.md), for when it is not installed.
EVCXR_ANCHOR = {"ready": 5.4, "trivial": 0.2}


def run_cell(kc, code: str, timeout: float = 300, must_succeed: bool = True) -> float:
    started = time.perf_counter()
    msg_id = kc.execute(code)
    while True:
        reply = kc.get_shell_msg(timeout=timeout)
        if reply["parent_header"].get("msg_id") == msg_id:
            break
    while True:  # wait for idle, as a frontend does
        msg = kc.get_iopub_msg(timeout=timeout)
        if (msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status"
                and msg["content"]["execution_state"] == "idle"):
            break
    if must_succeed and reply["content"]["status"] != "ok":
        raise RuntimeError(f"{code!r} failed: {reply['content']}")
    return time.perf_counter() - started


def measure(kernel_name: str, define) -> dict:
    ready, first = [], []
    for _ in range(STARTS):
        km = KernelManager(kernel_name=kernel_name)
        started = time.perf_counter()
        km.start_kernel()
        kc = km.client()
        kc.start_channels()
        kc.wait_for_ready(timeout=120)
        ready.append(time.perf_counter() - started)
        first.append(run_cell(kc, "1 + 1"))
        kc.stop_channels()
        km.shutdown_kernel(now=True)

    km = KernelManager(kernel_name=kernel_name)
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=120)
    run_cell(kc, "1 + 1")
    run_cell(kc, define(0))
    trivial = [run_cell(kc, "1 + 1") for _ in range(ROUNDS)]
    defs = [run_cell(kc, define(i)) for i in range(1, ROUNDS + 1)]
    kc.stop_channels()
    km.shutdown_kernel(now=True)
    return {
        "ready": statistics.median(ready),
        "first": statistics.median(first),
        "trivial": statistics.median(trivial),
        "define": statistics.median(defs),
    }


def started_kernel(kernel_name: str, env: dict | None = None):
    km = KernelManager(kernel_name=kernel_name)
    km.start_kernel(env={**os.environ, **(env or {})})
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=120)
    return km, kc


def stopped(km, kc) -> None:
    kc.stop_channels()
    km.shutdown_kernel(now=True)


def measure_first_rhpc_cell(cache: dict) -> dict:
    """First `use rhpc::prelude::*;` cell of a new session: cold build cache (`cache` names a
    fresh RHPC_CACHE_DIR), then warm (the next sessions), then warm with the reuse of compiled
    cells turned off (every compilation of the session's start and of the cell done again), and
    with rust-analyzer also analysing the standard library twice (the kernel without either)."""
    times = {}
    # A RUST_SRC_PATH of the user's own turns off the kernel's deferral of rust-analyzer's
    # standard library, so it is analysed as evcxr alone would: at start-up, then again
    # once rhpc is added.
    sysroot = subprocess.run(["rustc", "--print", "sysroot"], capture_output=True, text=True)
    library = str(Path(sysroot.stdout.strip()) / "lib/rustlib/src/rust/library")
    runs = (("cold", {}), ("warm", {}), ("warm again", {}),
            ("warm, cell reuse off", {"RHPC_REUSE_CELLS": "0"}),
            ("warm, reuse off, std analysed twice", {"RHPC_REUSE_CELLS": "0",
                                                      "RUST_SRC_PATH": library}))
    for label, extra in runs:
        km, kc = started_kernel("rhpc", {**cache, **extra})
        times[label] = run_cell(kc, "use rhpc::prelude::*;", timeout=1800)
        stopped(km, kc)
    return times


def measure_first_let_cell(cache: dict, pause: float) -> dict:
    """A warm session's first cell, then its first cell with a variable (whose type evcxr
    asks rust-analyzer for): sent at once, as nbconvert does, and after `pause` seconds, as a
    person reading the first output would (the kernel analyses the standard library and
    infers types once while idle)."""
    times = {}
    for label, wait in (("at once", 0.0), (f"after {pause:.0f} s idle", pause)):
        km, kc = started_kernel("rhpc", cache)
        first = run_cell(kc, "use rhpc::prelude::*;", timeout=1800)
        time.sleep(wait)
        times[label] = (first, run_cell(kc, "let squares = (1..4u64).map(|x| x * x).collect::<Vec<_>>();"))
        stopped(km, kc)
    return times


def notebook_cells(path: Path) -> list[str]:
    cells = json.loads(path.read_text())["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]


def measure_notebook(path: Path, cache: dict) -> dict:
    """Runs every code cell of `path`: in a new session, again in it, after a restart, and
    after a restart with the reuse of compiled cells off. Cells that fail on purpose (the
    course shows compile errors and panics) are timed too. `cache` names the bench's own
    RHPC_CACHE_DIR, in which rhpc is built but none of these cells has been compiled."""
    cells = notebook_cells(path)

    def run_all(kc) -> float:
        return sum(run_cell(kc, code, timeout=900, must_succeed=False) for code in cells)

    def new_session(extra: dict | None = None):
        return started_kernel("rhpc", {**cache, **(extra or {})})

    km, kc = new_session()
    first = run_all(kc)
    again = run_all(kc)
    stopped(km, kc)
    km, kc = new_session()
    restarted = run_all(kc)
    stopped(km, kc)
    km, kc = new_session({"RHPC_REUSE_CELLS": "0"})
    no_reuse = run_all(kc)
    stopped(km, kc)
    return {"cells": len(cells), "first": first, "again": again, "restarted": restarted,
            "restarted, cell reuse off": no_reuse}


def rust_fn(i: int) -> str:
    return f"fn scale_{i}(x: i64) -> i64 {{ x * {i} }}"


def python_fn(i: int) -> str:
    return f"def scale_{i}(x):\n    return x * {i}"


def find_evcxr() -> str | None:
    candidates = [os.environ.get("EVCXR_JUPYTER"), shutil.which("evcxr_jupyter"),
                  str(ROOT / ".cache" / "bench" / "bin" / "evcxr_jupyter")]
    return next((c for c in candidates if c and Path(c).is_file()), None)


def install_evcxr_spec(binary: str) -> str:
    """A private kernelspec for evcxr_jupyter, found through JUPYTER_PATH."""
    spec_root = Path(tempfile.mkdtemp(prefix="rhpc-bench-specs-"))
    spec_dir = spec_root / "kernels" / "evcxr-bench"
    spec_dir.mkdir(parents=True)
    (spec_dir / "kernel.json").write_text(json.dumps({
        "argv": [binary, "--control_file", "{connection_file}"],
        "display_name": "evcxr (bench)", "language": "rust", "interrupt_mode": "message",
    }))
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        [str(spec_root)] + [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p])
    return "evcxr-bench"


def fmt(seconds: float) -> str:
    return f"{seconds * 1000:8.0f} ms" if seconds < 10 else f"{seconds:8.1f} s "


def main() -> None:
    os.environ.setdefault("RHPC_HISTORY_FILE", str(Path(tempfile.mkdtemp()) / "history.jsonl"))
    results = {"rhpc-kernel": measure("rhpc", rust_fn)}
    evcxr = find_evcxr()
    if evcxr:
        results["evcxr_jupyter"] = measure(install_evcxr_spec(evcxr), rust_fn)
    results["ipykernel"] = measure("python3", python_fn)

    print(f"\nKernel start-up and round trips (median; {STARTS} starts, {ROUNDS} rounds)\n")
    print(f"{'kernel':<16}{'start->ready':>14}{'first cell':>14}{'1 + 1':>14}{'fn def':>14}")
    for name, r in results.items():
        print(f"{name:<16}{fmt(r['ready']):>14}{fmt(r['first']):>14}"
              f"{fmt(r['trivial']):>14}{fmt(r['define']):>14}")
    ours = results["rhpc-kernel"]
    print()
    if "evcxr_jupyter" in results:
        theirs = results["evcxr_jupyter"]
        source = "measured in this run"
    else:
        theirs = EVCXR_ANCHOR
        source = "anchor figures (shared/anchors.md); run `make bench-kernel-evcxr` to measure"
    print(f"vs evcxr_jupyter ({source}):")
    print(f"  start->ready  {theirs['ready'] / ours['ready']:6.1f}x faster")
    print(f"  1 + 1         {theirs['trivial'] / ours['trivial']:6.2f}x")
    if "define" in theirs:
        print(f"  fn def        {theirs['define'] / ours['define']:6.2f}x")
    cache = {"RHPC_CACHE_DIR": tempfile.mkdtemp(prefix="rhpc-bench-cache-")}
    first_cell = measure_first_rhpc_cell(cache)
    print("\nrhpc-kernel: first cell `use rhpc::prelude::*;` of a new session")
    for label, seconds in first_cell.items():
        print(f"  {label:<36}{fmt(seconds):>12}")
    print("\nrhpc-kernel: a warm session's first cell, then its first cell with a `let`")
    for label, (first, let) in measure_first_let_cell(cache, pause=20).items():
        print(f"  `let` sent {label:<22}first cell {fmt(first):>10}   `let` cell {fmt(let):>10}")
    notebook = ROOT / os.environ.get("BENCH_NOTEBOOK", "notebooks/00-welcome.ipynb")
    runs = measure_notebook(notebook, cache)
    shutil.rmtree(cache["RHPC_CACHE_DIR"], ignore_errors=True)
    print(f"\nrhpc-kernel: {notebook.name}, {runs['cells']} code cells, all run")
    print(f"  {'in a new session':<28}{fmt(runs['first']):>12}")
    for label, key in (("again, same session", "again"), ("after a restart", "restarted"),
                       ("after a restart, reuse off", "restarted, cell reuse off")):
        print(f"  {label:<28}{fmt(runs[key]):>12}   {runs[key] / runs['first']:.2f}x the first")
    py = results["ipykernel"]
    print("vs ipykernel (measured in this run; Python cells are interpreted, not compiled):")
    print(f"  start->ready  {py['ready'] / ours['ready']:6.2f}x")
    print(f"  1 + 1         {py['trivial'] / ours['trivial']:6.3f}x")


if __name__ == "__main__":
    sys.exit(main())
