"""Shared fixtures: real rhpc kernels driven by real jupyter_client clients.

The kernel under test is the one installed as the `rhpc` kernelspec in the virtualenv
(`make test` builds it in release and installs it first). Every kernel started here writes its
history to a private file, so tests never touch the user's history.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from queue import Empty
from typing import Any

import pytest
from jupyter_client.blocking.client import BlockingKernelClient
from jupyter_client.manager import KernelManager, start_new_kernel

KERNEL_NAME = os.environ.get("RHPC_TEST_KERNEL", "rhpc")

# Kernels inherit the environment; give them a private history file for the whole run.
_HISTORY_DIR = Path(tempfile.mkdtemp(prefix="rhpc-test-history-"))
os.environ["RHPC_HISTORY_FILE"] = str(_HISTORY_DIR / "history.jsonl")
# A cell that ignores an interrupt is restarted quickly in tests.
os.environ.setdefault("RHPC_INTERRUPT_GRACE_MS", "500")

# Compiling a cell takes a fraction of a second, but the very first cell of a kernel waits for
# evcxr to start; keep timeouts generous for slow CI machines.
TIMEOUT = 120
# The first cell of a new session on a cold build cache compiles rhpc and its dependencies.
WARM_UP_TIMEOUT = 1800


def start_kernel(**kwargs: Any) -> tuple[KernelManager, BlockingKernelClient]:
    km, kc = start_new_kernel(kernel_name=KERNEL_NAME, startup_timeout=60, **kwargs)
    return km, kc


@pytest.fixture(scope="module")
def kernel():
    """One kernel shared by a test module (cells are independent unless a test says so)."""
    km, kc = start_kernel()
    kc.execute_interactive("1", timeout=WARM_UP_TIMEOUT, output_hook=lambda _: None)
    try:
        yield km, kc
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=False)


@pytest.fixture
def kc(kernel) -> BlockingKernelClient:
    _, client = kernel
    drain(client)
    return client


def drain(kc: BlockingKernelClient) -> None:
    """Discards messages left over from earlier tests."""
    for channel in (kc.shell_channel, kc.iopub_channel, kc.stdin_channel, kc.control_channel):
        while True:
            try:
                channel.get_msg(timeout=0.05)
            except Empty:
                break


def collect_iopub(kc: BlockingKernelClient, msg_id: str, timeout: float = TIMEOUT) -> list[dict]:
    """IOPub messages for `msg_id`, up to its idle status."""
    messages = []
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"no idle status for {msg_id}")
        msg = kc.get_iopub_msg(timeout=remaining)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        messages.append(msg)
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return messages


def shell_reply(kc: BlockingKernelClient, msg_id: str, timeout: float = TIMEOUT) -> dict:
    """The shell reply to `msg_id` (other replies are skipped)."""
    deadline = time.monotonic() + timeout
    while True:
        msg = kc.get_shell_msg(timeout=max(deadline - time.monotonic(), 0.01))
        if msg["parent_header"].get("msg_id") == msg_id:
            return msg


def execute(kc: BlockingKernelClient, code: str, timeout: float = TIMEOUT, **kwargs: Any):
    """Runs a cell; returns (reply content, IOPub messages other than status)."""
    msg_id = kc.execute(code, **kwargs)
    reply = shell_reply(kc, msg_id, timeout)
    outputs = [m for m in collect_iopub(kc, msg_id, timeout) if m["msg_type"] != "status"]
    return reply["content"], outputs


def of_type(outputs: list[dict], msg_type: str) -> list[dict]:
    return [m for m in outputs if m["msg_type"] == msg_type]


def stream_text(outputs: list[dict], name: str = "stdout") -> str:
    return "".join(
        m["content"]["text"]
        for m in outputs
        if m["msg_type"] == "stream" and m["content"]["name"] == name
    )


def result_text(outputs: list[dict]) -> str | None:
    results = of_type(outputs, "execute_result")
    return results[0]["content"]["data"].get("text/plain") if results else None
