#!/usr/bin/env bash
# Runs the example clients of client/examples (Python and Node, built from
# the .proto alone) against the real broker, with a dev PKI, a broker config
# and its SQLite store in a temporary directory and a free loopback port:
#   1. both examples start before the broker and back off on UNAVAILABLE
#      until it is up, then complete their round trip (publish, subscribe,
#      acknowledge, resume, delivery state), checked by exit code and lines;
#   2. each again, the broker restarting while its first stream is open: the
#      stream reconnects with backoff and resumes after its acknowledgement;
#   3. each against the stopped broker: it retries, then fails UNAVAILABLE.
# Every wait is bounded; the broker is stopped by its PID.
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
declare -A example_pid=()  # running examples by name
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
  local status=$? pid
  for pid in "${example_pid[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
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
# npm ci when node_modules is missing or older than the lock file.
if [ ! "$node_dir/node_modules/.package-lock.json" -nt "$node_dir/package-lock.json" ]; then
  step "npm ci in client/examples/node"
  (cd "$node_dir" && timeout 300 "$npm" ci --no-audit --no-fund) || die "npm ci failed"
fi

step "dev PKI and broker config in $dir"
bash "$repo/certs/gen-dev-pki.sh" "$dir/pki" >/dev/null
sed -e "s|\.\./certs/out/|$dir/pki/|" -e "s|\.\./var/safeshare\.db|$dir/store.db|" \
  -e "s|^agreements: agreements|agreements: $repo/config/agreements|" \
  -e "s|listen: 127.0.0.1:9464|listen: 127.0.0.1:0|" \
  "$repo/config/broker.yaml" >"$dir/broker.yaml"
! grep -n '\.\./' "$dir/broker.yaml" >&2 || die "config/broker.yaml has paths this script does not relocate"

# A free loopback port, fixed before the broker starts, so the examples can
# be started first.
port="$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')"
address="127.0.0.1:$port"
python_example=("$python" "$repo/client/examples/python/roundtrip.py")
node_example=("$node" "$node_dir/roundtrip.js")
common_args=(--broker "$address" --certs "$dir/pki" --proto "$repo/proto")

# expect NAME LINE...: each LINE (an extended regular expression) is in NAME's output.
expect() {
  local name="$1" line
  shift
  for line in "$@"; do
    grep -Eq -- "$line" "$dir/$name.out" && continue
    cat "$dir/$name.out" >&2
    die "$name: no line matching '$line'"
  done
}

# start_example NAME COMMAND...: runs the example in the background, output
# in NAME.out, at most 120 s. 12 attempts on UNAVAILABLE: its backoff (up to
# 10 s each) outlasts a broker that starts slowly on a busy machine.
start_example() {
  local name="$1"
  shift
  timeout 120 "$@" "${common_args[@]}" --attempts 12 >"$dir/$name.out" 2>&1 &
  example_pid[$name]=$!
}

# wait_for NAME LINE: waits (at most 30 s) until the running example NAME
# prints a line matching LINE.
wait_for() {
  for _ in $(seq 300); do
    grep -Eq -- "$2" "$dir/$1.out" && return 0
    kill -0 "${example_pid[$1]}" 2>/dev/null || break
    sleep 0.1
  done
  cat "$dir/$1.out" >&2
  die "$1: no line matching '$2' within 30 s"
}

# round_trip NAME LINE...: the example NAME completed its round trip; its
# output has every step's line and each LINE.
round_trip() {
  local name="$1" status=0
  shift
  wait "${example_pid[$name]}" || status=$?
  unset "example_pid[$name]"
  step "$name: round trip"
  cat "$dir/$name.out"
  [ "$status" -eq 0 ] || die "$name example failed (exit $status; 124: not done in 120 s)"
  expect "$name" "$@" \
    '^published sequence [0-9]+ .*duplicate=(false|False) routed_to=.*cfs' \
    '^published sequence [0-9]+ .*duplicate=(true|True)' \
    '^heartbeat' '^acknowledged through [0-9]+ \(newly 1\)' \
    '^subscription state while disconnected: .* backlog=1 ' \
    "^publisher's view of sequence [0-9]+: cfs ROUTED deliveries=0" \
    '^resumed after sequence [0-9]+: received sequence [0-9]+, and sequence [0-9]+ was not delivered again' \
    '^subscription state after resuming: .* backlog=0 ' \
    "^publisher's view of sequence [0-9]+: cfs ACKNOWLEDGED deliveries=[0-9]+ acknowledged_by=example-" \
    '^round trip complete$'
}

# gives_up NAME COMMAND...: against the stopped broker, the example retries
# with backoff and ends non-zero, UNAVAILABLE.
gives_up() {
  local name="$1"
  shift
  step "$name: the broker is gone"
  if timeout 60 "$@" "${common_args[@]}" --attempts 3 >"$dir/$name.out" 2>&1; then
    cat "$dir/$name.out" >&2
    die "$name example succeeded without a broker"
  fi
  cat "$dir/$name.out"
  expect "$name" 'UNAVAILABLE, retrying in [0-9.]+ s' 'roundtrip: .*UNAVAILABLE'
}

start_broker() {
  step "starting the broker on $address"
  rm -f "$dir/port"
  "$broker" --config "$dir/broker.yaml" --listen "$address" --port-file "$dir/port" \
    >>"$dir/broker.log" 2>&1 &
  broker_pid=$!
  for _ in $(seq 300); do  # at most 30 s
    [ -s "$dir/port" ] && return 0
    kill -0 "$broker_pid" 2>/dev/null || { cat "$dir/broker.log" >&2; die "the broker exited at start"; }
    sleep 0.1
  done
  cat "$dir/broker.log" >&2
  die "the broker did not report its port in 30 s"
}

step "both examples start before the broker (they back off on UNAVAILABLE)"
start_example python "${python_example[@]}"
start_example node "${node_example[@]}"
wait_for python 'UNAVAILABLE, retrying in'
wait_for node 'UNAVAILABLE, retrying in'
start_broker
retried='^[A-Za-z ]+: UNAVAILABLE, retrying in [0-9.]+ s'
round_trip python "$retried"
round_trip node "$retried"

# The broker restarts while the example's first stream is open (it waits
# for a heartbeat after its first acknowledgement): the stream reconnects
# with backoff and resumes after the acknowledged delivery.
reconnected='^subscribe: (UNAVAILABLE|CANCELLED); reconnecting in [0-9.]+ s, resuming after sequence [0-9]+'
for name in python node; do
  step "$name: the broker restarts during a stream"
  example="${name}_example[@]"
  start_example "$name-restart" "${!example}"
  wait_for "$name-restart" '^acknowledged through'
  stop_broker
  start_broker
  round_trip "$name-restart" "$reconnected"
done

stop_broker
gives_up python-down "${python_example[@]}"
gives_up node-down "${node_example[@]}"
step "example clients: every check passed"
