#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace safeshare {

// The keys that encrypt notification bodies at rest: AES-256-GCM through
// OpenSSL's EVP interface, a fresh random 96-bit nonce per body, and the
// row's identity (the notification id, and the view) as associated data,
// so a body moved to another row fails authentication instead of being
// served as that row's. A sealed body is nonce ‖ ciphertext ‖ 16-byte tag;
// the id of the key that sealed it is stored beside it.
//
// Keys are files `<id>.key` of one directory (32 random bytes each, mode
// 600); `current` seals new bodies, every key of the directory opens.
// Rotating: add a key file, make it current, restart; `safeshare-broker
// rekey` then reseals the old bodies while the broker serves, after which
// the old key file may go. Immutable after Load; thread-safe. Never logs a
// key.
class DataKeys {
 public:
  static constexpr size_t kKeyBytes = 32;
  static constexpr size_t kNonceBytes = 12;
  static constexpr size_t kTagBytes = 16;

  // Reads every `<id>.key` of `dir` (id: letters, digits, '-', '_', at most
  // 64); each must be exactly kKeyBytes and owner-only. FAILED_PRECONDITION
  // naming `data_keys.directory` or the file and the fix, without content.
  static absl::StatusOr<DataKeys> Load(const std::filesystem::path& dir,
                                       const std::string& current);
  // For tests and tools: keys given directly.
  DataKeys(std::map<std::string, std::string> keys, std::string current);

  DataKeys(const DataKeys&) = default;
  DataKeys& operator=(const DataKeys&) = default;
  DataKeys(DataKeys&&) = default;
  DataKeys& operator=(DataKeys&&) = default;
  ~DataKeys();  // overwrites the key bytes

  const std::string& current() const { return current_; }
  std::vector<std::string> ids() const;
  bool Has(std::string_view id) const { return keys_.contains(std::string(id)); }

  // `plaintext` sealed under the current key, bound to `context`.
  std::string Seal(std::string_view plaintext, std::string_view context) const;
  // What Seal made under `key_id` for `context`. FAILED_PRECONDITION when
  // that key is not loaded (naming it, and where it should be); DATA_LOSS
  // when the tag does not verify (altered, truncated, or another row's).
  absl::StatusOr<std::string> Open(std::string_view key_id, std::string_view sealed,
                                   std::string_view context) const;

 private:
  std::map<std::string, std::string> keys_;
  std::string current_;
  std::filesystem::path dir_;  // for messages; empty when given directly
};

}  // namespace safeshare
