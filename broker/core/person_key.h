#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"

namespace safeshare {

// The partnership's secret for person identifiers: the broker matches people
// across notifications and cases by HMAC-SHA256 of (scheme, value) under this
// key, so it never stores an NHS number, CRN or PNC number itself, and a
// stolen store without the key cannot be searched for a known identifier.
//
// Immutable after Load; thread-safe. Never log the key, a value or a hash
// next to the value it came from.
class PersonKey {
 public:
  static constexpr size_t kMinKeyBytes = 32;

  // Reads the key: the whole file, at least kMinKeyBytes bytes, readable and
  // writable by its owner only (mode 600). Errors name the file and the fix
  // ("chmod 600 FILE", "openssl rand -out FILE 32") and never its content.
  static absl::StatusOr<PersonKey> Load(const std::filesystem::path& file);

  PersonKey(const PersonKey&) = default;
  PersonKey& operator=(const PersonKey&) = default;
  PersonKey(PersonKey&&) = default;
  PersonKey& operator=(PersonKey&&) = default;
  ~PersonKey();  // overwrites the key bytes

  // Lower-case hex HMAC-SHA256 over "SCHEME\x1fNORMALISED_VALUE", where
  // `scheme` is the IdentifierScheme value name (e.g.
  // "IDENTIFIER_SCHEME_NHS_NUMBER") and the value is Normalise()d, so
  // "ab 12 34 56 c" and "AB123456C" hash alike.
  std::string Hash(std::string_view scheme, std::string_view value) const;

  // `value` without leading, trailing or internal white space, ASCII letters
  // upper-cased: how identifiers are written differs between agencies' systems
  // (spaces in NHS numbers, lower-case CRNs), the person does not.
  static std::string Normalise(std::string_view value);

 private:
  explicit PersonKey(std::string key) : key_(std::move(key)) {}

  std::string key_;
};

}  // namespace safeshare
