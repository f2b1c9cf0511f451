#include "broker/audit/log_verify.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "broker/audit/chain.h"

namespace safeshare::audit {
namespace {

std::string Id(int64_t id) { return std::to_string(id); }

// `first` up to `next` - 1 are not in the log, which goes on at `next`.
std::string Missing(int64_t first, int64_t next) {
  std::string what = next == first + 1
                         ? "entry " + Id(first) + " is missing"
                         : "entries " + Id(first) + " to " + Id(next - 1) + " are missing";
  if (first == 1) return what + ": the log starts at entry " + Id(next);
  return what + ": entry " + Id(first - 1) + " is followed by entry " + Id(next);
}

}  // namespace

ReferenceLookup ReferenceFrom(std::vector<Entry> entries) {
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.id < b.id; });
  auto saved = std::make_shared<const std::vector<Entry>>(std::move(entries));
  return [saved](int64_t id) -> std::optional<Entry> {
    const auto it = std::lower_bound(saved->begin(), saved->end(), id,
                                     [](const Entry& e, int64_t key) { return e.id < key; });
    if (it == saved->end() || it->id != id) return std::nullopt;
    return *it;
  };
}

LogVerifier::LogVerifier(std::vector<SavedCheckpoint> checkpoints, ReferenceLookup reference)
    : checkpoints_(std::move(checkpoints)),
      reference_(std::move(reference)),
      prev_hash_(kGenesisHash) {
  std::stable_sort(checkpoints_.begin(), checkpoints_.end(),
                   [](const SavedCheckpoint& a, const SavedCheckpoint& b) {
                     return a.head.tree_size < b.head.tree_size;
                   });
  CheckCheckpoints();  // any of the empty tree
}

LogVerifier::LogVerifier(std::vector<SavedCheckpoint> checkpoints, std::vector<Entry> reference)
    : LogVerifier(std::move(checkpoints), ReferenceFrom(std::move(reference))) {}

void LogVerifier::Add(const Entry& entry) {
  if (!result_.ok || !CheckOrder(entry) || !CheckContent(entry)) return;
  prev_hash_ = entry.entry_hash;
  last_id_ = entry.id;
  tree_.Append(EntryLeafHash(entry));
  CheckCheckpoints();
}

bool LogVerifier::CheckOrder(const Entry& entry) {
  const int64_t expected = last_id_ + 1;
  if (held_) {
    // The entry after a gap tells whether the gap's entries come late
    // (out of order) or not at all (missing).
    const int64_t held = held_->id;
    if (entry.id == expected && held == expected + 1) {
      Fail(expected, "entries " + Id(expected) + " and " + Id(held) + " are out of order");
    } else if (entry.id < held) {
      Fail(expected,
           "entry " + Id(held) + " is out of order: it comes before entry " + Id(entry.id));
    } else {
      FailMissing(VerifyResult::Missing::kGap, expected, Missing(expected, held));
    }
    return false;
  }
  if (entry.id == expected) return true;
  if (entry.id > expected) {
    held_ = entry;
  } else {
    Fail(expected,
         "entry " + Id(entry.id) + " is out of order: it comes after entry " + Id(last_id_));
  }
  return false;
}

bool LogVerifier::CheckContent(const Entry& entry) {
  const auto index = static_cast<uint64_t>(entry.id);
  const std::string at = "entry " + Id(entry.id) + ": ";
  const std::string computed = EntryHash(entry.prev_hash, entry);
  const bool hash_matches = !computed.empty() && computed == entry.entry_hash;
  if (const auto saved = reference_ ? reference_(entry.id) : std::nullopt) {
    if (const auto differences = Differences(entry, *saved); !differences.empty()) {
      Fail(index, at + DescribeDifferences(differences) +
                      (hash_matches ? " (and its hashes were recomputed to match: history was "
                                      "rewritten)"
                                    : ""));
      return false;
    }
  }
  if (!hash_matches) {
    Fail(index, at + "its fields do not hash to its recorded hash");
    return false;
  }
  if (entry.prev_hash != prev_hash_) {
    Fail(index, at + "its prev_hash is not " +
                    (entry.id == 1 ? std::string("the genesis hash")
                                   : "entry " + Id(entry.id - 1) + "'s hash") +
                    ": the chain is broken");
    return false;
  }
  return true;
}

void LogVerifier::CheckCheckpoints() {
  for (; result_.ok && next_checkpoint_ < checkpoints_.size() &&
         checkpoints_[next_checkpoint_].head.tree_size <= tree_.size();
       ++next_checkpoint_) {
    // Entries are added one at a time, so the tree is exactly this size.
    const auto& checkpoint = checkpoints_[next_checkpoint_];
    const uint64_t size = checkpoint.head.tree_size;
    if (*tree_.Root(size) == checkpoint.head.root) {
      ++result_.checkpoints_matched;
      matched_size_ = size;
      continue;
    }
    const uint64_t first = matched_size_ + 1;
    const std::string where =
        first == size ? "entry " + std::to_string(size)
                      : "within entries " + std::to_string(first) + " to " + std::to_string(size);
    Fail(first == size ? size : 0,
         "checkpoint " + checkpoint.source + ": the log's first " + std::to_string(size) +
             " entries hash to another root: history was rewritten (" + where + ")");
  }
}

void LogVerifier::Fail(uint64_t index, std::string problem) {
  result_.ok = false;
  result_.first_bad_index = index;
  result_.problem = std::move(problem);
}

void LogVerifier::FailMissing(VerifyResult::Missing missing, uint64_t index, std::string problem) {
  Fail(index, std::move(problem));
  result_.missing = missing;
}

VerifyResult LogVerifier::Finish() {
  if (result_.ok && held_)
    FailMissing(VerifyResult::Missing::kGap, static_cast<uint64_t>(last_id_ + 1),
                Missing(last_id_ + 1, held_->id));
  if (result_.ok && next_checkpoint_ < checkpoints_.size()) {
    const auto& longest = checkpoints_.back();
    const uint64_t size = tree_.size();
    FailMissing(VerifyResult::Missing::kShort, size + 1,
                (size == 0 ? std::string("the log is empty")
                           : "the log ends at entry " + std::to_string(size)) +
                    " but checkpoint " + longest.source + " covers " +
                    std::to_string(longest.head.tree_size) + " entries");
  }
  result_.entries = tree_.size();
  return result_;
}

}  // namespace safeshare::audit
