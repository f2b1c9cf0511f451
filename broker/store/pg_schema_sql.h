#pragma once

#include <iterator>

namespace safeshare::store {

// The PostgreSQL layout, kept in `safeshare_schema.version`. Version 1 is
// the layout of SQLite schema version 12 (schema_sql.h, where each column is
// explained), in PostgreSQL's types: BIGINT for INTEGER, BYTEA for BLOB, and
// TEXT in the "C" collation, so rows sort by their bytes as in SQLite and in
// the broker's own code whatever the database's locale. Later versions are
// added as migrations to kPgMigrations, applied in order at start-up, each
// in the transaction that records it.
//
// engagements.rowid: SQLite's implicit row id, which orders engagements
// that began at the same time by when they were recorded.
// instr(): SQLite's, which the store's shared SQL uses (subscription
// filters).
inline constexpr const char* kPgSchemaV1Sql = R"sql(
CREATE FUNCTION instr(haystack text, needle text) RETURNS integer
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS 'SELECT strpos(haystack, needle)';
CREATE TABLE notifications(
  seq BIGINT PRIMARY KEY,
  id TEXT COLLATE "C" NOT NULL UNIQUE,
  publisher TEXT COLLATE "C" NOT NULL,
  idempotency_key TEXT COLLATE "C" NOT NULL,
  case_ref TEXT COLLATE "C" NOT NULL,
  type TEXT COLLATE "C" NOT NULL,
  purpose TEXT COLLATE "C" NOT NULL,
  body BYTEA NOT NULL,
  content_hash TEXT COLLATE "C" NOT NULL,
  routed_to TEXT COLLATE "C" NOT NULL,
  stored_at BIGINT NOT NULL,
  request_hash TEXT COLLATE "C" NOT NULL,
  body_key TEXT COLLATE "C" NOT NULL DEFAULT '',
  content_deleted_at BIGINT NOT NULL DEFAULT 0,
  UNIQUE(publisher, idempotency_key));
CREATE INDEX notifications_body_key ON notifications(body_key, seq);
CREATE INDEX notifications_held ON notifications(seq) WHERE content_deleted_at=0;
CREATE TABLE deliveries(
  recipient TEXT COLLATE "C" NOT NULL,
  seq BIGINT NOT NULL,
  rule TEXT COLLATE "C" NOT NULL,
  lawful_basis TEXT COLLATE "C" NOT NULL,
  agreement TEXT COLLATE "C" NOT NULL DEFAULT '',
  purpose TEXT COLLATE "C" NOT NULL DEFAULT '',
  view BIGINT NOT NULL DEFAULT 0,
  withheld TEXT COLLATE "C" NOT NULL DEFAULT '',
  linked_cases TEXT COLLATE "C" NOT NULL DEFAULT '',
  urgent BIGINT NOT NULL DEFAULT 0,
  urgent_reason TEXT COLLATE "C" NOT NULL DEFAULT '',
  acked_at BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY(recipient, seq));
CREATE INDEX deliveries_urgent ON deliveries(seq) WHERE urgent=1;
CREATE INDEX deliveries_unacked ON deliveries(seq, recipient) WHERE acked_at=0;
CREATE TABLE views(
  seq BIGINT NOT NULL,
  view BIGINT NOT NULL,
  body BYTEA NOT NULL,
  content_hash TEXT COLLATE "C" NOT NULL,
  body_key TEXT COLLATE "C" NOT NULL DEFAULT '',
  PRIMARY KEY(seq, view));
CREATE INDEX views_body_key ON views(body_key, seq, view);
CREATE TABLE subscriptions(
  agency TEXT COLLATE "C" NOT NULL,
  name TEXT COLLATE "C" NOT NULL,
  acked_through BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  filter_types TEXT COLLATE "C" NOT NULL DEFAULT '',
  filter_cases TEXT COLLATE "C" NOT NULL DEFAULT '',
  delivered_through BIGINT NOT NULL DEFAULT 0,
  consumer_mode BIGINT NOT NULL DEFAULT 0,
  ack_wait_ms BIGINT NOT NULL DEFAULT 0,
  max_deliver BIGINT NOT NULL DEFAULT 0,
  max_in_flight BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY(agency, name));
CREATE TABLE delivery_attempts(
  agency TEXT COLLATE "C" NOT NULL,
  subscription TEXT COLLATE "C" NOT NULL,
  seq BIGINT NOT NULL,
  state BIGINT NOT NULL,
  attempts BIGINT NOT NULL,
  at BIGINT NOT NULL,
  PRIMARY KEY(agency, subscription, seq));
CREATE TABLE audit(
  id BIGINT PRIMARY KEY,
  at BIGINT NOT NULL,
  clock_stepped_back_from BIGINT NOT NULL DEFAULT 0,
  actor TEXT COLLATE "C" NOT NULL,
  action TEXT COLLATE "C" NOT NULL,
  notification_id TEXT COLLATE "C" NOT NULL,
  case_ref TEXT COLLATE "C" NOT NULL,
  recipient TEXT COLLATE "C" NOT NULL,
  subscription TEXT COLLATE "C" NOT NULL,
  rule TEXT COLLATE "C" NOT NULL,
  lawful_basis TEXT COLLATE "C" NOT NULL,
  purpose TEXT COLLATE "C" NOT NULL,
  detail TEXT COLLATE "C" NOT NULL,
  content_hash TEXT COLLATE "C" NOT NULL,
  prev_hash TEXT COLLATE "C" NOT NULL,
  entry_hash TEXT COLLATE "C" NOT NULL,
  version BIGINT NOT NULL DEFAULT 1,
  lines BYTEA NOT NULL DEFAULT '\x');
CREATE TABLE audit_postings(
  key TEXT COLLATE "C" NOT NULL,
  last_id BIGINT NOT NULL,
  first_id BIGINT NOT NULL,
  ids BYTEA NOT NULL,
  PRIMARY KEY(key, last_id));
CREATE TABLE audit_index(indexed_through BIGINT NOT NULL);
INSERT INTO audit_index VALUES(0);
CREATE TABLE checkpoints(
  tree_size BIGINT PRIMARY KEY,
  root BYTEA NOT NULL,
  note TEXT COLLATE "C" NOT NULL,
  signed_at BIGINT NOT NULL);
CREATE TABLE cases(
  case_ref TEXT COLLATE "C" PRIMARY KEY,
  closed BIGINT NOT NULL DEFAULT 0,
  changed_at BIGINT NOT NULL);
CREATE TABLE engagements(
  rowid BIGINT GENERATED ALWAYS AS IDENTITY,
  case_ref TEXT COLLATE "C" NOT NULL,
  agency TEXT COLLATE "C" NOT NULL,
  since BIGINT NOT NULL,
  until BIGINT NOT NULL DEFAULT 0,
  source TEXT COLLATE "C" NOT NULL);
CREATE INDEX engagements_by_case ON engagements(case_ref, agency);
CREATE TABLE person_interests(
  person_hash TEXT COLLATE "C" NOT NULL,
  agency TEXT COLLATE "C" NOT NULL,
  registered_at BIGINT NOT NULL,
  PRIMARY KEY(person_hash, agency));
CREATE TABLE person_links(
  person_hash TEXT COLLATE "C" NOT NULL,
  case_ref TEXT COLLATE "C" NOT NULL,
  first_seq BIGINT NOT NULL,
  PRIMARY KEY(person_hash, case_ref));
)sql";

// Version 2: `actions` (SQLite schema version 13).
inline constexpr const char* kPgActionsSql = R"sql(
CREATE TABLE actions(
  seq BIGINT NOT NULL,
  recipient TEXT COLLATE "C" NOT NULL,
  ordinal BIGINT NOT NULL,
  action TEXT COLLATE "C" NOT NULL,
  at BIGINT NOT NULL,
  idempotency_key TEXT COLLATE "C" NOT NULL,
  note BYTEA NOT NULL,
  note_key TEXT COLLATE "C" NOT NULL,
  note_deleted_at BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY(seq, recipient, ordinal));
CREATE INDEX actions_note_key ON actions(note_key, seq) WHERE note_key<>'';
)sql";

// Each version's SQL, from version 1: kPgMigrations[k] makes version k + 1.
inline constexpr const char* kPgMigrations[] = {kPgSchemaV1Sql, kPgActionsSql};
inline constexpr int kPgSchemaVersion = static_cast<int>(std::size(kPgMigrations));

}  // namespace safeshare::store
