// Data keys rotated on the real broker: bodies written under dev-1, the
// broker restarted with dev-2 current, `safeshare-broker rekey` run while
// police keep publishing, then dev-1 removed: every body still verifies,
// and the note children's social care recorded under dev-1 still opens.
#include <atomic>
#include <filesystem>
#include <thread>

#include "tests/integration/scenario.h"

namespace safeshare::testing {
namespace {

using ::testing::HasSubstr;

TEST(EncryptionTest, DataKeysRotateAndRekeyRunsWhileTheBrokerServes) {
  const std::string pki = MakeTempDir("safeshare-pki");
  std::filesystem::copy(TestPki::Get().dir(), pki, std::filesystem::copy_options::recursive);
  std::string config = RepositoryConfig();
  for (auto at = config.find("{PKI}/"); at != std::string::npos; at = config.find("{PKI}/", at)) {
    config.replace(at, 6, pki + "/");
  }
  const std::string dir = MakeTempDir("safeshare-broker");
  int published = 0;
  std::string first_id;
  {
    BrokerProcess broker(BrokerOptions{dir, config});
    auto police = Connect(broker, "police");
    for (; published < 20; ++published) {
      auto answer =
          police.Publish(Example("investigation_outcome", "enc-" + std::to_string(published)));
      ASSERT_TRUE(answer.ok()) << answer.status();
      if (first_id.empty()) first_id = answer->notification_id();
    }
    auto cfs = Connect(broker, "cfs");
    Receive(cfs, "enc", 1);
    v1::RecordActionRequest action;
    action.set_notification_id(first_id);
    action.set_action(v1::ACTION_TAKEN_PLAN_UPDATED);
    action.set_note("enc-note: safety plan reviewed with the family");
    ASSERT_TRUE(cfs.RecordAction(action).ok());
    EXPECT_EQ(QueryStore(broker,
                         "SELECT count(*) FROM actions WHERE note_key='dev-1' AND "
                         "instr(note, 'enc-note')=0"),
              1);  // sealed: the note's words are not in the file
    ASSERT_EQ(broker.Terminate(), 0);
  }
  ASSERT_EQ(std::system(("openssl rand -out " + pki + "/data-keys/dev-2.key 32 && chmod 600 " +
                         pki + "/data-keys/dev-2.key")
                            .c_str()),
            0);
  const std::string rotated = config.replace(config.find("current: dev-1"), 14, "current: dev-2");
  {
    BrokerProcess broker(BrokerOptions{dir, rotated});
    std::atomic<bool> stop{false};
    std::atomic<int> failed{0};
    std::thread publisher([&] {
      auto police = Connect(broker, "police");
      for (int i = 0; i < 200 && !stop; ++i) {  // bounded: at most 200 publishes
        failed +=
            police.Publish(Example("investigation_outcome", "enc-live-" + std::to_string(i))).ok()
                ? 0
                : 1;
        ++published;
      }
    });
    const auto rekey = RunBrokerCommand(broker, "rekey");
    stop = true;
    publisher.join();
    EXPECT_EQ(rekey.exit_code, 0) << rekey.output;
    EXPECT_THAT(rekey.output, HasSubstr("notification bodies, "));
    EXPECT_THAT(rekey.output, HasSubstr("resealed under 'dev-2'; 21 were under 'dev-1'"));
    EXPECT_EQ(failed, 0);
    EXPECT_EQ(QueryStore(broker, "SELECT count(*) FROM notifications WHERE body_key<>'dev-2'"), 0);
    EXPECT_THAT(rekey.output, HasSubstr("and 1 notes resealed"));
    ASSERT_EQ(broker.Terminate(), 0);
  }
  std::filesystem::remove(pki + "/data-keys/dev-1.key");
  BrokerProcess broker(BrokerOptions{dir, rotated});
  const auto audit = RunBrokerCommand(broker, "audit");
  EXPECT_EQ(audit.exit_code, 0) << audit.output;
  EXPECT_THAT(audit.output, HasSubstr("notification bodies: "));
  EXPECT_EQ(QueryStore(broker, "SELECT count(*) FROM notifications"), published);
  EXPECT_EQ(QueryStore(broker, "SELECT count(*) FROM actions WHERE note_key='dev-2'"), 1);
  auto police = Connect(broker, "police");
  auto state = police.GetDeliveryState(first_id);
  ASSERT_TRUE(state.ok()) << state.status();
  bool seen = false;
  for (const auto& r : state->recipients()) {
    for (const auto& a : r.actions()) {
      seen = seen || a.note() == "enc-note: safety plan reviewed with the family";
    }
  }
  EXPECT_TRUE(seen) << state->DebugString();
}

}  // namespace
}  // namespace safeshare::testing
