// Nothing acknowledged is ever lost: proved by crashing the real broker
// under load and by filling its disk, then reading everything back.
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "tests/support/fault_support.h"

namespace safeshare::testing {
namespace {

TEST(FaultTest, KillDashNineUnderLoadLosesNothingAcknowledged) {
  BrokerProcess broker;
  const auto acked = KillUnderLoad(broker, /*limit=*/5000);
  ASSERT_GE(acked.size(), 300u);

  BrokerProcess restarted(broker.dir());
  const auto received =
      ReceiveAllIds(restarted, "cfs",
                    QueryStore(restarted, "SELECT count(*) FROM deliveries WHERE recipient='cfs'"));
  for (const auto& [key, id] : acked) {
    EXPECT_TRUE(received.count(id)) << "acknowledged " << key << " (" << id << ") was lost";
  }
  EXPECT_EQ(QueryStore(restarted, "SELECT count(*) FROM notifications"),
            static_cast<int64_t>(received.size()));
  EXPECT_TRUE(AuditChainIntact(restarted));
  ExpectRetryGetsTheOriginal(restarted, acked);
}

// Overwrites the start of the notifications table's root page of a stopped
// broker's store with bytes no b-tree page has, as a failing disk would.
void CorruptNotificationsPage(const BrokerProcess& broker) {
  const auto page =
      QueryStore(broker, "SELECT rootpage FROM sqlite_master WHERE name='notifications'");
  const auto page_size = QueryStore(broker, "PRAGMA page_size");
  ASSERT_GT(page, 1);
  std::fstream file(broker.store_path(), std::ios::in | std::ios::out | std::ios::binary);
  file.seekp((page - 1) * page_size);
  const std::string garbage(64, '\xa5');
  file.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  ASSERT_TRUE(file.good());
}

TEST(DamagedStoreTest, BrokerRefusesToStartOnADamagedStoreAndSaysHowToRestore) {
  BrokerProcess broker;
  {
    auto police = Connect(broker, "police");
    for (int i = 0; i < 20; ++i) {
      ASSERT_TRUE(police.Publish(Example("abe_interview_record", "dmg-" + std::to_string(i))).ok());
    }
  }
  const int stopped = broker.Terminate();  // a clean stop checkpoints into the .db file
  ASSERT_TRUE(WIFEXITED(stopped) && WEXITSTATUS(stopped) == 0);
  ASSERT_NO_FATAL_FAILURE(CorruptNotificationsPage(broker));

  const auto started = RunBrokerCommand(broker, "--listen 127.0.0.1:0");  // serve
  EXPECT_NE(started.exit_code, 0);
  EXPECT_THAT(started.output, ::testing::HasSubstr("critical"));
  EXPECT_THAT(started.output,
              ::testing::HasSubstr("store " + broker.store_path() + " is damaged: "));
  EXPECT_THAT(started.output,
              ::testing::HasSubstr("restore it from a backup (safeshare-broker backup)"));
}

class DiskFullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("safeshare-diskfull");
    std::filesystem::create_directory(dir_ + "/disk");
    // The store lives on a 4 MiB tmpfs mounted in the broker's own mount
    // namespace; the test reaches it through /proc/<pid>/root.
    const std::string mount =
        "mount -t tmpfs -o size=4m tmpfs " + dir_ + "/disk && exec \"$0\" \"$@\"";
    broker_ = std::make_unique<BrokerProcess>(
        BrokerOptions{dir_, "", {"unshare", "-m", "sh", "-c", mount}, "disk/store.db"});
  }

  std::string Filler() const {
    return "/proc/" + std::to_string(broker_->pid()) + "/root" + dir_ + "/disk/filler";
  }

  std::string dir_;
  std::unique_ptr<BrokerProcess> broker_;
};

TEST_F(DiskFullTest, RefusesCleanlyKeepsServingAndRecoversWhenSpaceReturns) {
  auto police = Connect(*broker_, "police");
  ASSERT_TRUE(police.Publish(Example("abe_interview_record", "before-full")).ok());
  Fill(Filler(), size_t{64} * 1024, 64);  // leave the store almost no room
  Acked acked{{"before-full", ""}};
  const auto refused = PublishUntilRefused(police, 2000, acked);
  ASSERT_FALSE(refused.ok()) << "the disk never filled";
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted) << refused;
  EXPECT_THAT(std::string(refused.message()), ::testing::HasSubstr("retry"));
  ASSERT_TRUE(broker_->running());

  ASSERT_EQ(::unlink(Filler().c_str()), 0);  // space returns
  auto after = police.Publish(Example("abe_interview_record", "after-space"));
  ASSERT_TRUE(after.ok()) << after.status();

  // Everything acknowledged and nothing refused was stored (the store itself
  // is only visible inside the broker's mount namespace).
  const auto received = ReceiveAllIds(*broker_, "cfs", static_cast<int64_t>(acked.size() + 1));
  for (const auto& [key, id] : acked) {
    if (!id.empty()) {
      EXPECT_TRUE(received.count(id)) << key << " was lost";
    }
  }
  EXPECT_TRUE(received.count(after->notification_id()));
  auto cfs = Connect(*broker_, "cfs");
  EXPECT_EQ(cfs.Acknowledge("fault-check", received.size() + 1).status().code(),
            absl::StatusCode::kInvalidArgument);  // there is no further delivery
}

}  // namespace
}  // namespace safeshare::testing
