#include "broker/core/sha256.h"

#include <cstdlib>
#include <memory>

#include <openssl/evp.h>

#include "broker/core/openssl_ptr.h"

namespace safeshare {
namespace {

// SHA-256 fetched once: EVP_sha256() would make OpenSSL 3 look the
// implementation up again on every digest.
const EVP_MD* Sha256() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

}  // namespace

std::string HexEncode(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex(size_t{2} * bytes.size(), '0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    const auto byte = static_cast<unsigned char>(bytes[i]);
    hex[2 * i] = kHex[byte >> 4];
    hex[2 * i + 1] = kHex[byte & 0xf];
  }
  return hex;
}

std::array<uint8_t, 32> Sha256Digest(std::initializer_list<std::string_view> pieces) {
  // One context per thread, reset by each init: no allocation per digest.
  thread_local const MdCtxPtr ctx(EVP_MD_CTX_new());
  bool ok = ctx != nullptr && EVP_DigestInit_ex2(ctx.get(), Sha256(), nullptr) == 1;
  for (auto piece : pieces) {
    ok = ok && EVP_DigestUpdate(ctx.get(), piece.data(), piece.size()) == 1;
  }
  std::array<uint8_t, 32> digest{};
  unsigned int length = 0;
  if (!ok || EVP_DigestFinal_ex(ctx.get(), digest.data(), &length) != 1 ||
      length != digest.size()) {
    std::abort();
  }
  return digest;
}

std::string Sha256Hex(std::string_view bytes) {
  const auto digest = Sha256Digest({bytes});
  return HexEncode(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

}  // namespace safeshare
