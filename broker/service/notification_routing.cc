#include "broker/service/notification_routing.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <algorithm>
#include <map>

#include "broker/audit/audit_entry.h"
#include "broker/schema/notification_validator.h"
#include "broker/service/wire_format.h"

namespace safeshare::service {
namespace {

// The config's name of the lawful basis the publisher cited
// ("LAWFUL_BASIS_LEGAL_OBLIGATION" -> "legal_obligation").
std::string CitedLawfulBasis(const v1::Notification& n) {
  return policy::ConfigName(v1::LawfulBasis_Name(n.lawful_basis()), "LAWFUL_BASIS_");
}

}  // namespace

std::shared_ptr<const std::string> StampedBody(const v1::Notification& n, const NotificationId& id,
                                               const AgencyId& publisher,
                                               std::string* request_hash) {
  auto body = std::make_shared<std::string>();
  body->reserve(n.ByteSizeLong() + 96);  // room for the stamps; also caches the sizes
  {
    google::protobuf::io::StringOutputStream raw(body.get());
    google::protobuf::io::CodedOutputStream out(&raw);
    out.SetSerializationDeterministic(true);
    n.SerializeWithCachedSizes(&out);
  }
  if (request_hash != nullptr) *request_hash = audit::ContentHash(*body);
  AppendStringField(v1::Notification::kNotificationIdFieldNumber, id.value(), *body);
  AppendStringField(v1::Notification::kPublisherFieldNumber, publisher.value(), *body);
  return body;
}

std::vector<std::string> PersonHashes(const v1::Notification& n, const PersonKey& key) {
  std::vector<std::string> hashes;
  for (const auto& [scheme, value] : policy::NamedIdentifiers(n)) {
    hashes.push_back(key.Hash(scheme, value));
  }
  std::sort(hashes.begin(), hashes.end());
  hashes.erase(std::unique(hashes.begin(), hashes.end()), hashes.end());
  return hashes;
}

Routing Decide(std::shared_ptr<const policy::Policy> policy, const routing::CaseDirectory& cases,
               const PersonKey& key, const identity::Caller& caller, const v1::Notification& n,
               const policy::UrgentDisclosure* urgent) {
  Routing routing{std::move(policy), {}, PersonHashes(n, key)};
  // Minutes reach the agencies they engage: their attendees and action owners.
  routing.engage = policy::EngagedByMinutes(routing.policy->agencies(), caller.agency, n);
  const auto type = schema::TypeOf(n);
  auto facts = cases.Facts(CaseRef(n.case_ref()), routing.person_hashes,
                           routing.policy->AnyRuleFor(type, policy::Condition::kLinkedCase));
  facts.engaged.insert(routing.engage.begin(), routing.engage.end());
  const auto* publisher = routing.policy->FindAgency(caller.agency);
  const config::Agency fallback{caller.agency, caller.role, ""};
  routing.evaluation =
      routing.policy->Evaluate(publisher != nullptr ? *publisher : fallback, type, facts, urgent);
  return routing;
}

std::set<AgencyId> CurrentlyEngaged(const store::CaseState& state) {
  std::set<AgencyId> engaged;
  for (const auto& e : state.engagements) {
    if (e.until_micros == 0) engaged.insert(e.agency);
  }
  return engaged;
}

absl::Status RestoreCaseDirectory(const store::Store& store, routing::CaseDirectory& cases) {
  return RefreshCaseDirectory(store, store::RoutingChanges{.everything = true}, cases);
}

absl::Status RefreshCaseDirectory(const store::Store& store, const store::RoutingChanges& changed,
                                  routing::CaseDirectory& cases) {
  return cases.Refresh([&]() -> absl::StatusOr<routing::CaseDirectory::Reread> {
    auto state = store.ReadRoutingChanges(changed);
    if (!state.ok()) return state.status();
    routing::CaseDirectory::Reread facts;
    facts.everything = changed.everything;
    for (const auto& c : state->cases) {
      facts.cases.push_back({c.case_ref, c.closed, CurrentlyEngaged(c)});
    }
    facts.interests = std::move(state->interests);
    facts.person_cases = std::move(state->person_cases);
    return facts;
  });
}

void AddRecipients(const Routing& routing, const v1::Notification& n,
                   const std::string& urgent_reason, store::NewNotification& record) {
  std::map<std::vector<std::string>, uint32_t> view_of;  // withheld fields -> view number
  for (const auto& d : routing.evaluation.agencies) {
    if (!d.allowed) {
      record.denied.push_back(store::Denied{d.agency, d.reason});
      continue;
    }
    store::Recipient r;
    r.agency = d.agency;
    r.withheld_fields = d.withheld;
    if (d.urgent) {
      r.rule = "urgent_disclosure";
      r.lawful_basis = CitedLawfulBasis(n);
      r.purpose = v1::Purpose_Name(n.purpose());
      r.urgent = true;
      r.urgent_reason = urgent_reason;
    } else {
      r.rule = d.rule;
      r.lawful_basis = d.lawful_basis;
      r.agreement = d.agreement + " v" + d.agreement_version;
      r.purpose = d.purpose;
      r.linked_cases = d.linked_cases;
    }
    if (!d.withheld.empty()) {
      auto [it, added] = view_of.try_emplace(d.withheld, record.views.size() + 1);
      if (added) {
        v1::Notification copy = n;
        policy::Withhold(d.deciding_rule->withheld, copy);
        auto body = StampedBody(copy, record.id, record.publisher);
        record.views.push_back(store::View{body, audit::ContentHash(*body)});
      }
      r.view = it->second;
    }
    record.recipients.push_back(std::move(r));
  }
  record.person_hashes = routing.person_hashes;
  record.engage = routing.engage;
  record.policy_version = routing.policy->version();
}

}  // namespace safeshare::service
