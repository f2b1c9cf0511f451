#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>

#include "absl/status/statusor.h"
#include "broker/audit/audit_entry.h"
#include "broker/service/deadline.h"
#include "broker/store/store.h"

namespace safeshare::service {

enum class ExportFormat {
  kUnspecified,  // refused: the caller must choose
  kJsonLines,    // one v1::AuditEntry per line, proto3 JSON, every field printed
  kCsv,          // RFC 4180: a header, then one row per line of an entry (one for an entry without)
};

// A piece of an export: whole lines (rows) only.
struct ExportChunk {
  std::string data;
  uint64_t entries = 0;  // entries whose lines are in this piece
};

// One export of the audit log, read piece by piece, so that however large
// the log, memory holds one page of entries and one piece: the caller asks
// for the next piece only once it has sent the last (the flow control of a
// stream), and stops asking when its client goes away.
//
// Entries are read in pages of kPage with store::Store::QueryAudit, in id
// order, up to `last_id` (the log's size when the export began), so an
// export is the log as it stood then even while entries are appended.
// Not thread-safe: one caller at a time. The store (and the deadline's
// clock) must outlive it.
class AuditExport {
 public:
  static constexpr size_t kChunkBytes = 64 << 10;
  static constexpr size_t kPage = 256;

  AuditExport(const store::Store& store, store::AuditQuery query, ExportFormat format,
              int64_t last_id, ReadDeadline deadline = {});

  // The next piece, about kChunkBytes (more only when one entry alone is
  // larger); an empty piece once the export is complete. Reads the store;
  // DEADLINE_EXCEEDED, reading nothing more, once a page is due after the
  // deadline.
  absl::StatusOr<ExportChunk> Next();

  // The CSV header row and the rows of one entry (exposed for tests and
  // the format's documentation).
  static std::string CsvHeader();
  static std::string CsvRows(const audit::Entry& entry);
  // One JSON line (with its newline).
  static std::string JsonLine(const audit::Entry& entry);

 private:
  // Refills page_ when empty; false when no entry is left.
  absl::StatusOr<bool> Fill();

  const store::Store& store_;
  store::AuditQuery query_;
  const ExportFormat format_;
  const int64_t last_id_;
  const ReadDeadline deadline_;
  std::deque<audit::Entry> page_;
  bool header_written_ = false;
  bool exhausted_ = false;
};

}  // namespace safeshare::service
