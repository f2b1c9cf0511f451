#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "broker/core/strong_id.h"
#include "broker/policy/agreements.h"

namespace safeshare::routing {

// What routing knows of cases and people, in memory: which agencies are
// engaged with each case, whether it is closed, which agencies hold an
// interest in which person, and on which cases each person was named. Persons
// are keyed hashes only (core's PersonKey), never identifiers.
//
// The store is the record; this is its mirror for deciding a publish without
// reading the database. Loaded from the store at start-up and updated by the
// service after each change commits, so it never holds what the store does not.
// Brokers sharing a database reread what another broker changed (Refresh).
// Thread-safe.
class CaseDirectory {
 public:
  // Facts reread from the record; each replaces what the directory holds of
  // it (a person's entry, even empty, replaces its interests and links).
  struct Reread {
    struct CaseEntry {
      CaseRef case_ref;
      bool closed = false;
      std::set<AgencyId> engaged;
    };
    bool everything = false;  // the whole record: nothing else is kept
    std::vector<CaseEntry> cases;
    std::map<std::string, std::set<AgencyId>> interests;    // person hash -> agencies
    std::map<std::string, std::set<CaseRef>> person_cases;  // person hash -> cases
  };
  // Runs `read` and applies what it returned. Ordered against every other
  // change: one applied while `read` ran waits, and lands on top of the
  // reread facts instead of being overwritten by them.
  absl::Status Refresh(const std::function<absl::StatusOr<Reread>()>& read);

  // Replaces one case's state: its current engagements and status.
  void SetCase(const CaseRef& case_ref, bool closed, std::set<AgencyId> engaged);
  // Adds engagements (a published strategy minutes' attendees).
  void Engage(const CaseRef& case_ref, const std::vector<AgencyId>& agencies);
  // Records that each person was named on `case_ref`.
  void Link(const std::vector<std::string>& person_hashes, const CaseRef& case_ref);
  void SetInterest(const AgencyId& agency, const std::vector<std::string>& person_hashes,
                   bool withdraw);

  // The facts a decision about a notification on `case_ref` naming
  // `person_hashes` rests on. With `linked_cases`, also, per agency, the
  // other cases it is engaged with (open or closed) on which one of the
  // persons was named: a walk over every case those persons were named on,
  // so ask only when a rule needs it.
  policy::CaseFacts Facts(const CaseRef& case_ref, const std::vector<std::string>& person_hashes,
                          bool linked_cases = true) const;

 private:
  struct Case {
    bool closed = false;
    std::set<AgencyId> engaged;
  };

  void Apply(Reread facts) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Held by each change, and by Refresh across its read: taken before mu_.
  absl::Mutex change_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  mutable absl::Mutex mu_;
  std::map<CaseRef, Case> cases_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::set<AgencyId>> interests_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::set<CaseRef>> person_cases_ ABSL_GUARDED_BY(mu_);
};

}  // namespace safeshare::routing
