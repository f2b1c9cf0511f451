#pragma once

namespace safeshare::store {

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
  request_hash TEXT NOT NULL DEFAULT '',
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

// Brings a store made by an earlier version up to kSchemaSql. Rows stored
// before request_hash existed keep '' (their retries are not compared).
inline constexpr const char* kRequestHashColumnQuery =
    "SELECT count(*) FROM pragma_table_info('notifications') WHERE name='request_hash'";
inline constexpr const char* kAddRequestHashSql =
    "ALTER TABLE notifications ADD COLUMN request_hash TEXT NOT NULL DEFAULT ''";

}  // namespace safeshare::store
