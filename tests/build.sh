#!/usr/bin/env bash
# Configures and builds safeshare with Ninja (and ccache) into build/.
# Usage: tests/build.sh [ninja targets...]   (default: everything)
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=ON >/dev/null
ninja -C build "$@"
