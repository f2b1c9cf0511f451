#include "broker/audit/audit_entry.h"

#include <array>
#include <cstdlib>
#include <memory>

#include <openssl/evp.h>

namespace safeshare::audit {
namespace {

constexpr std::array<std::pair<Action, std::string_view>, 12> kNames = {{
    {Action::kPublished, "published"},
    {Action::kDuplicate, "duplicate"},
    {Action::kPublishRefused, "publish_refused"},
    {Action::kWithheld, "withheld"},
    {Action::kSubscribed, "subscribed"},
    {Action::kDelivered, "delivered"},
    {Action::kAcknowledged, "acknowledged"},
    {Action::kRouted, "routed"},
    {Action::kUrgentDisclosure, "urgent_disclosure"},
    {Action::kCaseChanged, "case_changed"},
    {Action::kInterestChanged, "interest_changed"},
    {Action::kPolicyChanged, "policy_changed"},
}};

// SHA-256 fetched once: EVP_sha256() would make OpenSSL 3 look the
// implementation up again on every digest.
const EVP_MD* Sha256() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

struct ContextFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

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
  // One context per thread, reset by each init: no allocation per digest.
  thread_local const std::unique_ptr<EVP_MD_CTX, ContextFree> ctx(EVP_MD_CTX_new());
  if (ctx == nullptr || EVP_DigestInit_ex2(ctx.get(), Sha256(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), bytes.data(), bytes.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), digest, &length) != 1) {
    // Only out of memory gets here; an empty hash would break the chain
    // silently, so stop instead.
    std::abort();
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex(size_t{2} * length, '0');
  for (size_t i = 0; i < length; ++i) {
    hex[2 * i] = kHex[digest[i] >> 4];
    hex[2 * i + 1] = kHex[digest[i] & 0xf];
  }
  return hex;
}

}  // namespace safeshare::audit
