#!/usr/bin/env bash
# Runs latchkey's fuzz targets for a bounded time each (cargo-fuzz, libFuzzer).
#
#   fuzz/run.sh [seconds per target, default 30] [target...]
#
# Default targets: all seven (jwt, realm_import, gateway_token, gateway_path,
# gateway_config, form, config). `form` and `config` need the server's build:
# `--features server` is passed for them.
# FUZZ_SANITIZER picks cargo-fuzz's sanitizer (default `address`; the test suite's short
# run uses `none`, which builds and runs several times faster and still catches every
# panic and failed assertion: latchkey's crates have no unsafe code).
#
# Needs `cargo install cargo-fuzz --locked`. Uses the stable toolchain with
# RUSTC_BOOTSTRAP=1 (cargo-fuzz passes nightly flags); never call `cargo fuzz` without it
# here, or cargo caches a failed target probe in fuzz/target/.rustc_info.json.
# The committed corpus (fuzz/corpus/<target>) seeds each run; what a run finds goes to a
# temporary directory, crashes to fuzz/artifacts/<target>/ (keep them as regression
# inputs in the corpus once fixed: every run replays the corpus first).
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-30}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(jwt realm_import gateway_token gateway_path gateway_config form config)
sanitizer="${FUZZ_SANITIZER:-address}"
export RUSTC_BOOTSTRAP=1
rm -f target/.rustc_info.json
for target in "${targets[@]}"; do
  features=()
  case "$target" in form | config) features=(--features server) ;; esac
  found=$(mktemp -d)
  echo "fuzz/run.sh: $target for ${seconds}s (sanitizer: $sanitizer)"
  cargo fuzz run --sanitizer "$sanitizer" "${features[@]}" "$target" "$found" "corpus/$target" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
  rm -rf "$found"
done
