#include "broker/store/audit_log_reader.h"

#include "absl/status/status.h"
#include "broker/store/reader_pool.h"

namespace safeshare::store {

absl::StatusOr<std::vector<audit::Entry>> ReadAuditLog(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) return absl::NotFoundError("no store at " + path.string());
  auto pool = ReaderPool::Open(path);
  if (!pool.ok()) return pool.status();
  std::vector<audit::Entry> all;
  constexpr size_t kPage = 10000;
  while (true) {
    auto page = (*pool)->Audit(all.empty() ? 0 : all.back().id, kPage);
    if (!page.ok()) return page.status();
    all.insert(all.end(), std::make_move_iterator(page->begin()),
               std::make_move_iterator(page->end()));
    if (page->size() < kPage) return all;
  }
}

}  // namespace safeshare::store
