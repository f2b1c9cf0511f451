#include "tests/support/test_pki.h"

#include <cstdlib>
#include <stdexcept>

namespace safeshare::testing {

std::string MakeTempDir(const std::string& prefix) {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base ? base : "/tmp") + "/" + prefix + "-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  return pattern;
}

TestPki::TestPki() : dir_(MakeTempDir("safeshare-pki")) {
  const std::string command =
      "bash " SAFESHARE_SOURCE_DIR "/certs/gen-dev-pki.sh " + dir_ + " >/dev/null";
  if (std::system(command.c_str()) != 0) throw std::runtime_error("gen-dev-pki.sh failed");
}

const TestPki& TestPki::Get() {
  static const TestPki pki;
  return pki;
}

client::ClientOptions TestPki::For(const std::string& agency, int port) const {
  auto options = client::DevPkiOptions(agency, dir_);
  options.broker = "localhost:" + std::to_string(port);
  options.deadline = std::chrono::seconds(10);
  return options;
}

}  // namespace safeshare::testing
