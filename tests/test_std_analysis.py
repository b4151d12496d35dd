"""When a new session's rust-analyzer sees the standard library: not for the first cell, but
before the first cell that declares variables, or in the background once the kernel is idle
(kernel/src/interpreter/evcxr/std_reveal.rs).

The kernel logs each step (RHPC_LOG=info) to its stderr, which these tests read: which cell
waited for the analysis is the behaviour under test, and no output of a cell shows it.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import pytest

from conftest import WARM_UP_TIMEOUT, execute, result_text, start_kernel

ANALYSED = "standard library analysed"
INFERRED = "types inferred once"


@pytest.fixture
def logged_kernel():
    """A new session whose log lines land in a file; yields (client, log reader)."""
    log = Path(tempfile.mkdtemp(prefix="rhpc-std-log-")) / "kernel.log"
    with log.open("w") as sink:
        km, kc = start_kernel(env={**os.environ, "RHPC_LOG": "info"}, stderr=sink)
    try:
        yield kc, log.read_text
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_the_first_cell_runs_before_the_library_is_analysed_and_let_waits_for_it(logged_kernel):
    kc, log = logged_kernel
    reply, _ = execute(kc, "use rhpc::prelude::*;", timeout=WARM_UP_TIMEOUT)
    assert reply["status"] == "ok", reply
    assert "session ready" in log()
    # Cells follow each other at once, as under nbconvert: the kernel is never idle, so only
    # the cell with a `let` can have made the library visible.
    assert ANALYSED not in log()
    reply, outputs = execute(
        kc, "let counts = std::collections::HashMap::<u8, String>::new();\ncounts.len()"
    )
    assert reply["status"] == "ok", reply
    assert ANALYSED in log()
    # The wait said why, then cleared that before the cell's own output.
    shown = [m for m in outputs if m["msg_type"] != "execute_input"]
    kinds = [m["msg_type"] for m in shown]
    assert kinds == ["display_data", "clear_output", "execute_result"], kinds
    assert "standard library" in shown[0]["content"]["data"]["text/plain"]
    assert shown[1]["content"]["wait"] is False
    assert result_text(outputs) == "0"
    # The variable's type came from rust-analyzer, which needed the library to infer it.
    reply, outputs = execute(kc, ":vars")
    assert reply["status"] == "ok", reply
    listing = result_text(outputs) or "".join(
        m["content"].get("text", "") for m in outputs if m["msg_type"] == "stream"
    )
    assert "HashMap<u8, String>" in listing, listing
    # That cell inferred types itself; there is nothing left to warm up.
    time.sleep(2)
    assert INFERRED not in log()


def test_an_idle_kernel_analyses_the_library_and_infers_once_in_the_background(logged_kernel):
    kc, log = logged_kernel
    reply, _ = execute(kc, "use rhpc::prelude::*;", timeout=WARM_UP_TIMEOUT)
    assert reply["status"] == "ok", reply
    deadline = time.monotonic() + 300
    while INFERRED not in log():
        assert time.monotonic() < deadline, log()
        time.sleep(0.2)
    assert log().index(ANALYSED) < log().index(INFERRED)
    reply, outputs = execute(kc, "let doubled = vec![1u64, 2].iter().map(|x| x * 2).collect::<Vec<_>>();\ndoubled")
    assert reply["status"] == "ok", reply
    # Nothing to wait for: the cell's result is its only output.
    kinds = [m["msg_type"] for m in outputs if m["msg_type"] != "execute_input"]
    assert kinds == ["execute_result"], kinds
    assert result_text(outputs) == "[2, 4]"
    # Everything was done in the background: no step ran again for the cell.
    assert log().count(ANALYSED) == 1 and log().count(INFERRED) == 1
