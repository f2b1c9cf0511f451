#pragma once

#include <string>
#include <string_view>

namespace safeshare {

// Lower-case hex SHA-256 of `bytes` (64 characters). Thread-safe; aborts only
// when OpenSSL cannot allocate, since an empty digest would break whatever
// chain or version string relies on it without a sound.
std::string Sha256Hex(std::string_view bytes);

// Lower-case hex of `bytes`, two characters per byte.
std::string HexEncode(std::string_view bytes);

}  // namespace safeshare
