#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "broker/core/data_keys.h"
#include "broker/store/records.h"
#include "broker/store/sql.h"

namespace safeshare::store {

// The one query shape for a recipient's deliveries joined with their
// notifications and the view each receives: "SELECT <facts>[, body] FROM
// ... WHERE d.recipient=?1 AND d.seq>?2 <tail>". Columns 0 to
// kDeliveryFactsColumns-1 are the DeliveryFacts (DeliveryFactsAt); the
// sealed body, its key and its view, when asked for, follow (SealedAt). The
// content hash and body are the view's (view 0: the notification's own); a
// view that is missing reads as no body and no hash, which the content-hash
// check refuses. Only notifications whose content is held: what retention
// deleted is neither delivered nor settled by a cumulative acknowledgement
// (no stream was handed it; it stays unacknowledged on the record).
std::string DeliveryQuery(bool with_body, std::string_view tail);
inline constexpr int kDeliveryFactsColumns = 10;

// The DeliveryFacts in the first columns of the current row of a
// DeliveryQuery.
DeliveryFacts DeliveryFactsAt(const Statement& row);

// A delivery read with its body still sealed (body_seal.h).
struct SealedDelivery {
  StoredDelivery delivery;  // body: as stored
  std::string key;
  int64_t view = 0;
};
SealedDelivery SealedAt(const Statement& row);
// Each body opened and checked against its content hash: DATA_LOSS (or
// FAILED_PRECONDITION for a key not loaded) naming the first that fails.
absl::StatusOr<std::vector<StoredDelivery>> OpenDeliveries(std::vector<SealedDelivery> rows,
                                                           const DataKeys& keys);

// The purpose a delivery is stored with: the recipient's, or the
// notification's when the recipient names none.
const std::string& PurposeOf(const NewNotification& n, const Recipient& r);

// A deliveries row's lists (withheld field paths, linked cases) are stored
// comma-joined; neither a field path nor a case reference has a comma.
std::string JoinCases(const std::vector<CaseRef>& cases);
std::vector<CaseRef> SplitCases(std::string_view joined);
std::vector<std::string> SplitList(std::string_view joined);

}  // namespace safeshare::store
