"""The kernel's protocol behaviour, one test per point, through jupyter_client."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import time
import uuid

import pytest
from jupyter_client.session import Session

from conftest import (
    collect_iopub,
    drain,
    execute,
    of_type,
    result_text,
    shell_reply,
    start_kernel,
    stream_text,
)


def test_kernel_info_on_shell_and_control(kc):
    msg_id = kc.kernel_info()
    info = shell_reply(kc, msg_id)["content"]
    assert info["status"] == "ok"
    assert info["implementation"] == "rhpc-kernel"
    language = info["language_info"]
    assert language["name"] == "rust"
    assert language["version"][0].isdigit(), language["version"]
    assert language["mimetype"] == "text/rust"
    assert language["file_extension"] == ".rs"
    assert language["pygments_lexer"] == "rust"
    assert language["codemirror_mode"] == "rust"
    assert language["nbconvert_exporter"] == "script"
    assert info["help_links"] and info["banner"]
    statuses = collect_iopub(kc, msg_id)
    assert [m["content"]["execution_state"] for m in statuses] == ["busy", "idle"]

    control = kc.session.msg("kernel_info_request", {})
    kc.control_channel.send(control)
    reply = kc.control_channel.get_msg(timeout=10)
    assert reply["parent_header"]["msg_id"] == control["header"]["msg_id"]
    assert reply["content"]["language_info"]["name"] == "rust"


def test_heartbeat_echoes(kc):
    assert kc.hb_channel.is_beating()


def test_streams_arrive_while_the_cell_runs(kc):
    code = (
        'println!("first");\n'
        "std::thread::sleep(std::time::Duration::from_millis(1500));\n"
        'println!("second");'
    )
    msg_id = kc.execute(code)
    arrivals = {}
    while "second" not in arrivals:
        msg = kc.get_iopub_msg(timeout=120)
        if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "stream":
            arrivals[msg["content"]["text"].strip()] = time.monotonic()
    assert arrivals["second"] - arrivals["first"] > 1.0, "stdout was buffered to the cell's end"
    assert shell_reply(kc, msg_id)["content"]["status"] == "ok"


def test_compile_error_points_at_the_cell_line(kc):
    reply, outputs = execute(kc, 'let a = 1;\nlet y: i32 = "one";')
    assert reply["status"] == "error"
    assert reply["ename"] == "CompileError"
    assert reply["evalue"] == "mismatched types"
    traceback = "\n".join(reply["traceback"])
    assert "cell:2:14" in traceback
    assert 'let y: i32 = "one";' in traceback
    assert "^^^^^" in traceback
    errors = of_type(outputs, "error")
    assert len(errors) == 1 and errors[0]["content"]["traceback"] == reply["traceback"]


def test_panic_is_an_error_and_keeps_earlier_variables(kc):
    assert execute(kc, "let kept = 41;")[0]["status"] == "ok"
    reply, outputs = execute(kc, 'panic!("boom {}", 1 + 1)')
    assert reply["status"] == "error"
    assert reply["ename"] == "panic"
    assert reply["evalue"] == "boom 2"
    assert [m["msg_type"] for m in outputs] == ["execute_input", "error"]
    reply, outputs = execute(kc, "kept + 1")
    assert result_text(outputs) == "42"


def test_a_panic_caught_by_the_cell_is_not_an_error(kc):
    reply, outputs = execute(kc, 'std::panic::catch_unwind(|| panic!("inner")).is_err()')
    assert reply["status"] == "ok"
    assert result_text(outputs) == "true"
    assert "panicked" in stream_text(outputs, "stderr")


def test_execution_count_increments_only_when_storing_history():
    km, kc = start_kernel()
    try:
        first, _ = execute(kc, "1")
        assert first["execution_count"] == 1
        execute(kc, "2", store_history=False)
        execute(kc, "3", silent=True)
        third, outputs = execute(kc, "4")
        assert third["execution_count"] == 2
        assert of_type(outputs, "execute_input")[0]["content"]["execution_count"] == 2
    finally:
        kc.stop_channels()
        km.shutdown_kernel()


def test_silent_suppresses_all_output(kc):
    msg_id = kc.execute('println!("secret"); 5', silent=True)
    reply = shell_reply(kc, msg_id)
    messages = collect_iopub(kc, msg_id)
    assert reply["content"]["status"] == "ok"
    assert [m["msg_type"] for m in messages] == ["status", "status"]


def test_stop_on_error_aborts_queued_cells(kc):
    failing = kc.execute('panic!("stop here")', stop_on_error=True)
    queued = [kc.execute('println!("must not run")') for _ in range(2)]
    assert shell_reply(kc, failing)["content"]["status"] == "error"
    for msg_id in queued:
        reply = shell_reply(kc, msg_id)["content"]
        assert reply["status"] == "aborted"
    # The kernel keeps serving afterwards.
    reply, outputs = execute(kc, "1 + 1")
    assert result_text(outputs) == "2"


def test_without_stop_on_error_queued_cells_run(kc):
    failing = kc.execute('panic!("keep going")', stop_on_error=False)
    queued = kc.execute("2 + 2")
    assert shell_reply(kc, failing)["content"]["status"] == "error"
    assert shell_reply(kc, queued)["content"]["status"] == "ok"


def test_user_expressions_are_evaluated(kc):
    execute(kc, "let base = 20;")
    reply, _ = execute(kc, "base + 1", user_expressions={"double": "base * 2", "bad": "nope"})
    expressions = reply["user_expressions"]
    assert expressions["double"]["status"] == "ok"
    assert expressions["double"]["data"]["text/plain"] == "40"
    assert expressions["bad"]["status"] == "error"


STDIN_CELL = (
    "let mut line = String::new();\n"
    'print!("Name: ");\n'
    "std::io::Write::flush(&mut std::io::stdout()).unwrap();\n"
    "std::io::stdin().read_line(&mut line).unwrap();\n"
    "line.trim().to_uppercase()"
)


def test_stdin_fails_at_once_when_not_allowed(kc):
    started = time.monotonic()
    reply, _ = execute(kc, STDIN_CELL, allow_stdin=False)
    assert time.monotonic() - started < 30
    assert reply["status"] == "error"
    assert reply["ename"] == "StdinNotAvailable"
    assert "allow_stdin" in reply["evalue"]


def test_stdin_is_requested_when_allowed(kc):
    msg_id = kc.execute(STDIN_CELL, allow_stdin=True)
    request = kc.get_stdin_msg(timeout=120)
    assert request["msg_type"] == "input_request"
    assert request["parent_header"]["msg_id"] == msg_id
    assert request["content"]["password"] is False
    kc.input("ada lovelace")
    reply = shell_reply(kc, msg_id)["content"]
    assert reply["status"] == "ok"
    outputs = collect_iopub(kc, msg_id)
    assert result_text(outputs) == '"ADA LOVELACE"'


def test_completion_and_inspection_answer_during_a_long_cell(kc):
    execute(kc, "let long_lived_value = vec![1.5f64];")
    running = kc.execute("std::thread::sleep(std::time::Duration::from_secs(6)); 1")
    time.sleep(1.0)  # the cell is compiled and running by now
    started = time.monotonic()
    complete = shell_reply(kc, kc.complete("long_li", 7), timeout=10)["content"]
    assert "long_lived_value" in complete["matches"]
    assert complete["cursor_start"] == 0 and complete["cursor_end"] == 7
    inspect = shell_reply(kc, kc.inspect("long_lived_value", 3), timeout=10)["content"]
    assert inspect["found"] and "Vec<f64>" in inspect["data"]["text/plain"]
    is_complete = shell_reply(kc, kc.is_complete("fn f() {"), timeout=10)["content"]
    assert is_complete["status"] == "incomplete"
    info = shell_reply(kc, kc.kernel_info(), timeout=10)["content"]
    assert info["status"] == "ok"
    assert time.monotonic() - started < 5, "requests queued behind the running cell"
    assert shell_reply(kc, running)["content"]["status"] == "ok"


def test_completion_cursor_counts_code_points(kc):
    code = 'let café = "é";\nlet zz_long_name = 1;\nzz_lo'
    reply = shell_reply(kc, kc.complete(code, len(code)))["content"]
    assert reply["status"] == "ok"
    assert "zz_long_name" in reply["matches"]
    assert reply["cursor_end"] == len(code)  # len() counts code points in Python
    assert reply["cursor_start"] == len(code) - len("zz_lo")


def test_inspect_shows_type_and_docs(kc):
    reply = shell_reply(kc, kc.inspect("String::from_utf8", 10))["content"]
    assert reply["status"] == "ok" and reply["found"]
    assert "text/plain" in reply["data"] and "text/markdown" in reply["data"]
    assert "from_utf8" in reply["data"]["text/plain"]


def test_is_complete_classifies(kc):
    for code, status in [
        ("let x = 1;", "complete"),
        ("fn f() {", "incomplete"),
        ("let s = r#\"open", "incomplete"),
        ("x +", "incomplete"),
        (")", "invalid"),
    ]:
        reply = shell_reply(kc, kc.is_complete(code))["content"]
        assert reply["status"] == status, code
    reply = shell_reply(kc, kc.is_complete("fn f() {\n    if x {"))["content"]
    assert reply["indent"] == " " * 8


def test_comm_info_and_unknown_comm_targets(kc):
    msg = kc.session.msg("comm_info_request", {})
    kc.shell_channel.send(msg)
    reply = shell_reply(kc, msg["header"]["msg_id"])["content"]
    assert reply == {"status": "ok", "comms": {}}

    comm_id = uuid.uuid4().hex
    msg = kc.session.msg(
        "comm_open", {"comm_id": comm_id, "target_name": "no.such.target", "data": {}}
    )
    kc.shell_channel.send(msg)
    messages = collect_iopub(kc, msg["header"]["msg_id"], timeout=10)
    closes = of_type(messages, "comm_close")
    assert closes and closes[0]["content"]["comm_id"] == comm_id


def _send_raw(kc, frames):
    kc.shell_channel.socket.send_multipart(frames)


def _assert_no_reply(kc, seconds=1.0):
    with pytest.raises(Exception):
        kc.get_shell_msg(timeout=seconds)


def test_badly_signed_unsigned_and_malformed_messages_are_dropped(kc):
    # Wrong key.
    forger = Session(key=b"not-the-key", username="mallory")
    forger.send(kc.shell_channel.socket, "execute_request", {"code": 'println!("pwned")',
                "silent": False, "store_history": True, "user_expressions": {},
                "allow_stdin": False, "stop_on_error": True})
    # No signature at all.
    unsigned = Session(key=b"", username="mallory")
    unsigned.send(kc.shell_channel.socket, "kernel_info_request", {})
    # Correctly signed, malformed JSON content.
    header = json.dumps({"msg_id": uuid.uuid4().hex, "username": "u", "session": "s",
                         "date": "2026-01-01T00:00:00Z", "msg_type": "kernel_info_request",
                         "version": "5.3"}).encode()
    parts = [header, b"{}", b"{}", b"{not json"]
    signature = hmac.new(kc.session.key, b"".join(parts), hashlib.sha256).hexdigest()
    _send_raw(kc, [b"<IDS|MSG>", signature.encode(), *parts])
    # Correctly signed, unknown message type.
    kc.shell_channel.send(kc.session.msg("frobnicate_request", {}))
    # Missing frames.
    _send_raw(kc, [b"<IDS|MSG>", b"x"])
    _assert_no_reply(kc)

    # The kernel still serves, and the forged cell never ran.
    reply, outputs = execute(kc, 'println!("still here")')
    assert reply["status"] == "ok"
    assert stream_text(outputs) == "still here\n"


def test_history_tail_range_and_search(kc):
    execute(kc, "let history_marker_a = 1;")
    execute(kc, "let history_marker_b = 2;")
    execute(kc, "let history_marker_a = 1;")
    tail = shell_reply(kc, kc.history(hist_access_type="tail", n=2, output=False, raw=True))
    sources = [entry[2] for entry in tail["content"]["history"]]
    assert sources == ["let history_marker_b = 2;", "let history_marker_a = 1;"]
    session, line = tail["content"]["history"][0][:2]

    rng = shell_reply(kc, kc.history(hist_access_type="range", session=session,
                                     start=line, stop=line + 1, output=False, raw=True))
    assert [e[2] for e in rng["content"]["history"]] == ["let history_marker_b = 2;"]

    found = shell_reply(kc, kc.history(hist_access_type="search", pattern="let history_marker_*",
                                       output=False, raw=True))
    assert len(found["content"]["history"]) == 3
    unique = shell_reply(kc, kc.history(hist_access_type="search", pattern="let history_marker_*",
                                        unique=True, output=False, raw=True))
    assert len(unique["content"]["history"]) == 2

    with_output = shell_reply(kc, kc.history(hist_access_type="tail", n=1, output=True, raw=True))
    entry = with_output["content"]["history"][0]
    assert entry[2][0] == "let history_marker_a = 1;"


def test_interrupt_of_a_tight_loop_names_lost_variables_and_recovers():
    km, kc = start_kernel()
    try:
        execute(kc, "let doomed = 7;")
        msg_id = kc.execute("loop { std::hint::spin_loop(); }")
        collect_until = time.monotonic() + 120
        while True:  # wait until the cell is running
            msg = kc.get_iopub_msg(timeout=max(collect_until - time.monotonic(), 0.1))
            if msg["msg_type"] == "execute_input" and msg["parent_header"]["msg_id"] == msg_id:
                break
        time.sleep(1.5)  # past compilation
        started = time.monotonic()
        km.interrupt_kernel()
        reply = shell_reply(kc, msg_id, timeout=30)["content"]
        assert time.monotonic() - started < 5
        assert reply["status"] == "error"
        assert reply["ename"] == "Interrupted"
        assert "doomed" in reply["evalue"]
        reply, outputs = execute(kc, "1 + 2")
        assert result_text(outputs) == "3"
    finally:
        kc.stop_channels()
        km.shutdown_kernel()


def test_interrupt_reply_comes_from_control(kc):
    msg = kc.session.msg("interrupt_request", {})
    kc.control_channel.send(msg)
    reply = kc.control_channel.get_msg(timeout=10)
    assert reply["msg_type"] == "interrupt_reply"
    assert reply["content"]["status"] == "ok"


def test_sigint_does_not_kill_the_kernel(kernel):
    km, kc = kernel
    os.kill(km.provisioner.process.pid, signal.SIGINT)
    time.sleep(0.5)
    assert km.is_alive()
    drain(kc)
    reply, outputs = execute(kc, "5 + 5")
    assert result_text(outputs) == "10"


def test_shutdown_with_restart_keeps_history():
    km, kc = start_kernel()
    try:
        execute(kc, "let before_restart = 1;")
        km.restart_kernel(now=False)
        kc.wait_for_ready(timeout=60)
        drain(kc)
        reply, outputs = execute(kc, "2 * 21")
        assert result_text(outputs) == "42"
        assert reply["execution_count"] == 1
        tail = shell_reply(kc, kc.history(hist_access_type="tail", n=2, output=False, raw=True))
        entries = tail["content"]["history"]
        assert entries[0][2] == "let before_restart = 1;"
        assert entries[1][0] == entries[0][0] + 1, "the restarted kernel is a new session"
    finally:
        kc.stop_channels()
        km.shutdown_kernel()


def test_shutdown_reply_and_exit():
    km, kc = start_kernel()
    msg = kc.session.msg("shutdown_request", {"restart": False})
    kc.control_channel.send(msg)
    reply = kc.control_channel.get_msg(timeout=10)
    assert reply["msg_type"] == "shutdown_reply"
    assert reply["content"] == {"status": "ok", "restart": False}
    deadline = time.monotonic() + 10
    while km.is_alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not km.is_alive()
    kc.stop_channels()
    km.cleanup_resources()
