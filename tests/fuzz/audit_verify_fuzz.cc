// Fuzzes the offline audit verifier (`safeshare audit verify --export`):
// JSON lines of v1::AuditEntry, decoded as the CLI decodes an export
// (JsonStringToMessage, then audit::FromProto), fed to an audit::LogVerifier.
//
// Mutated entries almost never hash right, so the verifier would stop at the
// first one. An input starting with kRelink has every entry re-linked into a
// valid chain first (as a rewriter of history would), so the order, gap,
// reference and checkpoint checks behind the hash check are reached too.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <google/protobuf/util/json_util.h>

#include "absl/strings/str_split.h"
#include "broker/audit/chain.h"
#include "broker/audit/entry_proto.h"
#include "broker/audit/log_verify.h"
#include "broker/audit/merkle.h"

namespace {

using safeshare::audit::Entry;

constexpr std::string_view kRelink = "#relink\n";

std::vector<Entry> DecodeExport(std::string_view text) {
  std::vector<Entry> entries;
  // absl::string_view: Debian's Abseil does not alias std::string_view.
  for (absl::string_view line : absl::StrSplit(absl::string_view(text.data(), text.size()), '\n')) {
    safeshare::v1::AuditEntry message;
    if (!google::protobuf::util::JsonStringToMessage(std::string(line), &message).ok()) continue;
    auto entry = safeshare::audit::FromProto(message);
    if (entry.ok()) entries.push_back(*std::move(entry));
  }
  return entries;
}

// Checkpoints as if saved while the log held its first half, which match a
// log that was not reordered, and one past its end, which cannot match.
std::vector<safeshare::audit::SavedCheckpoint> Checkpoints(const std::vector<Entry>& log) {
  safeshare::audit::MerkleTree tree;
  for (size_t i = 0; i < log.size() / 2; ++i) {
    tree.Append(safeshare::audit::EntryLeafHash(log[i]));
  }
  return {
      {.source = "checkpoint-half.txt",
       .head = {.origin = "fuzz", .tree_size = tree.size(), .root = *tree.Root(tree.size())}},
      {.source = "checkpoint-past.txt",
       .head = {
           .origin = "fuzz", .tree_size = log.size() + 1, .root = safeshare::audit::EmptyRoot()}}};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  const bool relink = text.substr(0, kRelink.size()) == kRelink;
  if (relink) text.remove_prefix(kRelink.size());
  std::vector<Entry> entries = DecodeExport(text);
  std::vector<Entry> reference;
  if (relink) {
    reference = entries;  // saved copies: what each id held before any reordering
    std::string head(safeshare::audit::kGenesisHash);
    for (Entry& entry : entries) head = safeshare::audit::Link(head, entry);
  }
  safeshare::audit::LogVerifier verifier(Checkpoints(entries), std::move(reference));
  for (const Entry& entry : entries) verifier.Add(entry);
  (void)verifier.Finish();
  return 0;
}
