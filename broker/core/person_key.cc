#include "broker/core/person_key.h"

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <iterator>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "absl/status/status.h"
#include "broker/core/key_file.h"
#include "broker/core/sha256.h"

namespace safeshare {

absl::StatusOr<PersonKey> PersonKey::Load(const std::filesystem::path& file) {
  const std::string name = file.string();
  if (auto checked =
          CheckOwnerOnlyKeyFile(file, "person_hash_key",
                                "create one with `openssl rand -out " + name + " 32 && chmod 600 " +
                                    name + "` (certs/gen-dev-pki.sh does for development)");
      !checked.ok()) {
    return checked;
  }
  std::ifstream in(file, std::ios::binary);
  std::string key((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) {
    return absl::FailedPreconditionError("person_hash_key " + name + ": cannot read it");
  }
  if (key.size() < kMinKeyBytes) {
    const size_t size = key.size();
    OPENSSL_cleanse(key.data(), key.size());
    return absl::FailedPreconditionError("person_hash_key " + name + ": " + std::to_string(size) +
                                         " bytes; at least " + std::to_string(kMinKeyBytes) +
                                         " random bytes are required (`openssl rand -out " + name +
                                         " 32`)");
  }
  return PersonKey(std::move(key));
}

PersonKey::~PersonKey() {
  if (!key_.empty()) OPENSSL_cleanse(key_.data(), key_.size());
}

std::string PersonKey::Normalise(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isspace(byte) != 0) continue;
    out += static_cast<char>(std::toupper(byte));
  }
  return out;
}

std::string PersonKey::Hash(std::string_view scheme, std::string_view value) const {
  std::string message(scheme);
  message += '\x1f';  // unit separator: no scheme name contains it
  message += Normalise(value);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  const unsigned char* done =
      HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
           reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &length);
  OPENSSL_cleanse(message.data(), message.size());
  if (done == nullptr) std::abort();  // out of memory only; an empty hash would match nothing
  return HexEncode(std::string_view(reinterpret_cast<const char*>(mac), length));
}

}  // namespace safeshare
