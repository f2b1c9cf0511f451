#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace safeshare {

// Lower-case hex SHA-256 of `bytes` (64 characters). Thread-safe; aborts only
// when OpenSSL cannot allocate, since an empty digest would break whatever
// chain or version string relies on it without a sound.
std::string Sha256Hex(std::string_view bytes);

// The 32 raw bytes of the SHA-256 of `pieces`, one after the other, without
// joining them first (Merkle nodes hash a prefix byte and two hashes).
// Thread-safe; aborts as Sha256Hex does.
std::array<uint8_t, 32> Sha256Digest(std::initializer_list<std::string_view> pieces);

// Lower-case hex of `bytes`, two characters per byte.
std::string HexEncode(std::string_view bytes);

}  // namespace safeshare
