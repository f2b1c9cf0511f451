// Fuzzes redaction as the broker routes a notification: policy::Evaluate
// under the example agreements of config/agreements (with the agencies of
// config/broker.yaml), then policy::Withhold of each allowed recipient's
// withheld fields from a copy, as service/notification_routing.cc makes each
// view; and policy::NamedIdentifiers, which walks the same message.
// Notifications come from arbitrary bytes and are not validated first: the
// reflection walks must not depend on what validation guarantees. Aborts
// when a view still holds a withheld field (checked by a walk of its own)
// or lost an envelope field or its payload type.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include <vector>

#include <google/protobuf/reflection.h>

#include "broker/config/broker_config.h"
#include "broker/policy/agreements.h"
#include "broker/schema/notification_validator.h"
#include "safeshare/v1/broker.pb.h"

namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
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

// True when nothing is left at fields[depth..] below `message`, in any
// element of a repeated field on the way.
bool Cleared(const std::vector<const FieldDescriptor*>& fields, size_t depth,
             const Message& message) {
  const FieldDescriptor* field = fields[depth];
  const auto* reflection = message.GetReflection();
  if (depth + 1 == fields.size()) {
    return field->is_repeated() ? reflection->FieldSize(message, field) == 0
                                : !reflection->HasField(message, field);
  }
  if (!field->is_repeated()) {
    return !reflection->HasField(message, field) ||
           Cleared(fields, depth + 1, reflection->GetMessage(message, field));
  }
  for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
    if (!Cleared(fields, depth + 1, reflection->GetRepeatedMessage(message, field, i))) {
      return false;
    }
  }
  return true;
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
      const auto& withheld = decision.deciding_rule->withheld;
      safeshare::policy::Withhold(withheld, view);
      if (!KeepsEnvelope(view, n)) std::abort();
      for (const auto& path : withheld) {
        if (!Cleared(path.fields, 0, view)) std::abort();
      }
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
