#include "broker/offline_commands.h"

#include <cstdio>

#include "broker/audit/audit_report.h"
#include "broker/audit/chain.h"
#include "broker/audit/merkle.h"
#include "broker/store/audit_log_reader.h"
#include "broker/store/backup.h"
#include "broker/store/body_check.h"
#include "broker/store/rekey.h"

namespace safeshare {
namespace {

// Checks every notification body against its content hash and says so.
// True when all match. Names sequences only, never content.
bool PrintBodyCheck(const std::filesystem::path& store_path, const DataKeys& keys) {
  auto bodies = store::CheckStoreBodies(store_path, keys);
  if (!bodies.ok()) {
    std::fprintf(stderr, "safeshare-broker audit: %s\n", bodies.status().ToString().c_str());
    return false;
  }
  if (!bodies->ok()) {
    std::fprintf(stdout, "%s\n", bodies->Describe().c_str());
    return false;
  }
  std::fprintf(stdout, "notification bodies: %lld verified",
               static_cast<long long>(bodies->checked));
  if (bodies->deleted > 0) {
    std::fprintf(stdout, "; content of %lld notifications deleted under retention",
                 static_cast<long long>(bodies->deleted));
  }
  std::fprintf(stdout, "\n");
  return true;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const DataKeys>> LoadDataKeys(const config::BrokerConfig& config) {
  auto keys = DataKeys::Load(config.data_keys_directory, config.data_key_current);
  if (!keys.ok()) return keys.status();
  return std::make_shared<const DataKeys>(*std::move(keys));
}

// These commands read and write the SQLite file themselves. With PostgreSQL,
// its own tools back it up, and the audit log is verified through the
// running brokers (`safeshare audit verify`). Prints why and returns false.
bool OnSqlite(const config::BrokerConfig& config, const char* command) {
  if (config.store.kind == config::StoreConfig::Kind::kSqlite) return true;
  std::fprintf(stderr,
               "safeshare-broker %s: store.kind is postgres; this command works on the SQLite "
               "store file. With PostgreSQL use its own tools (pg_dump, base backups) and verify "
               "the audit log through a running broker: safeshare audit verify\n",
               command);
  return false;
}

// Prints the audit trail, verifies its hash chain and every notification
// body. Exit 0 when both are intact.
int PrintAudit(const config::BrokerConfig& config) {
  if (!OnSqlite(config, "audit")) return 2;
  const std::filesystem::path& store_path = config.store.path;
  auto entries = store::ReadAuditLog(store_path);
  if (!entries.ok()) {
    std::fprintf(stderr, "safeshare-broker audit: %s\n",
                 config::ExplainConfigPaths(config, entries.status().ToString()).c_str());
    return 1;
  }
  std::fputs(audit::FormatTable(*entries).c_str(), stdout);
  const auto verified = audit::VerifyChain(*entries);
  if (!verified.ok()) {
    std::fprintf(stdout, "audit chain BROKEN: %s\n", std::string(verified.message()).c_str());
  } else {
    // The tree root, to compare with a signed checkpoint of the same size.
    audit::MerkleTree tree;
    for (const auto& e : *entries) tree.Append(audit::EntryLeafHash(e));
    std::fprintf(stdout, "audit chain intact: %zu entries, head %s, tree root %s\n",
                 entries->size(),
                 entries->empty() ? std::string(audit::kGenesisHash).c_str()
                                  : entries->back().entry_hash.c_str(),
                 audit::HexOf(*tree.Root(tree.size())).c_str());
  }
  auto keys = LoadDataKeys(config);
  if (!keys.ok()) {
    std::fprintf(stderr, "safeshare-broker audit: %s\n",
                 config::ExplainConfigPaths(config, keys.status().ToString()).c_str());
    return 1;
  }
  const bool bodies_ok = PrintBodyCheck(store_path, **keys);
  return verified.ok() && bodies_ok ? 0 : 1;
}

// Writes a checked, consistent copy of the store (the broker may be running).
int Backup(const config::BrokerConfig& config, const std::string& to, bool force) {
  if (!OnSqlite(config, "backup")) return 2;
  const std::filesystem::path& store_path = config.store.path;
  auto keys = LoadDataKeys(config);
  auto report = keys.ok() ? store::BackupStore(store_path, to, force, **keys)
                          : absl::StatusOr<store::BackupReport>(keys.status());
  if (!report.ok()) {
    std::fprintf(stderr, "safeshare-broker backup: %s\n",
                 config::ExplainConfigPaths(config, report.status().ToString()).c_str());
    return 1;
  }
  std::fprintf(stdout,
               "backup of %s written to %s and checked (integrity_check ok): %lld notifications, "
               "%lld notification bodies verified, %lld audit entries, audit head %s\n",
               store_path.c_str(), to.c_str(), static_cast<long long>(report->notifications),
               static_cast<long long>(report->bodies_verified),
               static_cast<long long>(report->audit_entries), report->audit_head.c_str());
  return 0;
}

int Rekey(const config::BrokerConfig& config) {
  if (!OnSqlite(config, "rekey")) return 2;
  auto keys = LoadDataKeys(config);
  if (!keys.ok()) {
    std::fprintf(stderr, "safeshare-broker rekey: %s\n",
                 config::ExplainConfigPaths(config, keys.status().ToString()).c_str());
    return 1;
  }
  store::RekeyOptions options;
  options.progress = [](const store::RekeyReport& r) {
    std::fprintf(stderr, "\rresealed %lld bodies, %lld views and %lld notes",
                 static_cast<long long>(r.notifications), static_cast<long long>(r.views),
                 static_cast<long long>(r.notes));
  };
  auto report = store::RekeyStore(config.store.path, **keys, options);
  std::fputc('\n', stderr);
  if (!report.ok()) {
    std::fprintf(stderr, "safeshare-broker rekey: %s\n",
                 config::ExplainConfigPaths(config, report.status().ToString()).c_str());
    return 1;
  }
  std::fprintf(stdout,
               "rekey of %s: %lld notification bodies, %lld views and %lld notes resealed under "
               "'%s'",
               config.store.path.c_str(), static_cast<long long>(report->notifications),
               static_cast<long long>(report->views), static_cast<long long>(report->notes),
               (*keys)->current().c_str());
  for (const auto& [key, count] : report->from) {
    std::fprintf(stdout, "; %lld were under %s", static_cast<long long>(count),
                 key.empty() ? "no key (plaintext)" : ("'" + key + "'").c_str());
  }
  std::fprintf(stdout, "\n");
  return 0;
}

}  // namespace safeshare
