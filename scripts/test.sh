#!/usr/bin/env bash
# The whole test suite: formatting, lints, API docs, the dependency checks, every crate's
# tests (unit, store contract, HTTP API), the tests that start latchkey once more on
# PostgreSQL, the compatibility suite with real clients, then a bounded fuzzing run.
# It installs what its tests need when missing, so that the README's two commands are
# all the set-up there is.
set -euo pipefail
cd "$(dirname "$0")/.."

# ---- What the tests need beyond Rust, Python 3 and Node, installed when missing ----
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
# Debian's chromium, for the admin console's browser tests (compat/browser).
if ! command -v chromium >/dev/null 2>&1; then
  echo "test.sh: installing Debian's chromium for the browser tests"
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
fi
# Debian's postgresql, for the tests on PostgreSQL (throw-away clusters made with initdb
# and pg_ctl; latchkey-testkit finds them on PATH or under /usr/lib/postgresql/*/bin).
if ! command -v initdb >/dev/null 2>&1 && ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
  echo "test.sh: installing Debian's postgresql for the tests on PostgreSQL"
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql
fi
# cargo-deny, for the dependency checks (from crates.io).
if ! cargo deny --version >/dev/null 2>&1; then
  echo "test.sh: installing cargo-deny"
  cargo install --locked cargo-deny
fi
# cargo-fuzz, for the bounded fuzzing run (from crates.io).
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "test.sh: installing cargo-fuzz"
  cargo install --locked cargo-fuzz
fi
# ---- end of installs ----

# No incremental compilation: a run of the suite builds once, and incremental state would
# double the size of target/ on the disk of a CI machine.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --workspace

# Licences, duplicate versions and sources (deny.toml). Advisories need RustSec's
# database, which comes from outside the package registries: checked when it can be
# fetched, and said so loudly when it cannot.
cargo deny check licenses bans sources
if timeout 120 cargo deny fetch db >/dev/null 2>&1; then
  cargo deny --offline check advisories
else
  echo "test.sh: SKIPPED the advisories check: RustSec's advisory database could not be fetched" >&2
fi

cargo test --workspace
# latchkey-testkit's engine parameter: the same tests on a fresh PostgreSQL database each.
LATCHKEY_TEST_DB=postgres cargo test -p latchkey-server --test api --test console
LATCHKEY_TEST_DB=postgres cargo test -p latchkey-gateway --test api
LATCHKEY_TEST_DB=postgres cargo test -p latchkey-client --test token_source
LATCHKEY_TEST_DB=postgres cargo test -p latchkey-compat-rust
bash compat/run.sh
# Load and faults for 90 s on the debug build (scripts/soak.py: kill -9 twice, a full disk
# when run as root, the gateway's upstream gone): no acknowledged write lost, no error
# outside the fault windows. LATCHKEY_SOAK_SECONDS=600 with a release build for the long run.
python3 scripts/soak.py --duration "${LATCHKEY_SOAK_SECONDS:-90}" \
  --binary "${CARGO_TARGET_DIR:-$PWD/target}/debug/latchkey" \
  --login-rate 3 --refresh-rate 20 --admin-rate 2 --gateway-rate 20
# Every fuzz target, the form parser and the config file included, for a bounded time each (replaying the
# committed corpus first); LATCHKEY_FUZZ_SECONDS=600 for a longer run.
FUZZ_SANITIZER=none bash fuzz/run.sh "${LATCHKEY_FUZZ_SECONDS:-60}"
