#!/usr/bin/env bash
# Compatibility suite: real Keycloak clients (python-keycloak, @keycloak/keycloak-admin-client)
# and the admin console in a real headless Chromium, against the real latchkey binary, and
# schemathesis against the Admin API's OpenAPI document (compat/schemathesis/run.py: its
# examples and coverage phases, the same cases every run, then its fuzzing and stateful
# phases for 120 s; SCHEMATHESIS_SECONDS, SCHEMATHESIS_FUZZ_SECONDS and
# SCHEMATHESIS_EXAMPLES for longer runs).
# The Rust client checks (the oauth2 and openidconnect crates) run under
# `cargo test -p latchkey-compat-rust`; compat/node also verifies tokens with `jose`.
#
#   compat/run.sh [extra pytest arguments]
#
# Environment: PYTHON (default python3) creates the venv; CARGO_TARGET_DIR is honoured;
# Node 20 or later and npm run compat/node and compat/browser; PostgreSQL's initdb and pg_ctl
# (Debian's postgresql) for the python-keycloak tests' second run; compat/browser drives
# Debian's chromium (/usr/bin/chromium, or CHROMIUM_BIN) with playwright-core.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=compat/python/.venv
if [ ! -x "$venv/bin/python" ]; then
  "${PYTHON:-python3}" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r compat/python/requirements.txt

cargo build --quiet -p latchkey
target_dir="${CARGO_TARGET_DIR:-$PWD/target}"

LATCHKEY_BIN="$target_dir/debug/latchkey" "$venv/bin/python" -m pytest -q compat/python "$@"
# The same python-keycloak tests with latchkey on PostgreSQL: a throw-away cluster
# (initdb and pg_ctl, compat/python/pg_cluster.py) and Keycloak's --db options.
LATCHKEY_COMPAT_DB=postgres LATCHKEY_BIN="$target_dir/debug/latchkey" \
  "$venv/bin/python" -m pytest -q compat/python "$@"

LATCHKEY_BIN="$target_dir/debug/latchkey" "$venv/bin/python" compat/schemathesis/run.py
# Then random cases and chains of operations (fuzzing, stateful), bounded in time, with
# the run's fixed seed: SCHEMATHESIS_FUZZ_SECONDS=1800 for a long one.
LATCHKEY_BIN="$target_dir/debug/latchkey" SCHEMATHESIS_PHASES=fuzzing,stateful \
  SCHEMATHESIS_SECONDS="${SCHEMATHESIS_FUZZ_SECONDS:-120}" \
  "$venv/bin/python" compat/schemathesis/run.py

(cd compat/node && npm ci --no-audit --no-fund --loglevel=error && LATCHKEY_BIN="$target_dir/debug/latchkey" node --test)

(cd compat/browser && npm ci --no-audit --no-fund --loglevel=error && LATCHKEY_BIN="$target_dir/debug/latchkey" node --test)
