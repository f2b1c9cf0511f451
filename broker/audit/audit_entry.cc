#include "broker/audit/audit_entry.h"

#include <array>

#include "broker/core/sha256.h"

namespace safeshare::audit {
namespace {

constexpr std::array<std::pair<Action, std::string_view>, 24> kNames = {{
    {Action::kPublished, "published"},
    {Action::kDuplicate, "duplicate"},
    {Action::kPublishRefused, "publish_refused"},
    {Action::kWithheld, "withheld"},
    {Action::kSubscribed, "subscribed"},
    {Action::kDelivered, "delivered"},
    {Action::kAcknowledged, "acknowledged"},
    {Action::kRouted, "routed"},
    {Action::kUrgentDisclosure, "urgent_disclosure"},
    {Action::kCaseChanged, "case_changed"},
    {Action::kInterestChanged, "interest_changed"},
    {Action::kPolicyChanged, "policy_changed"},
    {Action::kAccessRefused, "access_refused"},
    {Action::kAuditRead, "audit_read"},
    {Action::kSubscriptionCreated, "subscription_created"},
    {Action::kSubscriptionReset, "subscription_reset"},
    {Action::kSubscriptionDeleted, "subscription_deleted"},
    {Action::kParked, "parked"},
    {Action::kReleased, "released"},
    {Action::kTlsChanged, "tls_changed"},
    {Action::kContentDeleted, "content_deleted"},
    {Action::kExpectationOpened, "expectation_opened"},
    {Action::kExpectationMet, "expectation_met"},
    {Action::kActioned, "actioned"},
}};

}  // namespace

std::string_view ActionName(Action action) {
  for (const auto& [a, name] : kNames) {
    if (a == action) return name;
  }
  return "unknown";
}

std::vector<std::string_view> ActionNames() {
  std::vector<std::string_view> names;
  names.reserve(kNames.size());
  for (const auto& [action, name] : kNames) names.push_back(name);
  return names;
}

bool ParseAction(std::string_view name, Action& out) {
  for (const auto& [a, n] : kNames) {
    if (n == name) {
      out = a;
      return true;
    }
  }
  return false;
}

std::string ContentHash(std::string_view bytes) {
  // An empty hash would break the chain silently; Sha256Hex stops instead.
  return Sha256Hex(bytes);
}

}  // namespace safeshare::audit
