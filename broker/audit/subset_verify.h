#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "broker/audit/audit_entry.h"
#include "broker/audit/log_verify.h"

// Offline verification of some entries of the log (a filtered export: the
// entries of one case, agency or time range), each on its own: a subset
// cannot show that no entry is missing, only that each entry it holds is
// an entry of the log.
namespace safeshare::audit {

// What SubsetVerifier found. `ok` only when every entry agrees.
struct SubsetResult {
  bool ok = true;
  uint64_t entries = 0;  // entries verified
  // Of them, those with an index up to `signed_size`, compared with the
  // signed log; the others were checked against their own hashes only.
  uint64_t signed_entries = 0;
  // The first problem (as VerifyResult's), e.g.
  //   "entry 57: recipient is \"probation\" but was \"police\" when saved"
  //   "entry 57: its fields do not hash to its recorded entry_hash"
  //   "entry 57: its leaf_hash is not the Merkle leaf hash of its fields"
  //   "entry 57 comes after entry 60: a filtered export lists entries in log order"
  uint64_t first_bad_index = 0;
  std::string problem;
};

// Feed the subset's entries in the order found, then Finish. Memory: one
// entry.
class SubsetVerifier {
 public:
  // `signed_log`: the entries of the log up to `signed_size`, already
  // verified as the whole log of a signed checkpoint of that size (a
  // LogVerifier over the entries saved with the checkpoints); asked for
  // with increasing ids. An entry at or below `signed_size` must equal its
  // copy there, field by field and hash by hash.
  SubsetVerifier(uint64_t signed_size, ReferenceLookup signed_log);

  // Checks the entry comes after the one before, that its entry_hash (and
  // `leaf_hash`, the export's Merkle leaf hash, when not empty) is the hash
  // of its fields, that it links to the entry before when that is its
  // predecessor in the log, and that it is the signed log's entry of its
  // index. Stops at the first problem (later calls are ignored).
  void Add(const Entry& entry, std::string_view leaf_hash = {});
  SubsetResult Finish() const { return result_; }
  bool ok() const { return result_.ok; }

 private:
  // Each returns false, having recorded the problem, when the entry fails.
  bool CheckOrder(const Entry& entry);
  bool CheckAgainstSigned(const Entry& entry);
  bool CheckOwnHashes(const Entry& entry, std::string_view leaf_hash);
  bool CheckLink(const Entry& entry);
  void Fail(const Entry& entry, const std::string& problem);

  uint64_t signed_size_;
  ReferenceLookup signed_log_;
  int64_t last_id_ = 0;
  std::string last_hash_;  // entry_hash of the entry last added
  SubsetResult result_;
};

}  // namespace safeshare::audit
