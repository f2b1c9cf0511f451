#!/usr/bin/env bash
# The main job: build, make the development PKI, start the broker on its
# embedded store with the example information-sharing agreements, run a
# multi-agency scenario (case engagement, a person probation manages, a
# redacted delivery, a denial, a person-linked delivery on a closed case, an
# urgent disclosure, what police's outcome became per recipient, an
# expectation met, a deadline missed and escalated), the IG lead's audit
# report and signed checkpoint, stop, print the audit trail and verify it
# offline against the saved checkpoint.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tests/install-deps.sh
bash tests/build.sh safeshare-broker safeshare
bash certs/gen-dev-pki.sh

BROKER=build/broker/safeshare-broker
CLI=build/client/safeshare
STORE=var/demo.db
CHECKPOINTS=var/audit-checkpoints  # kept by the IG lead, outside the broker
rm -rf "$STORE" "$STORE-wal" "$STORE-shm" "$CHECKPOINTS" var/demo-agreements
mkdir -p var var/demo-agreements

# The example partnership as it is, but for the deadline of ABE records and
# outcomes to children's social care (PCI-DL1): 15 seconds, then 5 more to
# the safeguarding lead, instead of working days, so the demo can show one
# missed; deadlines are checked every second. Beside config/, so its
# relative paths still point at certs/.
CONFIG=var/demo-broker.yaml
cp config/agreements/*.yaml var/demo-agreements/
python3 - <<'PY'
import re
path = "var/demo-agreements/10-police-cfs-investigations.yaml"
text = open(path).read()
text = re.sub(r"(id: PCI-DL1\n(?:.*\n)*?    acknowledge_within: ).*\n    escalate_after: .*",
              r"\g<1>15s\n    escalate_after: 5s", text)
open(path, "w").write(text)
PY
sed 's/^agreements: agreements$/agreements: demo-agreements/; s/^  check_every: 30s$/  check_every: 1s/' \
  config/broker.yaml >"$CONFIG"
# The example outcome's follow-up discussion is due a month from today.
FOLLOW_UP="$(date -u -d '+30 days' '+{"year": %Y, "month": %-m, "day": %-d}')"

step() { printf '\n== %s\n' "$*"; }
decisions() { python3 tests/demo-view.py outcomes; }
delivery() { python3 tests/demo-view.py deliveries; }

step "the agreements in force (checked offline, as an IG lead would before deploying)"
"$CLI" policy check config/agreements

step "starting the broker (mutual TLS on 127.0.0.1:50051, store $STORE)"
"$BROKER" --config "$CONFIG" --store "$STORE" --port-file var/demo.port 2>var/demo-broker.log &
broker_pid=$!
trap 'kill "$broker_pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s var/demo.port ] && break; sleep 0.1; done
[ -s var/demo.port ] || { cat var/demo-broker.log; exit 1; }
rm -f var/demo.port

step "probation registers an interest in a person it manages (stored as a keyed hash only)"
"$CLI" --agency probation interest --id pnc_number:2019/0123456X

step "children's social care records an earlier case of the same family, engages police, closes it"
"$CLI" --agency cfs case update --case CASE-2024-0913 --engage police,cfs --close

step "police publish an investigation outcome on the closed case: it names probation's person"
sed 's/CASE-2026-0042/CASE-2024-0913/; s/demo-outcome-0001/demo-outcome-closed-case/' \
  config/examples/investigation_outcome.json |
  sed "s/\"follow_up_discussion_due\": {[^}]*}/\"follow_up_discussion_due\": $FOLLOW_UP/" \
    >var/outcome-closed-case.json
"$CLI" --agency police publish --file var/outcome-closed-case.json | tee var/outcome-closed-case.answer | decisions

step "police publish an ABE interview record on the new case"
"$CLI" --agency police publish --file config/examples/abe_interview_record.json | decisions

step "children's social care publish strategy minutes: police and health attended (engaged); the section 47 decision expects an investigation outcome from police (SM-EX1)"
"$CLI" --agency cfs publish --file config/examples/strategy_minutes.json | decisions

step "probation publish a risk update on its own case: it reaches the agencies of every case the person is linked to"
sed 's/CASE-2026-0042/PRB-2026-0311/' config/examples/probation_risk_update.json >var/risk-update.json
"$CLI" --agency probation publish --file var/risk-update.json | decisions

step "probation try to publish an ABE record: no agreement lets probation publish it"
"$CLI" --agency probation publish --file config/examples/abe_interview_record.json || true

step "police disclose an ABE record urgently to education, outside every agreement"
sed 's/demo-abe-0001/demo-abe-urgent/' config/examples/abe_interview_record.json >var/abe-urgent.json
"$CLI" --agency police publish --file var/abe-urgent.json --urgent-to education \
  --urgent-reason "Suspect expected at the school gate this afternoon" | decisions

step "children's social care receive (4 notifications)"
"$CLI" --agency cfs subscribe --name cfs-case-system --max 4 | delivery

step "probation receive everything naming its person (4), the first on the closed case"
"$CLI" --agency probation subscribe --name probation-offender-mgmt --max 4 | delivery

step "health receive the minutes without the identifiers and the decisions' rationale (1)"
"$CLI" --agency health subscribe --name health-safeguarding --max 1 | delivery

step "education receive only the urgent disclosure (1)"
"$CLI" --agency education subscribe --name school-dsl --max 1 | delivery

CLOSED_OUTCOME=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["notification_id"])' \
  <var/outcome-closed-case.answer)
step "children's social care record what they did about that outcome: the note is for police; the audit log keeps the action, never the note"
"$CLI" --agency cfs action "$CLOSED_OUTCOME" --did assessment_updated \
  --note "Siblings' risk reassessed; the closed case stays flagged on the family's record"

step "police ask what became of their outcome on the closed case: each recipient's stage (actioned, with the note), and what is still unacknowledged"
"$CLI" --agency police status "$CLOSED_OUTCOME"
"$CLI" --agency police pending

step "police publish the investigation outcome on the new case: it meets the expectation the minutes opened, and opens one of its own (minutes of the follow-up discussion, PCI-EX1)"
sed "s/\"follow_up_discussion_due\": {[^}]*}/\"follow_up_discussion_due\": $FOLLOW_UP/" \
  config/examples/investigation_outcome.json >var/outcome.json
"$CLI" --agency police publish --file var/outcome.json | decisions
"$CLI" --agency cfs subscribe --name cfs-case-system --max 1 | delivery
for _ in $(seq 50); do  # the broker closes it at its next check (every second here)
  "$CLI" --agency ig audit query --action expectation_met --case CASE-2026-0042 2>/dev/null |
    grep -q expectation_met && break
  sleep 0.2
done
"$CLI" --agency ig audit query --action expectation_opened --action expectation_met \
  --case CASE-2026-0042

step "police publish another ABE record that children's social care leave unread: its deadline (PCI-DL1, 15 s here) passes"
sed 's/demo-abe-0001/demo-abe-unread/' config/examples/abe_interview_record.json >var/abe-unread.json
"$CLI" --agency police publish --file var/abe-unread.json | decisions

step "the escalations, on subscriptions of their own: to police (level 1, as to children's social care), then to the safeguarding lead (level 2, 5 s later)"
"$CLI" --agency police subscriptions create --name police-escalations --type escalation >/dev/null
"$CLI" --agency police subscribe --name police-escalations --max 1 | delivery
"$CLI" --agency lead subscribe --name lead-escalations --max 1 | delivery

step "the safeguarding lead's list of what is overdue, and the expectations still open"
"$CLI" --agency lead overdue

step "the IG lead reviews urgent disclosures"
"$CLI" --agency ig policy disclosures

step "the IG lead's audit report on case CASE-2026-0042: who received what, under which rule, and who has not acknowledged"
"$CLI" --agency ig audit report --case CASE-2026-0042

step "police try to read the audit log: refused, and the attempt is itself on the record"
"$CLI" --agency police audit query --case CASE-2026-0042 || true
"$CLI" --agency ig audit query --action access_refused

step "the IG lead saves the broker's signed checkpoint (Ed25519, C2SP format) outside the broker"
# The broker signs within checkpoint_every_seconds (5 s in this config) of a change.
for _ in $(seq 20); do
  "$CLI" --agency ig audit checkpoint --save "$CHECKPOINTS" --key certs/out/audit-log.pub \
    2>var/checkpoint.err && break
  sleep 0.5
done
[ -n "$(ls "$CHECKPOINTS"/checkpoint-*.txt 2>/dev/null)" ] || { cat var/checkpoint.err; exit 1; }

step "why education did not receive the minutes, explained offline from the files"
"$CLI" policy explain --agreements config/agreements --notification config/examples/strategy_minutes.json \
  --publisher cfs --engaged police,health | grep -A3 '^education' || true

step "stopping the broker (SIGTERM)"
kill -TERM "$broker_pid"
wait "$broker_pid"
trap - EXIT

step "audit trail (metadata and content hashes only), with its hash chain verified"
"$BROKER" --config "$CONFIG" --store "$STORE" audit

step "the IG lead verifies the store offline against the checkpoint saved earlier and the broker's public key"
"$CLI" audit verify --checkpoints "$CHECKPOINTS" --key certs/out/audit-log.pub --db "$STORE"
