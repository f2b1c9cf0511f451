// Unit tests for broker/audit's signed checkpoints (C2SP tlog-checkpoint in
// a C2SP signed note, Ed25519): what the broker signs, an IG lead's copy
// opens with the broker's verifier key, and any change to it does not.
#include <sys/stat.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <fstream>
#include <iterator>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "audit_signing_key.h"
#include "broker/audit/checkpoint.h"
#include "temp_dir.h"

namespace safeshare::audit {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kOrigin[] = "safeshare.test/audit";

Hash SomeRoot(uint8_t seed) {
  Hash root{};
  for (size_t i = 0; i < root.size(); ++i) root[i] = static_cast<uint8_t>(seed + i);
  return root;
}

class CheckpointTest : public ::testing::Test {
 protected:
  CheckpointSigner Signer(const std::string& file = "audit-log.key") const {
    auto signer = CheckpointSigner::Load(testing::WriteEd25519Key(dir_.path() / file), kOrigin);
    EXPECT_TRUE(signer.ok()) << signer.status();
    return std::move(*signer);
  }
  static CheckpointVerifier VerifierOf(const CheckpointSigner& signer) {
    auto verifier = CheckpointVerifier::Parse(signer.VerifierKey());
    EXPECT_TRUE(verifier.ok()) << verifier.status();
    return std::move(*verifier);
  }

  testing::TempDir dir_{"checkpoint"};
};

std::string Base64(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::string DecodeBase64(const std::string& text) {
  std::string out(text.size() / 4 * 3, '\0');
  EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                  reinterpret_cast<const unsigned char*>(text.data()),
                  static_cast<int>(text.size()));
  out.resize(out.size() - static_cast<size_t>(std::count(text.begin(), text.end(), '=')));
  return out;
}

TEST_F(CheckpointTest, SignedNoteHasTheC2spLayoutAndOpens) {
  const auto signer = Signer();
  const Hash root = SomeRoot(7);
  const std::string note = signer.Sign(1234, root);
  const std::string body = std::string(kOrigin) + "\n1234\n" + Base64(BytesOf(root)) + "\n";
  EXPECT_EQ(CheckpointBody({.origin = kOrigin, .tree_size = 1234, .root = root}), body);
  EXPECT_THAT(note, StartsWith(body + "\n\u2014 " + kOrigin + " "));
  EXPECT_EQ(note.back(), '\n');
  EXPECT_EQ(std::count(note.begin(), note.end(), '\n'), 5);

  const auto head = VerifierOf(signer).Open(note);
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_EQ(head->origin, kOrigin);
  EXPECT_EQ(head->tree_size, 1234u);
  EXPECT_EQ(head->root, root);
}

TEST_F(CheckpointTest, EmptyTreeSignsToo) {
  const auto signer = Signer();
  const auto head = VerifierOf(signer).Open(signer.Sign(0, EmptyRoot()));
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_EQ(head->tree_size, 0u);
  EXPECT_EQ(head->root, EmptyRoot());
}

// The key id computed here from the signed-note definition, independently:
// SHA-256(name || "\n" || 0x01 || 32-byte public key), first 4 bytes.
TEST_F(CheckpointTest, VerifierKeyNamesTheKeyIdAndPublicKey) {
  const auto signer = Signer();
  const std::string key = signer.VerifierKey();
  const auto first = key.find('+'), second = key.find('+', first + 1);
  ASSERT_EQ(key.substr(0, first), kOrigin);
  const std::string hex_id = key.substr(first + 1, second - first - 1);
  const std::string typed_key = DecodeBase64(key.substr(second + 1));
  ASSERT_EQ(typed_key.size(), 33u);
  EXPECT_EQ(typed_key[0], '\x01');

  const std::string preimage = std::string(kOrigin) + "\n" + typed_key;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(preimage.data()), preimage.size(), digest);
  char expected[9];
  std::snprintf(expected, sizeof expected, "%02x%02x%02x%02x", digest[0], digest[1], digest[2],
                digest[3]);
  EXPECT_EQ(hex_id, expected);
  // The signature line starts with the same 4 bytes.
  const std::string note = signer.Sign(5, SomeRoot(1));
  const std::string signature = DecodeBase64(note.substr(note.rfind(' ') + 1, 92));
  ASSERT_EQ(signature.size(), 68u);
  EXPECT_EQ(signature.substr(0, 4), std::string(reinterpret_cast<char*>(digest), 4));

  const auto verifier = CheckpointVerifier::Parse(key + "\n");  // as read from a file
  ASSERT_TRUE(verifier.ok()) << verifier.status();
  EXPECT_EQ(verifier->name(), kOrigin);
}

// The signature's base64 field of the note's signature line, decoded.
struct SignatureLine {
  std::string before;  // everything up to the base64
  std::string bytes;   // key id (4) and signature (64)
};

SignatureLine Split(const std::string& note) {
  const size_t at = note.rfind(' ') + 1;
  return {note.substr(0, at), DecodeBase64(note.substr(at, note.size() - at - 1))};
}

TEST_F(CheckpointTest, AnyAlterationIsDataLoss) {
  const auto signer = Signer();
  const auto verifier = VerifierOf(signer);
  const std::string note = signer.Sign(150, SomeRoot(3));

  auto line = Split(note);
  line.bytes[4 + 10] ^= 0x01;  // one signature bit
  const auto altered_signature = verifier.Open(line.before + Base64(line.bytes) + "\n");
  EXPECT_EQ(altered_signature.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(altered_signature.status().message(), HasSubstr("does not verify"));

  std::string altered_size = note;
  altered_size.replace(altered_size.find("\n150\n"), 5, "\n120\n");
  EXPECT_EQ(verifier.Open(altered_size).status().code(), absl::StatusCode::kDataLoss);

  const auto body_end = note.find("\n\n");
  std::string altered_root = note;
  altered_root.replace(body_end - 44, 44, Base64(BytesOf(SomeRoot(4))));
  EXPECT_EQ(verifier.Open(altered_root).status().code(), absl::StatusCode::kDataLoss);

  std::string altered_origin = note;
  altered_origin.insert(0, "x");
  EXPECT_EQ(verifier.Open(altered_origin).status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(CheckpointTest, AnotherKeysCheckpointIsDataLoss) {
  const auto signer = Signer();
  const auto other = Signer("other.key");  // same origin, another key
  const auto opened = VerifierOf(signer).Open(other.Sign(10, SomeRoot(1)));
  EXPECT_EQ(opened.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(opened.status().message(), HasSubstr("no signature by this key"));

  // Another key's signature line beside ours (a witness, say) is skipped.
  const std::string ours = signer.Sign(10, SomeRoot(1));
  const std::string theirs = other.Sign(10, SomeRoot(1));
  const std::string witness_line = theirs.substr(theirs.find("\n\n") + 2);
  EXPECT_TRUE(VerifierOf(signer).Open(ours + witness_line).ok());
  EXPECT_TRUE(VerifierOf(other).Open(ours + witness_line).ok());
}

TEST_F(CheckpointTest, MalformedNotesAreInvalidArgument) {
  const auto signer = Signer();
  const auto verifier = VerifierOf(signer);
  const std::string note = signer.Sign(9, SomeRoot(2));
  const std::string body = note.substr(0, note.find("\n\n") + 1);
  const std::string signature_line = note.substr(note.find("\n\n") + 2);
  for (const std::string& malformed : {
           std::string(),
           body,         // no signatures
           body + "\n",  // blank line, none after
           body + "\n" + signature_line.substr(0, signature_line.size() - 1),  // no final newline
           body + "\n- " + signature_line.substr(4),  // hyphen, not em dash
           body + "\n\u2014 " + kOrigin + "\n",       // no signature
           body + "\n\u2014 " + kOrigin + " !!!!\n",  // not base64
       }) {
    EXPECT_EQ(verifier.Open(malformed).status().code(), absl::StatusCode::kInvalidArgument)
        << malformed;
  }
}

// `body` signed by the key in `key_file` as a signed note, by hand (not by
// the code under test), under the name and key id of `verifier_key`.
std::string HandSignedNote(const std::filesystem::path& key_file, const std::string& verifier_key,
                           const std::string& body) {
  std::FILE* in = std::fopen(key_file.c_str(), "r");
  EVP_PKEY* key = PEM_read_PrivateKey(in, nullptr, nullptr, nullptr);
  std::fclose(in);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  unsigned char signature[64];
  size_t length = sizeof signature;
  EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, key);
  EVP_DigestSign(ctx, signature, &length, reinterpret_cast<const unsigned char*>(body.data()),
                 body.size());
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  const auto first = verifier_key.find('+');
  std::string id;
  for (size_t i = 0; i < 4; ++i) {
    id += static_cast<char>(std::stoi(verifier_key.substr(first + 1 + 2 * i, 2), nullptr, 16));
  }
  return body + "\n\u2014 " + verifier_key.substr(0, first) + " " +
         Base64(id + std::string(reinterpret_cast<char*>(signature), length)) + "\n";
}

TEST_F(CheckpointTest, ASignedNoteThatIsNotACheckpointIsInvalidArgument) {
  const auto signer = Signer();
  const auto verifier = VerifierOf(signer);
  const auto key_file = dir_.path() / "audit-log.key";
  const std::string root = Base64(BytesOf(SomeRoot(1)));
  const std::string origin = std::string(kOrigin) + "\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {origin + "12\n", "needs an origin, a tree size and a root hash"},
      {origin + "twelve\n" + root + "\n", "tree size \"twelve\""},
      {origin + "012\n" + root + "\n", "tree size \"012\""},
      {origin + "-1\n" + root + "\n", "tree size"},
      {origin + "99999999999999999999\n" + root + "\n", "tree size"},
      {origin + "12\n" + Base64("short") + "\n", "root hash"},
      {"other.test/log\n12\n" + root + "\n", "for log \"other.test/log\""},
  };
  for (const auto& [body, why] : cases) {
    const auto opened = verifier.Open(HandSignedNote(key_file, signer.VerifierKey(), body));
    EXPECT_EQ(opened.status().code(), absl::StatusCode::kInvalidArgument) << body;
    EXPECT_THAT(opened.status().message(), HasSubstr(why)) << body;
  }
  // Extension lines after the root are allowed and ignored.
  const auto extended = verifier.Open(
      HandSignedNote(key_file, signer.VerifierKey(), origin + "12\n" + root + "\nextra\n"));
  ASSERT_TRUE(extended.ok()) << extended.status();
  EXPECT_EQ(extended->tree_size, 12u);
  // And the hand-made note of a real checkpoint is what Sign makes.
  EXPECT_EQ(HandSignedNote(key_file, signer.VerifierKey(), origin + "12\n" + root + "\n"),
            signer.Sign(12, SomeRoot(1)));
}

// The example of golang.org/x/mod/sumdb/note (note.go's package comment and
// note_test.go), another implementation of the signed-note format: its
// verifier key, signing key and signed note.
constexpr char kPeterVerifierKey[] =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
constexpr char kPeterSigningKey[] = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";  // 0x01, seed
constexpr char kPeterText[] =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n";
constexpr char kPeterSignature[] =
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=";

TEST_F(CheckpointTest, OpensTheGoSumdbNoteExample) {
  const auto verifier = CheckpointVerifier::Parse(kPeterVerifierKey);
  ASSERT_TRUE(verifier.ok()) << verifier.status();
  const std::string note =
      std::string(kPeterText) + "\n\u2014 PeterNeumann " + kPeterSignature + "\n";
  // The signature verifies; only then is the text found to be no checkpoint.
  const auto opened = verifier->Open(note);
  EXPECT_EQ(opened.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(opened.status().message(), HasSubstr("needs an origin, a tree size and a root hash"));
  std::string altered = note;
  altered.replace(altered.find("cryptography"), 12, "cryptographY");
  EXPECT_EQ(verifier->Open(altered).status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(CheckpointTest, TheGoSumdbExampleKeyGivesItsVerifierKey) {
  const std::string seed = DecodeBase64(kPeterSigningKey).substr(1);
  EVP_PKEY* key = EVP_PKEY_new_raw_private_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(seed.data()), seed.size());
  const auto file = testing::WritePrivateKey(key, dir_.path() / "peter.key");
  const auto signer = CheckpointSigner::Load(file, "PeterNeumann");
  ASSERT_TRUE(signer.ok()) << signer.status();
  EXPECT_EQ(signer->VerifierKey(), kPeterVerifierKey);
}

TEST_F(CheckpointTest, MalformedVerifierKeysAreInvalidArgumentSayingWhichPart) {
  const auto signer = Signer();
  const std::string key = signer.VerifierKey();
  const auto first = key.find('+');
  std::string wrong_id = key;
  wrong_id[first + 1] = wrong_id[first + 1] == '0' ? '1' : '0';
  std::string wrong_name = key;
  wrong_name.replace(0, first, "other.test/audit");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "no '+'"},
      {"+00000000+AQ==", "name"},
      {std::string(kOrigin) + "+12+abcd", "key id"},
      {key.substr(0, key.size() - 4) + "!!!!", "not base64"},
      {key.substr(0, first + 10) + Base64(std::string(33, '\x02')), "not an Ed25519 key"},
      {wrong_id, "does not belong"},
      {wrong_name, "does not belong"},
  };
  for (const auto& [text, why] : cases) {
    const auto parsed = CheckpointVerifier::Parse(text);
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_THAT(parsed.status().message(), HasSubstr(why)) << text;
  }
}

// A key file a person named: the error names it and what it must hold,
// and a PEM key is named as one without any of its content.
TEST_F(CheckpointTest, AKeyFileThatIsNoVerifierKeyIsNamedWithWhatItMustHold) {
  const auto signer = Signer();
  EXPECT_TRUE(CheckpointVerifier::ParseFile(signer.VerifierKey() + "\n", "k.pub").ok());

  const auto pem = testing::WriteEd25519Key(dir_.path() / "signing.key");
  std::ifstream in(pem);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto parsed = CheckpointVerifier::ParseFile(text, "signing.key");
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(parsed.status().message(),
            "signing.key: not a note verifier key: it is a PEM file (-----BEGIN PRIVATE "
            "KEY-----), and no PEM key or certificate is one; give the file holding the broker's "
            "verifier key, the one line <name>+<key id>+<base64 key> the partnership published "
            "(certs/gen-dev-pki.sh writes the development one to certs/out/audit-log.pub)");
  const std::string body = text.substr(text.find('\n') + 1, 20);
  EXPECT_THAT(std::string(parsed.status().message()), ::testing::Not(HasSubstr(body)));

  EXPECT_THAT(std::string(CheckpointVerifier::ParseFile("not a key\n", "k.pub").status().message()),
              StartsWith("k.pub: not a note verifier key (no '+' after the name); give the file"));
}

TEST_F(CheckpointTest, SigningKeyErrorsNameTheFileAndTheFix) {
  const auto missing = CheckpointSigner::Load(dir_.path() / "none.key", kOrigin);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(missing.status().message(), HasSubstr("none.key: no such file"));
  EXPECT_THAT(missing.status().message(), HasSubstr("openssl genpkey -algorithm ed25519"));

  const auto open_key = testing::WriteEd25519Key(dir_.path() / "open.key");
  ::chmod(open_key.c_str(), 0644);
  EXPECT_THAT(CheckpointSigner::Load(open_key, kOrigin).status().message(), HasSubstr("chmod 600"));

  const auto not_pem = dir_.Write("text.key", "not a key");
  ::chmod(not_pem.c_str(), 0600);
  EXPECT_THAT(CheckpointSigner::Load(not_pem, kOrigin).status().message(),
              HasSubstr("not a PEM private key"));

  const auto ec_file = testing::WritePrivateKey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"),
                                                dir_.path() / "ec.key");
  EXPECT_THAT(CheckpointSigner::Load(ec_file, kOrigin).status().message(),
              HasSubstr("not an Ed25519 key"));

  EXPECT_EQ(CheckpointSigner::Load(open_key, "has space").status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace safeshare::audit
