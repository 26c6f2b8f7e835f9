#!/usr/bin/env bash
# Compatibility suite: real clients (python-keycloak) against the real latchkey binary.
# The Rust clients (the oauth2 crate) run under `cargo test` in compat/rust.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=compat/python/.venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r compat/python/requirements.txt

cargo build --quiet -p latchkey
LATCHKEY_BIN="${CARGO_TARGET_DIR:-$PWD/target}/debug/latchkey" "$venv/bin/python" -m pytest -q compat/python
