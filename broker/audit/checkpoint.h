#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "broker/audit/merkle.h"

// Signed tree heads in the C2SP tlog-checkpoint format, signed notes per
// C2SP signed-note with an Ed25519 key (OpenSSL EVP):
//
//   <origin>\n
//   <tree size, decimal>\n
//   <root hash, standard base64>\n
//   \n
//   — <key name> <base64(4-byte key id || 64-byte signature)>\n
//
// The signature covers the note text (the first three lines, with their
// newlines). key id = first 4 bytes of SHA-256(<key name> || "\n" || 0x01 ||
// <32-byte public key>). The key name is the log's origin. A verifier key is
// written "<name>+<8 hex digits of key id>+<base64(0x01 || public key)>".
namespace safeshare::audit {

struct TreeHead {
  std::string origin;  // names the log, e.g. "safeshare.example/audit"
  uint64_t tree_size = 0;
  Hash root{};
};

// "<origin>\n<size>\n<base64 root>\n": the text the signature covers.
std::string CheckpointBody(const TreeHead& head);

class CheckpointSigner {
 public:
  // Reads a PEM Ed25519 private key (openssl genpkey -algorithm ed25519),
  // refused unless owner-only (CheckOwnerOnlyKeyFile, as setting
  // audit.signing_key). The error names the file and what is wrong with it.
  static absl::StatusOr<CheckpointSigner> Load(const std::filesystem::path& key_file,
                                               std::string origin);
  CheckpointSigner(CheckpointSigner&&) noexcept;
  CheckpointSigner& operator=(CheckpointSigner&&) noexcept;
  ~CheckpointSigner();

  const std::string& origin() const;
  // The whole signed note for `tree_size` and `root` under this origin.
  std::string Sign(uint64_t tree_size, const Hash& root) const;
  std::string VerifierKey() const;

 private:
  struct Key;
  CheckpointSigner(std::unique_ptr<Key> key, std::string origin);
  std::unique_ptr<Key> key_;
  std::string origin_;
};

class CheckpointVerifier {
 public:
  // Parses a verifier key; INVALID_ARGUMENT saying which part is malformed.
  static absl::StatusOr<CheckpointVerifier> Parse(std::string_view verifier_key);
  // Parse of `text`, read from `file` (a key file a person named): the
  // INVALID_ARGUMENT names the file, says what it must hold (the one line
  // certs/gen-dev-pki.sh writes to certs/out/audit-log.pub for
  // development) and, for a PEM file, that a PEM key or certificate is not
  // a verifier key.
  static absl::StatusOr<CheckpointVerifier> ParseFile(std::string_view text,
                                                      const std::string& file);

  const std::string& name() const { return name_; }
  // Checks the note's signature line for this key and parses the body.
  // DATA_LOSS when the signature does not verify (or is missing), naming
  // the key; INVALID_ARGUMENT when the note is not a checkpoint.
  absl::StatusOr<TreeHead> Open(std::string_view note) const;

 private:
  // Parse, its INVALID_ARGUMENT saying only which part is malformed.
  static absl::StatusOr<CheckpointVerifier> ParseKey(std::string_view verifier_key);

  std::string name_;
  std::array<uint8_t, 4> key_id_{};
  std::array<uint8_t, 32> public_key_{};
};

}  // namespace safeshare::audit
