#pragma once

// The deadline watch over a FakeStore whose clock the test moves, with the
// BrokerService that raises its escalations and an agreement setting a
// deadline (police's ABE records to children's social care) and
// expectations (minutes deciding a section 47 enquiry expect an outcome
// from police; a closing outcome expects minutes by its follow-up date).
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <google/protobuf/util/time_util.h>

#include "absl/time/time.h"
#include "broker/service/audit_service.h"
#include "broker/service/broker_service.h"
#include "broker/service/deadline_watch.h"
#include "broker/store/fake_store.h"
#include "tests/unit/completion.h"
#include "tests/unit/sample_notifications.h"
#include "tests/unit/test_partnership.h"

namespace safeshare::service {

using unit::Completion;

inline const identity::Caller kPolice{AgencyId("police"), "police"};
inline const identity::Caller kLead{AgencyId("lead"), "safeguarding_lead"};

inline std::vector<config::Agency> Agencies() {
  return {{AgencyId("police"), "police", "spiffe://t/police"},
          {AgencyId("cfs"), "childrens_social_care", "spiffe://t/cfs"},
          {AgencyId("health"), "health", "spiffe://t/health"},
          {AgencyId("lead"), "safeguarding_lead", "spiffe://t/lead"}};
}

inline const identity::Caller kCfs{AgencyId("cfs"), "childrens_social_care"};

// Police share ABE records with children's social care, which must
// acknowledge them within a working day; two hours later the safeguarding
// lead hears of it. Minutes deciding a section 47 enquiry expect an
// outcome from police within two working days; a closing outcome expects
// minutes by its follow-up date.
constexpr char kAgreement[] = R"yaml(
id: ISA-DL
title: Deadline test
version: 2
parties: [police, childrens_social_care, health]
lawful_basis: legal_obligation
review_date: 2099-01-01
publish:
  police: [abe_interview_record, investigation_outcome]
  childrens_social_care: [strategy_minutes]
rules:
  - id: DL-R1
    types: [abe_interview_record]
    recipients: [childrens_social_care, health]
    condition: always
    purpose: child_protection_enquiry
  - id: DL-R2
    types: [investigation_outcome]
    recipients: [childrens_social_care]
    condition: always
    purpose: child_protection_enquiry
  - id: DL-R3
    types: [strategy_minutes]
    recipients: [police]
    condition: always
    purpose: strategy_discussion
deadlines:
  - id: DL-D1
    types: [abe_interview_record]
    recipients: [childrens_social_care]
    acknowledge_within: 1 working day
    escalate_after: 2h
expectations:
  - id: DL-EX1
    when: section_47_decided
    expect: investigation_outcome
    from: police
    within: 2 working days
    escalate_after: 1h
  - id: DL-EX2
    when: investigation_closed
    expect: strategy_minutes
    from: childrens_social_care
    within: follow_up_discussion_due
    escalate_after: 1 working day
)yaml";

inline int64_t At(const std::string& rfc3339) {
  absl::Time t;
  std::string error;
  EXPECT_TRUE(absl::ParseTime(absl::RFC3339_full, rfc3339, &t, &error)) << error;
  return absl::ToUnixMicros(t);
}

class WatchFixture : public ::testing::Test {
 protected:
  WatchFixture() {
    clock_.SetWall(At("2026-11-20T09:00:00Z"));  // a Friday
    service_ = std::make_unique<BrokerService>(Partnership{policy_, cases_, key_}, store_, 64 << 20,
                                               SubscriptionSettings{}, LimitsByAgency{}, clock_);
  }
  ~WatchFixture() override {
    store_.Close();
    service_.reset();
  }

  std::unique_ptr<DeadlineWatch> Watch() {
    config::DeadlinesConfig config;  // UTC, Saturday and Sunday off, lead role safeguarding_lead
    return std::make_unique<DeadlineWatch>(
        store_, policy_, config,
        [this](const v1::Notification& n, std::vector<store::Recipient> recipients,
               std::function<void(absl::StatusOr<store::PublishResult>)> done) {
          service_->Raise(n, std::move(recipients), std::move(done));
        },
        clock_);
  }
  Sequence PublishAbe(const std::string& key) {
    return PublishAs(kPolice, samples::AbeInterviewRecord(), key);
  }
  Sequence PublishAs(const identity::Caller& caller, v1::Notification n, const std::string& key) {
    n.set_idempotency_key(key);
    Completion<PublishAnswer> done;
    service_->Publish(caller, n, done.Callback());
    auto answer = done.Get();
    EXPECT_TRUE(answer.ok()) << answer.status();
    return answer.ok() ? answer->sequence : Sequence();
  }
  // cfs's subscription is handed `seq` and acknowledges it.
  void Acknowledge(Sequence seq) {
    Completion<store::SubscriptionRecord> opened;
    store_.OpenSubscription(AgencyId("cfs"), SubscriptionName("s"), true, 100, opened.Callback());
    ASSERT_TRUE(opened.Get().ok());
    store::DeliveredEvent event;
    event.sequence = seq;
    event.recipient = AgencyId("cfs");
    event.subscription = SubscriptionName("s");
    unit::StatusCompletion delivered;
    store_.RecordDelivered({event}, delivered.Callback(), false);
    ASSERT_TRUE(delivered.Get().ok());
    Completion<store::AckResult> acked;
    store_.Acknowledge(AgencyId("cfs"), SubscriptionName("s"), seq, acked.Callback());
    ASSERT_TRUE(acked.Get().ok());
  }
  // The escalations `agency` has received: (level, escalated notification).
  std::vector<std::pair<int, std::string>> Escalations(const std::string& agency) {
    std::vector<std::pair<int, std::string>> out;
    auto deliveries = store_.ReadDeliveries(AgencyId(agency), Sequence(0), 100);
    EXPECT_TRUE(deliveries.ok());
    for (const auto& d : deliveries.ok() ? *deliveries : std::vector<store::StoredDelivery>{}) {
      v1::Notification n;
      EXPECT_TRUE(n.ParseFromString(d.body));
      if (!n.has_escalation()) continue;
      out.emplace_back(static_cast<int>(n.escalation().level()), n.escalation().notification_id());
    }
    return out;
  }
  uint32_t Check(DeadlineWatch& watch) {
    auto raised = watch.CheckOnce();
    EXPECT_TRUE(raised.ok()) << raised.status();
    return raised.ok() ? *raised : 0;
  }
  std::string IdOf(Sequence seq) {
    auto routed = store_.ReadRouted(Sequence(seq.value() - 1), 0, 1, false);
    return routed.ok() && !routed->empty() ? routed->front().id.value() : "";
  }

  absl::StatusOr<OverduePage> Overdue(const identity::Caller& caller,
                                      store::UnacknowledgedQuery query = {}) {
    const policy::WorkingCalendar calendar{config::CalendarConfig{}};
    AuditService audit(store_, key_, "safeshare.test/audit+01020304+AQ==", policy_, calendar,
                       clock_);
    Completion<OverduePage> done;
    audit.ListOverdue(caller, std::move(query), done.Callback());
    return done.Get();
  }

  ManualClock clock_;
  store::FakeStore store_{clock_};
  routing::PolicyHolder policy_{unit::PolicyFrom(kAgreement, Agencies())};
  routing::CaseDirectory cases_;
  const PersonKey key_ = unit::TestPersonKey();
  std::unique_ptr<BrokerService> service_;
};

}  // namespace safeshare::service
