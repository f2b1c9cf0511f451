#!/usr/bin/env bash
# Runs the example clients of client/examples (Python and Node, built from
# the .proto alone) against the real broker: a dev PKI and a broker config in
# a temporary directory, the broker on a free loopback port with its store
# there, each example's round trip (publish, subscribe, acknowledge, resume,
# delivery state), then each example against the stopped broker, where it
# must retry with backoff and give up UNAVAILABLE. Every wait is bounded.
#
# Usage: tests/examples/run_examples.sh BROKER_BINARY
#   (or SAFESHARE_BROKER=...). PYTHON names a python3 with Debian's
#   python3-grpcio (default /usr/bin/python3); NODE and NPM likewise.
# The directory goes under $TMPDIR (tests/run.sh: build/test-tmp), removed
# when everything passed and kept, with the broker's log, after a failure.
set -euo pipefail

die() { echo "run_examples: $*" >&2; exit 1; }

broker="${1:-${SAFESHARE_BROKER:-}}"
[ -n "$broker" ] || die "usage: run_examples.sh BROKER_BINARY"
[ -x "$broker" ] || die "no broker binary at $broker"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
python="${PYTHON:-/usr/bin/python3}"
node="${NODE:-node}"
npm="${NPM:-npm}"
"$python" -c 'import grpc, google.protobuf' 2>/dev/null ||
  die "$python has no grpc module: install python3-grpcio python3-protobuf (tests/install-deps.sh)"
command -v "$node" >/dev/null || die "node not found: install nodejs (tests/install-deps.sh)"

mkdir -p "${TMPDIR:-/tmp}"
dir="$(mktemp -d "${TMPDIR:-/tmp}/safeshare-examples-XXXXXX")"
broker_pid=""
stop_broker() {
  [ -n "$broker_pid" ] || return 0
  kill -TERM "$broker_pid" 2>/dev/null || true
  for _ in $(seq 200); do  # at most 20 s, then SIGKILL
    kill -0 "$broker_pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$broker_pid" 2>/dev/null || true
  wait "$broker_pid" 2>/dev/null || true
  broker_pid=""
}
on_exit() {
  local status=$?
  stop_broker
  if [ "$status" -eq 0 ]; then
    rm -rf "$dir"
  else
    echo "run_examples: failed; files (broker.log, each example's output) kept in $dir" >&2
  fi
}
trap on_exit EXIT

step() { printf '== %s\n' "$*"; }

node_dir="$repo/client/examples/node"
if [ ! -d "$node_dir/node_modules" ]; then
  step "npm ci in client/examples/node"
  (cd "$node_dir" && timeout 300 "$npm" ci --no-audit --no-fund) || die "npm ci failed"
fi

step "dev PKI and broker config in $dir"
bash "$repo/certs/gen-dev-pki.sh" "$dir/pki" >/dev/null
sed -e "s|\.\./certs/out/|$dir/pki/|" -e "s|\.\./var/safeshare\.db|$dir/store.db|" \
  -e "s|^agreements: agreements|agreements: $repo/config/agreements|" \
  "$repo/config/broker.yaml" >"$dir/broker.yaml"
! grep -n '\.\./' "$dir/broker.yaml" >&2 || die "config/broker.yaml has paths this script does not relocate"

step "starting the broker"
"$broker" --config "$dir/broker.yaml" --listen 127.0.0.1:0 --port-file "$dir/port" \
  >"$dir/broker.log" 2>&1 &
broker_pid=$!
for _ in $(seq 300); do  # at most 30 s
  [ -s "$dir/port" ] && break
  kill -0 "$broker_pid" 2>/dev/null || { cat "$dir/broker.log" >&2; die "the broker exited at start"; }
  sleep 0.1
done
[ -s "$dir/port" ] || { cat "$dir/broker.log" >&2; die "the broker did not report its port in 30 s"; }
address="127.0.0.1:$(cat "$dir/port")"
echo "broker pid $broker_pid on $address"

python_example=("$python" "$repo/client/examples/python/roundtrip.py")
node_example=("$node" "$node_dir/roundtrip.js")
common_args=(--certs "$dir/pki" --proto "$repo/proto")

# expect NAME LINE...: each LINE (an extended regular expression) is in NAME's output.
expect() {
  local name="$1" line
  shift
  for line in "$@"; do
    grep -Eq -- "$line" "$dir/$name.out" || { cat "$dir/$name.out" >&2; die "$name: no line matching '$line'"; }
  done
}

# round_trip NAME COMMAND...: the example completes its round trip in 120 s.
round_trip() {
  local name="$1"
  shift
  step "$name example: round trip"
  local status=0
  timeout 120 "$@" --broker "$address" "${common_args[@]}" >"$dir/$name.out" 2>&1 || status=$?
  if [ "$status" -ne 0 ]; then
    cat "$dir/$name.out" >&2
    die "$name example failed (exit $status; 124: not done in 120 s)"
  fi
  cat "$dir/$name.out"
  expect "$name" '^published sequence [0-9]+ .*duplicate=(false|False) routed_to=.*cfs' \
    '^published sequence [0-9]+ .*duplicate=(true|True)' \
    '^heartbeat' '^acknowledged through [0-9]+ \(newly 1\)' \
    '^delivery state while disconnected: .* backlog=1 ' \
    '^resumed after sequence [0-9]+: received sequence [0-9]+, and sequence [0-9]+ was not delivered again' \
    '^delivery state after resuming: .* backlog=0 ' '^round trip complete$'
}

# gives_up NAME COMMAND...: against the stopped broker, the example retries
# with backoff and ends non-zero, UNAVAILABLE.
gives_up() {
  local name="$1"
  shift
  step "$name example: the broker is gone"
  if timeout 60 "$@" --broker "$address" "${common_args[@]}" --attempts 3 >"$dir/$name-down.out" 2>&1; then
    cat "$dir/$name-down.out" >&2
    die "$name example succeeded without a broker"
  fi
  cat "$dir/$name-down.out"
  expect "$name-down" 'UNAVAILABLE, retrying in [0-9.]+ s' 'roundtrip: .*UNAVAILABLE'
}

round_trip python "${python_example[@]}"
round_trip node "${node_example[@]}"

step "stopping the broker"
stop_broker
gives_up python "${python_example[@]}"
gives_up node "${node_example[@]}"
step "example clients: every check passed"
