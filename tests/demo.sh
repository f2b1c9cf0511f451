#!/usr/bin/env bash
# The main job: build, make the development PKI, start the broker on its
# embedded store, run a multi-agency scenario, print the audit trail, stop.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tests/install-deps.sh
bash tests/build.sh safeshare-broker safeshare
bash certs/gen-dev-pki.sh

BROKER=build/broker/safeshare-broker
CLI=build/client/safeshare
STORE=var/demo.db
rm -f "$STORE" "$STORE-wal" "$STORE-shm"
mkdir -p var

step() { printf '\n== %s\n' "$*"; }

step "starting the broker (mutual TLS on 127.0.0.1:50051, store $STORE)"
"$BROKER" --config config/broker.yaml --store "$STORE" --port-file var/demo.port 2>var/demo-broker.log &
broker_pid=$!
trap 'kill "$broker_pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s var/demo.port ] && break; sleep 0.1; done
[ -s var/demo.port ] || { cat var/demo-broker.log; exit 1; }
rm -f var/demo.port

step "police publish an investigation outcome and an ABE interview record"
"$CLI" --agency police publish --file config/examples/investigation_outcome.json
"$CLI" --agency police publish --file config/examples/abe_interview_record.json

step "children's social care publish strategy meeting minutes"
"$CLI" --agency cfs publish --file config/examples/strategy_minutes.json

step "probation try to publish an ABE record: no sharing rule allows it"
"$CLI" --agency probation publish --file config/examples/abe_interview_record.json || true

step "children's social care receive what the sharing table allows (2 notifications)"
"$CLI" --agency cfs subscribe --name cfs-case-system --max 2 | cut -c1-160

step "probation receive what the sharing table allows (2 notifications)"
"$CLI" --agency probation subscribe --name probation-offender-mgmt --max 2 | cut -c1-160

step "stopping the broker (SIGTERM)"
kill -TERM "$broker_pid"
wait "$broker_pid"
trap - EXIT

step "audit trail (metadata and content hashes only), with its hash chain verified"
"$BROKER" --config config/broker.yaml --store "$STORE" audit
