#pragma once

#include <string>

#include "safeshare/client/client.h"

namespace safeshare::testing {

// A development PKI made by the real certs/gen-dev-pki.sh into a fresh
// temporary directory, once per test process.
class TestPki {
 public:
  static const TestPki& Get();

  const std::string& dir() const { return dir_; }
  std::string Path(const std::string& file) const { return dir_ + "/" + file; }
  // Client options for `agency` (or test material such as "rogue-police").
  client::ClientOptions For(const std::string& agency, int port) const;

 private:
  TestPki();
  std::string dir_;
};

// A fresh temporary directory for one test.
std::string MakeTempDir(const std::string& prefix);

}  // namespace safeshare::testing
