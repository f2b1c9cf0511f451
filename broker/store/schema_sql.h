#pragma once

namespace safeshare::store {

// The layout this build reads and writes, kept in the file's
// `PRAGMA user_version`. History:
//   1: the first layout (files carry user_version 0: unversioned); audit
//      hashes over a host-byte-order, decimal-string encoding.
//   2: audit hashes over audit::Encode (encoding version 0x01); the audit
//      table gains clock_stepped_back_from; notifications gain request_hash
//      (SHA-256 of the notification as the publisher sent it).
//   3: information-sharing agreements: `views` (redacted copies), the
//      deliveries' agreement, purpose, view, withheld fields, linked cases
//      and urgent disclosure; `cases`, `engagements`, `person_interests` and
//      `person_links`. A version 2 file is upgraded in place at start-up
//      (kUpgradeToV3Sql, one transaction); no audit hash changes.
//   4: the tamper-evident audit log: audit entries gain `version` (their
//      encoding, 1 or 2) and `lines` (the lines and person hashes of a
//      version 2 entry, audit::EncodeLines); `audit_keys` indexes every entry
//      for QueryAudit; `checkpoints` keeps the signed tree heads. A version 3
//      file is upgraded in place at start-up (kUpgradeToV4Sql, one
//      transaction, filing its entries in audit_keys); a version 2 file goes
//      through version 3. Old entries keep version 1 and verify as written.
//   5: `audit_keys` trails the log instead of being written with each entry:
//      `audit_index` holds the last entry id filed (store/README.md, "The
//      audit index"); a notification placed at a sequence is filed under
//      "seq:" and the sequence (IndexKeys). A version 4 file, whose entries were all filed as they
//      were written, is upgraded in place (kUpgradeToV5Sql); older ones go
//      through version 4.
//   6: the audit index holds posting lists, `audit_postings`: one row per key
//      and filing batch with the ids of the batch's entries under that key
//      (store/audit_postings.h), where `audit_keys` held a row per key and
//      entry. A version 5 file is upgraded in place (kUpgradeToV6Sql: each
//      audit_keys row becomes a posting row of one id); older ones go through
//      version 5.
//   7: manageable subscriptions: `subscriptions` gains a filter
//      (filter_types, filter_cases: comma-joined, empty matches all) and
//      delivered_through (the highest sequence handed to a stream of it). A
//      version 6 file is upgraded in place (kUpgradeToV7Sql: no filter,
//      delivered through its position); older ones go through version 6.
//   8: consumer modes: `subscriptions` gains consumer_mode (0 standby, 1
//      exclusive: what a second stream on it gets). A version 7 file is
//      upgraded in place (kUpgradeToV8Sql: every subscription standby);
//      older ones go through version 7.
//   9, 10: per-delivery acknowledgement times; redelivery settings and
//      delivery_attempts (kUpgradeToV9Sql, kUpgradeToV10Sql).
//   11: bodies encrypted at rest: notifications and views gain body_key,
//      the data key that sealed the body ("" before: plaintext until
//      `safeshare-broker rekey`; kUpgradeToV11Sql).
//   12: retention: notifications gain content_deleted_at, when retention
//      deleted the body and views (0: held); kUpgradeToV12Sql.
//   13: actioned: `actions`, what recipients recorded they did about their
//      deliveries, notes sealed (kUpgradeToV13Sql).
// A store of any other version is refused at start-up (store_check.h).
inline constexpr int kSchemaVersion = 13;

// The tables of schema version 2. A new file gets these and then each
// upgrade in turn, so a new store and an upgraded one have one layout.
// `deliveries` is keyed by (recipient, seq) so one index range scan yields a
// subscription's backlog in commit order.
inline constexpr const char* kSchemaV2Sql = R"sql(
CREATE TABLE IF NOT EXISTS notifications(
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  publisher TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  case_ref TEXT NOT NULL,
  type TEXT NOT NULL,
  purpose TEXT NOT NULL,
  body BLOB NOT NULL,
  content_hash TEXT NOT NULL,
  routed_to TEXT NOT NULL,
  stored_at INTEGER NOT NULL,
  request_hash TEXT NOT NULL,
  UNIQUE(publisher, idempotency_key));
CREATE TABLE IF NOT EXISTS deliveries(
  recipient TEXT NOT NULL,
  seq INTEGER NOT NULL,
  rule TEXT NOT NULL,
  lawful_basis TEXT NOT NULL,
  PRIMARY KEY(recipient, seq)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS subscriptions(
  agency TEXT NOT NULL,
  name TEXT NOT NULL,
  acked_through INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  PRIMARY KEY(agency, name)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS audit(
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  clock_stepped_back_from INTEGER NOT NULL DEFAULT 0,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  notification_id TEXT NOT NULL,
  case_ref TEXT NOT NULL,
  recipient TEXT NOT NULL,
  subscription TEXT NOT NULL,
  rule TEXT NOT NULL,
  lawful_basis TEXT NOT NULL,
  purpose TEXT NOT NULL,
  detail TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  entry_hash TEXT NOT NULL);
)sql";

// Version 2 to 3. A delivery's purpose was its notification's; it is now
// the delivery's own (an agreement may share for another purpose), so the
// upgrade copies it over. `view` 0 is the notification's own body; views
// hold the redacted copies, numbered from 1 per notification. Withdrawing an
// interest deletes its row; an ended engagement keeps its row with `until`.
// The partial index holds urgent disclosures only, for their review.
inline constexpr const char* kUpgradeToV3Sql = R"sql(
ALTER TABLE deliveries ADD COLUMN agreement TEXT NOT NULL DEFAULT '';
ALTER TABLE deliveries ADD COLUMN purpose TEXT NOT NULL DEFAULT '';
ALTER TABLE deliveries ADD COLUMN view INTEGER NOT NULL DEFAULT 0;
ALTER TABLE deliveries ADD COLUMN withheld TEXT NOT NULL DEFAULT '';
ALTER TABLE deliveries ADD COLUMN linked_cases TEXT NOT NULL DEFAULT '';
ALTER TABLE deliveries ADD COLUMN urgent INTEGER NOT NULL DEFAULT 0;
ALTER TABLE deliveries ADD COLUMN urgent_reason TEXT NOT NULL DEFAULT '';
UPDATE deliveries SET purpose=(SELECT n.purpose FROM notifications n WHERE n.seq=deliveries.seq);
CREATE INDEX deliveries_urgent ON deliveries(seq) WHERE urgent=1;
CREATE TABLE views(
  seq INTEGER NOT NULL,
  view INTEGER NOT NULL,
  body BLOB NOT NULL,
  content_hash TEXT NOT NULL,
  PRIMARY KEY(seq, view));
CREATE TABLE cases(
  case_ref TEXT PRIMARY KEY,
  closed INTEGER NOT NULL DEFAULT 0,
  changed_at INTEGER NOT NULL);
CREATE TABLE engagements(
  case_ref TEXT NOT NULL,
  agency TEXT NOT NULL,
  since INTEGER NOT NULL,
  until INTEGER NOT NULL DEFAULT 0,
  source TEXT NOT NULL);
CREATE INDEX engagements_by_case ON engagements(case_ref, agency);
CREATE TABLE person_interests(
  person_hash TEXT NOT NULL,
  agency TEXT NOT NULL,
  registered_at INTEGER NOT NULL,
  PRIMARY KEY(person_hash, agency)) WITHOUT ROWID;
CREATE TABLE person_links(
  person_hash TEXT NOT NULL,
  case_ref TEXT NOT NULL,
  first_seq INTEGER NOT NULL,
  PRIMARY KEY(person_hash, case_ref)) WITHOUT ROWID;
)sql";

// Version 3 to 4. An entry written before is encoding version 1 with no
// lines (x''). audit_keys holds, per entry, the keys of store/audit_keys.h;
// the INSERTs file the existing (version 1) entries exactly as AuditKeys
// would: their case, actor, recipient, notification and action (they have
// no lines or person hashes). checkpoints: one signed tree head per size.
inline constexpr const char* kUpgradeToV4Sql = R"sql(
ALTER TABLE audit ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE audit ADD COLUMN lines BLOB NOT NULL DEFAULT x'';
CREATE TABLE audit_keys(
  key TEXT NOT NULL,
  id INTEGER NOT NULL,
  PRIMARY KEY(key, id)) WITHOUT ROWID;
INSERT OR IGNORE INTO audit_keys SELECT 'case:' || case_ref, id FROM audit WHERE case_ref<>'';
INSERT OR IGNORE INTO audit_keys SELECT 'agency:' || actor, id FROM audit WHERE actor<>'';
INSERT OR IGNORE INTO audit_keys SELECT 'agency:' || recipient, id FROM audit WHERE recipient<>'';
INSERT OR IGNORE INTO audit_keys
  SELECT 'notification:' || notification_id, id FROM audit WHERE notification_id<>'';
INSERT OR IGNORE INTO audit_keys SELECT 'action:' || action, id FROM audit;
CREATE TABLE checkpoints(
  tree_size INTEGER PRIMARY KEY,
  root BLOB NOT NULL,
  note TEXT NOT NULL,
  signed_at INTEGER NOT NULL);
)sql";

// Version 4 to 5. Every entry of a version 4 file is in audit_keys already
// (written in the entry's own transaction), so the index is complete
// through the last entry.
inline constexpr const char* kUpgradeToV5Sql = R"sql(
CREATE TABLE audit_index(indexed_through INTEGER NOT NULL);
INSERT INTO audit_index SELECT coalesce(max(id), 0) FROM audit;
)sql";

// Version 5 to 6. The index's rows carry over one for one, each a posting
// row of a single id (no gaps); the writer files later entries a batch per
// row. Queries read both alike.
inline constexpr const char* kUpgradeToV6Sql = R"sql(
CREATE TABLE audit_postings(
  key TEXT NOT NULL,
  last_id INTEGER NOT NULL,
  first_id INTEGER NOT NULL,
  ids BLOB NOT NULL,
  PRIMARY KEY(key, last_id)) WITHOUT ROWID;
INSERT INTO audit_postings(key, last_id, first_id, ids) SELECT key, id, id, x'' FROM audit_keys;
DROP TABLE audit_keys;
)sql";

// Version 6 to 7. An existing subscription has no filter and counts as
// delivered through its position (what a stream was handed beyond it is in
// the audit log, not in this row).
inline constexpr const char* kUpgradeToV7Sql = R"sql(
ALTER TABLE subscriptions ADD COLUMN filter_types TEXT NOT NULL DEFAULT '';
ALTER TABLE subscriptions ADD COLUMN filter_cases TEXT NOT NULL DEFAULT '';
ALTER TABLE subscriptions ADD COLUMN delivered_through INTEGER NOT NULL DEFAULT 0;
UPDATE subscriptions SET delivered_through=acked_through;
)sql";

// Version 7 to 8: 0 standby (also every existing subscription), 1 exclusive.
inline constexpr const char* kUpgradeToV8Sql = R"sql(
ALTER TABLE subscriptions ADD COLUMN consumer_mode INTEGER NOT NULL DEFAULT 0;
)sql";

// Version 8 to 9: when each delivery was first acknowledged by a
// subscription of its recipient (0: not yet), so "unacknowledged" is exact
// per delivery rather than inferred from the recipient's furthest position
// (a filtered subscription's position passes deliveries it never matched).
// The partial index holds only the unacknowledged ones, in sequence order.
// An existing delivery at or below its recipient's furthest position counts
// as acknowledged at 1 (its time was not recorded).
inline constexpr const char* kUpgradeToV9Sql = R"sql(
ALTER TABLE deliveries ADD COLUMN acked_at INTEGER NOT NULL DEFAULT 0;
UPDATE deliveries SET acked_at=1 WHERE seq<=(SELECT coalesce(max(s.acked_through),0)
  FROM subscriptions s WHERE s.agency=deliveries.recipient);
CREATE INDEX deliveries_unacked ON deliveries(seq, recipient) WHERE acked_at=0;
)sql";

// Version 9 to 10: each subscription's redelivery settings (0: the broker's
// configured default), and a row per delivery of a subscription that is
// more than "handed once, not acknowledged" (AttemptState: acknowledged on
// its own above the position, parked, released, handed again). A
// subscription whose deliveries are acknowledged in order on their first
// attempt has no rows.
inline constexpr const char* kUpgradeToV10Sql = R"sql(
ALTER TABLE subscriptions ADD COLUMN ack_wait_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE subscriptions ADD COLUMN max_deliver INTEGER NOT NULL DEFAULT 0;
ALTER TABLE subscriptions ADD COLUMN max_in_flight INTEGER NOT NULL DEFAULT 0;
CREATE TABLE delivery_attempts(
  agency TEXT NOT NULL,
  subscription TEXT NOT NULL,
  seq INTEGER NOT NULL,
  state INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY(agency, subscription, seq)) WITHOUT ROWID;
)sql";

// Version 10 to 11: bodies encrypted at rest (store/body_seal.h): the id of
// the data key that sealed each body, beside it. Bodies written before keep
// "" (plaintext) until `safeshare-broker rekey` seals them; an index lets
// rekey find what is not under the current key without a scan.
inline constexpr const char* kUpgradeToV11Sql = R"sql(
ALTER TABLE notifications ADD COLUMN body_key TEXT NOT NULL DEFAULT '';
ALTER TABLE views ADD COLUMN body_key TEXT NOT NULL DEFAULT '';
CREATE INDEX notifications_body_key ON notifications(body_key, seq);
CREATE INDEX views_body_key ON views(body_key, seq, view);
)sql";

// Version 11 to 12: retention (store/retention.h). A notification whose
// content was deleted keeps its row with an empty body (and no views) and
// the time of the deletion; the partial index lists the ones still held, so
// a retention sweep never walks what it already deleted.
inline constexpr const char* kUpgradeToV12Sql = R"sql(
ALTER TABLE notifications ADD COLUMN content_deleted_at INTEGER NOT NULL DEFAULT 0;
CREATE INDEX notifications_held ON notifications(seq) WHERE content_deleted_at=0;
)sql";

// Version 12 to 13: what recipients did about their deliveries
// (Store::RecordAction), numbered per (notification, recipient) from 1.
// `action` is the lower-case action name; `note` the sealed note
// (body_seal.h, NoteContext) under data key `note_key`, both '' when none
// was given or retention deleted it (note_deleted_at: when; 0: held);
// `idempotency_key` '' when none was given.
inline constexpr const char* kUpgradeToV13Sql = R"sql(
CREATE TABLE actions(
  seq INTEGER NOT NULL,
  recipient TEXT NOT NULL,
  ordinal INTEGER NOT NULL,
  action TEXT NOT NULL,
  at INTEGER NOT NULL,
  idempotency_key TEXT NOT NULL,
  note BLOB NOT NULL,
  note_key TEXT NOT NULL,
  note_deleted_at INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY(seq, recipient, ordinal)) WITHOUT ROWID;
CREATE INDEX actions_note_key ON actions(note_key, seq) WHERE note_key<>'';
)sql";

}  // namespace safeshare::store
