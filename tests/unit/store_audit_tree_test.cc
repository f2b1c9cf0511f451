// Unit tests for the Merkle tree every store keeps over its audit log,
// checked against a root computed here independently (RFC 6962 hashing,
// written out with SHA-256), for both stores (TreeContract); and, SQLite
// only, the tree and checkpoints after a restart and the upgrade of a
// version 3 file.
#include <filesystem>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "broker/audit/chain.h"
#include "broker/audit/encoding.h"
#include "broker/audit/merkle.h"
#include "broker/core/sha256.h"
#include "broker/store/audit_log_reader.h"
#include "broker/store/schema_sql.h"
#include "tests/unit/store_fixture.h"

namespace safeshare::store {
namespace {

using ::testing::ElementsAre;

std::string Sha256(std::string_view bytes) { return *audit::HashBytes(Sha256Hex(bytes)); }

// RFC 6962 section 2.1: the root of leaves [lo, hi), the left subtree the
// largest power of two below the size.
std::string NaiveRoot(const std::vector<std::string>& leaves, size_t lo, size_t hi) {
  if (hi == lo) return Sha256("");
  if (hi - lo == 1) return leaves[lo];
  size_t split = 1;
  while (split * 2 < hi - lo) split *= 2;
  return Sha256("\x01" + NaiveRoot(leaves, lo, lo + split) + NaiveRoot(leaves, lo + split, hi));
}

// The leaf of each entry: SHA-256(0x00 || its canonical encoding).
std::vector<std::string> Leaves(const std::vector<audit::Entry>& entries) {
  std::vector<std::string> out;
  out.reserve(entries.size());
  for (const auto& e : entries) out.push_back(Sha256(std::string(1, '\0') + audit::Encode(e)));
  return out;
}

class TreeTest : public StoreTestBase {
 protected:
  // The store's tree has one leaf per stored entry and, at every size, the
  // root computed here from the entries ReadAudit serves.
  void ExpectTreeMatchesTheLog() {
    const auto entries = Audit();
    const auto leaves = Leaves(entries);
    ASSERT_EQ(store_->AuditTreeSize(), entries.size());
    for (size_t size = 0; size <= entries.size(); ++size) {
      auto root = store_->AuditRoot(size);
      ASSERT_TRUE(root.ok()) << root.status();
      EXPECT_EQ(audit::BytesOf(*root), NaiveRoot(leaves, 0, size)) << "size " << size;
    }
    const auto n = entries.size();
    auto root = store_->AuditRoot(n);
    for (size_t i = 0; i < n; ++i) {
      auto proof = store_->AuditInclusionProof(i, n);
      ASSERT_TRUE(proof.ok()) << proof.status();
      EXPECT_TRUE(
          audit::VerifyInclusion(*audit::HashFromBytes(leaves[i]), i, n, *proof, *root).ok())
          << "leaf " << i;
    }
    for (size_t from = 1; from < n; ++from) {
      auto proof = store_->AuditConsistencyProof(from, n);
      ASSERT_TRUE(proof.ok()) << proof.status();
      EXPECT_TRUE(audit::VerifyConsistency(from, n, *store_->AuditRoot(from), *root, *proof).ok())
          << "from " << from;
    }
  }

  // Publishes, refuses, delivers, acknowledges and records events: entries
  // of every kind, some refused operations among them.
  void WriteSomeOfEverything(const std::string& key) {
    ASSERT_TRUE(Publish(Note("cfs", key + "-1", {"police", "health"}, {"education"})).ok());
    ASSERT_TRUE(Publish(Note("police", key + "-2", {"cfs"})).ok());
    // A key reused for other content: refused, its refusal audited.
    EXPECT_EQ(Publish(Note("cfs", key + "-1", {"police"}, {}, "other")).status().code(),
              absl::StatusCode::kAlreadyExists);
    EXPECT_EQ(Ack("police", "never-opened", 1).status().code(), absl::StatusCode::kNotFound);
    ASSERT_TRUE(Open("police", key).ok());
    ASSERT_TRUE(Deliver("police", key, {1}).ok());
    ASSERT_TRUE(Ack("police", key, 1).ok());
    ASSERT_TRUE(ChangeInterests("health", {"hash-" + key}).ok());
    ASSERT_TRUE(Await([&](Store::StatusDone done) {
                  store_->RecordEvent({.actor = "ig", .action = audit::Action::kAuditRead},
                                      std::move(done), /*can_wait=*/true);
                }).ok());
  }
};

class TreeContract : public TreeTest, public ::testing::WithParamInterface<std::string> {
 protected:
  std::string Kind() const override { return GetParam(); }
};
INSTANTIATE_TEST_SUITE_P(Stores, TreeContract, SAFESHARE_STORES,
                         [](const auto& info) { return info.param; });

TEST_P(TreeContract, AnEmptyLogHasTheEmptyTree) {
  EXPECT_EQ(store_->AuditTreeSize(), 0u);
  auto root = store_->AuditRoot(0);
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ(audit::BytesOf(*root), Sha256(""));
  EXPECT_FALSE(store_->AuditRoot(1).ok());
}

TEST_P(TreeContract, TheTreeHoldsEveryCommittedEntryAndMatchesAnIndependentRoot) {
  ASSERT_NO_FATAL_FAILURE(WriteSomeOfEverything("a"));
  ASSERT_NO_FATAL_FAILURE(ExpectTreeMatchesTheLog());
  ASSERT_NO_FATAL_FAILURE(WriteSomeOfEverything("b"));
  ASSERT_NO_FATAL_FAILURE(ExpectTreeMatchesTheLog());
}

// Whoever is told an entry is durable finds it in the tree already.
TEST_P(TreeContract, TheTreeHasGrownBeforeTheOperationIsAnswered) {
  ASSERT_TRUE(Publish(Note("cfs", "k1", {"police"})).ok());
  Completion<uint64_t> seen;
  store_->Publish(Note("cfs", "k2", {"police"}),
                  [this, cb = seen.Callback()](const absl::StatusOr<PublishResult>& r) {
                    cb(r.ok() ? absl::StatusOr<uint64_t>(store_->AuditTreeSize()) : r.status());
                  });
  auto size = seen.Get();
  ASSERT_TRUE(size.ok()) << size.status();
  EXPECT_EQ(*size, 2u);
}

TEST_F(TreeTest, ATreeAndItsCheckpointsAreTheSameAfterARestart) {
  ASSERT_NO_FATAL_FAILURE(WriteSomeOfEverything("a"));
  const auto size = store_->AuditTreeSize();
  const auto root = store_->AuditRoot(size);
  ASSERT_TRUE(root.ok());
  ASSERT_TRUE(Await([&](Store::StatusDone done) {
                store_->SaveCheckpoint({size, *root, "note", 42}, std::move(done));
              }).ok());

  Reopen();
  EXPECT_EQ(store_->AuditTreeSize(), size);
  EXPECT_EQ(store_->AuditRoot(size).value(), *root);
  auto checkpoint = store_->ReadCheckpoint(0);
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
  EXPECT_EQ(checkpoint->tree_size, size);
  EXPECT_EQ(checkpoint->root, *root);
  EXPECT_EQ(checkpoint->note, "note");
  ASSERT_NO_FATAL_FAILURE(WriteSomeOfEverything("b"));  // and it grows on
  ASSERT_NO_FATAL_FAILURE(ExpectTreeMatchesTheLog());
  auto consistent = store_->AuditConsistencyProof(size, store_->AuditTreeSize());
  ASSERT_TRUE(consistent.ok());
  EXPECT_TRUE(audit::VerifyConsistency(size, store_->AuditTreeSize(), *root,
                                       *store_->AuditRoot(store_->AuditTreeSize()), *consistent)
                  .ok());
}

// A version 3 store as that build wrote it: sequence 1 from cfs to police
// and health (education withheld), police subscribed ("feed"), delivered and
// acknowledged: seven version 1 entries, one per recipient and per event.
void WriteVersion3Store(const std::filesystem::path& path) {
  auto db = SqliteConnection::Open(path, /*read_only=*/false);
  ASSERT_TRUE(db.ok()) << db.status();
  ASSERT_TRUE((*db)->Exec(kSchemaV2Sql).ok());
  ASSERT_TRUE((*db)->Exec(kUpgradeToV3Sql).ok());
  ASSERT_TRUE((*db)->Exec("PRAGMA user_version=3").ok());
  const std::string body = "old body";
  const auto hash = audit::ContentHash(body);
  auto insert = (*db)->Prepare(
      "INSERT INTO notifications VALUES(1,'n-old','cfs','k-old','CASE-1','strategy_minutes',"
      "'PURPOSE_STRATEGY_DISCUSSION',?1,?2,'police,health',1700000000000000,'req')");
  ASSERT_TRUE(insert.ok());
  ASSERT_TRUE(insert->BindBlob(1, body).Bind(2, hash).Run().ok());
  ASSERT_TRUE((*db)
                  ->Exec("INSERT INTO deliveries(recipient,seq,rule,lawful_basis,agreement,purpose)"
                         " VALUES('police',1,'R1','legal_obligation','ISA-03 v2','P'),"
                         " ('health',1,'R2','public_task','ISA-03 v2','P');"
                         "INSERT INTO subscriptions VALUES('police','feed',1,1700000000000000)")
                  .ok());
  using audit::Action;
  const std::vector<audit::Entry> written = {
      {.actor = "cfs", .action = Action::kPublished, .notification_id = "n-old"},
      {.actor = "cfs",
       .action = Action::kRouted,
       .notification_id = "n-old",
       .recipient = "police"},
      {.actor = "cfs",
       .action = Action::kRouted,
       .notification_id = "n-old",
       .recipient = "health"},
      {.actor = "cfs",
       .action = Action::kWithheld,
       .notification_id = "n-old",
       .recipient = "education",
       .detail = "no rule shares strategy_minutes with education"},
      {.actor = "police",
       .action = Action::kSubscribed,
       .recipient = "police",
       .subscription = "feed"},
      {.actor = "police",
       .action = Action::kDelivered,
       .notification_id = "n-old",
       .recipient = "police",
       .subscription = "feed"},
      {.actor = "police",
       .action = Action::kAcknowledged,
       .notification_id = "n-old",
       .recipient = "police",
       .subscription = "feed"},
  };
  std::string head(audit::kGenesisHash);
  for (size_t i = 0; i < written.size(); ++i) {
    audit::Entry e = written[i];
    e.id = static_cast<int64_t>(i + 1);
    e.at_micros = 1'700'000'000'000'000 + e.id;
    if (e.action != Action::kSubscribed) e.case_ref = "CASE-1";
    head = AppendVersion1Entry(**db, e, head);
  }
}

TEST_F(TreeTest, AVersion3StoreIsUpgradedWithItsEntriesVerifyingQueryableAndInTheTree) {
  store_.reset();
  const auto path = dir_ / "safeshare.db";
  std::filesystem::remove(path);
  ASSERT_NO_FATAL_FAILURE(WriteVersion3Store(path));
  ASSERT_NO_FATAL_FAILURE(WriteVersion3Store(dir_ / "v3-backup.db"));
  auto backup = ReadAuditLog(dir_ / "v3-backup.db");  // a version 3 file read as it is
  ASSERT_TRUE(backup.ok()) << backup.status();
  ASSERT_EQ(backup->size(), 7u);
  EXPECT_TRUE(audit::VerifyChain(*backup).ok()) << audit::VerifyChain(*backup);

  Reopen();
  {
    auto db = SqliteConnection::Open(path, /*read_only=*/true);
    ASSERT_TRUE(db.ok());
    EXPECT_EQ(*(*db)->QueryInt("PRAGMA user_version"), kSchemaVersion);
    // Every upgraded entry is filed in the index, through the last.
    EXPECT_EQ(*(*db)->QueryInt("SELECT indexed_through FROM audit_index"), 7);
  }
  const auto old = Audit();
  ASSERT_EQ(old.size(), 7u);
  for (const auto& e : old) EXPECT_EQ(e.version, 1);
  EXPECT_TRUE(audit::VerifyChain(old).ok()) << audit::VerifyChain(old);
  for (size_t i = 0; i < old.size(); ++i) EXPECT_EQ(old[i].entry_hash, (*backup)[i].entry_hash);

  auto ids = [&](const AuditQuery& query) {
    std::vector<int64_t> out;
    auto found = store_->QueryAudit(query);
    EXPECT_TRUE(found.ok()) << found.status();
    for (const auto& e : found.ok() ? *found : std::vector<audit::Entry>{}) out.push_back(e.id);
    return out;
  };
  EXPECT_THAT(ids({.case_ref = "CASE-1"}), ElementsAre(1, 2, 3, 4, 6, 7));
  EXPECT_THAT(ids({.agency = "education"}), ElementsAre(4));
  EXPECT_THAT(ids({.agency = "police"}), ElementsAre(2, 5, 6, 7));
  EXPECT_THAT(ids({.notification_id = "n-old", .actions = {"routed", "withheld"}}),
              ElementsAre(2, 3, 4));
  EXPECT_THAT(ids({.actions = {"acknowledged"}}), ElementsAre(7));
  auto unacknowledged = store_->ReadUnacknowledged({});
  ASSERT_TRUE(unacknowledged.ok()) << unacknowledged.status();
  ASSERT_EQ(unacknowledged->size(), 1u);
  EXPECT_EQ((*unacknowledged)[0].recipient, AgencyId("health"));

  // New entries are version 2 and continue the chain and the tree.
  ASSERT_TRUE(Publish(Note("cfs", "k-new", {"police"}, {"education"})).ok());
  const auto all = Audit();
  ASSERT_EQ(all.size(), 8u);
  EXPECT_EQ(all[7].version, 2);
  EXPECT_EQ(all[7].prev_hash, old.back().entry_hash);
  EXPECT_TRUE(audit::VerifyChain(all).ok()) << audit::VerifyChain(all);
  EXPECT_THAT(ids({.agency = "education"}), ElementsAre(4, 8));
  ASSERT_NO_FATAL_FAILURE(ExpectTreeMatchesTheLog());
  Reopen();  // and opens again at the current version
  ASSERT_NO_FATAL_FAILURE(ExpectTreeMatchesTheLog());
}

}  // namespace
}  // namespace safeshare::store
