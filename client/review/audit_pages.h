#ifndef SAFESHARE_CLIENT_REVIEW_AUDIT_PAGES_H_
#define SAFESHARE_CLIENT_REVIEW_AUDIT_PAGES_H_

#include <cstdint>
#include <functional>

#include "absl/status/statusor.h"
#include "safeshare/client/client.h"
#include "safeshare/v1/audit.pb.h"

namespace safeshare::review {

// The most entries the broker returns in one Query page.
inline constexpr uint32_t kMaxPage = 1000;

// Calls `sink` with every entry matching `filter` with index > `after_index`,
// in log order, one Query page of kMaxPage at a time (so memory holds one
// page), stopping after entry `last_index` when it is non-zero. Returns the
// log's size when the first page was read. The log grows while it is read
// (each Query is itself audited), so with no `last_index` it reads up to
// the entries that exist when the last page is asked for.
absl::StatusOr<uint64_t> ForEachEntry(client::Client& client, const v1::AuditFilter& filter,
                                      uint64_t after_index, uint64_t last_index,
                                      const std::function<void(const v1::AuditEntry&)>& sink);

}  // namespace safeshare::review

#endif  // SAFESHARE_CLIENT_REVIEW_AUDIT_PAGES_H_
