#include "broker/audit/checkpoint.h"

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <utility>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "broker/core/key_file.h"
#include "broker/core/openssl_ptr.h"
#include "broker/core/sha256.h"

namespace safeshare::audit {
namespace {

constexpr std::string_view kSignaturePrefix = "\u2014 ";  // em dash, space (C2SP signed-note)
constexpr uint8_t kEd25519Type = 0x01;                    // signed-note signature type
constexpr size_t kSignatureBytes = 64;
constexpr size_t kMaxSignatures = 100;  // as C2SP signed-note bounds them

using Pkey = PkeyPtr;
using MdCtx = MdCtxPtr;

std::string_view View(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

std::string Base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                     reinterpret_cast<const unsigned char*>(bytes.data()),
                                     static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(length));
  return out;
}

bool IsBase64Char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

// Standard base64 with padding, nothing else (EVP_DecodeBlock alone would
// skip white space and count padding as zero bytes).
std::optional<std::string> FromBase64(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0) return std::nullopt;
  size_t padding = 0;
  while (padding < 2 && text[text.size() - 1 - padding] == '=') ++padding;
  for (size_t i = 0; i < text.size() - padding; ++i) {
    if (!IsBase64Char(text[i])) return std::nullopt;
  }
  std::string out(text.size() / 4 * 3, '\0');
  const int length = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                     reinterpret_cast<const unsigned char*>(text.data()),
                                     static_cast<int>(text.size()));
  if (length < 0 || static_cast<size_t>(length) != out.size()) return std::nullopt;
  out.resize(out.size() - padding);
  return out;
}

// C2SP signed-note key id: the first 4 bytes of SHA-256(name || "\n" ||
// type || public key).
std::array<uint8_t, 4> KeyId(std::string_view name, std::string_view public_key) {
  const char type = static_cast<char>(kEd25519Type);
  const auto digest = Sha256Digest({name, "\n", std::string_view(&type, 1), public_key});
  return {digest[0], digest[1], digest[2], digest[3]};
}

std::string HexKeyId(const std::array<uint8_t, 4>& id) {
  return HexEncode(View(id.data(), id.size()));
}

// A signed-note key name: non-empty, no spaces and no '+'.
bool IsKeyName(std::string_view name) {
  if (name.empty()) return false;
  for (const char c : name) {
    if (c == '+' || static_cast<unsigned char>(c) <= ' ') return false;
  }
  return true;
}

std::string Signature(EVP_PKEY* key, std::string_view text) {
  MdCtx ctx(EVP_MD_CTX_new());
  std::string signature(kSignatureBytes, '\0');
  size_t length = signature.size();
  // Ed25519 hashes the message itself: no digest is named.
  if (ctx == nullptr || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     reinterpret_cast<const unsigned char*>(text.data()), text.size()) != 1 ||
      length != kSignatureBytes) {
    std::abort();  // only when OpenSSL cannot allocate; an unsigned checkpoint is worthless
  }
  return signature;
}

// Parses "<decimal>" as C2SP checkpoints write tree sizes: ASCII digits, no
// sign, no leading zero, within 64 bits.
std::optional<uint64_t> ParseSize(std::string_view text) {
  if (text.empty() || text.size() > 20 || (text.size() > 1 && text[0] == '0')) return std::nullopt;
  uint64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (value > (UINT64_MAX - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

absl::Status NotACheckpoint(const std::string& why) {
  return absl::InvalidArgumentError("not a signed checkpoint: " + why);
}

// The checkpoint body (origin, size, root; extension lines ignored).
absl::StatusOr<TreeHead> ParseBody(std::string_view body) {
  std::vector<std::string_view> lines;
  while (!body.empty()) {
    const size_t end = body.find('\n');  // the body ends with a newline
    lines.push_back(body.substr(0, end));
    body.remove_prefix(end + 1);
  }
  if (lines.size() < 3) return NotACheckpoint("it needs an origin, a tree size and a root hash");
  TreeHead head;
  head.origin = std::string(lines[0]);
  if (head.origin.empty()) return NotACheckpoint("the origin line is empty");
  const auto size = ParseSize(lines[1]);
  if (!size)
    return NotACheckpoint("the tree size \"" + std::string(lines[1]) + "\" is not a number");
  head.tree_size = *size;
  const auto root = FromBase64(lines[2]);
  if (!root || root->size() != head.root.size()) {
    return NotACheckpoint("the root hash is not the base64 of 32 bytes");
  }
  std::copy(root->begin(), root->end(), head.root.begin());
  return head;
}

// The label of a PEM block in `text` ("CERTIFICATE", "PRIVATE KEY"), or ""
// when there is none; never any of the block's content.
std::string PemLabel(std::string_view text) {
  constexpr std::string_view kBegin = "-----BEGIN ";
  const size_t begin = text.find(kBegin);
  if (begin == std::string_view::npos) return "";
  const std::string_view rest = text.substr(begin + kBegin.size());
  const size_t end = rest.find("-----");
  if (end == std::string_view::npos || end > 40) return "...";
  return std::string(rest.substr(0, end));
}

}  // namespace

std::string CheckpointBody(const TreeHead& head) {
  return head.origin + "\n" + std::to_string(head.tree_size) + "\n" + Base64(BytesOf(head.root)) +
         "\n";
}

struct CheckpointSigner::Key {
  Pkey pkey;
  std::string public_key;  // the 32 raw bytes
  std::array<uint8_t, 4> id{};
};

CheckpointSigner::CheckpointSigner(std::unique_ptr<Key> key, std::string origin)
    : key_(std::move(key)), origin_(std::move(origin)) {}
CheckpointSigner::CheckpointSigner(CheckpointSigner&&) noexcept = default;
CheckpointSigner& CheckpointSigner::operator=(CheckpointSigner&&) noexcept = default;
CheckpointSigner::~CheckpointSigner() = default;

absl::StatusOr<CheckpointSigner> CheckpointSigner::Load(const std::filesystem::path& key_file,
                                                        std::string origin) {
  const std::string name = key_file.string();
  const auto fail = [&name](const std::string& why) {
    return absl::FailedPreconditionError("audit signing key " + name + ": " + why);
  };
  if (!IsKeyName(origin)) {
    return absl::InvalidArgumentError("audit origin \"" + origin +
                                      "\": it names the log in checkpoints and must be non-empty, "
                                      "without spaces or '+' (e.g. safeshare.example/audit)");
  }
  if (auto checked = CheckOwnerOnlyKeyFile(
          key_file, "audit.signing_key",
          "make one with `openssl genpkey -algorithm ed25519 -out " + name + " && chmod 600 " +
              name + "` (certs/gen-dev-pki.sh does for development)");
      !checked.ok()) {
    return checked;
  }
  std::FILE* file = std::fopen(name.c_str(), "r");
  if (file == nullptr) return fail("cannot read it");
  Pkey pkey(PEM_read_PrivateKey(file, nullptr, nullptr, nullptr));
  std::fclose(file);
  if (pkey == nullptr) return fail("not a PEM private key");
  if (EVP_PKEY_is_a(pkey.get(), "ED25519") != 1) {
    return fail("not an Ed25519 key; make one with `openssl genpkey -algorithm ed25519`");
  }
  auto key = std::make_unique<Key>();
  key->public_key.resize(32);
  size_t length = key->public_key.size();
  if (EVP_PKEY_get_raw_public_key(
          pkey.get(), reinterpret_cast<unsigned char*>(key->public_key.data()), &length) != 1 ||
      length != 32) {
    return fail("cannot read its public key");
  }
  key->pkey = std::move(pkey);
  key->id = KeyId(origin, key->public_key);
  return CheckpointSigner(std::move(key), std::move(origin));
}

const std::string& CheckpointSigner::origin() const { return origin_; }

std::string CheckpointSigner::Sign(uint64_t tree_size, const Hash& root) const {
  const std::string body =
      CheckpointBody({.origin = origin_, .tree_size = tree_size, .root = root});
  const std::string id = std::string(View(key_->id.data(), key_->id.size()));
  return body + "\n" + std::string(kSignaturePrefix) + origin_ + " " +
         Base64(id + Signature(key_->pkey.get(), body)) + "\n";
}

std::string CheckpointSigner::VerifierKey() const {
  return origin_ + "+" + HexKeyId(key_->id) + "+" +
         Base64(std::string(1, static_cast<char>(kEd25519Type)) + key_->public_key);
}

absl::StatusOr<CheckpointVerifier> CheckpointVerifier::Parse(std::string_view verifier_key) {
  auto verifier = ParseKey(verifier_key);
  if (verifier.ok()) return verifier;
  return absl::InvalidArgumentError("verifier key: " + std::string(verifier.status().message()) +
                                    " (expected <name>+<8 hex digits>+<base64 key>)");
}

absl::StatusOr<CheckpointVerifier> CheckpointVerifier::ParseFile(std::string_view text,
                                                                 const std::string& file) {
  auto verifier = ParseKey(text);
  if (verifier.ok()) return verifier;
  std::string what =
      file + ": not a note verifier key (" + std::string(verifier.status().message()) + ")";
  if (const std::string label = PemLabel(text); !label.empty()) {
    what = file + ": not a note verifier key: it is a PEM file (-----BEGIN " + label +
           "-----), and no PEM key or certificate is one";
  }
  return absl::InvalidArgumentError(
      what +
      "; give the file holding the broker's verifier key, the one line <name>+<key id>+<base64 "
      "key> the partnership published (certs/gen-dev-pki.sh writes the development one to "
      "certs/out/audit-log.pub)");
}

absl::StatusOr<CheckpointVerifier> CheckpointVerifier::ParseKey(std::string_view verifier_key) {
  const auto bad = [](const std::string& why) { return absl::InvalidArgumentError(why); };
  while (!verifier_key.empty() && (verifier_key.back() == '\n' || verifier_key.back() == '\r')) {
    verifier_key.remove_suffix(1);  // as read from a file
  }
  const size_t plus = verifier_key.find('+');
  if (plus == std::string_view::npos) return bad("no '+' after the name");
  const std::string_view name = verifier_key.substr(0, plus);
  if (!IsKeyName(name)) return bad("the name is empty or holds spaces");
  std::string_view rest = verifier_key.substr(plus + 1);
  if (rest.size() < 9 || rest[8] != '+') return bad("the key id is not 8 hex digits");
  const std::string_view hex_id = rest.substr(0, 8);
  const auto key = FromBase64(rest.substr(9));
  if (!key) return bad("the key is not base64");
  if (key->size() != 33 || static_cast<uint8_t>((*key)[0]) != kEd25519Type) {
    return bad("the key is not an Ed25519 key (type 0x01 and 32 bytes)");
  }
  CheckpointVerifier verifier;
  verifier.name_ = std::string(name);
  std::copy(key->begin() + 1, key->end(), verifier.public_key_.begin());
  verifier.key_id_ = KeyId(name, key->substr(1));
  if (HexKeyId(verifier.key_id_) != hex_id) {
    return bad("the key id " + std::string(hex_id) + " does not belong to this name and key");
  }
  return verifier;
}

absl::StatusOr<TreeHead> CheckpointVerifier::Open(std::string_view note) const {
  const size_t split = note.rfind("\n\n");
  if (split == std::string_view::npos) return NotACheckpoint("no blank line before the signatures");
  const std::string_view body = note.substr(0, split + 1);
  std::string_view signatures = note.substr(split + 2);
  if (signatures.empty() || signatures.back() != '\n') {
    return NotACheckpoint("the signatures do not end with a newline");
  }
  std::optional<std::string> ours;  // our signature's 64 bytes, once found
  size_t count = 0;
  while (!signatures.empty()) {
    const size_t end = signatures.find('\n');
    std::string_view line = signatures.substr(0, end);
    signatures.remove_prefix(end + 1);
    if (++count > kMaxSignatures) return NotACheckpoint("more than 100 signatures");
    if (line.substr(0, kSignaturePrefix.size()) != kSignaturePrefix) {
      return NotACheckpoint("a signature line does not start with \"\u2014 \"");
    }
    line.remove_prefix(kSignaturePrefix.size());
    const size_t space = line.find(' ');
    if (space == std::string_view::npos) return NotACheckpoint("a signature line has no signature");
    const auto signature = FromBase64(line.substr(space + 1));
    if (!signature || signature->size() < 5) {
      return NotACheckpoint("a signature is not base64 of a key id and a signature");
    }
    // Signatures by other keys (witnesses, say) are skipped, as C2SP says.
    if (line.substr(0, space) != name_ ||
        signature->compare(0, 4, View(key_id_.data(), key_id_.size())) != 0) {
      continue;
    }
    ours = signature->substr(4);
  }
  const auto refused = [this](const std::string& why) {
    return absl::DataLossError("checkpoint not signed by key " + name_ + ": " + why);
  };
  if (!ours) return refused("no signature by this key");
  Pkey key(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, public_key_.data(),
                                       public_key_.size()));
  MdCtx ctx(EVP_MD_CTX_new());
  if (key == nullptr || ctx == nullptr ||
      EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1) {
    return absl::InternalError("OpenSSL could not set up Ed25519 verification");
  }
  if (ours->size() != kSignatureBytes ||
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(ours->data()),
                       ours->size(), reinterpret_cast<const unsigned char*>(body.data()),
                       body.size()) != 1) {
    return refused("the signature does not verify: the note was altered or signed by another key");
  }
  auto head = ParseBody(body);
  if (head.ok() && head->origin != name_) {
    return NotACheckpoint("it is for log \"" + head->origin + "\", the key for \"" + name_ + "\"");
  }
  return head;
}

}  // namespace safeshare::audit
