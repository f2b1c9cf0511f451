#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "broker/core/clock.h"
#include "broker/core/person_key.h"
#include "broker/identity/agency_directory.h"
#include "broker/routing/policy_snapshot.h"
#include "broker/service/access_refusals.h"
#include "broker/service/audit_export.h"
#include "broker/service/overdue_report.h"
#include "broker/service/unacknowledged_page.h"
#include "broker/store/store.h"
#include "safeshare/v1/audit.pb.h"

namespace safeshare::service {

// What an IG lead looks for in the log. Every condition given must hold
// (see store::AuditQuery).
struct AuditFilter {
  std::string case_ref;
  std::string agency;
  std::string notification_id;
  // A person identifier (scheme value name, e.g. "IDENTIFIER_SCHEME_NHS_NUMBER",
  // and value): hashed with the partnership's person key, as interests are;
  // the value is neither kept, logged nor audited.
  std::optional<std::pair<std::string, std::string>> person;
  std::vector<std::string> actions;  // audit::ActionName values
  int64_t from_micros = 0;           // inclusive; 0: from the first entry
  int64_t to_micros = 0;             // exclusive; 0: to the last
  // Set by the adapter when a field could not be read (a timestamp out of
  // range): the query is refused INVALID_ARGUMENT with it, after the
  // caller's role is checked.
  std::string unreadable;
};

struct AuditPage {
  std::vector<v1::AuditEntry> entries;
  int64_t next_after_id = 0;  // 0 when there is no further page
  uint64_t tree_size = 0;     // entries in the log when the query ran
};

struct CheckpointAnswer {
  uint64_t tree_size = 0;
  std::string root;  // 32 raw bytes
  std::string note;  // the signed note
  int64_t signed_at_micros = 0;
  std::string verifier_key;
};

struct InclusionAnswer {
  v1::AuditEntry entry;
  uint64_t tree_size = 0;
  std::vector<std::string> proof;  // raw 32-byte hashes, leaf upwards
};

struct ConsistencyAnswer {
  uint64_t from_size = 0;
  uint64_t to_size = 0;
  std::vector<std::string> proof;  // raw 32-byte hashes
};

// The audit log for the partnership's information governance (IG) role:
// queries, exports, checkpoints and proofs. Any other role is refused
// PERMISSION_DENIED once the refusal is audited (`access_refused`). Each
// call served is itself audited (`audit_read`: the call and its filter, a
// person as its keyed hash, never the identifier) and answered only once
// that entry is durable; a call that cannot be audited is answered with the
// store's error instead.
//
// Every method reads the store before it returns (unless the call is
// refused), so callers run them off the RPC threads; `done` runs on the
// store's completion thread, or at once for a refusal of the arguments.
// The paged reads (Query, the export's pieces, ListUnacknowledged) take the
// caller's `deadline_micros` (wall clock, 0: none) and stop with
// DEADLINE_EXCEEDED once `clock` passes it, checked before each store read
// and before the answer is audited.
// Thread-safe; the store, key and clock must outlive it.
class AuditService {
 public:
  template <typename T>
  using Done = std::function<void(absl::StatusOr<T>)>;

  static constexpr uint32_t kDefaultPage = service::kDefaultPage;
  static constexpr uint32_t kMaxPage = service::kMaxPage;

  // `verifier_key`: the checkpoint signer's public key as a note verifier
  // key, handed out with every checkpoint. The agreements in force
  // (`policy`) and the partnership's `calendar` decide which deliveries are
  // overdue.
  AuditService(store::Store& store, const PersonKey& person_key, std::string verifier_key,
               const routing::PolicyHolder& policy, const policy::WorkingCalendar& calendar,
               const Clock& clock = SystemClock());

  // Entries matching `filter` with id > `after_id`, at most `limit` (0:
  // kDefaultPage; more than kMaxPage is INVALID_ARGUMENT naming `limit`).
  void Query(const identity::Caller& caller, const AuditFilter& filter, int64_t after_id,
             uint32_t limit, Done<AuditPage> done, int64_t deadline_micros = 0) const;
  // Starts an export of every entry matching `filter` among those in the
  // log now; `done` with the export to read chunk by chunk (AuditExport),
  // once the export itself is audited.
  void StartExport(const identity::Caller& caller, const AuditFilter& filter, ExportFormat format,
                   Done<std::unique_ptr<AuditExport>> done, int64_t deadline_micros = 0) const;
  // The checkpoint signed at `tree_size` (0: the latest); NOT_FOUND naming
  // tree_size when there is none.
  void GetCheckpoint(const identity::Caller& caller, uint64_t tree_size,
                     Done<CheckpointAnswer> done) const;
  // Entry `index` (1-based) and its inclusion proof in the tree of
  // `tree_size` entries (0: the latest checkpoint's size).
  void GetInclusionProof(const identity::Caller& caller, uint64_t index, uint64_t tree_size,
                         Done<InclusionAnswer> done) const;
  // Proof that the tree of `from_size` entries is a prefix of the tree of
  // `to_size` (0: the latest checkpoint's size).
  void GetConsistencyProof(const identity::Caller& caller, uint64_t from_size, uint64_t to_size,
                           Done<ConsistencyAnswer> done) const;
  // Deliveries nobody at their recipient has acknowledged, oldest first;
  // `query.limit` as Query's limit (0: kDefaultPage).
  void ListUnacknowledged(const identity::Caller& caller, store::UnacknowledgedQuery query,
                          Done<UnacknowledgedPage> done, int64_t deadline_micros = 0) const;

  // Deliveries whose deadline has passed unacknowledged (ReadOverdue), for
  // the information governance and safeguarding lead roles.
  void ListOverdue(const identity::Caller& caller, store::UnacknowledgedQuery query,
                   Done<OverduePage> done, int64_t deadline_micros = 0) const;

  // For the rpc layer, which audits certificates no agency holds.
  const AccessRefusals& refusals() const { return refusals_; }

 private:
  // Validates `filter` and turns it into a store query (a person hashed).
  absl::StatusOr<store::AuditQuery> ToQuery(const AuditFilter& filter) const;
  // The tree size a proof is asked for (`field`: `asked`), or the latest
  // checkpoint's when 0 (FAILED_PRECONDITION while there is none);
  // INVALID_ARGUMENT naming `field` beyond the log.
  absl::StatusOr<uint64_t> ProofTreeSize(uint64_t asked, std::string_view field) const;
  // Audits `detail` as read by `caller`, then answers `value` (or the
  // store's error).
  template <typename T>
  void Answer(const identity::Caller& caller, std::string detail, T value, Done<T> done) const;

  store::Store& store_;
  const PersonKey& person_key_;
  const std::string verifier_key_;
  const routing::PolicyHolder& policy_;
  const policy::WorkingCalendar& calendar_;
  const Clock& clock_;
  AccessRefusals refusals_{store_};
};

}  // namespace safeshare::service
