#include "audit_pages.h"

namespace safeshare::review {

absl::StatusOr<uint64_t> ForEachEntry(client::Client& client, const v1::AuditFilter& filter,
                                      uint64_t after_index, uint64_t last_index,
                                      const std::function<void(const v1::AuditEntry&)>& sink) {
  v1::QueryAuditRequest request;
  *request.mutable_filter() = filter;
  request.set_limit(kMaxPage);
  request.set_after_index(after_index);
  uint64_t tree_size = 0;
  for (bool first = true;; first = false) {
    absl::StatusOr<v1::QueryAuditResponse> page = client.QueryAudit(request);
    if (!page.ok()) return page.status();
    if (first) tree_size = page->tree_size();
    for (const v1::AuditEntry& entry : page->entries()) {
      if (last_index != 0 && entry.index() > last_index) return tree_size;
      sink(entry);
    }
    if (page->next_after_index() == 0) return tree_size;
    request.set_after_index(page->next_after_index());
  }
}

}  // namespace safeshare::review
