"""`rhpc-kernel install` / `uninstall`, checked with `jupyter kernelspec list`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
KERNEL = ROOT / "target" / "release" / "rhpc-kernel"
JUPYTER = Path(sys.executable).parent / "jupyter"


def kernelspecs(env: dict) -> dict:
    listing = subprocess.run(
        [str(JUPYTER), "kernelspec", "list", "--json"],
        env=env, check=True, capture_output=True, text=True,
    )
    return json.loads(listing.stdout)["kernelspecs"]


@pytest.fixture
def prefix_env(tmp_path):
    env = dict(os.environ)
    env["JUPYTER_PATH"] = str(tmp_path / "share" / "jupyter")
    return tmp_path, env


def test_install_lists_and_uninstall_removes(prefix_env):
    prefix, env = prefix_env
    subprocess.run(
        [str(KERNEL), "install", "--prefix", str(prefix), "--name", "rhpc-test",
         "--display-name", "Rust (test)"],
        check=True, env=env, capture_output=True,
    )
    specs = kernelspecs(env)
    assert "rhpc-test" in specs
    spec = specs["rhpc-test"]["spec"]
    assert spec["display_name"] == "Rust (test)"
    assert spec["language"] == "rust"
    assert spec["interrupt_mode"] == "message"
    assert spec["argv"][0] == str(KERNEL.resolve())
    assert "{connection_file}" in spec["argv"]
    folder = Path(specs["rhpc-test"]["resource_dir"])
    for logo in ("logo-32x32.png", "logo-64x64.png", "logo-svg.svg"):
        assert (folder / logo).stat().st_size > 0

    subprocess.run(
        [str(KERNEL), "uninstall", "--prefix", str(prefix), "--name", "rhpc-test"],
        check=True, env=env, capture_output=True,
    )
    assert "rhpc-test" not in kernelspecs(env)


def test_defaults_and_user_install(tmp_path):
    env = dict(os.environ)
    env["JUPYTER_DATA_DIR"] = str(tmp_path / "data")
    subprocess.run([str(KERNEL), "install", "--user"], check=True, env=env, capture_output=True)
    spec = json.loads((tmp_path / "data" / "kernels" / "rhpc" / "kernel.json").read_text())
    assert spec["display_name"] == "Rust (rhpc)"
    subprocess.run([str(KERNEL), "uninstall", "--user"], check=True, env=env, capture_output=True)
    assert not (tmp_path / "data" / "kernels" / "rhpc").exists()


def test_bad_names_and_missing_specs_are_clear_errors(tmp_path):
    bad = subprocess.run(
        [str(KERNEL), "install", "--prefix", str(tmp_path), "--name", "../escape"],
        capture_output=True, text=True,
    )
    assert bad.returncode != 0 and "invalid kernel name" in bad.stderr
    missing = subprocess.run(
        [str(KERNEL), "uninstall", "--prefix", str(tmp_path), "--name", "absent"],
        capture_output=True, text=True,
    )
    assert missing.returncode != 0 and "no kernelspec" in missing.stderr


def test_bad_connection_files_are_clear_errors(tmp_path):
    missing = subprocess.run([str(KERNEL), "run", str(tmp_path / "nope.json")],
                             capture_output=True, text=True, timeout=30)
    assert missing.returncode != 0 and "cannot read" in missing.stderr
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{not json")
    bad = subprocess.run([str(KERNEL), "run", str(garbage)],
                         capture_output=True, text=True, timeout=30)
    assert bad.returncode != 0 and "not a connection file" in bad.stderr
