#!/usr/bin/env bash
# The whole test suite: formatting, lints, every crate's tests (unit, store contract,
# HTTP API), the tests that start latchkey once more on PostgreSQL, then the
# compatibility suite with real clients.
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages the tests need, installed when missing (as root, on Debian):
# PostgreSQL's binaries (tests start throw-away clusters with initdb and pg_ctl) and
# Chromium (the admin console's browser tests in compat/browser).
missing=()
if ! command -v initdb >/dev/null 2>&1 && ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
  missing+=(postgresql)
fi
if ! command -v chromium >/dev/null 2>&1; then
  missing+=(chromium)
fi
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
fi

cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
cargo test --workspace
# latchkey-testkit's engine parameter: the same tests on a fresh PostgreSQL database each.
LATCHKEY_TEST_DB=postgres cargo test -p latchkey-server --test api --test console
LATCHKEY_TEST_DB=postgres cargo test -p latchkey-gateway --test api
LATCHKEY_TEST_DB=postgres cargo test -p latchkey-client --test token_source
LATCHKEY_TEST_DB=postgres cargo test -p latchkey-compat-rust
bash compat/run.sh
