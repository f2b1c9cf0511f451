#include "broker/store/audit_postings.h"

#include <algorithm>

#include "broker/core/status_macros.h"

namespace safeshare::store {

std::string EncodeIdGaps(const std::vector<int64_t>& ids) {
  std::string out;
  out.reserve(ids.size());  // most gaps within a batch fit in one byte
  for (size_t i = 1; i < ids.size(); ++i) {
    auto gap = static_cast<uint64_t>(ids[i] - ids[i - 1]);
    while (gap >= 0x80) {
      out.push_back(static_cast<char>((gap & 0x7f) | 0x80));
      gap >>= 7;
    }
    out.push_back(static_cast<char>(gap));
  }
  return out;
}

absl::Status DecodeIdGaps(int64_t first, std::string_view gaps, std::vector<int64_t>& out) {
  const auto damaged = [first] {
    return absl::DataLossError("the audit index row starting at entry " + std::to_string(first) +
                               " is damaged");
  };
  out.push_back(first);
  size_t i = 0;
  while (i < gaps.size()) {
    uint64_t gap = 0;
    uint8_t byte = 0;
    for (int shift = 0;; shift += 7) {
      if (i == gaps.size() || shift > 56) return damaged();
      byte = static_cast<uint8_t>(gaps[i++]);
      gap |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) break;
    }
    const int64_t last = out.back();
    if (gap == 0 || gap > static_cast<uint64_t>(std::numeric_limits<int64_t>::max() - last)) {
      return damaged();
    }
    out.push_back(last + static_cast<int64_t>(gap));
  }
  return absl::OkStatus();
}

absl::StatusOr<PostingCursor> PostingCursor::Open(Connection& db, std::string key) {
  auto row = db.Prepare(
      "SELECT first_id, ids FROM audit_postings WHERE key=?1 AND last_id>=?2"
      " ORDER BY last_id LIMIT 1");
  if (!row.ok()) return row.status();
  return PostingCursor(std::move(*row), std::move(key));
}

absl::StatusOr<int64_t> PostingCursor::Seek(int64_t id) {
  if (ids_.empty() || ids_.back() < id) {
    // The row holding `id` or the next id after it is the first whose
    // last_id is `id` or after: one seek in the primary key.
    ids_.clear();
    next_ = 0;
    row_.Bind(1, key_).Bind(2, id);
    auto found = row_.Step();
    absl::Status decoded = found.status();
    if (found.ok() && *found) decoded = DecodeIdGaps(row_.Int(0), row_.View(1), ids_);
    row_.Reset();
    SAFESHARE_RETURN_IF_ERROR(decoded);
    if (ids_.empty()) return kEnd;
  }
  next_ = std::lower_bound(ids_.begin() + static_cast<std::ptrdiff_t>(next_), ids_.end(), id) -
          ids_.begin();
  // A damaged row may hold fewer ids than its last_id promised.
  return next_ < ids_.size() ? ids_[next_] : kEnd;
}

}  // namespace safeshare::store
