#!/usr/bin/env bash
# The whole test suite: dependencies, build, clang-tidy with zero warnings
# (tests/clang_tidy.py), every ctest label (unit, integration, security,
# fault, examples: the Python and Node example clients, postgres: against a
# real PostgreSQL 15 the tests start themselves, deploy: the files
# of deploy/, tests/deploy/check_deploy.sh), then a short smoke
# run of the benchmark.
# Usage: tests/run.sh [ctest args...]   e.g. tests/run.sh -L unit
#
# Test brokers, PKIs and stores live under build/test-tmp (TMPDIR), emptied
# at the start of each run and removed when every test passed; after a
# failure it holds each broker's config, log and store for inspection.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tests/install-deps.sh
bash tests/build.sh
python3 tests/clang_tidy.py
export TMPDIR="$PWD/build/test-tmp"
rm -rf "$TMPDIR"
mkdir -p "$TMPDIR"
if ctest --test-dir build --output-on-failure -j2 --timeout 300 "$@"; then
  rm -rf "$TMPDIR"
  unset TMPDIR  # gone: the fuzz run makes its scratch directory in the default place
else
  status=$?
  echo "tests/run.sh: failed; brokers' files kept in $TMPDIR" >&2
  exit "$status"
fi
bash tests/fuzz/run.sh
