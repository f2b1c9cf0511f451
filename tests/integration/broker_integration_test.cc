// The first end-to-end slice against the real broker process: publish,
// route, store, deliver, resume, deduplicate, validate.
#include <sys/wait.h>

#include <filesystem>
#include <future>
#include <thread>

#include "tests/integration/audit_checks.h"
#include "tests/integration/scenario.h"

namespace safeshare::testing {
namespace {

class BrokerTest : public ::testing::Test {
 protected:
  // Publishes ABE records keyed `<prefix>-<i>` for i in [first, last] as police
  // (call under ASSERT_NO_FATAL_FAILURE).
  static void PublishAbeRecords(client::Client& police, const std::string& prefix, int first,
                                int last) {
    for (int i = first; i <= last; ++i) {
      ASSERT_TRUE(
          police.Publish(Example("abe_interview_record", prefix + "-" + std::to_string(i))).ok());
    }
  }

  BrokerProcess broker_;
};

TEST_F(BrokerTest, PolicePublishReachesChildrensSocialCare) {
  auto police = Connect(broker_, "police");
  auto published = police.Publish(Example("investigation_outcome", "it-outcome-1"));
  ASSERT_TRUE(published.ok()) << published.status();
  EXPECT_EQ(published->sequence(), 1u);
  // The example agreements: children's social care always (PCI-R1); probation
  // only when it holds an interest in a person named (none registered here).
  EXPECT_THAT(published->routed_to(), ::testing::ElementsAre("cfs"));

  auto cfs = Connect(broker_, "cfs");
  auto got = Receive(cfs, "cfs-inbox", 1);
  ASSERT_EQ(got.size(), 1u);
  const auto& n = got[0].notification();
  EXPECT_EQ(n.notification_id(), published->notification_id());
  EXPECT_EQ(n.publisher(), "police");  // from the certificate, not the message
  EXPECT_EQ(n.investigation_outcome().status(),
            v1::INVESTIGATION_STATUS_NO_FURTHER_POLICE_ACTION_AT_THIS_TIME);
  EXPECT_EQ(got[0].rule(), "PCI-R1");
  EXPECT_EQ(got[0].agreement(), "ISA-PCI-01 v3");
  EXPECT_EQ(got[0].lawful_basis(), v1::LAWFUL_BASIS_PUBLIC_TASK_SAFEGUARDING);
  EXPECT_EQ(got[0].purpose(), v1::PURPOSE_CHILD_PROTECTION_ENQUIRY);
}

TEST_F(BrokerTest, AgencyNotAllowedATypeGetsNothingAndTheRefusalIsAudited) {
  auto police = Connect(broker_, "police");
  ASSERT_TRUE(police.Publish(Example("investigation_outcome", "it-outcome-2")).ok());
  // Children's social care then records education as engaged with the case,
  // so the minutes reach it (SM-R3).
  auto cfs = Connect(broker_, "cfs");
  v1::UpdateCaseRequest engage;
  engage.set_case_ref(Example("strategy_minutes", "").case_ref());
  engage.add_engage("education");
  ASSERT_TRUE(cfs.UpdateCase(engage).ok());
  auto minutes = cfs.Publish(Example("strategy_minutes", "it-minutes-2"));
  ASSERT_TRUE(minutes.ok()) << minutes.status();

  // Education's first delivery is the minutes: the outcome, published while
  // education was not engaged, was never routed to it.
  auto education = Connect(broker_, "education");
  auto got = Receive(education, "edu-inbox", 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].notification().notification_id(), minutes->notification_id());
  EXPECT_EQ(QueryStore(broker_, "SELECT count(*) FROM deliveries WHERE recipient='education'"), 1);
  // The outcome's decision has a withheld line for education, its reason
  // naming the rule.
  auto ig = AuditStub(broker_, "ig");
  v1::AuditFilter withheld;
  withheld.set_agency("education");
  withheld.add_actions("withheld");
  int withheld_lines = 0;
  for (const auto& e : QueryAll(*ig, withheld)) {
    for (const auto& line : e.lines()) {
      if (e.action() == "published" && line.agency() == "education" &&
          line.outcome() == "withheld" && line.detail().find("PCI-R2") != std::string::npos) {
        ++withheld_lines;
      }
    }
  }
  EXPECT_EQ(withheld_lines, 1);

  // Probation may not publish an ABE record: refused, audited, not stored.
  auto probation = Connect(broker_, "probation");
  auto refused = probation.Publish(Example("abe_interview_record", "it-abe-probation"));
  ASSERT_EQ(refused.status().code(), absl::StatusCode::kPermissionDenied) << refused.status();
  EXPECT_EQ(QueryStore(broker_,
                       "SELECT count(*) FROM audit WHERE action='publish_refused' AND "
                       "actor='probation' AND detail LIKE 'abe_interview_record:%'"),
            1);
  EXPECT_EQ(QueryStore(broker_, "SELECT count(*) FROM notifications WHERE publisher='probation'"),
            0);
}

TEST_F(BrokerTest, ReconnectingSubscriberGetsWhatItMissedOnceEachInOrder) {
  auto police = Connect(broker_, "police");
  ASSERT_NO_FATAL_FAILURE(PublishAbeRecords(police, "it-abe", 1, 5));
  auto cfs = Connect(broker_, "cfs");
  auto first = Receive(cfs, "cfs-inbox", 2);  // acknowledges 1 and 2, then disconnects
  ASSERT_NO_FATAL_FAILURE(PublishAbeRecords(police, "it-abe", 6, 7));
  auto rest = Receive(cfs, "cfs-inbox", 5);
  std::vector<uint64_t> sequences;
  sequences.reserve(first.size() + rest.size());
  for (const auto& d : first) sequences.push_back(d.sequence());
  for (const auto& d : rest) sequences.push_back(d.sequence());
  EXPECT_EQ(sequences, (std::vector<uint64_t>{1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(QueryStore(broker_,
                       "SELECT acked_through FROM subscriptions WHERE agency='cfs' AND "
                       "name='cfs-inbox'"),
            7);
}

// What is ready when the stream can take more goes in one message, in order.
TEST_F(BrokerTest, BacklogArrivesPackedIntoOneStreamMessageInOrder) {
  auto police = Connect(broker_, "police");
  ASSERT_NO_FATAL_FAILURE(PublishAbeRecords(police, "it-pack", 1, 5));
  auto stub = RawStub(broker_, "cfs");
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  v1::SubscribeRequest request;
  request.set_subscription("cfs-packed");
  auto reader = stub->Subscribe(&context, request);
  v1::SubscribeResponse message;
  ASSERT_TRUE(reader->Read(&message));
  std::vector<uint64_t> sequences;
  for (const auto& d : message.deliveries()) {
    sequences.push_back(d.sequence());
    EXPECT_EQ(d.notification().publisher(), "police");
    EXPECT_TRUE(d.notification().has_abe_interview_record());
  }
  EXPECT_EQ(sequences, (std::vector<uint64_t>{1, 2, 3, 4, 5}));
  context.TryCancel();
  (void)reader->Finish();
}

TEST_F(BrokerTest, UnacknowledgedDeliveriesAreRedeliveredAfterReconnect) {
  auto police = Connect(broker_, "police");
  ASSERT_TRUE(police.Publish(Example("abe_interview_record", "it-redeliver")).ok());
  auto cfs = Connect(broker_, "cfs");
  auto unacked = Receive(cfs, "cfs-inbox", 1, /*acknowledge=*/false);
  auto again = Receive(cfs, "cfs-inbox", 1);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].sequence(), unacked.at(0).sequence());
}

TEST_F(BrokerTest, DuplicatePublishIsStoredOnce) {
  auto police = Connect(broker_, "police");
  const auto n = Example("investigation_outcome", "it-same-key");
  auto first = police.Publish(n);
  auto second = police.Publish(n);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(second->notification_id(), first->notification_id());
  EXPECT_EQ(second->sequence(), first->sequence());
  EXPECT_FALSE(first->duplicate());
  EXPECT_TRUE(second->duplicate());
  EXPECT_EQ(
      QueryStore(broker_, "SELECT count(*) FROM notifications WHERE idempotency_key='it-same-key'"),
      1);
  EXPECT_EQ(QueryStore(broker_, "SELECT count(*) FROM deliveries"), 1);  // cfs, once
  EXPECT_EQ(QueryStore(broker_, "SELECT count(*) FROM audit WHERE action='duplicate'"), 1);
}

TEST_F(BrokerTest, MalformedNotificationIsRejectedNamingTheFieldAndBrokerKeepsServing) {
  auto police = Connect(broker_, "police");
  auto bad = Example("investigation_outcome", "it-bad");
  bad.mutable_investigation_outcome()->clear_rationale();
  auto refused = police.Publish(bad);
  ASSERT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(refused.status().message()),
              ::testing::HasSubstr("notification.investigation_outcome.rationale"));

  auto no_children = Example("strategy_minutes", "it-bad-2");
  no_children.clear_children_considered();
  auto cfs = Connect(broker_, "cfs");
  auto refused2 = cfs.Publish(no_children);
  ASSERT_EQ(refused2.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(refused2.status().message()),
              ::testing::HasSubstr("notification.children_considered"));

  auto good = police.Publish(Example("investigation_outcome", "it-good"));
  ASSERT_TRUE(good.ok()) << good.status();
  EXPECT_EQ(good->sequence(), 1u);
  EXPECT_TRUE(broker_.running());
}

TEST_F(BrokerTest, AnAgencyCannotAcknowledgeAnotherAgencysSubscription) {
  auto police = Connect(broker_, "police");
  ASSERT_TRUE(police.Publish(Example("investigation_outcome", "it-ack-own")).ok());
  auto cfs = Connect(broker_, "cfs");
  Receive(cfs, "shared-name", 1, /*acknowledge=*/false);
  auto probation = Connect(broker_, "probation");
  auto ack = probation.Acknowledge("shared-name", 1);
  EXPECT_EQ(ack.status().code(), absl::StatusCode::kNotFound) << ack.status();
  EXPECT_EQ(QueryStore(broker_, "SELECT acked_through FROM subscriptions WHERE agency='cfs'"), 0);
}

TEST_F(BrokerTest, SigtermStopsTheBrokerCleanlyAndNothingAcknowledgedIsLost) {
  auto police = Connect(broker_, "police");
  auto published = police.Publish(Example("abe_interview_record", "it-before-stop"));
  ASSERT_TRUE(published.ok());
  const int status = broker_.Terminate();
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);

  BrokerProcess restarted(broker_.dir());
  auto cfs = Connect(restarted, "cfs");
  auto got = Receive(cfs, "cfs-inbox", 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].notification().notification_id(), published->notification_id());
}

TEST_F(BrokerTest, BackupWhileRunningIsAConsistentCopyWhoseAuditVerifies) {
  auto police = Connect(broker_, "police");
  ASSERT_NO_FATAL_FAILURE(PublishAbeRecords(police, "it-backup", 1, 5));
  const auto backup_file = broker_.dir() + "/backup.db";
  const auto backup = RunBrokerCommand(broker_, "backup --to " + backup_file);
  ASSERT_EQ(backup.exit_code, 0) << backup.output;
  EXPECT_THAT(backup.output, ::testing::HasSubstr("integrity_check ok): 5 notifications"));
  EXPECT_THAT(backup.output, ::testing::HasSubstr("5 notification bodies verified"));
  ASSERT_TRUE(broker_.running());
  ASSERT_TRUE(police.Publish(Example("abe_interview_record", "it-after-backup")).ok());

  const auto audit = RunBrokerCommand(broker_, "--store " + backup_file + " audit");
  EXPECT_EQ(audit.exit_code, 0) << audit.output;
  EXPECT_THAT(audit.output, ::testing::HasSubstr("audit chain intact"));
  const auto head = backup.output.substr(backup.output.find("audit head ") + 11, 64);
  EXPECT_THAT(audit.output, ::testing::HasSubstr("head " + head));
  int published = 0;
  for (size_t at = audit.output.find(" published "); at != std::string::npos;
       at = audit.output.find(" published ", at + 1)) {
    ++published;
  }
  EXPECT_EQ(published, 5);  // the publish after the backup is not in it

  const auto again = RunBrokerCommand(broker_, "backup --to " + backup_file);
  EXPECT_NE(again.exit_code, 0);
  EXPECT_THAT(again.output, ::testing::HasSubstr("--force"));
  EXPECT_EQ(RunBrokerCommand(broker_, "backup --force --to " + backup_file).exit_code, 0);
}

// A body altered inside a valid page passes every page check; `audit`
// (which an IG lead runs on a store file) still finds it, by sequence only.
TEST_F(BrokerTest, AuditOfAStoppedStoreNamesADamagedBodyBySequence) {
  auto police = Connect(broker_, "police");
  ASSERT_NO_FATAL_FAILURE(PublishAbeRecords(police, "it-damage", 1, 3));
  const auto intact = RunBrokerCommand(broker_, "--store " + broker_.store_path() + " audit");
  EXPECT_EQ(intact.exit_code, 0) << intact.output;
  EXPECT_THAT(intact.output, ::testing::HasSubstr("notification bodies: 3 verified"));

  ASSERT_EQ(broker_.Terminate(), 0);
  ASSERT_NO_FATAL_FAILURE(WriteStore(
      broker_.store_path(), "UPDATE notifications SET body = body || x'00' WHERE seq = 2"));
  const auto audit = RunBrokerCommand(broker_, "--store " + broker_.store_path() + " audit");
  EXPECT_EQ(audit.exit_code, 1) << audit.output;
  EXPECT_THAT(audit.output, ::testing::HasSubstr("audit chain intact"));
  EXPECT_THAT(audit.output,
              ::testing::HasSubstr("1 of 3 notification bodies do not match their content hash "
                                   "(first: sequence 2)"));
  const auto backup = RunBrokerCommand(broker_, "backup --to " + broker_.dir() + "/backup.db");
  EXPECT_EQ(backup.exit_code, 1) << backup.output;
  EXPECT_THAT(backup.output, ::testing::HasSubstr("(first: sequence 2)"));
}

// The documented probe: the real `safeshare health` command, over mutual TLS
// with an agency's certificate, for the Broker service and the whole server.
// config/broker.yaml copied elsewhere resolves its relative paths against
// its new directory: a file it then misses is named as resolved (absolute)
// and as the config wrote it.
TEST_F(BrokerTest, ACopiedConfigNamesAMissingFileResolvedAndAsWritten) {
  const std::filesystem::path copy = broker_.dir() + "/copy";
  std::filesystem::create_directories(copy);
  std::filesystem::copy_file(SAFESHARE_SOURCE_DIR "/config/broker.yaml", copy / "broker.yaml");
  const std::filesystem::path dir = std::filesystem::canonical(copy);  // as `cd` resolves it
  const std::string broker =
      "cd " + copy.string() + " && " + SAFESHARE_BROKER_BINARY + " --config broker.yaml";
  const auto started = RunCommand(broker_, broker);
  EXPECT_EQ(started.exit_code, 1) << started.output;
  EXPECT_THAT(started.output,
              ::testing::HasSubstr("cannot read tls.certificate " +
                                   (dir.parent_path() / "certs/out/broker.crt").string() +
                                   " (broker.yaml:6: tls.certificate: \"../certs/out/broker.crt\", "
                                   "relative to the config file's directory " +
                                   dir.string() + ")"));
  const auto audit = RunCommand(broker_, broker + " audit");
  EXPECT_EQ(audit.exit_code, 1) << audit.output;
  EXPECT_THAT(audit.output, ::testing::HasSubstr(
                                "no store at " + (dir.parent_path() / "var/safeshare.db").string() +
                                " (broker.yaml:17: store.path: \"../var/safeshare.db\", relative "
                                "to the config file's directory " +
                                dir.string() + ")"));
}

TEST_F(BrokerTest, HealthCommandSaysServingAndExitsZero) {
  const auto& pki = TestPki::Get();
  const std::string cli = std::string(SAFESHARE_CLI_BINARY) +
                          " --broker localhost:" + std::to_string(broker_.port()) + " --cert " +
                          pki.Path("ig.crt") + " --key " + pki.Path("ig.key") + " --ca " +
                          pki.Path("ca.crt") + " health";
  for (const std::string args : {"", " --service ''"}) {
    const auto health = RunCommand(broker_, cli + args);
    EXPECT_EQ(health.exit_code, 0) << args << ": " << health.output;
    EXPECT_EQ(health.output, "SERVING\n") << args;
  }
  const auto unknown = RunCommand(broker_, cli + " --service no.such.Service");
  EXPECT_EQ(unknown.exit_code, 2) << unknown.output;
  EXPECT_THAT(unknown.output, ::testing::HasSubstr("health check failed: NOT_FOUND"));
}

TEST_F(BrokerTest, ShutdownEndsOpenStreamsSoSubscribersKnowToReconnect) {
  auto cfs = Connect(broker_, "cfs");
  std::promise<absl::Status> ended;
  std::thread subscriber([&] {
    ended.set_value(cfs.Subscribe(
        "cfs-inbox", [](const v1::Delivery&) { return absl::OkStatus(); },
        client::SubscribeOptions{.deadline = std::chrono::seconds(30)}));
  });
  // Wait until the broker has opened the subscription (audited), then stop it.
  for (int i = 0; i < 200 && QueryStore(broker_, "SELECT count(*) FROM subscriptions") < 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  const int status = broker_.Terminate();
  subscriber.join();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  const auto stream = ended.get_future().get();
  EXPECT_EQ(stream.code(), absl::StatusCode::kUnavailable) << stream;
  EXPECT_THAT(std::string(stream.message()), ::testing::HasSubstr("shutting down"));
}

}  // namespace
}  // namespace safeshare::testing
