// Unit tests for the store side of information-sharing agreements: redacted
// views served per recipient, the richer delivery records and their audit,
// case engagement, person interests and links, the policy audit and the
// reads for routing state, impact replay and urgent-disclosure review.
// AgreementsContract runs against both stores; SqliteStoreTest covers a
// restart, the upgrade of a version 2 file and the body checks of views.
#include <chrono>
#include <filesystem>
#include <future>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "broker/audit/chain.h"
#include "broker/store/backup.h"
#include "broker/store/body_check.h"
#include "broker/store/schema_sql.h"
#include "tests/support/test_data_keys.h"
#include "tests/unit/store_fixture.h"

namespace safeshare::store {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

class AgreementsContract : public StoreContract {};
INSTANTIATE_TEST_SUITE_P(Stores, AgreementsContract, SAFESHARE_STORES,
                         [](const auto& info) { return info.param; });

View ViewWith(const std::string& text) {
  auto body = std::make_shared<const std::string>(text);
  return View{body, audit::ContentHash(*body)};
}

// A notification from cfs on CASE-1 under policy v7: police receives the
// full body under ISA-03, health view 1 (two fields withheld, for another
// purpose, also because of CASE-2) and education view 2 as an urgent
// disclosure outside every agreement; housing is denied.
NewNotification Shared(const std::string& key, const std::string& content = "as sent") {
  auto n = Note("cfs", key, {}, {}, content);
  n.policy_version = "v7";
  n.views = {ViewWith("for health"), ViewWith("for education")};
  n.recipients = {
      {AgencyId("police"), "isa03-police", "legal_obligation", "ISA-03 v2",
       "PURPOSE_STRATEGY_DISCUSSION"},
      {AgencyId("health"),
       "isa07-linked",
       "public_task",
       "ISA-07 v1",
       "PURPOSE_CHILD_IN_NEED_ASSESSMENT",
       1,
       {"strategy_minutes.address", "strategy_minutes.notes"},
       {CaseRef("CASE-2")}},
      {AgencyId("education"),
       "urgent",
       "vital_interests",
       "",
       "PURPOSE_STRATEGY_DISCUSSION",
       2,
       {"strategy_minutes.notes"},
       {},
       /*urgent=*/true,
       "child at immediate risk tonight"},
  };
  n.denied = {{AgencyId("housing"), "no rule of ISA-03 v2 shares strategy_minutes with housing"}};
  return n;
}

CaseChange Change(const std::string& actor, std::vector<std::string> engage,
                  std::vector<std::string> disengage = {},
                  CaseStatusChange status = CaseStatusChange::kNone) {
  CaseChange change{AgencyId(actor), CaseRef("CASE-1"), {}, {}, status};
  for (auto& a : engage) change.engage.emplace_back(std::move(a));
  for (auto& a : disengage) change.disengage.emplace_back(std::move(a));
  return change;
}

// "AGENCY current|ended SOURCE" per engagement, for readable expectations.
std::vector<std::string> Engagements(const CaseState& state) {
  std::vector<std::string> out;
  for (const auto& e : state.engagements) {
    out.push_back(e.agency.value() + (e.until_micros == 0 ? " current " : " ended ") + e.source);
  }
  return out;
}

std::vector<std::string> Cases(const std::set<CaseRef>& cases) {
  std::vector<std::string> out;
  out.reserve(cases.size());
  for (const auto& c : cases) out.push_back(c.value());
  return out;
}

TEST_P(AgreementsContract, EachRecipientIsServedItsOwnViewWithItsHashAndFacts) {
  const auto n = Shared("k1");
  ASSERT_TRUE(Publish(n).ok());
  auto police = store_->ReadDeliveries(AgencyId("police"), Sequence(0), 10);
  auto health = store_->ReadDeliveries(AgencyId("health"), Sequence(0), 10);
  auto education = store_->ReadDeliveries(AgencyId("education"), Sequence(0), 10);
  ASSERT_TRUE(police.ok() && health.ok() && education.ok()) << health.status();
  ASSERT_EQ(police->size(), 1u);
  ASSERT_EQ(health->size(), 1u);
  ASSERT_EQ(education->size(), 1u);
  const auto& p = (*police)[0];
  EXPECT_EQ(p.body, *n.body);
  EXPECT_EQ(p.content_hash, n.content_hash);
  EXPECT_EQ(p.agreement, "ISA-03 v2");
  EXPECT_EQ(p.rule, "isa03-police");
  EXPECT_FALSE(p.urgent);
  const auto& h = (*health)[0];
  EXPECT_EQ(h.body, "for health");
  EXPECT_EQ(h.content_hash, audit::ContentHash("for health"));
  EXPECT_EQ(h.purpose, "PURPOSE_CHILD_IN_NEED_ASSESSMENT");  // the delivery's, not the note's
  EXPECT_EQ(h.lawful_basis, "public_task");
  EXPECT_EQ(h.agreement, "ISA-07 v1");
  EXPECT_THAT(h.linked_cases, ElementsAre(CaseRef("CASE-2")));
  const auto& e = (*education)[0];
  EXPECT_EQ(e.body, "for education");
  EXPECT_TRUE(e.urgent);
  EXPECT_EQ(e.agreement, "");
  EXPECT_THAT(DeliveredSequences("housing"), IsEmpty());
}

// A recipient without a purpose of its own is stored with the
// notification's (as every delivery was before agreements).
TEST_P(AgreementsContract, ARecipientWithoutAPurposeGetsTheNotificationsPurpose) {
  ASSERT_TRUE(Publish(Note("cfs", "k1", {"police"})).ok());
  auto police = store_->ReadDeliveries(AgencyId("police"), Sequence(0), 10);
  ASSERT_TRUE(police.ok());
  ASSERT_EQ(police->size(), 1u);
  EXPECT_EQ((*police)[0].purpose, "PURPOSE_STRATEGY_DISCUSSION");
}

TEST_P(AgreementsContract, AcknowledgingAViewAuditsItsHash) {
  ASSERT_TRUE(Publish(Shared("k1")).ok());
  ASSERT_TRUE(Open("health", "feed").ok());
  ASSERT_TRUE(Ack("health", "feed", 1).ok());
  const auto acked = LinesOf(audit::Action::kAcknowledged);
  ASSERT_EQ(acked.size(), 1u);
  EXPECT_EQ(acked[0].agency, "health");
  EXPECT_EQ(acked[0].content_hash, audit::ContentHash("for health"));
  EXPECT_EQ(acked[0].purpose, "PURPOSE_CHILD_IN_NEED_ASSESSMENT");
  EXPECT_EQ(acked[0].rule, "isa07-linked");
  EXPECT_EQ(acked[0].agreement, "ISA-07 v1");
}

TEST_P(AgreementsContract, ARecipientNamingAMissingViewIsRefusedAndNothingIsStored) {
  auto n = Shared("k1");
  n.recipients[1].view = 3;  // two views
  auto refused = Publish(n);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("receives view 3"));
  EXPECT_THAT(Audit(), IsEmpty());
  auto next = Publish(Shared("k2"));
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->sequence, Sequence(1));
}

TEST_P(AgreementsContract,
       PublishAuditsOneDecisionWithEachRecipientsRuleAgreementViewAndEachDenial) {
  auto n = Shared("k1");
  n.person_hashes = {"hash-a", "hash-b"};
  ASSERT_TRUE(Publish(n).ok());
  const auto audit = Audit();
  ASSERT_EQ(audit.size(), 1u);
  const auto& decision = audit[0];
  EXPECT_EQ(decision.action, audit::Action::kPublished);
  EXPECT_EQ(decision.version, 2);
  EXPECT_EQ(decision.actor, "cfs");
  EXPECT_EQ(decision.notification_id, n.id.value());
  EXPECT_EQ(decision.case_ref, "CASE-1");
  EXPECT_EQ(decision.detail, "strategy_minutes sequence 1; policy v7");
  EXPECT_EQ(decision.content_hash, n.content_hash);
  EXPECT_THAT(decision.person_hashes, ElementsAre("hash-a", "hash-b"));
  std::vector<std::string> outcomes;
  for (const auto& line : decision.lines) {
    outcomes.push_back(std::string(audit::ActionName(line.outcome)) + " " + line.agency);
    EXPECT_EQ(line.sequence, 1);
  }
  EXPECT_THAT(outcomes, ElementsAre("routed police", "routed health", "urgent_disclosure education",
                                    "withheld housing"));

  const auto& police = decision.lines[0];
  EXPECT_EQ(police.agreement, "ISA-03 v2");
  EXPECT_EQ(police.rule, "isa03-police");
  EXPECT_EQ(police.lawful_basis, "legal_obligation");
  EXPECT_EQ(police.purpose, "PURPOSE_STRATEGY_DISCUSSION");
  EXPECT_EQ(police.content_hash, n.content_hash);
  EXPECT_EQ(police.detail, "withheld: none");

  const auto& health = decision.lines[1];
  EXPECT_EQ(health.agreement, "ISA-07 v1");
  EXPECT_EQ(health.purpose, "PURPOSE_CHILD_IN_NEED_ASSESSMENT");
  EXPECT_EQ(health.content_hash, audit::ContentHash("for health"));
  EXPECT_EQ(health.detail,
            "withheld: strategy_minutes.address,strategy_minutes.notes; linked cases: CASE-2");

  const auto& urgent = decision.lines[2];
  EXPECT_EQ(urgent.agreement, "");
  EXPECT_EQ(urgent.rule, "urgent");
  EXPECT_EQ(urgent.content_hash, audit::ContentHash("for education"));
  EXPECT_EQ(urgent.detail,
            "reason: child at immediate risk tonight; withheld: strategy_minutes.notes");

  const auto& housing = decision.lines[3];
  EXPECT_EQ(housing.detail, "no rule of ISA-03 v2 shares strategy_minutes with housing");
  EXPECT_EQ(housing.rule, "");
  EXPECT_EQ(housing.content_hash, "");
  EXPECT_TRUE(audit::VerifyChain(audit).ok());
}

TEST_P(AgreementsContract, PublishLinksEachPersonHashToTheCase) {
  auto first = Shared("k1");
  first.person_hashes = {"hash-a", "hash-b"};
  ASSERT_TRUE(Publish(first).ok());
  auto second = Shared("k2", "other");
  second.case_ref = CaseRef("CASE-2");
  second.person_hashes = {"hash-a"};
  ASSERT_TRUE(Publish(second).ok());
  auto third = Shared("k3", "third");
  third.person_hashes = {"hash-a"};  // CASE-1 again: already linked
  ASSERT_TRUE(Publish(third).ok());

  auto state = store_->ReadRoutingState();
  ASSERT_TRUE(state.ok()) << state.status();
  ASSERT_EQ(state->person_cases.size(), 2u);
  EXPECT_THAT(Cases(state->person_cases["hash-a"]), ElementsAre("CASE-1", "CASE-2"));
  EXPECT_THAT(Cases(state->person_cases["hash-b"]), ElementsAre("CASE-1"));
  EXPECT_THAT(state->cases, IsEmpty());  // naming people engages nobody
  EXPECT_THAT(AuditOf(audit::Action::kCaseChanged), IsEmpty());
}

// What a broker sharing the database rereads after another's commit: only
// the cases and persons named, each as it stands.
TEST_P(AgreementsContract, ReadRoutingChangesReadsOnlyTheNamedCasesAndPersons) {
  auto first = Shared("k1");
  first.person_hashes = {"hash-a", "hash-b"};
  first.engage = {AgencyId("police")};
  ASSERT_TRUE(Publish(first).ok());
  auto second = Shared("k2", "other");
  second.case_ref = CaseRef("CASE-2");
  second.engage = {AgencyId("health")};
  ASSERT_TRUE(Publish(second).ok());
  ASSERT_TRUE(ChangeInterests("probation", {"hash-a"}).ok());

  RoutingChanges which;
  which.cases = {CaseRef("CASE-1"), CaseRef("CASE-UNKNOWN")};
  which.persons = {"hash-a", "hash-never-named"};
  auto read = store_->ReadRoutingChanges(which);
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_EQ(read->cases.size(), 1u);  // CASE-2 not asked for, the unknown one absent
  EXPECT_EQ(read->cases[0].case_ref, CaseRef("CASE-1"));
  ASSERT_EQ(read->cases[0].engagements.size(), 1u);
  EXPECT_EQ(read->cases[0].engagements[0].agency, AgencyId("police"));
  EXPECT_EQ(read->interests, (std::map<std::string, std::set<AgencyId>>{
                                 {"hash-a", {AgencyId("probation")}}, {"hash-never-named", {}}}));
  ASSERT_EQ(read->person_cases.size(), 2u);  // hash-b not asked for
  EXPECT_THAT(Cases(read->person_cases["hash-a"]), ElementsAre("CASE-1"));
  EXPECT_THAT(read->person_cases["hash-never-named"], IsEmpty());

  auto everything = store_->ReadRoutingChanges(RoutingChanges{.everything = true});
  ASSERT_TRUE(everything.ok());
  EXPECT_EQ(everything->cases.size(), 2u);
  EXPECT_EQ(everything->person_cases.size(), 2u);
}

TEST_P(AgreementsContract, PublishRecordsTheEngagementOfStrategyMinutesOnce) {
  auto minutes = Shared("k1");
  minutes.engage = {AgencyId("police"), AgencyId("health")};
  ASSERT_TRUE(Publish(minutes).ok());
  auto again = Shared("k2", "second minutes");
  again.engage = {AgencyId("police"), AgencyId("education")};
  ASSERT_TRUE(Publish(again).ok());
  auto nothing_new = Shared("k3", "third minutes");
  nothing_new.engage = {AgencyId("health")};
  ASSERT_TRUE(Publish(nothing_new).ok());

  auto state = store_->ReadCase(CaseRef("CASE-1"));
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_FALSE(state->closed);
  const std::string first = "strategy minutes " + minutes.id.value();
  EXPECT_THAT(Engagements(*state),
              ElementsAre("police current " + first, "health current " + first,
                          "education current strategy minutes " + again.id.value()));
  EXPECT_EQ(state->engagements[0].since_micros, clock_.WallMicros());

  const auto changed = AuditOf(audit::Action::kCaseChanged);
  ASSERT_EQ(changed.size(), 2u);  // the third changed nothing
  EXPECT_EQ(changed[0].actor, "cfs");
  EXPECT_EQ(changed[0].case_ref, "CASE-1");
  EXPECT_EQ(changed[0].notification_id, minutes.id.value());
  EXPECT_EQ(changed[0].detail, "opened; engaged: police,health; recorded from strategy minutes");
  EXPECT_EQ(changed[1].detail, "engaged: education; recorded from strategy minutes");
  // After the publish's own entry.
  EXPECT_EQ(Audit()[1].action, audit::Action::kCaseChanged);
}

TEST_P(AgreementsContract, ARetriedPublishAppliesNoLinksOrEngagementsAgain) {
  auto minutes = Shared("k1");
  minutes.engage = {AgencyId("police")};
  minutes.person_hashes = {"hash-a"};
  ASSERT_TRUE(Publish(minutes).ok());
  ASSERT_TRUE(ChangeCase(Change("cfs", {}, {"police"})).ok());
  auto retry = Shared("k1");  // same key and content; other case, people and engagement
  retry.case_ref = CaseRef("CASE-9");
  retry.engage = {AgencyId("police"), AgencyId("health")};
  retry.person_hashes = {"hash-z"};
  auto answered = Publish(retry);
  ASSERT_TRUE(answered.ok()) << answered.status();
  EXPECT_TRUE(answered->duplicate);

  auto state = store_->ReadRoutingState();
  ASSERT_TRUE(state.ok());
  ASSERT_EQ(state->cases.size(), 1u);
  EXPECT_THAT(Engagements(state->cases[0]),
              ElementsAre("police ended strategy minutes " + minutes.id.value()));
  EXPECT_EQ(state->person_cases.count("hash-z"), 0u);
  EXPECT_EQ(AuditOf(audit::Action::kCaseChanged).size(), 2u);  // minutes, then disengage
  EXPECT_EQ(AuditOf(audit::Action::kDuplicate).size(), 1u);
}

TEST_P(AgreementsContract, ChangeCaseOpensEngagesDisengagesClosesAndReopens) {
  auto opened = ChangeCase(Change("cfs", {"police", "health", "police"}));
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->case_ref, CaseRef("CASE-1"));
  EXPECT_THAT(Engagements(*opened),
              ElementsAre("police current recorded by cfs", "health current recorded by cfs"));
  clock_.Advance(std::chrono::seconds(60));
  auto ended = ChangeCase(Change("police", {"health"}, {"police", "education"}));
  ASSERT_TRUE(ended.ok()) << ended.status();
  EXPECT_THAT(Engagements(*ended),
              ElementsAre("police ended recorded by cfs", "health current recorded by cfs"));
  EXPECT_EQ(ended->engagements[0].until_micros, clock_.WallMicros());
  auto closed = ChangeCase(Change("cfs", {}, {}, CaseStatusChange::kClose));
  ASSERT_TRUE(closed.ok());
  EXPECT_TRUE(closed->closed);
  auto same = ChangeCase(Change("cfs", {"health"}, {}, CaseStatusChange::kClose));  // no-op
  ASSERT_TRUE(same.ok());
  EXPECT_TRUE(same->closed);
  auto reopened = ChangeCase(Change("cfs", {"police"}, {}, CaseStatusChange::kReopen));
  ASSERT_TRUE(reopened.ok());
  EXPECT_FALSE(reopened->closed);
  EXPECT_THAT(Engagements(*reopened),
              ElementsAre("police ended recorded by cfs", "health current recorded by cfs",
                          "police current recorded by cfs"));

  auto read = store_->ReadCase(CaseRef("CASE-1"));
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(Engagements(*read), Engagements(*reopened));
  std::vector<std::string> details;
  for (const auto& e : AuditOf(audit::Action::kCaseChanged)) {
    EXPECT_EQ(e.case_ref, "CASE-1");
    details.push_back(e.actor + ": " + e.detail);
  }
  EXPECT_THAT(details,
              ElementsAre("cfs: opened; engaged: police,health", "police: disengaged: police",
                          "cfs: closed", "cfs: engaged: police; reopened"));
}

TEST_P(AgreementsContract, AnAgencyBothEngagedAndDisengagedIsRefusedAndNothingIsStored) {
  auto refused = ChangeCase(Change("cfs", {"police"}, {"police"}));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("police"));
  EXPECT_EQ(store_->ReadCase(CaseRef("CASE-1")).status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(Audit(), IsEmpty());
  EXPECT_TRUE(store_->Failure().ok());
}

TEST_P(AgreementsContract, AnUnknownCaseIsNotFound) {
  auto read = store_->ReadCase(CaseRef("CASE-404"));
  EXPECT_EQ(read.status().code(), absl::StatusCode::kNotFound);
}

TEST_P(AgreementsContract, InterestsAreRegisteredAndWithdrawnCountingOnlyChanges) {
  auto two = ChangeInterests("police", {"hash-a", "hash-b"});
  ASSERT_TRUE(two.ok()) << two.status();
  EXPECT_EQ(*two, 2u);
  auto one = ChangeInterests("police", {"hash-a", "hash-c", "hash-c"});
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(*one, 1u);
  ASSERT_TRUE(ChangeInterests("health", {"hash-a"}).ok());
  auto withdrawn = ChangeInterests("police", {"hash-a", "hash-unknown"}, /*withdraw=*/true);
  ASSERT_TRUE(withdrawn.ok());
  EXPECT_EQ(*withdrawn, 1u);

  auto state = store_->ReadRoutingState();
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->interests,
            (std::map<std::string, std::set<AgencyId>>{{"hash-a", {AgencyId("health")}},
                                                       {"hash-b", {AgencyId("police")}},
                                                       {"hash-c", {AgencyId("police")}}}));
  std::vector<std::string> details;
  for (const auto& e : AuditOf(audit::Action::kInterestChanged)) details.push_back(e.detail);
  EXPECT_THAT(details, ElementsAre("registered interest in 2 of 2 person hashes: [hash-a,hash-b]",
                                   "registered interest in 1 of 3 person hashes: [hash-c]",
                                   "registered interest in 1 of 1 person hashes: [hash-a]",
                                   "withdrew interest in 1 of 2 person hashes: [hash-a]"));
  EXPECT_EQ(AuditOf(audit::Action::kInterestChanged)[3].actor, "police");
}

TEST_P(AgreementsContract, AnEmptyPersonHashIsRefusedAndNothingIsStored) {
  auto refused = ChangeInterests("police", {"hash-a", ""});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  auto state = store_->ReadRoutingState();
  ASSERT_TRUE(state.ok());
  EXPECT_THAT(state->interests, IsEmpty());
  EXPECT_THAT(Audit(), IsEmpty());
}

TEST_P(AgreementsContract, PolicyChangesAreAuditedAppliedOrRefused) {
  ASSERT_TRUE(RecordPolicyChange({AgencyId("broker"), "v1", "v2"}).ok());
  ASSERT_TRUE(RecordPolicyChange(
                  {AgencyId("cfs"), "v2", "v3", false, "isa-03.yaml:12: rules: unknown role"})
                  .ok());
  const auto changes = AuditOf(audit::Action::kPolicyChanged);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].actor, "broker");
  EXPECT_EQ(changes[0].detail, "policy v1 -> v2 applied");
  EXPECT_EQ(changes[1].actor, "cfs");
  EXPECT_EQ(changes[1].detail,
            "policy v3 refused, v2 stays in force: isa-03.yaml:12: rules: unknown role");
}

TEST_P(AgreementsContract, ReadRoutedFiltersBySequenceTimeAndUrgency) {
  ASSERT_TRUE(Publish(Note("cfs", "k1", {"police"})).ok());
  clock_.Advance(std::chrono::seconds(10));
  const int64_t second_at = clock_.WallMicros();
  const auto shared = Shared("k2");
  ASSERT_TRUE(Publish(shared).ok());
  clock_.Advance(std::chrono::seconds(10));
  ASSERT_TRUE(Publish(Note("police", "k3", {"cfs"})).ok());

  auto all = store_->ReadRouted(Sequence(0), 0, 10, false);
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 3u);
  const auto& n = (*all)[1];
  EXPECT_EQ(n.sequence, Sequence(2));
  EXPECT_EQ(n.id, shared.id);
  EXPECT_EQ(n.publisher, AgencyId("cfs"));
  EXPECT_EQ(n.case_ref, CaseRef("CASE-1"));
  EXPECT_EQ(n.type, "strategy_minutes");
  EXPECT_EQ(n.stored_at_micros, second_at);
  EXPECT_EQ(n.body, *shared.body);
  ASSERT_EQ(n.recipients.size(), 3u);
  const auto& health = n.recipients[1];
  EXPECT_EQ(health.agency, AgencyId("health"));
  EXPECT_EQ(health.rule, "isa07-linked");
  EXPECT_EQ(health.lawful_basis, "public_task");
  EXPECT_EQ(health.agreement, "ISA-07 v1");
  EXPECT_EQ(health.purpose, "PURPOSE_CHILD_IN_NEED_ASSESSMENT");
  EXPECT_EQ(health.view, 1u);
  EXPECT_THAT(health.withheld_fields,
              ElementsAre("strategy_minutes.address", "strategy_minutes.notes"));
  EXPECT_THAT(health.linked_cases, ElementsAre(CaseRef("CASE-2")));
  EXPECT_FALSE(health.urgent);
  EXPECT_TRUE(n.recipients[2].urgent);
  EXPECT_EQ(n.recipients[2].urgent_reason, "child at immediate risk tonight");
  EXPECT_EQ(n.recipients[2].view, 2u);

  auto sequences = [&](Sequence after, int64_t since, size_t limit, bool urgent_only) {
    std::vector<uint64_t> out;
    auto read = store_->ReadRouted(after, since, limit, urgent_only);
    EXPECT_TRUE(read.ok()) << read.status();
    for (const auto& r : read.ok() ? *read : std::vector<RoutedNotification>{}) {
      out.push_back(r.sequence.value());
    }
    return out;
  };
  EXPECT_THAT(sequences(Sequence(1), 0, 10, false), ElementsAre(2, 3));
  EXPECT_THAT(sequences(Sequence(0), second_at, 10, false), ElementsAre(2, 3));
  EXPECT_THAT(sequences(Sequence(0), 0, 2, false), ElementsAre(1, 2));
  EXPECT_THAT(sequences(Sequence(0), 0, 10, true), ElementsAre(2));
  EXPECT_THAT(sequences(Sequence(2), 0, 10, true), IsEmpty());
  EXPECT_THAT(sequences(Sequence(0), clock_.WallMicros() + 1, 10, false), IsEmpty());
}

TEST_P(AgreementsContract, ADamagedViewIsNeverServedAndMarksTheStoreFailed) {
  ASSERT_TRUE(Publish(Shared("k1")).ok());
  CorruptView(Sequence(1), 1);
  std::promise<absl::Status> failed;
  store_->SetFailureListener([&](const absl::Status& s) { failed.set_value(s); });
  auto read = store_->ReadDeliveries(AgencyId("health"), Sequence(0), 10);
  EXPECT_EQ(read.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(read.status().message()), HasSubstr("sequence 1"));
  EXPECT_THAT(std::string(read.status().message()), Not(HasSubstr("for health")));
  EXPECT_EQ(failed.get_future().get().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(Publish(Shared("k2", "more")).status().code(), absl::StatusCode::kUnavailable);
}

TEST_P(AgreementsContract, ReadRoutedNeverServesADamagedBody) {
  ASSERT_TRUE(Publish(Shared("k1")).ok());
  CorruptBody(Sequence(1));
  auto read = store_->ReadRouted(Sequence(0), 0, 10, false);
  EXPECT_EQ(read.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_FALSE(store_->Failure().ok());
}

TEST_F(SqliteStoreTest, RoutingStateSurvivesARestart) {
  auto minutes = Shared("k1");
  minutes.engage = {AgencyId("police")};
  minutes.person_hashes = {"hash-a"};
  ASSERT_TRUE(Publish(minutes).ok());
  ASSERT_TRUE(ChangeCase(Change("cfs", {"health"}, {}, CaseStatusChange::kClose)).ok());
  ASSERT_TRUE(ChangeInterests("education", {"hash-a"}).ok());
  auto before = store_->ReadRoutingState();
  ASSERT_TRUE(before.ok());

  Reopen();
  auto after = store_->ReadRoutingState();
  ASSERT_TRUE(after.ok()) << after.status();
  ASSERT_EQ(after->cases.size(), 1u);
  EXPECT_TRUE(after->cases[0].closed);
  EXPECT_THAT(Engagements(after->cases[0]),
              ElementsAre("police current strategy minutes " + minutes.id.value(),
                          "health current recorded by cfs"));
  EXPECT_EQ(Engagements(after->cases[0]), Engagements(before->cases[0]));
  EXPECT_EQ(after->interests, before->interests);
  EXPECT_THAT(Cases(after->person_cases["hash-a"]), ElementsAre("CASE-1"));
  auto health = store_->ReadDeliveries(AgencyId("health"), Sequence(0), 10);
  ASSERT_TRUE(health.ok());
  ASSERT_EQ(health->size(), 1u);
  EXPECT_EQ((*health)[0].body, "for health");
}

// Writes a version 2 store as that build did: one notification from cfs to
// police and its audit entry, chained from genesis.
void WriteVersion2Store(const std::filesystem::path& path, const std::string& body) {
  auto db = SqliteConnection::Open(path, /*read_only=*/false);
  ASSERT_TRUE(db.ok()) << db.status();
  ASSERT_TRUE((*db)->Exec(kSchemaV2Sql).ok());
  ASSERT_TRUE((*db)->Exec("PRAGMA user_version=2").ok());
  const auto hash = audit::ContentHash(body);
  auto insert = (*db)->Prepare(
      "INSERT INTO notifications VALUES(1,'n-old','cfs','k-old','CASE-1','strategy_minutes',"
      "'PURPOSE_STRATEGY_DISCUSSION',?1,?2,'police',1700000000000000,'req')");
  ASSERT_TRUE(insert.ok());
  ASSERT_TRUE(insert->BindBlob(1, body).Bind(2, hash).Run().ok());
  ASSERT_TRUE(
      (*db)->Exec("INSERT INTO deliveries VALUES('police',1,'ISA-03','legal_obligation')").ok());
  AppendVersion1Entry(**db,
                      {.id = 1,
                       .at_micros = 1'700'000'000'000'000,
                       .actor = "cfs",
                       .action = audit::Action::kPublished,
                       .notification_id = "n-old",
                       .case_ref = "CASE-1",
                       .purpose = "PURPOSE_STRATEGY_DISCUSSION",
                       .detail = "strategy_minutes sequence 1 routed to [police]",
                       .content_hash = hash},
                      std::string(audit::kGenesisHash));
}

TEST_F(SqliteStoreTest, AVersion2StoreIsUpgradedInPlaceWithItsDataIntact) {
  store_.reset();
  const auto path = dir_ / "safeshare.db";
  std::filesystem::remove(path);
  const std::string body("old\0body", 8);
  ASSERT_NO_FATAL_FAILURE(WriteVersion2Store(path, body));

  Reopen();
  {
    auto db = SqliteConnection::Open(path, /*read_only=*/true);
    ASSERT_TRUE(db.ok());
    EXPECT_EQ(*(*db)->QueryInt("PRAGMA user_version"), kSchemaVersion);
  }
  auto police = store_->ReadDeliveries(AgencyId("police"), Sequence(0), 10);
  ASSERT_TRUE(police.ok()) << police.status();
  ASSERT_EQ(police->size(), 1u);
  EXPECT_EQ((*police)[0].body, body);
  EXPECT_EQ((*police)[0].purpose, "PURPOSE_STRATEGY_DISCUSSION");  // copied from its notification
  EXPECT_EQ((*police)[0].rule, "ISA-03");
  EXPECT_EQ((*police)[0].agreement, "");
  auto routed = store_->ReadRouted(Sequence(0), 0, 10, false);
  ASSERT_TRUE(routed.ok()) << routed.status();
  ASSERT_EQ(routed->size(), 1u);
  EXPECT_EQ((*routed)[0].recipients[0].view, 0u);

  // It goes on: sequence 2, the chain continued, agreements stored.
  auto next = Publish(Shared("k1"));
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->sequence, Sequence(2));
  const auto audit = Audit();
  ASSERT_EQ(audit.size(), 2u);
  EXPECT_EQ(audit[0].notification_id, "n-old");
  EXPECT_EQ(audit[0].version, 1);  // as written
  EXPECT_EQ(audit[1].version, 2);
  EXPECT_TRUE(audit::VerifyChain(audit).ok()) << audit::VerifyChain(audit);
  auto old = store_->QueryAudit({.agency = "cfs", .notification_id = "n-old"});  // filed on upgrade
  ASSERT_TRUE(old.ok()) << old.status();
  ASSERT_EQ(old->size(), 1u);
  EXPECT_EQ((*old)[0].entry_hash, audit[0].entry_hash);
  EXPECT_EQ(store_->AuditTreeSize(), 2u);
  auto health = store_->ReadDeliveries(AgencyId("health"), Sequence(0), 10);
  ASSERT_TRUE(health.ok());
  ASSERT_EQ(health->size(), 1u);
  EXPECT_EQ((*health)[0].body, "for health");
  Reopen();  // and opens again at the current version
  EXPECT_THAT(DeliveredSequences("police"), ElementsAre(1, 2));
}

TEST_F(SqliteStoreTest, BodyChecksAndBackupsVerifyEveryViewToo) {
  ASSERT_TRUE(Publish(Shared("k1")).ok());
  ASSERT_TRUE(Publish(Shared("k2", "second")).ok());
  const auto path = dir_ / "safeshare.db";
  auto intact = CheckStoreBodies(path, *TestDataKeys());
  ASSERT_TRUE(intact.ok()) << intact.status();
  EXPECT_EQ(intact->checked, 6);  // two full bodies and four views
  EXPECT_TRUE(intact->ok());

  CorruptView(Sequence(2), 2);
  auto bodies = CheckStoreBodies(path, *TestDataKeys());
  ASSERT_TRUE(bodies.ok());
  EXPECT_EQ(bodies->failed, 1);
  EXPECT_THAT(bodies->first_failed, ElementsAre(2));
  auto backup = BackupStore(path, dir_ / "backup.db", /*force=*/false, *TestDataKeys());
  EXPECT_EQ(backup.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(backup.status().message(), HasSubstr("(first: sequence 2)"));
}

}  // namespace
}  // namespace safeshare::store
