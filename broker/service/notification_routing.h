#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "broker/core/person_key.h"
#include "broker/identity/agency_directory.h"
#include "broker/policy/agreements.h"
#include "broker/routing/case_directory.h"
#include "broker/store/records.h"
#include "broker/store/store.h"
#include "safeshare/v1/broker.pb.h"

namespace safeshare::service {

// Everything the decision about one notification rests on and produces:
// the per-agency evaluation, the keyed hashes of the persons it names and
// the agencies it engages with its case.
struct Routing {
  std::shared_ptr<const policy::Policy> policy;  // keeps deciding_rule pointers valid
  policy::Evaluation evaluation;
  std::vector<std::string> person_hashes;
  std::vector<AgencyId> engage;
};

// Keyed hashes of every person identifier `n` names, sorted, without repeats.
std::vector<std::string> PersonHashes(const v1::Notification& n, const PersonKey& key);

// Decides `n` from `caller` under `policy`, with what `cases` knows of its
// case and of the persons it names (hashed with `key`). The evaluation's
// urgent_status says whether `urgent` (if any) may go ahead.
Routing Decide(std::shared_ptr<const policy::Policy> policy, const routing::CaseDirectory& cases,
               const PersonKey& key, const identity::Caller& caller, const v1::Notification& n,
               const policy::UrgentDisclosure* urgent);

// Fills the recipients, denials and views of `record` (whose body is the
// stamped full notification) from `routing`: recipients that see the same
// fields share one stored view; each view is `n` with its withheld fields
// removed, stamped like the full body.
void AddRecipients(const Routing& routing, const v1::Notification& n,
                   const std::string& urgent_reason, store::NewNotification& record);

// The agencies engaged with the case now (engagements not ended).
std::set<AgencyId> CurrentlyEngaged(const store::CaseState& state);

// Fills `cases` from what the store recorded (at start-up).
absl::Status RestoreCaseDirectory(const store::Store& store, routing::CaseDirectory& cases);
// Rereads into `cases` the facts `changed` names (as they stand in the
// store now), replacing what it held of them.
absl::Status RefreshCaseDirectory(const store::Store& store, const store::RoutingChanges& changed,
                                  routing::CaseDirectory& cases);

// The serialized notification as the broker stores and sends it: the
// publisher's message in deterministic bytes, then the broker's stamps
// (notification id and publisher) appended. `request_hash`, when given,
// receives the hash of the bytes before the stamps.
std::shared_ptr<const std::string> StampedBody(const v1::Notification& n, const NotificationId& id,
                                               const AgencyId& publisher,
                                               std::string* request_hash = nullptr);

}  // namespace safeshare::service
