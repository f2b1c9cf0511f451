#!/usr/bin/env bash
# Grows a bench store to N stored notifications, for the "throughput with
# 10 million stored notifications" comparison (tests/bench/README.md).
#
#   prefill-store.sh DIR N
#
# DIR holds store.db from a finished `safeshare-bench --store-dir DIR` run
# (the broker stopped). Its notifications are the templates (the first
# 10,000 that the script did not make): each new row copies one of them (real
# payload bytes, type, routing) under a fresh sequence, with an id and
# idempotency key made from that sequence, the same deliveries and one
# "published" audit entry (encoding version 1, filed in the audit index under
# its action, actor, case and notification, a posting row per key and entry), so the tables and indexes a publish
# touches hold N rows. Every bench subscription is then marked acknowledged through the new
# end, so the next run starts with no backlog. Rows go in chunks of a million
# with a rollback journal (new pages need no journaling), then the store is
# put back in WAL mode (also when the script fails). Running it again grows
# the store further.
#
# The copied audit entries are inserted with placeholder hashes, then
# rechain-audit.py links them from the last real entry with real hashes, so
# the grown store passes the broker's start-up check and `safeshare-broker
# audit` verifies it. Needs sqlite3 and python3. About 3 KB of disk per
# notification: 10 M need ~30 GB.
set -euo pipefail

dir=${1:?usage: prefill-store.sh DIR N}
target=${2:?usage: prefill-store.sh DIR N}
db="$dir/store.db"
chunk=1000000
[[ -f "$db" ]] || {
  echo "prefill-store.sh: $db not found; run safeshare-bench --store-dir $dir first" >&2
  exit 2
}
[[ "$target" =~ ^[0-9]+$ ]] || {
  echo "prefill-store.sh: N must be a whole number, got '$target'" >&2
  exit 2
}

have=$(sqlite3 "$db" "SELECT count(*) FROM notifications")
missing=$((target > have ? target - have : 0))
echo "prefill-store.sh: $db holds $have notifications; adding $missing"

# The broker opens the store in WAL mode; leave it so whatever happens.
trap 'sqlite3 "$db" "PRAGMA journal_mode=WAL;" >/dev/null' EXIT

sql() {
  cat <<SQL
.bail on
PRAGMA journal_mode=DELETE;
PRAGMA synchronous=OFF;
PRAGMA cache_size=-262144;
PRAGMA temp_store=MEMORY;
CREATE TEMP TABLE template(k INTEGER PRIMARY KEY, seq INTEGER, publisher, case_ref, type,
                           purpose, body, content_hash, routed_to, stored_at, request_hash);
INSERT INTO template(seq, publisher, case_ref, type, purpose, body, content_hash, routed_to,
                     stored_at, request_hash)
  SELECT seq, publisher, case_ref, type, purpose, body, content_hash, routed_to, stored_at,
         request_hash
  FROM notifications WHERE idempotency_key NOT LIKE 'prefill-%' ORDER BY seq LIMIT 10000;
CREATE INDEX temp.template_seq ON template(seq);
CREATE TEMP TABLE template_delivery AS
  SELECT t.k, d.recipient, d.rule, d.lawful_basis
  FROM deliveries d JOIN template t ON t.seq = d.seq;
CREATE INDEX temp.template_delivery_k ON template_delivery(k);
CREATE TEMP TABLE plan AS
  SELECT (SELECT max(seq) FROM notifications) AS base, (SELECT count(*) FROM template) AS templates;
SQL
  local done=0
  while ((done < missing)); do
    local n=$((missing - done < chunk ? missing - done : chunk))
    cat <<SQL
BEGIN;
CREATE TEMP TABLE batch AS
  WITH RECURSIVE i(n) AS (SELECT $done + 1 UNION ALL SELECT n + 1 FROM i WHERE n < $done + $n)
  SELECT p.base + i.n AS seq, (i.n - 1) % p.templates + 1 AS k,
         printf('00000000-%04x-7000-8000-%012x', (p.base + i.n) >> 48, p.base + i.n) AS id
  FROM i, plan p;
INSERT INTO notifications(seq, id, publisher, idempotency_key, case_ref, type, purpose, body,
                          content_hash, routed_to, stored_at, request_hash)
  SELECT b.seq, b.id, t.publisher,
         'prefill-' || b.seq, t.case_ref, t.type, t.purpose, t.body, t.content_hash,
         t.routed_to, t.stored_at, t.request_hash
  FROM batch b JOIN template t ON t.k = b.k ORDER BY b.seq;
INSERT INTO deliveries(recipient, seq, rule, lawful_basis)
  SELECT d.recipient, b.seq, d.rule, d.lawful_basis
  FROM batch b JOIN template_delivery d ON d.k = b.k ORDER BY b.seq;
CREATE TEMP TABLE mark AS SELECT coalesce(max(id), 0) AS last FROM audit;
INSERT INTO audit(at, actor, action, notification_id, case_ref, recipient, subscription, rule,
                  lawful_basis, purpose, detail, content_hash, prev_hash, entry_hash)
  SELECT t.stored_at, t.publisher, 'published', b.id, t.case_ref, '', '', '',
         '', t.purpose, t.type || ' sequence ' || b.seq || ' routed to [' || t.routed_to
         || '] (prefill)', t.content_hash, 'prefill', 'prefill'
  FROM batch b JOIN template t ON t.k = b.k ORDER BY b.seq;
INSERT INTO audit_postings(key, last_id, first_id, ids)
  SELECT k.prefix || k.value, k.id, k.id, x'' FROM (
    SELECT 'action:' AS prefix, action AS value, id FROM audit
    UNION ALL SELECT 'agency:', actor, id FROM audit
    UNION ALL SELECT 'case:', case_ref, id FROM audit
    UNION ALL SELECT 'notification:', notification_id, id FROM audit) k
  WHERE k.id > (SELECT last FROM mark) ORDER BY 1, 2;
UPDATE audit_index SET indexed_through = (SELECT max(id) FROM audit);
DROP TABLE mark;
DROP TABLE batch;
COMMIT;
SELECT 'prefill-store.sh: ' || (SELECT count(*) FROM notifications) || ' stored';
SQL
    done=$((done + n))
  done
  cat <<SQL
UPDATE subscriptions SET acked_through = (SELECT max(seq) FROM notifications)
  WHERE name = 'safeshare-bench';
PRAGMA journal_mode=WAL;
SQL
}

sql | sqlite3 "$db"
# The bulk rows' audit entries get real, linked hashes (the broker's start-up
# check verifies the newest entries; `safeshare-broker audit` all of them).
python3 "$(dirname "$0")/rechain-audit.py" "$db"
