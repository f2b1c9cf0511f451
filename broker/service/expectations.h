#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "broker/audit/audit_entry.h"
#include "broker/policy/agreements.h"
#include "broker/store/store.h"
#include "safeshare/v1/broker.pb.h"

// Expectations (the agreements' `expectations:`): a notification that opens
// one is stored with an `expectation_opened` audit entry in the same commit
// (OpenedBy, at publish); the deadline watch closes it with an
// `expectation_met` entry once the expected notification is on the case,
// and escalates it when it is not by its due time. The audit log is the
// record of which are open, for every broker sharing the store.
namespace safeshare::service {

// The expectations `n` opens under `policy` (Policy::ExpectationsOpenedBy),
// each due on `calendar`: `within` after `now_micros`, or at the end of the
// outcome's follow_up_discussion_due date.
std::vector<store::ExpectationOpening> OpenedBy(const policy::Policy& policy,
                                                const v1::Notification& n, bool case_open,
                                                const policy::WorkingCalendar& calendar,
                                                int64_t now_micros);

// An open expectation as its `expectation_opened` entry records it.
struct OpenExpectation {
  int64_t audit_id = 0;  // of its expectation_opened entry: met by what is published after
  NotificationId opened_by;
  std::string opened_type;
  Sequence opened_sequence;
  AgencyId opened_publisher;
  CaseRef case_ref;
  std::string id;  // the expectation rule's
  std::string expect;
  std::string from;  // role
  int64_t opened_at_micros = 0;
  int64_t due_micros = 0;
  std::string detail;  // the entry's, which names the agreement and what opened it

  // "NOTIFICATION/EXPECTATION": one open expectation per pair.
  std::string Key() const { return opened_by.value() + "/" + id; }
};

// The expectation an `expectation_opened` entry records; none when the
// entry is not one or cannot be read.
std::optional<OpenExpectation> ParseOpened(const audit::Entry& entry);
// The key an `expectation_met` entry closes ("NOTIFICATION/EXPECTATION").
std::string MetKey(const audit::Entry& entry);

// Every expectation open now (opened and not met), of case `case_ref`
// unless empty, by key. Reads the audit log's opened and met entries.
absl::StatusOr<std::map<std::string, OpenExpectation>> ReadOpenExpectations(
    const store::Store& store, const std::string& case_ref);

// The notification that meets `open`, if the audit log shows one: a
// `published` entry on its case after it was opened, of the expected type,
// by an agency of the expected role under `policy`.
absl::StatusOr<std::optional<audit::Entry>> FindMeeting(const store::Store& store,
                                                        const policy::Policy& policy,
                                                        const OpenExpectation& open);
// The `expectation_met` entry for `open`, met by `published`.
audit::Entry MetEntry(const OpenExpectation& open, const audit::Entry& published);

// The escalation of `open` at `level` (kind EXPECTATION_UNMET), under its
// rule `ref`; level 2 falls due at `lead_due_micros`. Its idempotency key
// ("expectation/NOTIFICATION/EXPECTATION/LEVEL") names what it escalates.
v1::Notification ExpectationEscalation(const OpenExpectation& open,
                                       const policy::Policy::ExpectationRef& ref, int level,
                                       int64_t lead_due_micros);
// Level 1: the agencies of the expected role and the publisher of the
// notification that opened it; level 2: the agencies of `lead_roles`.
std::vector<store::Recipient> ExpectationRecipients(const OpenExpectation& open,
                                                    const policy::Policy::ExpectationRef& ref,
                                                    int level, const policy::Policy& policy,
                                                    const std::vector<std::string>& lead_roles);

}  // namespace safeshare::service
