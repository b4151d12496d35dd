"""The notebook experience through a real kernel: live rich output from a running cell, rhpc
ready in the first cell, interrupts that keep state, and recovery from cells that crash.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from pathlib import Path

import pytest

from conftest import (
    TIMEOUT,
    collect_iopub,
    execute,
    of_type,
    result_text,
    shell_reply,
    start_kernel,
    stream_text,
)


@pytest.mark.parametrize("source", ["checkout", "embedded"])
def test_first_cell_of_a_new_session_uses_rhpc_without_dep(source):
    # "embedded": the copy of rhpc's source inside the kernel binary, which a kernel uses when
    # the checkout it was built from is gone.
    env = {**os.environ, "RHPC_RUNTIME_PATH": "embedded"} if source == "embedded" else None
    km, kc = start_kernel(env=env) if env else start_kernel()
    try:
        reply, outputs = execute(
            kc, 'use rhpc::prelude::*;\nHtml::new("<i>ready</i>")', timeout=900
        )
        assert reply["status"] == "ok", reply
        results = of_type(outputs, "execute_result")
        assert results and results[0]["content"]["data"]["text/html"] == "<i>ready</i>"
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_displays_updates_and_clear_arrive_live_and_in_order(kc):
    # The cell waits for a file the test creates only after it has *received* the first
    # display: the display must travel while the cell is still running.
    gate = Path(tempfile.mkdtemp(prefix="rhpc-gate-")) / "go"
    code = f"""
use rhpc::prelude::*;
let first = display(&Html::new("<b>one</b>"));
while !std::path::Path::new({json.dumps(str(gate))}).exists() {{
    std::thread::sleep(std::time::Duration::from_millis(10));
}}
display(&Markdown::new("**two**"));
first.update(&Html::new("<b>one, updated</b>"));
clear_output(true);
display(&Svg::new("<svg xmlns='http://www.w3.org/2000/svg'/>"));
"""
    msg_id = kc.execute(code)
    seen = []
    after_progress = False
    deadline = time.monotonic() + TIMEOUT
    while True:
        msg = kc.get_iopub_msg(timeout=max(deadline - time.monotonic(), 0.01))
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        # The kernel's own progress, and the clear_output that removes it before the cell
        # starts, are not the cell's output.
        if _is_kernel_progress(msg) or (after_progress and msg["msg_type"] == "clear_output"):
            after_progress = _is_kernel_progress(msg)
            continue
        after_progress = False
        if msg["msg_type"] == "display_data" and not gate.exists():
            gate.touch()
        seen.append(msg)
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            break
    reply = shell_reply(kc, msg_id)
    assert reply["content"]["status"] == "ok", reply["content"]

    kinds = [
        m["msg_type"]
        for m in seen
        if m["msg_type"] in ("display_data", "update_display_data", "clear_output")
    ]
    assert kinds == [
        "display_data",
        "display_data",
        "update_display_data",
        "clear_output",
        "display_data",
    ], kinds
    shown = [m for m in seen if m["msg_type"] in ("display_data", "update_display_data")]
    assert shown[0]["content"]["data"]["text/html"] == "<b>one</b>"
    assert shown[1]["content"]["data"]["text/markdown"] == "**two**"
    assert shown[2]["content"]["data"]["text/html"] == "<b>one, updated</b>"
    assert shown[2]["content"]["transient"]["display_id"] == shown[0]["content"][
        "transient"
    ]["display_id"]
    assert "image/svg+xml" in shown[3]["content"]["data"]
    assert [m for m in seen if m["msg_type"] == "clear_output"][0]["content"]["wait"] is True
    # Everything was published before the reply was sent.
    reply_date = reply["header"]["date"]
    assert all(m["header"]["date"] <= reply_date for m in seen if m["msg_type"] != "status")


def _is_kernel_progress(msg) -> bool:
    """The kernel's own progress displays: while a new session starts, and while a cell waits
    for rust-analyzer to read the standard library."""
    display_id = msg["content"].get("transient", {}).get("display_id", "")
    return display_id.startswith(("rhpc-startup", "rhpc-analysis"))


def _interrupt_during(km, kc, code: str, wait_for: str):
    """Runs `code`, interrupts once `wait_for` shows on stdout; returns (reply, outputs)."""
    msg_id = kc.execute(code)
    outputs = []
    interrupted = False
    deadline = time.monotonic() + TIMEOUT
    while True:
        msg = kc.get_iopub_msg(timeout=max(deadline - time.monotonic(), 0.01))
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        outputs.append(msg)
        if not interrupted and wait_for in stream_text(outputs):
            km.interrupt_kernel()
            interrupted = True
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            break
    return shell_reply(kc, msg_id)["content"], outputs


def test_interrupt_of_rhpc_parallel_work_keeps_variables(kernel, kc):
    km, _ = kernel
    reply, _ = execute(kc, "let kept = vec![1, 2, 3];")
    assert reply["status"] == "ok", reply
    code = """
use rhpc::prelude::*;
println!("started");
rhpc::par::for_each(0..u64::MAX, |i| {
    std::hint::black_box(i);
})?;
"""
    reply, outputs = _interrupt_during(km, kc, code, "started")
    assert reply["status"] == "error"
    assert reply["ename"] == "Interrupted", reply
    assert "lost" not in reply["evalue"], reply["evalue"]
    reply, outputs = execute(kc, "kept.len()")
    assert result_text(outputs) == "3"


def test_crashing_cells_say_why_name_lost_variables_and_recover(kc):
    cases = [
        ("std::process::abort();", "SIGABRT"),
        ("unsafe { std::ptr::null_mut::<u8>().write_volatile(1) };", "SIGSEGV"),
        ("std::process::exit(3);", "exited with status 3"),
        ("let v: Vec<u8> = Vec::with_capacity(1usize << 46); v.len()", "out of memory"),
    ]
    for code, why in cases:
        reply, _ = execute(kc, "let survivor = 41;")
        assert reply["status"] == "ok", reply
        reply, outputs = execute(kc, code)
        assert reply["status"] == "error", (code, reply)
        assert reply["ename"] == "CellProcessDied", (code, reply)
        assert why in reply["evalue"], (code, reply["evalue"])
        assert "survivor" in reply["evalue"], (code, reply["evalue"])
        assert of_type(outputs, "error"), code
        reply, outputs = execute(kc, "1 + 1")
        assert result_text(outputs) == "2", (code, reply)


def test_time_reports_wall_and_cpu_time(kc):
    reply, outputs = execute(kc, ":time\nlet total: u64 = (0..1_000u64).sum();\ntotal")
    assert reply["status"] == "ok", reply
    text = stream_text(outputs)
    assert "CPU times: user" in text and "Wall time:" in text, text
    assert result_text(outputs) == "499500"


def test_timeit_reports_like_ipython(kc):
    reply, outputs = execute(kc, ":timeit -n 5 -r 3 (0..1000u64).map(|x| x * x).sum::<u64>()")
    assert reply["status"] == "ok", reply
    results = of_type(outputs, "execute_result")
    assert results, outputs
    data = results[0]["content"]["data"]
    assert re.fullmatch(
        r"\S+ \S+ ± \S+ \S+ per loop \(mean ± std\. dev\. of 3 runs, 5 loops each\)",
        data["text/plain"].strip(),
    ), data["text/plain"]
    assert "text/html" in data
    # Without -n the loop count is chosen automatically; a block on the following lines works.
    reply, outputs = execute(kc, ":timeit -r 2\nlet v: Vec<u32> = (0..100).collect();\nv.len()")
    assert reply["status"] == "ok", reply
    assert "of 2 runs" in result_text(outputs)
    reply, _ = execute(kc, ":timeit -n zero f()")
    assert reply["status"] == "error" and reply["ename"] == "UsageError", reply


def test_threads_sizes_rhpcs_pool_for_later_cells(kc):
    reply, outputs = execute(kc, ":threads 3")
    assert reply["status"] == "ok", reply
    assert "3 threads" in stream_text(outputs)
    reply, outputs = execute(kc, "rhpc::par::install(rhpc::par::current_num_threads)?")
    assert result_text(outputs) == "3", (reply, outputs)
    execute(kc, ":threads 2")
    reply, outputs = execute(kc, "rhpc::par::install(rhpc::par::current_num_threads)?")
    assert result_text(outputs) == "2", (reply, outputs)


def test_help_lists_the_kernels_commands(kc):
    reply, outputs = execute(kc, ":help")
    text = result_text(outputs)
    for command in (":help", ":time", ":timeit", ":threads", ":rhpc_features", ":dep", ":vars"):
        assert command in text, command


def test_evcxr_commands_pass_through(kc):
    execute(kc, "let listed_variable = 7u8;")
    reply, outputs = execute(kc, ":vars")
    assert reply["status"] == "ok", reply
    everything = str([m["content"] for m in outputs])
    assert "listed_variable" in everything
