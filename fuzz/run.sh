#!/usr/bin/env bash
# Runs latchkey's fuzz targets for a bounded time each (cargo-fuzz, libFuzzer).
#
#   fuzz/run.sh [seconds per target, default 30] [target...]   (default target: jwt)
#
# Needs `cargo install cargo-fuzz --locked`. Uses the stable toolchain with
# RUSTC_BOOTSTRAP=1 (cargo-fuzz passes -Zsanitizer=address); never call `cargo fuzz`
# without it here, or cargo caches a failed target probe in fuzz/target/.rustc_info.json.
# The committed corpus (fuzz/corpus/<target>) seeds each run; what a run finds goes to a
# temporary directory, crashes to fuzz/artifacts/<target>/ (keep them as regression
# inputs in the corpus once fixed). `form` needs the server's build: `--features server`
# is passed for it.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-30}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(jwt)
export RUSTC_BOOTSTRAP=1
rm -f target/.rustc_info.json
for target in "${targets[@]}"; do
  features=()
  [ "$target" = form ] && features=(--features server)
  found=$(mktemp -d)
  echo "fuzz/run.sh: $target for ${seconds}s"
  cargo fuzz run "${features[@]}" "$target" "$found" "corpus/$target" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048
  rm -rf "$found"
done
