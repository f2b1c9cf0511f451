#pragma once

#include <optional>

#include "broker/store/sql.h"
#include "broker/store/writer.h"

namespace safeshare::store {

// The writer's prepared statements (writer.cc, writer_cases.cc and writer_subscriptions.cc), in the
// order of their SQL in Writer::PrepareStatements.
struct Writer::Statements {
  Statement begin, commit, rollback;
  Statement find_key, insert_notification, insert_delivery, insert_audit;
  Statement insert_subscription, get_cursor, set_cursor, acked_range;
  Statement savepoint, release, rollback_to;
  Statement insert_view, insert_link, upsert_case, start_engagement, end_engagement;
  Statement add_interest, drop_interest;
  Statement insert_posting, insert_checkpoint, unindexed_entries, set_indexed_through;
  Statement sync_lazily, sync_fully;
  Statement raise_delivered, mark_acked;
  Statement select_attempts, upsert_attempt, delete_attempt;
  Statement read_heads, entries_after;
  // Dialect::append_lock, when the database has one.
  std::optional<Statement> append_lock;
};

}  // namespace safeshare::store
