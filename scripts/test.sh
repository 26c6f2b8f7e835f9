#!/usr/bin/env bash
# The whole test suite: formatting, lints, every crate's tests (unit, store contract,
# HTTP API), then the compatibility suite with real clients.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
cargo test --workspace
bash compat/run.sh
