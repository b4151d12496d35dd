"""Reusing compiled cells, through a real kernel: a cell run again unchanged, in the same
state, runs the code compiled the first time (`:time` says so), and behaves exactly as a
fresh compilation would; any change that could change the code compiles it again.

Compilations are cached across sessions (in the build slot), so every cell here carries a
token unique to this test run: a cached entry from an earlier run would otherwise make the
first run a reuse too.
"""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path

from conftest import execute, result_text, stream_text

REUSED = "Compiled code reused from an identical earlier run"


def timed(kc, code: str) -> tuple[str | None, bool, dict]:
    """Runs `code` under `:time`; returns its value, whether its compiled code was reused,
    and the reply."""
    reply, outputs = execute(kc, ":time\n" + code)
    assert reply["status"] == "ok", reply
    return result_text(outputs), REUSED in stream_text(outputs), reply


def token() -> str:
    return uuid.uuid4().hex


def tagged(code: str) -> str:
    """`code` made unique to this test run (a comment would not do: evcxr drops comments)."""
    return f'let _ = "{token()}";\n{code}'


def test_an_unchanged_cell_run_again_reuses_its_compiled_code(kc):
    code = tagged("(1..=100u64).map(|x| x * x).sum::<u64>()")
    assert timed(kc, code)[:2] == ("338350", False)
    assert timed(kc, code)[:2] == ("338350", True)
    assert timed(kc, code)[:2] == ("338350", True)


def test_reused_cells_start_with_fresh_statics(kc):
    # A fresh compilation gets fresh statics; a reused one must too. The first run adds the
    # static and the `use` to the session's definitions, so the state is the same from the
    # second run on. (Whether the second run's generated source equals the first's depends
    # on the order evcxr keeps definitions in, a hash map's: either may happen.)
    code = tagged(
        "use std::sync::atomic::{AtomicUsize, Ordering};\n"
        "static CALLS: AtomicUsize = AtomicUsize::new(0);\n"
        "CALLS.fetch_add(1, Ordering::SeqCst)"
    )
    runs = [timed(kc, code)[:2] for _ in range(4)]
    assert [value for value, _ in runs] == ["0"] * 4, runs
    assert [reused for _, reused in runs][::2] == [False, True], runs
    assert runs[3][1], runs


def test_values_change_the_result_not_the_code(kc):
    tag = token()
    execute(kc, f"let mut base_{tag} = 20u64;")
    code = f"base_{tag} * 2"
    assert timed(kc, code)[:2] == ("40", False)
    assert timed(kc, code)[:2] == ("40", True)
    # A new value of the same type: the same code, reading the new value.
    execute(kc, f"base_{tag} = 21;")
    assert timed(kc, code)[:2] == ("42", True)


def test_a_changed_definition_compiles_again(kc):
    tag = token()
    execute(kc, f"fn answer_{tag}() -> u32 {{ 1 }}")
    code = f"answer_{tag}()"
    assert timed(kc, code)[:2] == ("1", False)
    assert timed(kc, code)[:2] == ("1", True)
    execute(kc, f"fn answer_{tag}() -> u32 {{ 2 }}")
    assert timed(kc, code)[:2] == ("2", False)


def test_a_changed_file_the_cell_includes_compiles_again(kc):
    data = Path(tempfile.mkdtemp(prefix="rhpc-reuse-")) / "data.txt"
    data.write_text("one")
    code = tagged(f'include_str!("{data}").len()')
    assert timed(kc, code)[:2] == ("3", False)
    assert timed(kc, code)[:2] == ("3", True)
    data.write_text("three")
    assert timed(kc, code)[:2] == ("5", False)


def test_a_compile_error_is_reported_again_when_run_again(kc):
    code = tagged('let n: u32 = "not a number";')
    first, _ = execute(kc, code)
    second, _ = execute(kc, code)
    assert first["status"] == second["status"] == "error", (first, second)
    assert first["ename"] == second["ename"], (first, second)
    assert "mismatched types" in second["evalue"] + str(second["traceback"]), second
