#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "broker/identity/agency_directory.h"
#include "broker/store/store.h"

namespace safeshare::service {

// Audits calls refused for who the caller is: a role that may not make the
// call (PERMISSION_DENIED), or a verified certificate that names no agency
// of the partnership (UNAUTHENTICATED). Each refusal is one
// `access_refused` entry: actor = the agency (or the certificate's URI),
// detail = the call and why. The refusal is answered only once its entry is
// durable; when it cannot be written the caller gets the store's error
// instead, so it retries rather than takes the refusal as final.
//
// Holds a reference to the store, which must outlive it. Thread-safe.
class AccessRefusals {
 public:
  explicit AccessRefusals(store::Store& store) : store_(store) {}

  // Logs and audits the refusal of `call` (e.g. "Audit.Query") to `actor`
  // for `why`, then calls `done` with `why` (or the store's error).
  void Refuse(std::string actor, std::string_view call, absl::Status why,
              std::function<void(absl::Status)> done) const;

  // OK when `role` is the information governance role; otherwise
  // PERMISSION_DENIED naming `what` and the role needed.
  static absl::Status GovernanceRole(const std::string& role, std::string_view what);
  // As GovernanceRole, also allowing the safeguarding lead role (oversight
  // of drift and delay).
  static absl::Status OversightRole(const std::string& role, std::string_view what);

  // True when `allowed` is OK. Otherwise refuses `call` to `caller` for
  // that reason as Refuse does, answering `done` (moved from) with the
  // refusal, and returns false.
  template <typename T>
  bool Allowed(const identity::Caller& caller, std::string_view call, const absl::Status& allowed,
               std::function<void(absl::StatusOr<T>)>& done) const {
    if (allowed.ok()) return true;
    Refuse(caller.agency.value(), call, allowed,
           [done = std::move(done)](absl::Status why) { done(std::move(why)); });
    return false;
  }

  // Allowed, for a call only the information governance role may make
  // (what it is: `what`).
  template <typename T>
  bool RequireGovernance(const identity::Caller& caller, std::string_view call,
                         std::string_view what,
                         std::function<void(absl::StatusOr<T>)>& done) const {
    return Allowed(caller, call, GovernanceRole(caller.role, what), done);
  }

 private:
  store::Store& store_;
};

}  // namespace safeshare::service
