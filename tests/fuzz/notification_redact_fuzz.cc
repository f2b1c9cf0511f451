// Fuzzes redaction as the broker routes a notification: policy::Evaluate
// under the example agreements of config/agreements (with the agencies of
// config/broker.yaml), then policy::Withhold of each allowed recipient's
// withheld fields from a copy, as service/notification_routing.cc makes each
// view; and policy::NamedIdentifiers, which walks the same message.
// Notifications come from arbitrary bytes and are not validated first: the
// reflection walks must not depend on what validation guarantees.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "broker/config/broker_config.h"
#include "broker/policy/agreements.h"
#include "broker/schema/notification_validator.h"
#include "safeshare/v1/broker.pb.h"

namespace {

using safeshare::policy::CaseFacts;
using safeshare::policy::Policy;

const Policy& ExamplePolicy() {
  static const Policy* const policy = [] {
    auto config = safeshare::config::LoadBrokerConfig(SAFESHARE_SOURCE_DIR "/config/broker.yaml");
    // A date before every example review date.
    auto set =
        safeshare::policy::LoadAgreements(SAFESHARE_SOURCE_DIR "/config/agreements", "2026-11-30");
    if (!config.ok() || !set.ok()) std::abort();
    return new Policy(*std::move(set), config->agencies, config->urgent_disclosure.barred_roles);
  }();
  return *policy;
}

// Every condition holds for every agency, so each conditional rule decides.
CaseFacts EveryConditionHolds(const Policy& policy) {
  CaseFacts facts;
  for (const auto& agency : policy.agencies()) {
    facts.engaged.insert(agency.id);
    facts.person_interest.insert(agency.id);
    facts.linked_cases[agency.id].insert(safeshare::CaseRef("CASE-LINKED"));
  }
  return facts;
}

// A view keeps what every recipient needs and the notification's type.
bool KeepsEnvelope(const safeshare::v1::Notification& view,
                   const safeshare::v1::Notification& full) {
  return view.notification_id() == full.notification_id() &&
         view.idempotency_key() == full.idempotency_key() && view.case_ref() == full.case_ref() &&
         view.publisher() == full.publisher() && view.classification() == full.classification() &&
         safeshare::schema::TypeOf(view) == safeshare::schema::TypeOf(full);
}

void RedactFor(const Policy& policy, const safeshare::v1::Notification& n, const CaseFacts& facts) {
  const auto type = safeshare::schema::TypeOf(n);
  for (const auto& publisher : policy.agencies()) {
    if (!policy.MayPublish(publisher.role, type).ok()) continue;
    (void)safeshare::policy::EngagedByMinutes(policy.agencies(), publisher.id, n);
    const auto evaluation = policy.Evaluate(publisher, type, facts);
    for (const auto& decision : evaluation.agencies) {
      if (!decision.allowed || decision.deciding_rule == nullptr) continue;
      safeshare::v1::Notification view = n;
      safeshare::policy::Withhold(decision.deciding_rule->withheld, view);
      if (!KeepsEnvelope(view, n)) std::abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  safeshare::v1::Notification n;
  if (!n.ParseFromArray(data, static_cast<int>(size))) return 0;
  const Policy& policy = ExamplePolicy();
  (void)safeshare::policy::NamedIdentifiers(n);
  RedactFor(policy, n, EveryConditionHolds(policy));
  RedactFor(policy, n, CaseFacts{});
  return 0;
}
