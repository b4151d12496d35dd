#!/usr/bin/env bash
# Makes sure the system tools `make lab` and `make test` need are present, installing the
# missing Debian packages when it can. Idempotent: does nothing when all are there.
set -euo pipefail

missing=()
command -v cargo >/dev/null || { echo "error: cargo not found; install Rust 1.95 (https://rustup.rs)" >&2; exit 1; }
command -v python3 >/dev/null || missing+=(python3)
python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
command -v cc >/dev/null || missing+=(gcc)

if ((${#missing[@]})); then
    if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
        echo "Installing Debian packages: ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
    elif command -v apt-get >/dev/null && command -v sudo >/dev/null; then
        echo "Installing Debian packages (sudo): ${missing[*]}"
        sudo apt-get update -qq
        sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
    else
        echo "error: please install: ${missing[*]}" >&2
        exit 1
    fi
fi
