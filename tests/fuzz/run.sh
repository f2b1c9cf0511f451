#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/README.md) into build-fuzz with
# clang-14, ASan and UBSan, then runs each over its checked-in seed corpus,
# tests/fuzz/corpus/<target>, for its share of FUZZ_SECONDS (default 60, in
# all). Exits non-zero when any target finds a crash, leak, UB or timeout,
# printing the reproducer's path (kept under build-fuzz/fuzz-crashes).
# Usage: tests/fuzz/run.sh [target...]   (default: every target)
#   FUZZ_SECONDS=600 tests/fuzz/run.sh notification_json
#   FUZZ_JOBS=1: ninja -j1, on a machine shared with other builds.
set -euo pipefail
cd "$(dirname "$0")/../.."

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for dir in tests/fuzz/corpus/*/; do targets+=("$(basename "$dir")"); done
fi
seconds=$(( ${FUZZ_SECONDS:-60} / ${#targets[@]} ))
[ "$seconds" -ge 1 ] || seconds=1

CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DBUILD_TESTING=OFF -DSAFESHARE_FUZZ=ON >/dev/null
ninja -C build-fuzz ${FUZZ_JOBS:+-j "$FUZZ_JOBS"} fuzz-targets

# New inputs go to a scratch corpus listed first; the checked-in seeds, listed
# second, are only read.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
crashes="$PWD/build-fuzz/fuzz-crashes"
failed=()
for target in "${targets[@]}"; do
  mkdir -p "$scratch/$target" "$crashes/$target"
  log="$crashes/$target/last-run.log"
  status=0
  "build-fuzz/tests/fuzz/fuzz_$target" -max_total_time="$seconds" -timeout=10 \
    -print_final_stats=1 -artifact_prefix="$crashes/$target/" \
    "$scratch/$target" "tests/fuzz/corpus/$target" >"$log" 2>&1 || status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  if [ "$status" -eq 0 ]; then
    echo "fuzz $target: ${execs:-?} inputs in ${seconds}s, no crash"
  else
    failed+=("$target")
    echo "fuzz $target: FAILED (exit $status); log $log" >&2
    grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log" | head -5 >&2 || true
    sed -n 's/.*Test unit written to /  reproducer: /p' "$log" >&2
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "tests/fuzz/run.sh: ${failed[*]} failed; rerun one with build-fuzz/tests/fuzz/fuzz_<target> REPRODUCER" >&2
  exit 1
fi
