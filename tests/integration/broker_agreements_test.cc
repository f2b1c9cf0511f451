// Information-sharing agreements end to end, against the real broker over
// mutual TLS with the example agreements of config/agreements: redaction per
// recipient, denials, case engagement, person interests on closed and linked
// cases, urgent disclosures, reload and impact for the IG role, and that
// person identifiers stay out of the store's tables and the broker's log.
#include <signal.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/integration/scenario.h"

namespace safeshare::testing {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr char kPnc[] = "2019/0123456X";  // the alleged perpetrator of the examples

const v1::RoutingOutcome* OutcomeFor(const v1::PublishResponse& r, const std::string& agency) {
  for (const auto& o : r.outcomes()) {
    if (o.agency() == agency) return &o;
  }
  ADD_FAILURE() << "no outcome for " << agency;
  return nullptr;
}

v1::Notification OnCase(v1::Notification n, const std::string& case_ref) {
  n.set_case_ref(case_ref);
  return n;
}

v1::PersonIdentifier Pnc(const std::string& value) {
  v1::PersonIdentifier id;
  id.set_scheme(v1::IDENTIFIER_SCHEME_PNC_NUMBER);
  id.set_value(value);
  return id;
}

void RegisterInterest(client::Client& c, const v1::PersonIdentifier& id) {
  v1::InterestRequest request;
  *request.add_identifiers() = id;
  auto registered = c.RegisterInterest(request);
  ASSERT_TRUE(registered.ok()) << registered.status();
}

v1::CaseState UpdateCase(client::Client& c, const std::string& case_ref,
                         const std::vector<std::string>& engage, v1::CaseStatus status) {
  v1::UpdateCaseRequest request;
  request.set_case_ref(case_ref);
  for (const auto& a : engage) request.add_engage(a);
  request.set_status(status);
  auto state = c.UpdateCase(request);
  EXPECT_TRUE(state.ok()) << state.status();
  return state.ok() ? *state : v1::CaseState();
}

TEST(AgreementsTest, EachRecipientGetsOnlyItsViewAndDenialsSayWhy) {
  BrokerProcess broker;
  auto cfs = Connect(broker, "cfs");
  auto health = Connect(broker, "health");
  auto police = Connect(broker, "police");
  // Police and health attend: the minutes engage them with the case.
  const auto minutes = OnCase(Example("strategy_minutes", "agr-view-1"), "CASE-VIEW-1");
  auto published = cfs.Publish(minutes);
  ASSERT_TRUE(published.ok()) << published.status();
  EXPECT_THAT(published->routed_to(), ElementsAre("police", "health"));
  const auto* to_health = OutcomeFor(*published, "health");
  ASSERT_NE(to_health, nullptr);
  EXPECT_EQ(to_health->rule(), "SM-R2");
  EXPECT_THAT(to_health->withheld_fields(), ElementsAre("persons_of_concern.identifiers",
                                                        "strategy_minutes.decisions.rationale"));
  const auto* to_education = OutcomeFor(*published, "education");
  ASSERT_NE(to_education, nullptr);
  EXPECT_FALSE(to_education->allowed());
  EXPECT_THAT(to_education->reason(), HasSubstr("engaged"));
  const auto* to_ig = OutcomeFor(*published, "ig");
  ASSERT_NE(to_ig, nullptr);
  EXPECT_FALSE(to_ig->allowed());
  EXPECT_EQ(to_ig->rule(), "IG-D1");

  const auto got = Receive(health, "health-view", 1);
  ASSERT_EQ(got.size(), 1u);
  const auto& seen = got[0].notification();
  EXPECT_EQ(got[0].rule(), "SM-R2");
  EXPECT_EQ(got[0].agreement(), "ISA-SM-01 v2");
  EXPECT_EQ(got[0].purpose(), v1::PURPOSE_STRATEGY_DISCUSSION);
  EXPECT_THAT(seen.persons_of_concern(0).identifiers(), IsEmpty());
  for (const auto& d : seen.strategy_minutes().decisions()) EXPECT_EQ(d.rationale(), "");
  EXPECT_EQ(seen.strategy_minutes().decisions_size(), minutes.strategy_minutes().decisions_size());
  // Not on the stream at all: the bytes of the delivery hold none of it.
  const std::string bytes = got[0].SerializeAsString();
  EXPECT_EQ(bytes.find(kPnc), std::string::npos);
  EXPECT_EQ(bytes.find(minutes.strategy_minutes().decisions(0).rationale()), std::string::npos);

  const auto full = Receive(police, "police-view", 1);
  ASSERT_EQ(full.size(), 1u);
  EXPECT_EQ(full[0].rule(), "SM-R1");
  EXPECT_EQ(full[0].notification().persons_of_concern(0).identifiers(0).value(), kPnc);

  // Two views were stored: the full one and health's.
  EXPECT_EQ(QueryStore(broker, "SELECT COUNT(*) FROM views"), 1);
}

TEST(AgreementsTest,
     ProbationReceivesWhatNamesItsPersonAlsoOnAClosedCaseAndRiskUpdatesReachLinkedCases) {
  BrokerProcess broker;
  auto cfs = Connect(broker, "cfs");
  auto police = Connect(broker, "police");
  auto probation = Connect(broker, "probation");
  RegisterInterest(probation, Pnc(kPnc));
  const auto closed = UpdateCase(cfs, "CASE-CLOSED-1", {"police", "cfs"}, v1::CASE_STATUS_CLOSED);
  EXPECT_EQ(closed.status(), v1::CASE_STATUS_CLOSED);
  EXPECT_EQ(closed.engagements_size(), 2);

  auto outcome =
      police.Publish(OnCase(Example("investigation_outcome", "agr-closed-1"), "CASE-CLOSED-1"));
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_THAT(outcome->routed_to(), Contains("probation"));
  const auto got = Receive(probation, "probation-closed", 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].rule(), "PRB-R1");
  EXPECT_EQ(got[0].notification().case_ref(), "CASE-CLOSED-1");

  // A risk update about the same person on another case reaches the
  // agencies engaged with the closed case, naming it.
  auto risk =
      probation.Publish(OnCase(Example("probation_risk_update", "agr-risk-1"), "CASE-OTHER-2"));
  ASSERT_TRUE(risk.ok()) << risk.status();
  EXPECT_THAT(risk->routed_to(), ElementsAre("police", "cfs"));
  auto to_cfs = Receive(cfs, "cfs-linked", 2);  // the outcome (PCI-R1), then the risk update
  ASSERT_EQ(to_cfs.size(), 2u);
  EXPECT_EQ(to_cfs[1].rule(), "PRB-R3");
  EXPECT_THAT(to_cfs[1].linked_cases(), ElementsAre("CASE-CLOSED-1"));
}

TEST(AgreementsTest, AnUrgentDisclosureIsDeliveredMarkedAndListedForIgOnly) {
  BrokerProcess broker;
  auto police = Connect(broker, "police");
  auto education = Connect(broker, "education");
  auto ig = Connect(broker, "ig");
  v1::UrgentDisclosure urgent;
  urgent.set_recipient("education");
  urgent.set_reason("Child at risk of collection from school today by the suspect");
  auto sent = police.Publish(Example("abe_interview_record", "agr-urgent-1"), urgent);
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_TRUE(OutcomeFor(*sent, "education")->urgent_disclosure());
  const auto got = Receive(education, "edu-urgent", 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].urgent_disclosure());
  EXPECT_EQ(got[0].agreement(), "");

  // Covered by a rule already, or denied by one: refused, nothing stored.
  urgent.set_recipient("cfs");
  EXPECT_EQ(police.Publish(Example("abe_interview_record", "agr-urgent-2"), urgent).status().code(),
            absl::StatusCode::kFailedPrecondition);
  urgent.set_recipient("ig");
  EXPECT_EQ(police.Publish(Example("abe_interview_record", "agr-urgent-3"), urgent).status().code(),
            absl::StatusCode::kPermissionDenied);

  auto listed = ig.ListUrgentDisclosures({});
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->disclosures_size(), 1);
  EXPECT_EQ(listed->disclosures(0).recipient(), "education");
  EXPECT_EQ(listed->disclosures(0).publisher(), "police");
  EXPECT_THAT(listed->disclosures(0).reason(), HasSubstr("collection from school"));
  EXPECT_EQ(police.ListUrgentDisclosures({}).status().code(), absl::StatusCode::kPermissionDenied);
}

TEST(AgreementsTest, PersonIdentifiersAreKeptOnlyAsKeyedHashes) {
  BrokerProcess broker;
  auto probation = Connect(broker, "probation");
  auto police = Connect(broker, "police");
  const std::string unpublished = "ZQ7781UNPUBLISHED";
  RegisterInterest(probation, Pnc(unpublished));
  RegisterInterest(probation, Pnc(kPnc));
  ASSERT_TRUE(police.Publish(Example("investigation_outcome", "agr-hash-1")).ok());
  ASSERT_EQ(QueryStore(broker, "SELECT COUNT(*) FROM person_interests"), 2);
  ASSERT_GE(QueryStore(broker, "SELECT COUNT(*) FROM person_links"), 1);
  // Outside the notification bodies (content, encrypted at rest in a later
  // release) no table holds an identifier.
  EXPECT_EQ(QueryStore(broker,
                       "SELECT COUNT(*) FROM audit WHERE detail LIKE '%0123456%' OR "
                       "notification_id LIKE '%0123456%' OR "
                       "instr(lines, CAST('0123456' AS BLOB))>0"),
            0);
  EXPECT_EQ(QueryStore(broker,
                       "SELECT COUNT(*) FROM person_interests WHERE person_hash LIKE "
                       "'%0123456%' OR person_hash LIKE '%ZQ7781%'"),
            0);
  // A value of only spaces names nobody and is refused.
  v1::InterestRequest blank;
  *blank.add_identifiers() = Pnc("   ");
  EXPECT_EQ(probation.RegisterInterest(blank).status().code(), absl::StatusCode::kInvalidArgument);
  // The store holds children's data: owner-only, whatever the umask.
  for (const auto& file : {broker.store_path(), broker.store_path() + "-wal"}) {
    struct stat st {};
    ASSERT_EQ(::stat(file.c_str(), &st), 0) << file;
    EXPECT_EQ(st.st_mode & 0077, 0u) << file << " is readable by others";
  }
  broker.Terminate();
  for (const auto& file :
       {broker.store_path(), broker.store_path() + "-wal", broker.dir() + "/broker.log"}) {
    const auto bytes = ReadFile(file);
    EXPECT_EQ(bytes.find(unpublished), std::string::npos) << file;
  }
  EXPECT_EQ(ReadFile(broker.dir() + "/broker.log").find(kPnc), std::string::npos);
}

TEST(AgreementsStartUpTest, ABrokenAgreementFileStopsTheBrokerNamingFileLineAndKey) {
  const auto base =
      std::filesystem::path(::testing::TempDir()) / ("broken-start-" + std::to_string(::getpid()));
  std::filesystem::remove_all(base);
  std::filesystem::create_directories(base / "broker");
  std::filesystem::copy(SAFESHARE_SOURCE_DIR "/config/agreements", base / "agreements");
  std::ofstream(base / "agreements" / "50-broken.yaml")
      << "id: BROKEN\ntitle: x\nversion: 1\nbogus_key: 1\n";
  EXPECT_THROW(BrokerProcess(BrokerOptions{
                   .dir = (base / "broker").string(),
                   .config_edits = {{"{AGREEMENTS}", (base / "agreements").string()}}}),
               std::runtime_error);
  EXPECT_THAT(ReadFile((base / "broker" / "broker.log").string()),
              HasSubstr("50-broken.yaml:4: bogus_key: unknown key"));
}

// A copy of the example agreements the test may edit, and a broker using it.
class ReloadTest : public ::testing::Test {
 protected:
  ReloadTest()
      : dir_(std::filesystem::path(::testing::TempDir()) /
             ("agreements-" + std::to_string(::getpid()))),
        broker_(BrokerOptions{.config_edits = {{"{AGREEMENTS}", Copy()}}}) {}

  std::string Copy() {
    std::filesystem::remove_all(dir_);
    std::filesystem::copy(SAFESHARE_SOURCE_DIR "/config/agreements", dir_);
    return dir_.string();
  }

  std::filesystem::path dir_;
  BrokerProcess broker_;
};

TEST_F(ReloadTest, ABrokenFileLeavesThePolicyInForceAndAGoodOneReplacesIt) {
  auto ig = Connect(broker_, "ig");
  auto cfs = Connect(broker_, "cfs");
  auto before = cfs.Publish(OnCase(Example("strategy_minutes", "agr-reload-1"), "CASE-RL-1"));
  ASSERT_TRUE(before.ok()) << before.status();

  std::ofstream(dir_ / "50-broken.yaml") << "id: BROKEN\ntitle: x\nversion: 1\nbogus_key: 1\n";
  ASSERT_EQ(::kill(broker_.pid(), SIGHUP), 0);
  auto refused = ig.ReloadPolicy();
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("50-broken.yaml:"));
  auto still = cfs.Publish(OnCase(Example("strategy_minutes", "agr-reload-2"), "CASE-RL-1"));
  ASSERT_TRUE(still.ok());
  EXPECT_EQ(still->policy_version(), before->policy_version());

  // Health no longer receives minutes under the new agreements.
  std::filesystem::remove(dir_ / "50-broken.yaml");
  std::string text = ReadFile((dir_ / "20-strategy-minutes.yaml").string());
  text.replace(text.find("recipients: [health]"), 20, "recipients: [police]");
  std::ofstream(dir_ / "20-strategy-minutes.yaml") << text;
  auto reloaded = ig.ReloadPolicy();
  ASSERT_TRUE(reloaded.ok()) << reloaded.status();
  EXPECT_EQ(reloaded->old_version(), before->policy_version());
  EXPECT_NE(reloaded->new_version(), before->policy_version());
  auto after = cfs.Publish(OnCase(Example("strategy_minutes", "agr-reload-3"), "CASE-RL-1"));
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->policy_version(), reloaded->new_version());
  EXPECT_FALSE(OutcomeFor(*after, "health")->allowed());
  // Deliveries routed before the reload keep the decision they were routed
  // with: health still receives the two earlier minutes, not the third.
  auto health = Connect(broker_, "health");
  const auto kept = Receive(health, "health-reload", 2);
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(kept[0].notification().notification_id(), before->notification_id());
  EXPECT_EQ(kept[1].notification().notification_id(), still->notification_id());
  EXPECT_EQ(QueryStore(broker_, "SELECT count(*) FROM deliveries WHERE recipient='health'"), 2);
  // Each attempt is audited: the SIGHUP and the RPC refused, then applied.
  EXPECT_EQ(QueryStore(broker_, "SELECT COUNT(*) FROM audit WHERE action = 'policy_changed'"), 3);
  // Only the IG role may reload.
  EXPECT_EQ(cfs.ReloadPolicy().status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(ReloadTest, ImpactReportsWhoWouldGainAndLoseAgainstStoredHistory) {
  auto ig = Connect(broker_, "ig");
  auto cfs = Connect(broker_, "cfs");
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(cfs.Publish(OnCase(Example("strategy_minutes", "agr-impact-" + std::to_string(i)),
                                   "CASE-IM-1"))
                    .ok());
  }
  v1::PolicyImpactRequest request;
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    auto* file = request.add_files();
    file->set_name(entry.path().filename().string());
    std::string text = ReadFile(entry.path().string());
    // The proposal: minutes to education whatever its engagement, none to health.
    if (file->name() == "20-strategy-minutes.yaml") {
      text.replace(text.find("recipients: [health]"), 20, "recipients: [police]");
      const auto education = text.find("recipients: [education]\n    condition: engaged");
      text.replace(text.find("condition: engaged", education), 18, "condition: always");
    }
    file->set_content(text);
  }
  auto impact = ig.PolicyImpact(request);
  ASSERT_TRUE(impact.ok()) << impact.status();
  EXPECT_EQ(impact->replayed(), 3u);
  std::map<std::string, v1::ImpactRow> rows;
  for (const auto& row : impact->rows()) rows[row.agency() + "/" + row.type()] = row;
  ASSERT_EQ(rows.count("health/strategy_minutes"), 1u);
  EXPECT_EQ(rows["health/strategy_minutes"].lost(), 3u);
  EXPECT_THAT(rows["health/strategy_minutes"].lost_rules(), ElementsAre("SM-R2"));
  ASSERT_EQ(rows.count("education/strategy_minutes"), 1u);
  EXPECT_EQ(rows["education/strategy_minutes"].gained(), 3u);
  EXPECT_THAT(rows["education/strategy_minutes"].gained_rules(), ElementsAre("SM-R3"));
  EXPECT_EQ(rows.count("police/strategy_minutes"), 0u);
  EXPECT_EQ(cfs.PolicyImpact(request).status().code(), absl::StatusCode::kPermissionDenied);

  // A proposal that does not load is named as sent, not where the broker put it.
  request.mutable_files(0)->set_content("id: X\nbogus: 1\n");
  const auto broken = ig.PolicyImpact(request);
  EXPECT_EQ(broken.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(broken.status().message()),
              HasSubstr(": the proposed agreements do not load: " + request.files(0).name() + ":"));
  EXPECT_THAT(std::string(broken.status().message()), Not(HasSubstr("safeshare-impact")));
}

}  // namespace
}  // namespace safeshare::testing
