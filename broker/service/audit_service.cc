#include "broker/service/audit_service.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "broker/audit/entry_proto.h"
#include "broker/audit/merkle.h"
#include "broker/service/deadline.h"

namespace safeshare::service {
namespace {

constexpr std::string_view kWhat = "the audit log";

std::string KnownActions() {
  return absl::StrJoin(audit::ActionNames(), ", ",
                       [](std::string* out, std::string_view name) { out->append(name); });
}

// What an audit_read entry says was asked: the conditions given, a person
// as its keyed hash. Case references and agency ids are not personal data.
std::string Describe(const store::AuditQuery& q) {
  std::vector<std::string> parts;
  const auto add = [&](const char* name, const std::string& value) {
    if (!value.empty()) parts.push_back(absl::StrCat(name, "=", value));
  };
  add("case_ref", q.case_ref);
  add("agency", q.agency);
  add("notification_id", q.notification_id);
  add("person_hash", q.person_hash);
  add("actions", absl::StrJoin(q.actions, ","));
  if (q.from_micros != 0) add("from_micros", std::to_string(q.from_micros));
  if (q.to_micros != 0) add("to_micros", std::to_string(q.to_micros));
  return parts.empty() ? "every entry" : absl::StrJoin(parts, " ");
}

std::vector<std::string> Bytes(const std::vector<audit::Hash>& hashes) {
  std::vector<std::string> out;
  out.reserve(hashes.size());
  for (const auto& h : hashes) out.push_back(audit::BytesOf(h));
  return out;
}

}  // namespace

AuditService::AuditService(store::Store& store, const PersonKey& person_key,
                           std::string verifier_key, const routing::PolicyHolder& policy,
                           const policy::WorkingCalendar& calendar, const Clock& clock)
    : store_(store),
      person_key_(person_key),
      verifier_key_(std::move(verifier_key)),
      policy_(policy),
      calendar_(calendar),
      clock_(clock) {}

template <typename T>
void AuditService::Answer(const identity::Caller& caller, std::string detail, T value,
                          Done<T> done) const {
  audit::Entry entry;
  entry.actor = caller.agency.value();
  entry.action = audit::Action::kAuditRead;
  entry.detail = std::move(detail);
  // Held by a shared_ptr: the callback must be copyable, the value (an
  // export) need not be.
  auto held = std::make_shared<T>(std::move(value));
  // Not served until it is on the record.
  store_.RecordEvent(
      std::move(entry),
      [held, done = std::move(done)](const absl::Status& audited) {
        if (!audited.ok()) return done(audited);
        done(std::move(*held));
      },
      /*can_wait=*/true);
}

absl::StatusOr<store::AuditQuery> AuditService::ToQuery(const AuditFilter& filter) const {
  if (!filter.unreadable.empty()) return absl::InvalidArgumentError(filter.unreadable);
  store::AuditQuery q;
  q.case_ref = filter.case_ref;
  q.agency = filter.agency;
  q.notification_id = filter.notification_id;
  if (filter.person) {
    const auto& [scheme, value] = *filter.person;
    if (scheme.empty() || scheme == "IDENTIFIER_SCHEME_UNSPECIFIED" ||
        PersonKey::Normalise(value).empty()) {
      return absl::InvalidArgumentError(
          "filter.person: give both scheme (e.g. IDENTIFIER_SCHEME_NHS_NUMBER) and a value that "
          "is not blank");
    }
    q.person_hash = person_key_.Hash(scheme, value);
  }
  for (size_t i = 0; i < filter.actions.size(); ++i) {
    audit::Action parsed{};
    if (!audit::ParseAction(filter.actions[i], parsed)) {
      return absl::InvalidArgumentError(absl::StrCat("filter.actions[", i, "]: unknown action '",
                                                     filter.actions[i], "'; give one of ",
                                                     KnownActions()));
    }
    q.actions.push_back(filter.actions[i]);
  }
  if (filter.from_micros != 0 && filter.to_micros != 0 && filter.to_micros <= filter.from_micros) {
    return absl::InvalidArgumentError("filter.to: must be later than filter.from");
  }
  q.from_micros = filter.from_micros;
  q.to_micros = filter.to_micros;
  return q;
}

void AuditService::Query(const identity::Caller& caller, const AuditFilter& filter,
                         int64_t after_id, uint32_t limit, Done<AuditPage> done,
                         int64_t deadline_micros) const {
  if (!refusals_.RequireGovernance(caller, "Audit.Query", kWhat, done)) return;
  auto query = ToQuery(filter);
  if (!query.ok()) return done(query.status());
  auto page_limit = PageLimit(limit, "entries", "after_index");
  if (!page_limit.ok()) return done(page_limit.status());
  AuditPage page;
  page.tree_size = store_.AuditTreeSize();
  query->after_id = after_id;
  query->limit = *page_limit + 1;  // one more says whether a further page exists
  if (auto in_time = CheckDeadline(clock_, deadline_micros, kWhat); !in_time.ok()) {
    return done(in_time);
  }
  auto entries = store_.QueryAudit(*query);
  if (!entries.ok()) return done(entries.status());
  if (auto in_time = CheckDeadline(clock_, deadline_micros, kWhat); !in_time.ok()) {
    return done(in_time);
  }
  if (entries->size() > *page_limit) {
    entries->resize(*page_limit);
    page.next_after_id = entries->back().id;
  }
  for (const auto& e : *entries) page.entries.push_back(audit::ToProto(e));
  Answer(caller,
         absl::StrCat("Audit.Query ", Describe(*query), " after_index=", after_id,
                      " limit=", *page_limit),
         std::move(page), std::move(done));
}

void AuditService::StartExport(const identity::Caller& caller, const AuditFilter& filter,
                               ExportFormat format, Done<std::unique_ptr<AuditExport>> done,
                               int64_t deadline_micros) const {
  if (!refusals_.RequireGovernance(caller, "Audit.Export", kWhat, done)) return;
  if (format == ExportFormat::kUnspecified) {
    return done(
        absl::InvalidArgumentError("format: give EXPORT_FORMAT_JSONL or EXPORT_FORMAT_CSV"));
  }
  auto query = ToQuery(filter);
  if (!query.ok()) return done(query.status());
  const auto size = static_cast<int64_t>(store_.AuditTreeSize());
  const std::string detail =
      absl::StrCat("Audit.Export format=", format == ExportFormat::kCsv ? "csv" : "jsonl", " ",
                   Describe(*query), " of ", size, " entries");
  if (auto in_time = CheckDeadline(clock_, deadline_micros, kWhat); !in_time.ok()) {
    return done(in_time);
  }
  Answer(caller, detail,
         std::make_unique<AuditExport>(store_, *std::move(query), format, size,
                                       ReadDeadline{&clock_, deadline_micros}),
         std::move(done));
}

void AuditService::GetCheckpoint(const identity::Caller& caller, uint64_t tree_size,
                                 Done<CheckpointAnswer> done) const {
  if (!refusals_.RequireGovernance(caller, "Audit.GetCheckpoint", kWhat, done)) return;
  auto checkpoint = store_.ReadCheckpoint(tree_size);
  if (absl::IsNotFound(checkpoint.status())) {
    return done(absl::NotFoundError(
        tree_size == 0 ? std::string("tree_size: no checkpoint has been signed yet; the broker "
                                     "signs one shortly after entries are written, retry then")
                       : absl::StrCat("tree_size: the broker signed no checkpoint at ", tree_size,
                                      "; give 0 for the latest, or the size of one it signed")));
  }
  if (!checkpoint.ok()) return done(checkpoint.status());
  CheckpointAnswer answer{checkpoint->tree_size, audit::BytesOf(checkpoint->root), checkpoint->note,
                          checkpoint->signed_at_micros, verifier_key_};
  Answer(caller, absl::StrCat("Audit.GetCheckpoint tree_size=", tree_size), std::move(answer),
         std::move(done));
}

absl::StatusOr<uint64_t> AuditService::ProofTreeSize(uint64_t asked, std::string_view field) const {
  uint64_t size = asked;
  if (size == 0) {
    auto latest = store_.ReadCheckpoint(0);
    if (absl::IsNotFound(latest.status())) {
      return absl::FailedPreconditionError(absl::StrCat(
          std::string(field), ": no checkpoint has been signed yet to default to; give a size"));
    }
    if (!latest.ok()) return latest.status();
    size = latest->tree_size;
  }
  if (const uint64_t logged = store_.AuditTreeSize(); size > logged) {
    return absl::InvalidArgumentError(absl::StrCat(std::string(field), ": the log holds ", logged,
                                                   " entries; give at most that"));
  }
  return size;
}

void AuditService::GetInclusionProof(const identity::Caller& caller, uint64_t index, uint64_t asked,
                                     Done<InclusionAnswer> done) const {
  if (!refusals_.RequireGovernance(caller, "Audit.GetInclusionProof", kWhat, done)) return;
  auto size = ProofTreeSize(asked, "tree_size");
  if (!size.ok()) return done(size.status());
  const uint64_t tree_size = *size;
  if (index == 0 || index > tree_size) {
    return done(absl::InvalidArgumentError(
        absl::StrCat("index: give an entry of the tree, 1 to ", tree_size)));
  }
  auto entry = store_.ReadAudit(static_cast<int64_t>(index) - 1, 1);
  if (!entry.ok()) return done(entry.status());
  if (entry->size() != 1) return done(absl::DataLossError("audit entry missing from the store"));
  auto proof = store_.AuditInclusionProof(index - 1, tree_size);
  if (!proof.ok()) return done(proof.status());
  InclusionAnswer answer{audit::ToProto(entry->front()), tree_size, Bytes(*proof)};
  Answer(caller, absl::StrCat("Audit.GetInclusionProof index=", index, " tree_size=", asked),
         std::move(answer), std::move(done));
}

void AuditService::GetConsistencyProof(const identity::Caller& caller, uint64_t from_size,
                                       uint64_t asked, Done<ConsistencyAnswer> done) const {
  if (!refusals_.RequireGovernance(caller, "Audit.GetConsistencyProof", kWhat, done)) return;
  auto size = ProofTreeSize(asked, "to_size");
  if (!size.ok()) return done(size.status());
  const uint64_t to_size = *size;
  if (from_size == 0 || from_size > to_size) {
    return done(absl::InvalidArgumentError(absl::StrCat(
        "from_size: give the size of a tree you hold (a saved checkpoint's), 1 to ", to_size)));
  }
  auto proof = store_.AuditConsistencyProof(from_size, to_size);
  if (!proof.ok()) return done(proof.status());
  Answer(caller,
         absl::StrCat("Audit.GetConsistencyProof from_size=", from_size, " to_size=", asked),
         ConsistencyAnswer{from_size, to_size, Bytes(*proof)}, std::move(done));
}

void AuditService::ListUnacknowledged(const identity::Caller& caller,
                                      store::UnacknowledgedQuery query,
                                      Done<UnacknowledgedPage> done,
                                      int64_t deadline_micros) const {
  if (!refusals_.RequireGovernance(caller, "Audit.ListUnacknowledged", kWhat, done)) return;
  auto limit = PageLimit(query.limit, "deliveries", "after_sequence");
  if (!limit.ok()) return done(limit.status());
  const std::string detail =
      absl::StrCat("Audit.ListUnacknowledged case_ref=", query.case_ref, " agency=", query.agency,
                   " after_sequence=", query.after.value(), " limit=", *limit);
  query.limit = *limit;
  auto page = ReadUnacknowledgedPage(store_, std::move(query), clock_, deadline_micros);
  if (!page.ok()) return done(page.status());
  Answer(caller, detail, *std::move(page), std::move(done));
}

void AuditService::ListOverdue(const identity::Caller& caller, store::UnacknowledgedQuery query,
                               Done<OverduePage> done, int64_t deadline_micros) const {
  if (!refusals_.Allowed(
          caller, "Audit.ListOverdue",
          AccessRefusals::OversightRole(caller.role, "the list of overdue deliveries"), done)) {
    return;
  }
  auto limit = PageLimit(query.limit, "deliveries", "after_sequence");
  if (!limit.ok()) return done(limit.status());
  const std::string detail =
      absl::StrCat("Audit.ListOverdue case_ref=", query.case_ref, " agency=", query.agency,
                   " after_sequence=", query.after.value(), " limit=", *limit);
  query.limit = *limit;
  const auto policy = policy_.Current();
  const bool first_page = query.after.value() == 0;
  const std::string case_ref = query.case_ref, agency = query.agency;
  auto page = ReadOverdue(store_, *policy, calendar_, std::move(query), clock_, deadline_micros);
  if (!page.ok()) return done(page.status());
  if (first_page) {
    auto open = ListOpenExpectations(store_, *policy, calendar_, case_ref, agency);
    if (!open.ok()) return done(open.status());
    page->expectations = *std::move(open);
  }
  Answer(caller, detail, *std::move(page), std::move(done));
}

}  // namespace safeshare::service
