// `safeshare audit checkpoint --save DIR` and `safeshare audit serve`.
#include <iostream>

#include "absl/strings/str_cat.h"
#include "audit_review_commands.h"
#include "checkpoint_archive.h"
#include "exit_code.h"
#include "review_api.h"
#include "review_server.h"

namespace safeshare::cli {

int RunAuditCheckpoint(client::Client& client, const AuditReviewFlags& flags) {
  absl::StatusOr<review::SaveResult> saved =
      review::SaveCheckpoint(client, flags.save_dir, flags.key_file);
  if (!saved.ok()) {
    const absl::Status& status = saved.status();
    if (status.code() == absl::StatusCode::kDataLoss) {
      std::cerr << "AUDIT LOG VERIFICATION FAILED, nothing saved: " << status.message() << "\n";
      return kExitNotVerified;
    }
    if (status.code() == absl::StatusCode::kFailedPrecondition ||
        status.code() == absl::StatusCode::kInternal) {
      return Fail(kExitUsage, status.message());
    }
    return FailBroker("audit checkpoint", status);
  }
  if (saved->trusted_on_first_use) {
    std::cout << "pinned the broker's key in " << flags.save_dir
              << "/verifier.key (trust on first use): compare it with the key the partnership "
                 "published\n";
  } else if (saved->pinned_now) {
    std::cout << "pinned the key of " << flags.key_file << " in " << flags.save_dir
              << "/verifier.key\n";
  }
  if (saved->entries_file.empty()) {
    std::cout << "no new entries since " << saved->checkpoint_file.filename().string()
              << "; consistent, nothing to save\n";
    return kExitOk;
  }
  std::cout << "saved " << saved->checkpoint_file.string() << " (" << saved->tree_size
            << " entries, signature verified";
  if (saved->previous_size != 0) {
    std::cout << ", consistent with checkpoint-" << saved->previous_size << ".txt";
  }
  std::cout << ")\nsaved " << saved->entries_file.string() << " (entries "
            << saved->previous_size + 1 << " to " << saved->tree_size << ")\n";
  return kExitOk;
}

int RunAuditServe(client::Client& client, const AuditReviewFlags& flags) {
  review::ReviewApi api(client, flags.checkpoints_dir);
  auto server = review::ReviewServer::Bind(
      flags.port,
      [&api](absl::string_view path, absl::string_view query) { return api.Handle(path, query); });
  if (!server.ok()) return Fail(kExitUsage, server.status().message());
  std::cout << "safeshare audit serve: http://127.0.0.1:" << (*server)->port()
            << "/ (this machine only; Ctrl-C stops)" << std::endl;
  (*server)->Run(/*stop_on_signals=*/true);
  return kExitOk;
}

}  // namespace safeshare::cli
