#pragma once

namespace safeshare::store {

// The layout this build reads and writes, kept in the file's
// `PRAGMA user_version`. History:
//   1: the first layout (files carry user_version 0: unversioned); audit
//      hashes over a host-byte-order, decimal-string encoding.
//   2: audit hashes over audit::Encode (encoding version 0x01); the audit
//      table gains clock_stepped_back_from; notifications gain request_hash
//      (SHA-256 of the notification as the publisher sent it).
// A store of any other version is refused at start-up (store_check.h).
inline constexpr int kSchemaVersion = 2;

// The store's tables. `deliveries` is keyed by (recipient, seq) so one index
// range scan yields a subscription's backlog in commit order.
inline constexpr const char* kSchemaSql = R"sql(
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

}  // namespace safeshare::store
