// `safeshare subscriptions parked` and `release`: a subscription's
// deliveries parked after too many unacknowledged attempts.
#include <chrono>
#include <iostream>

#include "absl/strings/str_format.h"
#include "age_text.h"
#include "exit_code.h"
#include "safeshare/client/notification_json.h"
#include "subscription_commands.h"

namespace safeshare::cli {

int RunParked(client::Client& client, const SubscriptionFlags& flags) {
  v1::ListParkedRequest request;
  request.set_subscription(flags.name);
  request.set_after_sequence(flags.after);
  auto page = client.ListParked(request);
  if (!page.ok()) return FailBroker("subscriptions parked", page.status());
  if (flags.json) {
    std::cout << client::ToJsonLine(*page, /*with_defaults=*/true) << std::endl;
    return kExitOk;
  }
  const int64_t now = NowSeconds();
  constexpr char kRow[] = "%9s %8s %7s %-14s %-22s %-16s %s\n";
  std::string out = absl::StrFormat(kRow, "SEQUENCE", "ATTEMPTS", "PARKED", "PUBLISHER", "TYPE",
                                    "CASE", "NOTIFICATION");
  for (const auto& d : page->deliveries()) {
    absl::StrAppendFormat(&out, kRow, absl::StrCat(d.sequence()), absl::StrCat(d.attempts()),
                          AgeText(now - d.parked_at().seconds()), d.publisher(), d.type(),
                          d.case_ref(), d.notification_id());
  }
  if (page->deliveries().empty()) out += "(none parked)\n";
  if (page->next_after_sequence() != 0) {
    absl::StrAppendFormat(&out, "more: ask again with --after %d\n", page->next_after_sequence());
  }
  std::cout << out << std::flush;
  return kExitOk;
}

int RunRelease(client::Client& client, const SubscriptionFlags& flags) {
  v1::ReleaseParkedRequest request;
  request.set_subscription(flags.name);
  for (const uint64_t s : flags.sequences) request.add_sequences(s);
  auto released = client.ReleaseParked(request);
  if (!released.ok()) return FailBroker("subscriptions release", released.status());
  std::cout << client::ToJsonLine(*released, /*with_defaults=*/true) << std::endl;
  return kExitOk;
}

}  // namespace safeshare::cli
