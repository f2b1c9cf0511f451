#!/usr/bin/env bash
# Installs every Debian 12 package the build, the demo and the tests need.
# Quick when they are already present (no apt-get update then).
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git openssl sqlite3 procps util-linux strace
  faketime  # certs/gen-dev-pki.sh signs a not-yet-valid test certificate under a skewed clock
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libssl-dev libsqlite3-dev libspdlog-dev libyaml-cpp-dev libcli11-dev
  libpq-dev  # the PostgreSQL store (libpq)
  postgresql  # the tests labelled postgres start a real PostgreSQL 15 (tests/postgres/server.sh)
  libboost-dev libboost-system-dev libgtest-dev libgmock-dev libgoogle-perftools-dev
  clang-tidy-14 python3
  clang-14 libfuzzer-14-dev  # the libFuzzer targets (tests/fuzz)
  chromium  # the review page browser test (tests/browser), headless
  python3-grpcio python3-protobuf  # the Python example client (client/examples/python)
  systemd python3-yaml  # tests/deploy: systemd-analyze verify, systemd-sysusers; deploy/'s YAML
)
# The Node example client (client/examples/node): Debian's nodejs and npm,
# unless a node and npm are installed already (e.g. NodeSource's nodejs,
# which brings its own npm and conflicts with Debian's).
command -v node >/dev/null || PACKAGES+=(nodejs)
command -v npm >/dev/null || PACKAGES+=(npm)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "installing: ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
