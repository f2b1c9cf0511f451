#include "broker/audit/chain.h"

#include <cstring>

namespace safeshare::audit {
namespace {

void Put(std::string& out, std::string_view field) {
  const auto size = static_cast<uint32_t>(field.size());
  char prefix[4];
  std::memcpy(prefix, &size, sizeof prefix);
  out.append(prefix, sizeof prefix);
  out.append(field);
}

}  // namespace

std::string EntryHash(std::string_view prev_hash, const Entry& e) {
  std::string buf;
  buf.reserve(512);
  Put(buf, prev_hash);
  Put(buf, std::to_string(e.id));
  Put(buf, std::to_string(e.at_micros));
  for (std::string_view field :
       {std::string_view(e.actor), ActionName(e.action), std::string_view(e.notification_id),
        std::string_view(e.case_ref), std::string_view(e.recipient),
        std::string_view(e.subscription), std::string_view(e.rule),
        std::string_view(e.lawful_basis), std::string_view(e.purpose), std::string_view(e.detail),
        std::string_view(e.content_hash)}) {
    Put(buf, field);
  }
  return ContentHash(buf);
}

std::string Link(std::string_view head, Entry& entry) {
  entry.prev_hash = std::string(head);
  entry.entry_hash = EntryHash(head, entry);
  return entry.entry_hash;
}

absl::Status VerifyChain(const std::vector<Entry>& entries, std::string_view expected_prev) {
  std::string prev(expected_prev);
  for (const auto& e : entries) {
    const auto at = "audit entry " + std::to_string(e.id);
    if (e.prev_hash != prev) {
      return absl::DataLossError(at +
                                 " does not follow the entry before it: an entry was removed, "
                                 "inserted or reordered");
    }
    if (EntryHash(prev, e) != e.entry_hash) {
      return absl::DataLossError(at + " was altered after it was written (hash mismatch)");
    }
    prev = e.entry_hash;
  }
  return absl::OkStatus();
}

}  // namespace safeshare::audit
