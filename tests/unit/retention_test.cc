// Retention: the periods as config and agreements write them (file, line
// and key in every refusal), the longest of them per notification type
// (Policy::RetentionFor), when one notification falls due (DueForDeletion),
// and a sweep over a FakeStore whose clock the test moves.
#include <chrono>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "broker/service/retention_sweeper.h"
#include "broker/store/fake_store.h"
#include "tests/unit/completion.h"
#include "tests/unit/config_fixture.h"
#include "tests/unit/temp_dir.h"

namespace safeshare::service {
namespace {

using std::chrono::hours;
using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr int64_t kDay = 86'400'000'000;

// Agreement files: `retention` is the text of an agreement's retention
// block (may be empty).
std::string Agreement(const std::string& id, const std::string& retention) {
  return "id: " + id +
         "\n"
         "title: Test\n"
         "version: 2\n"
         "parties: [police, childrens_social_care]\n"
         "lawful_basis: legal_obligation\n"
         "review_date: 2099-01-01\n"
         "publish:\n"
         "  police: [investigation_outcome]\n"
         "rules:\n"
         "  - id: " +
         id +
         "-R1\n"
         "    types: [investigation_outcome, strategy_minutes]\n"
         "    recipients: [childrens_social_care]\n"
         "    condition: always\n"
         "    purpose: child_protection_enquiry\n" +
         retention;
}

absl::StatusOr<policy::AgreementSet> Load(const std::vector<std::string>& files) {
  const testing::TempDir dir("agreements");
  for (size_t i = 0; i < files.size(); ++i) {
    dir.Write(std::to_string(i) + ".yaml", files[i]);
  }
  return policy::LoadAgreements(dir.path(), "2026-01-01");
}

std::vector<config::Agency> Agencies() {
  return {{AgencyId("police"), "police", "spiffe://t/police", {}, {}},
          {AgencyId("cfs"), "childrens_social_care", "spiffe://t/cfs", {}, {}}};
}

TEST(RetentionPeriodsTest, TheLongestOfEveryAgreementNamingTheTypeApplies) {
  auto set = Load({Agreement("A",
                             "retention:\n"
                             "  investigation_outcome: {acknowledged: 30d, unacknowledged: 90d}\n"),
                   Agreement("B",
                             "retention:\n"
                             "  investigation_outcome: {acknowledged: 60d, unacknowledged: 70d}\n"
                             "  strategy_minutes: {acknowledged: 12h, unacknowledged: 36h}\n")});
  ASSERT_TRUE(set.ok()) << set.status();
  const policy::Policy policy(*std::move(set), Agencies(), {});
  const config::RetentionPeriods fallback{hours(1), hours(2)};
  const auto outcome = policy.RetentionFor("investigation_outcome", fallback);
  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(outcome->periods, (config::RetentionPeriods{hours(24 * 60), hours(24 * 90)}));
  // Each period names the agreement that set it.
  EXPECT_EQ(outcome->acknowledged_source, "B v2");
  EXPECT_EQ(outcome->unacknowledged_source, "A v2");
  const auto minutes = policy.RetentionFor("strategy_minutes", std::nullopt);
  ASSERT_TRUE(minutes.has_value());
  EXPECT_EQ(minutes->periods, (config::RetentionPeriods{hours(12), hours(36)}));
  EXPECT_EQ(minutes->acknowledged_source, "B v2");
  // No agreement sets one: the broker config's, else kept.
  const auto abe = policy.RetentionFor("abe_interview_record", fallback);
  ASSERT_TRUE(abe.has_value());
  EXPECT_EQ(abe->periods, fallback);
  EXPECT_EQ(abe->acknowledged_source, "broker config");
  EXPECT_EQ(abe->unacknowledged_source, "broker config");
  EXPECT_FALSE(policy.RetentionFor("abe_interview_record", std::nullopt).has_value());
}

TEST(RetentionPeriodsTest, AgreementsRefuseWhatCannotBeMeantNamingFileLineAndKey) {
  const auto error = [](const std::string& retention) {
    auto set = Load({Agreement("A", "retention:\n" + retention)});
    EXPECT_FALSE(set.ok());
    return std::string(set.status().message());
  };
  EXPECT_THAT(error("  abe_interview_record: {acknowledged: 30d, unacknowledged: 90d}\n"),
              HasSubstr("0.yaml:16: retention.abe_interview_record: this agreement neither "
                        "publishes nor shares abe_interview_record"));
  EXPECT_THAT(error("  strategy_minutes: {acknowledged: 30d, unacknowledged: 20d}\n"),
              HasSubstr("retention.strategy_minutes.unacknowledged: must be at least as long as "
                        "acknowledged"));
  EXPECT_THAT(error("  strategy_minutes: {acknowledged: 30 days, unacknowledged: 90d}\n"),
              HasSubstr("expected a period such as 30d, 12h, 45m or 90s, got '30 days'"));
  EXPECT_THAT(error("  strategy_minutes: {acknowledged: 0d, unacknowledged: 90d}\n"),
              HasSubstr("must be longer than 0"));
  EXPECT_THAT(error("  strategy_minutes: {acknowledged: 30d}\n"),
              HasSubstr("retention.strategy_minutes.unacknowledged"));
  EXPECT_THAT(error("  strategy_minutes: {acknowledged: 30d, unacknowledged: 90d, after: 1d}\n"),
              HasSubstr("after"));
  EXPECT_THAT(error("  strategy_minutes: {acknowledged: 99999999d, unacknowledged: 99999999d}\n"),
              HasSubstr("must be at most 100 years"));
}

TEST(RetentionPeriodsTest, TheBrokerConfigSetsTheFallbackAndHowOftenToSweep) {
  auto none = config::ParseBrokerConfig(config::kValid, config::kFile);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_FALSE(none->retention.default_periods.has_value());
  EXPECT_EQ(none->retention.sweep_every, hours(1));

  auto set =
      config::ParseBrokerConfig(config::With("audit:\n",
                                             "retention: {acknowledged: 90d, unacknowledged: 400d, "
                                             "sweep_every: 10m}\naudit:\n"),
                                config::kFile);
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->retention.default_periods,
            (config::RetentionPeriods{hours(24 * 90), hours(24 * 400)}));
  EXPECT_EQ(set->retention.sweep_every, seconds(600));

  auto only_sweep = config::ParseBrokerConfig(
      config::With("audit:\n", "retention: {sweep_every: 30s}\naudit:\n"), config::kFile);
  ASSERT_TRUE(only_sweep.ok()) << only_sweep.status();
  EXPECT_FALSE(only_sweep->retention.default_periods.has_value());

  EXPECT_THAT(std::string(config::ParseError(
                              config::With("audit:\n", "retention: {sweep_every: 2d}\naudit:\n"))
                              .message()),
              HasSubstr("broker.yaml:18: retention.sweep_every: must be at most 1d"));
  EXPECT_THAT(std::string(config::ParseError(
                              config::With("audit:\n", "retention: {acknowledged: 90d}\naudit:\n"))
                              .message()),
              HasSubstr("retention.unacknowledged"));
  EXPECT_THAT(
      std::string(config::ParseError(config::With("audit:\n", "retention: {keep: 1d}\naudit:\n"))
                      .message()),
      HasSubstr("retention.keep"));
}

store::HeldNotification Held(int64_t stored_at, std::vector<std::string> unacked,
                             int64_t last_ack) {
  store::HeldNotification held{
      Sequence(7), NotificationId("n-7"), CaseRef("CASE-1"), "strategy_minutes", stored_at, {},
      last_ack};
  for (auto& a : unacked) held.unacknowledged.emplace_back(std::move(a));
  return held;
}

TEST(DueForDeletionTest, AcknowledgedContentGoesThePeriodAfterTheLastAcknowledgement) {
  const policy::RetentionRule rule{{hours(24 * 30), hours(24 * 90)}, "ISA-SM-01 v2", "X v1"};
  const int64_t stored = 1'767'225'600'000'000;  // 2026-01-01T00:00:00Z
  const auto settled = Held(stored, {}, stored + kDay);
  // Acknowledged on day 1: due on day 31, not a microsecond earlier.
  EXPECT_FALSE(DueForDeletion(settled, rule, stored + 31 * kDay - 1).has_value());
  const auto due = DueForDeletion(settled, rule, stored + 31 * kDay);
  ASSERT_TRUE(due.has_value());
  EXPECT_EQ(due->sequence, Sequence(7));
  EXPECT_TRUE(due->acknowledged);
  EXPECT_EQ(due->detail,
            "acknowledged by every recipient, the last on 2026-01-02T00:00:00.000Z; kept 30d "
            "under ISA-SM-01 v2");
  // Routed to nobody: counted from when it was stored.
  const auto nobody = DueForDeletion(Held(stored, {}, 0), rule, stored + 30 * kDay);
  ASSERT_TRUE(nobody.has_value());
  EXPECT_EQ(nobody->detail,
            "routed to no agency, stored on 2026-01-01T00:00:00.000Z; kept 30d under ISA-SM-01 v2");
}

TEST(DueForDeletionTest, UnacknowledgedContentWaitsForTheLongerPeriod) {
  const policy::RetentionRule rule{{hours(24 * 30), hours(36)}, "X v1", "broker config"};
  const int64_t stored = 1'767'225'600'000'000;
  const auto waiting = Held(stored, {"health", "police"}, 0);
  EXPECT_FALSE(DueForDeletion(waiting, rule, stored + 36 * 3'600'000'000LL - 1).has_value());
  const auto due = DueForDeletion(waiting, rule, stored + 36 * 3'600'000'000LL);
  ASSERT_TRUE(due.has_value());
  EXPECT_FALSE(due->acknowledged);
  EXPECT_EQ(due->detail,
            "not acknowledged by health, police; stored on 2026-01-01T00:00:00.000Z; kept 36h "
            "unacknowledged under broker config");
}

// A sweep over the fake store: cfs publishes minutes (the agreement keeps
// them 1d acknowledged, 3d not) and police an ABE record (no agreement
// period; the broker config's, when set).
class SweepTest : public ::testing::Test {
 protected:
  SweepTest() {
    auto set = Load({Agreement("A",
                               "retention:\n"
                               "  strategy_minutes: {acknowledged: 1d, unacknowledged: 3d}\n")});
    EXPECT_TRUE(set.ok()) << set.status();
    policy_ = std::make_unique<routing::PolicyHolder>(std::make_shared<const policy::Policy>(
        *std::move(set), Agencies(), std::vector<std::string>{}));
  }
  void Publish(const std::string& type, const std::string& key) {
    store::NewNotification n;
    n.id = NotificationId("n-" + key);
    n.publisher = AgencyId(type == "strategy_minutes" ? "cfs" : "police");
    n.idempotency_key = key;
    n.case_ref = CaseRef("CASE-1");
    n.type = type;
    n.purpose = "PURPOSE_STRATEGY_DISCUSSION";
    n.body = std::make_shared<const std::string>("body " + key);
    n.content_hash = audit::ContentHash(*n.body);
    n.request_hash = n.content_hash;
    n.recipients.push_back({AgencyId(type == "strategy_minutes" ? "police" : "cfs"), "R", "l"});
    unit::Completion<store::PublishResult> done;
    store_.Publish(std::move(n), done.Callback());
    ASSERT_TRUE(done.Get().ok());
  }
  std::vector<uint64_t> Held() {
    auto held = store_.ReadHeld(Sequence(0), {"strategy_minutes", "abe_interview_record"}, 100);
    EXPECT_TRUE(held.ok());
    std::vector<uint64_t> out;
    for (const auto& h : held.ok() ? *held : std::vector<store::HeldNotification>{}) {
      out.push_back(h.sequence.value());
    }
    return out;
  }

  ManualClock clock_;
  store::FakeStore store_{clock_};
  std::unique_ptr<routing::PolicyHolder> policy_;
};

TEST_F(SweepTest, DeletesWhatIsDueUnderEachTypesPeriodAndAuditsIt) {
  Publish("strategy_minutes", "m1");      // 1: never acknowledged
  Publish("abe_interview_record", "a1");  // 2: no period of its own
  clock_.Advance(std::chrono::hours(48));
  Publish("strategy_minutes", "m2");  // 3: recent
  RetentionSweeper sweeper(store_, *policy_, {std::nullopt, hours(1)}, clock_);
  EXPECT_EQ(sweeper.SweepOnce().value(), 0u);  // 1 waits 3d unacknowledged
  clock_.Advance(std::chrono::hours(24));
  EXPECT_EQ(sweeper.SweepOnce().value(), 1u);
  EXPECT_THAT(Held(), ElementsAre(2u, 3u));
  EXPECT_EQ(sweeper.SweepOnce().value(), 0u);  // nothing twice

  auto entries = store_.ReadAudit(0, 100);
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->back().action, audit::Action::kContentDeleted);
  ASSERT_EQ(entries->back().lines.size(), 1u);
  EXPECT_THAT(entries->back().lines[0].detail, HasSubstr("not acknowledged by police; stored on "));
  EXPECT_THAT(entries->back().lines[0].detail, HasSubstr("kept 3d unacknowledged under A v2"));

  // With a broker-wide period the ABE record goes too.
  RetentionSweeper fallback(store_, *policy_,
                            {config::RetentionPeriods{hours(1), hours(2)}, hours(1)}, clock_);
  EXPECT_EQ(fallback.SweepOnce().value(), 1u);
  EXPECT_THAT(Held(), ElementsAre(3u));
}

TEST_F(SweepTest, RunsOnItsTimerFromStartUntilStop) {
  Publish("strategy_minutes", "m1");
  clock_.Advance(std::chrono::hours(24 * 4));
  RetentionSweeper sweeper(store_, *policy_, {std::nullopt, seconds(1)}, clock_);
  sweeper.Start();  // sweeps at once
  for (int i = 0; i < 100 && !Held().empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_THAT(Held(), IsEmpty());
  sweeper.Stop();
  sweeper.Stop();  // idempotent
}

}  // namespace
}  // namespace safeshare::service
