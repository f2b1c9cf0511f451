#pragma once

// Private keys for checkpoint tests: PEM files, mode 600, as `openssl
// genpkey` writes them, made in-process.
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <stdexcept>

#include <openssl/evp.h>
#include <openssl/pem.h>

namespace safeshare::testing {

// Writes `key` (taking it) to `file`; returns the file's path.
inline std::filesystem::path WritePrivateKey(EVP_PKEY* key, const std::filesystem::path& file) {
  std::FILE* out = std::fopen(file.c_str(), "w");
  const bool ok = key != nullptr && out != nullptr &&
                  PEM_write_PrivateKey(out, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
  if (out != nullptr) std::fclose(out);
  EVP_PKEY_free(key);
  if (!ok || ::chmod(file.c_str(), 0600) != 0) {
    throw std::runtime_error("cannot write a private key to " + file.string());
  }
  return file;
}

inline std::filesystem::path WriteEd25519Key(const std::filesystem::path& file) {
  return WritePrivateKey(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"), file);
}

}  // namespace safeshare::testing
