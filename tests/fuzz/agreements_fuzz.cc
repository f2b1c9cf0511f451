// Fuzzes policy::LoadAgreements, the loader of the partnership's agreement
// files, which takes only a directory: each input is written to a fresh
// directory as one or more files, split at kFileBreak lines, so checks
// across files (unique ids) are reached. An accepted set is then built into
// a Policy with the agencies of config/broker.yaml and every type decided,
// as the broker does after a reload.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_split.h"
#include "broker/config/broker_config.h"
#include "broker/core/vocabulary.h"
#include "broker/policy/agreements.h"

namespace {

namespace fs = std::filesystem;
using safeshare::policy::Policy;

constexpr std::string_view kFileBreak = "\n#file\n";

const safeshare::config::BrokerConfig& ExampleConfig() {
  static const auto* const config = [] {
    auto loaded = safeshare::config::LoadBrokerConfig(SAFESHARE_SOURCE_DIR "/config/broker.yaml");
    if (!loaded.ok()) std::abort();
    return new safeshare::config::BrokerConfig(*std::move(loaded));
  }();
  return *config;
}

// One directory for the whole run, emptied before each input and removed
// at exit.
const fs::path& WorkDir() {
  static const fs::path* const dir = [] {
    std::string templ = (fs::temp_directory_path() / "agreements-fuzz-XXXXXX").string();
    if (mkdtemp(templ.data()) == nullptr) std::abort();
    std::atexit([] {
      std::error_code ignored;
      fs::remove_all(WorkDir(), ignored);
    });
    return new fs::path(templ);
  }();
  return *dir;
}

void WriteFiles(std::string_view input, const fs::path& dir) {
  for (const auto& entry : fs::directory_iterator(dir)) fs::remove(entry.path());
  int n = 0;
  // absl::string_view: Debian's Abseil does not alias std::string_view.
  for (absl::string_view text :
       absl::StrSplit(absl::string_view(input.data(), input.size()),
                      absl::string_view(kFileBreak.data(), kFileBreak.size()))) {
    std::ofstream(dir / ("agreement-" + std::to_string(n++) + ".yaml"), std::ios::binary)
        .write(text.data(), static_cast<std::streamsize>(text.size()));
  }
}

void DecideEveryType(const Policy& policy) {
  for (const auto type : safeshare::kNotificationTypes) {
    for (const auto& publisher : policy.agencies()) {
      (void)policy.MayPublish(publisher.role, type);
      (void)policy.Evaluate(publisher, type, {});
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  WriteFiles(input, WorkDir());
  auto set = safeshare::policy::LoadAgreements(WorkDir(), "2026-11-30");
  if (!set.ok()) return 0;
  const auto& config = ExampleConfig();
  DecideEveryType(Policy(*std::move(set), config.agencies, config.urgent_disclosure.barred_roles));
  return 0;
}
