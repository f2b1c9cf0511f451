#include "broker/audit/audit_entry.h"

#include <array>

#include <openssl/evp.h>

namespace safeshare::audit {
namespace {

constexpr std::array<std::pair<Action, std::string_view>, 7> kNames = {{
    {Action::kPublished, "published"},
    {Action::kDuplicate, "duplicate"},
    {Action::kPublishRefused, "publish_refused"},
    {Action::kWithheld, "withheld"},
    {Action::kSubscribed, "subscribed"},
    {Action::kDelivered, "delivered"},
    {Action::kAcknowledged, "acknowledged"},
}};

}  // namespace

std::string_view ActionName(Action action) {
  for (const auto& [a, name] : kNames) {
    if (a == action) return name;
  }
  return "unknown";
}

bool ParseAction(std::string_view name, Action& out) {
  for (const auto& [a, n] : kNames) {
    if (n == name) {
      out = a;
      return true;
    }
  }
  return false;
}

std::string ContentHash(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex(2 * length, '0');
  for (unsigned int i = 0; i < length; ++i) {
    hex[2 * i] = kHex[digest[i] >> 4];
    hex[2 * i + 1] = kHex[digest[i] & 0xf];
  }
  return hex;
}

}  // namespace safeshare::audit
