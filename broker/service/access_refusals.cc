#include "broker/service/access_refusals.h"

#include "broker/core/logging.h"

namespace safeshare::service {
namespace {

constexpr std::string_view kGovernanceRole = "information_governance";
constexpr std::string_view kLeadRole = "safeguarding_lead";

const std::shared_ptr<spdlog::logger>& Log() {
  static const auto log = ModuleLogger("access");
  return log;
}

}  // namespace

void AccessRefusals::Refuse(std::string actor, std::string_view call, absl::Status why,
                            std::function<void(absl::Status)> done) const {
  Log()->warn("{} refused for {}: {}", call, actor, why.ToString());
  audit::Entry entry;
  entry.actor = std::move(actor);
  entry.action = audit::Action::kAccessRefused;
  entry.detail = std::string(call) + ": " + std::string(why.message());
  store_.RecordEvent(
      std::move(entry),
      [why = std::move(why), done = std::move(done)](const absl::Status& audited) {
        done(audited.ok() ? why : audited);
      },
      /*can_wait=*/true);
}

absl::Status AccessRefusals::OversightRole(const std::string& role, std::string_view what) {
  if (role == kGovernanceRole || role == kLeadRole) return absl::OkStatus();
  return absl::PermissionDeniedError(std::string(what) +
                                     " is for the partnership's information governance and "
                                     "safeguarding lead roles (information_governance, "
                                     "safeguarding_lead); role '" +
                                     role + "' may not use it");
}

absl::Status AccessRefusals::GovernanceRole(const std::string& role, std::string_view what) {
  if (role == kGovernanceRole) return absl::OkStatus();
  return absl::PermissionDeniedError(std::string(what) +
                                     " is for the partnership's information governance role "
                                     "(information_governance); role '" +
                                     role + "' may not use it");
}

}  // namespace safeshare::service
