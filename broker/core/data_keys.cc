#include "broker/core/data_keys.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <fstream>
#include <memory>
#include <regex>
#include <stdexcept>

#include "absl/strings/str_cat.h"
#include "broker/core/key_file.h"

namespace safeshare {
namespace {

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

CipherCtx NewContext() { return {EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free}; }

// Fetched once: OpenSSL 3 would otherwise look the algorithm up in its
// providers on every body sealed or opened.
const EVP_CIPHER* AesGcm() {
  static EVP_CIPHER* const cipher = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  return cipher;
}

const unsigned char* Bytes(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}
unsigned char* Bytes(std::string& text) { return reinterpret_cast<unsigned char*>(text.data()); }

bool ValidId(const std::string& id) {
  static const std::regex kId("[A-Za-z0-9_-]{1,64}");
  return std::regex_match(id, kId);
}

}  // namespace

absl::StatusOr<DataKeys> DataKeys::Load(const std::filesystem::path& dir,
                                        const std::string& current) {
  const std::string make =
      "create one with `openssl rand -out DIR/<id>.key 32 && chmod 600 DIR/<id>.key` "
      "(certs/gen-dev-pki.sh does for development)";
  std::error_code error;
  std::map<std::string, std::string> keys;
  for (const auto& item : std::filesystem::directory_iterator(dir, error)) {
    if (item.path().extension() != ".key") continue;
    const std::string id = item.path().stem().string();
    const std::string name = item.path().string();
    if (!ValidId(id)) {
      return absl::FailedPreconditionError(
          "data_keys.directory " + dir.string() + ": key file " + item.path().filename().string() +
          " has no usable id (letters, digits, '-' and '_', at most 64, then .key)");
    }
    if (auto checked = CheckOwnerOnlyKeyFile(item.path(), "data_keys.directory", make);
        !checked.ok()) {
      return checked;
    }
    std::ifstream in(item.path(), std::ios::binary);
    std::string key((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (key.size() != kKeyBytes) {
      const size_t size = key.size();
      OPENSSL_cleanse(key.data(), key.size());
      return absl::FailedPreconditionError(absl::StrCat("data key ", name, ": ", size,
                                                        " bytes; a data key is exactly 32 random "
                                                        "bytes (",
                                                        make, ")"));
    }
    keys.emplace(id, std::move(key));
  }
  if (error) {
    return absl::FailedPreconditionError("data_keys.directory " + dir.string() +
                                         " cannot be read: " + error.message() + "; " + make);
  }
  if (!keys.contains(current)) {
    return absl::FailedPreconditionError("data_keys.current '" + current + "': no " + current +
                                         ".key in data_keys.directory " + dir.string() + "; " +
                                         make);
  }
  DataKeys out(std::move(keys), current);
  out.dir_ = dir;
  return out;
}

DataKeys::DataKeys(std::map<std::string, std::string> keys, std::string current)
    : keys_(std::move(keys)), current_(std::move(current)) {
  for (const auto& [id, key] : keys_) {
    if (key.size() != kKeyBytes) throw std::invalid_argument("a data key is 32 bytes");
  }
  if (!keys_.contains(current_)) throw std::invalid_argument("the current data key is missing");
}

DataKeys::~DataKeys() {
  for (auto& [id, key] : keys_) OPENSSL_cleanse(key.data(), key.size());
}

std::vector<std::string> DataKeys::ids() const {
  std::vector<std::string> out;
  out.reserve(keys_.size());
  for (const auto& [id, key] : keys_) out.push_back(id);
  return out;
}

std::string DataKeys::Seal(std::string_view plaintext, std::string_view context) const {
  const std::string& key = keys_.at(current_);
  std::string out(kNonceBytes + plaintext.size() + kTagBytes, '\0');
  auto* nonce = Bytes(out);
  auto* body = nonce + kNonceBytes;
  int length = 0;
  const CipherCtx ctx = NewContext();
  // Each step fails only without memory or randomness: the broker cannot
  // store a body it cannot seal, so that is fatal.
  if (ctx == nullptr || RAND_bytes(nonce, kNonceBytes) != 1 ||
      EVP_EncryptInit_ex(ctx.get(), AesGcm(), nullptr, Bytes(key), nonce) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &length, Bytes(context),
                        static_cast<int>(context.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), body, &length, Bytes(plaintext),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), body + length, &length) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, body + plaintext.size()) !=
          1) {
    throw std::runtime_error("AES-256-GCM encryption failed");
  }
  return out;
}

absl::StatusOr<std::string> DataKeys::Open(std::string_view key_id, std::string_view sealed,
                                           std::string_view context) const {
  const auto key = keys_.find(std::string(key_id));
  if (key == keys_.end()) {
    return absl::FailedPreconditionError(
        "a body is sealed under data key '" + std::string(key_id) + "', which is not loaded: put " +
        std::string(key_id) + ".key back into data_keys.directory" +
        (dir_.empty() ? std::string() : " (" + dir_.string() + ")"));
  }
  if (sealed.size() < kNonceBytes + kTagBytes) {
    return absl::DataLossError("a sealed body is too short to hold its nonce and tag");
  }
  const size_t size = sealed.size() - kNonceBytes - kTagBytes;
  std::string out(size, '\0');
  const auto* nonce = Bytes(sealed);
  const auto* body = nonce + kNonceBytes;
  std::string tag(sealed.substr(kNonceBytes + size));
  int length = 0;
  const CipherCtx ctx = NewContext();
  const bool opened =
      ctx != nullptr &&
      EVP_DecryptInit_ex(ctx.get(), AesGcm(), nullptr, Bytes(key->second), nonce) == 1 &&
      EVP_DecryptUpdate(ctx.get(), nullptr, &length, Bytes(context),
                        static_cast<int>(context.size())) == 1 &&
      EVP_DecryptUpdate(ctx.get(), Bytes(out), &length, body, static_cast<int>(size)) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, Bytes(tag)) == 1 &&
      EVP_DecryptFinal_ex(ctx.get(), Bytes(out) + length, &length) == 1;
  if (!opened) {
    OPENSSL_cleanse(out.data(), out.size());
    return absl::DataLossError("a sealed body does not authenticate under data key '" +
                               std::string(key_id) +
                               "': it was altered, or belongs to another row");
  }
  return out;
}

}  // namespace safeshare
