#pragma once

// What the audit integration tests check with: a bare Audit stub, every page
// of a query, and a checkpoint's signature checked with OpenSSL directly from
// the published verifier key (C2SP signed note, Ed25519), sharing no code
// with broker/audit.
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <cstdio>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "safeshare/v1/audit.grpc.pb.h"
#include "tests/integration/rfc6962.h"
#include "tests/integration/scenario.h"

namespace safeshare::testing {

inline std::unique_ptr<v1::Audit::Stub> AuditStub(const BrokerProcess& broker,
                                                  const std::string& agency) {
  return v1::Audit::NewStub(RawChannel(broker, agency));
}

// Every entry matching `filter`, page by page (`limit` a page), checking
// that pages follow on and the last says there is no further one.
inline std::vector<v1::AuditEntry> QueryAll(v1::Audit::Stub& stub, const v1::AuditFilter& filter,
                                            uint32_t limit = 0) {
  std::vector<v1::AuditEntry> all;
  v1::QueryAuditRequest request;
  *request.mutable_filter() = filter;
  request.set_limit(limit);
  for (int page = 0; page < 10'000; ++page) {
    grpc::ClientContext context;
    v1::QueryAuditResponse response;
    const auto status = stub.Query(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    if (!status.ok()) break;
    if (limit != 0 && response.next_after_index() != 0) {
      EXPECT_EQ(response.entries_size(), static_cast<int>(limit));
    }
    for (const auto& e : response.entries()) {
      if (!all.empty()) {
        EXPECT_GT(e.index(), all.back().index());
      }
      all.push_back(e);
    }
    if (response.next_after_index() == 0) break;
    EXPECT_EQ(response.next_after_index(), all.back().index());
    request.set_after_index(response.next_after_index());
  }
  return all;
}

inline std::string Base64Decode(const std::string& text) {
  std::string out(text.size(), '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) return "";
  size_t padding = 0;
  for (size_t i = text.size(); i > 0 && text[i - 1] == '='; --i) ++padding;
  out.resize(static_cast<size_t>(n) - padding);
  return out;
}

// Lowercase hex of `bytes`.
inline std::string Hex(const std::string& bytes) {
  std::string hex;
  for (const char byte : bytes) {
    char digits[3];
    std::snprintf(digits, sizeof digits, "%02x", static_cast<uint8_t>(byte));
    hex += digits;
  }
  return hex;
}

// The key id of a note verifier key: the first 4 bytes of SHA-256(name "\n"
// 0x01 key), in hex (`typed_key`: 0x01 and the 32-byte Ed25519 key).
inline std::string KeyId(const std::string& name, const std::string& typed_key) {
  return Hex(rfc6962::Sha256(name + "\n" + typed_key).substr(0, 4));
}

// A checkpoint whose signature verified.
struct OpenedCheckpoint {
  std::string origin;
  uint64_t size = 0;
  std::string root;  // raw bytes
};

// Checks `note` against `verifier_key` ("<name>+<hex id>+<base64(0x01 ||
// key)>") with OpenSSL's Ed25519, as a regulator's own tool would; fails the
// test and returns an empty result when it does not verify.
inline OpenedCheckpoint OpenCheckpoint(const std::string& note, const std::string& verifier_key) {
  const auto plus = verifier_key.find('+');
  const auto plus2 = verifier_key.find('+', plus + 1);
  const std::string name = verifier_key.substr(0, plus);
  const std::string key_id = verifier_key.substr(plus + 1, plus2 - plus - 1);
  const std::string key = Base64Decode(verifier_key.substr(plus2 + 1));
  EXPECT_EQ(key.size(), 33u);
  EXPECT_EQ(key[0], '\x01');
  EXPECT_EQ(key_id, KeyId(name, key));
  const auto id = rfc6962::Sha256(name + "\n" + key).substr(0, 4);

  const auto blank = note.find("\n\n");
  EXPECT_NE(blank, std::string::npos) << note;
  const std::string body = note.substr(0, blank + 1);
  const std::string line = note.substr(blank + 2);
  const std::string dash = "\xe2\x80\x94 " + name + " ";  // "— <name> "
  EXPECT_EQ(line.substr(0, dash.size()), dash) << line;
  std::string signature = line.substr(dash.size());
  if (!signature.empty() && signature.back() == '\n') signature.pop_back();
  signature = Base64Decode(signature);
  EXPECT_EQ(signature.size(), 68u);
  EXPECT_EQ(signature.substr(0, 4), id);

  EVP_PKEY* pkey = EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(key.data()) + 1, 32);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool verified =
      pkey != nullptr && signature.size() == 68 &&
      EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, pkey) == 1 &&
      EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()) + 4, 64,
                       reinterpret_cast<const unsigned char*>(body.data()), body.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(pkey);
  EXPECT_TRUE(verified) << "signature does not verify: " << note;
  if (!verified) return {};

  OpenedCheckpoint opened;
  std::istringstream lines(body);
  std::string size, root;
  std::getline(lines, opened.origin);
  std::getline(lines, size);
  std::getline(lines, root);
  opened.size = std::stoull(size);
  opened.root = Base64Decode(root);
  return opened;
}

}  // namespace safeshare::testing
