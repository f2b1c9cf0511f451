#pragma once

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "broker/core/person_key.h"
#include "broker/policy/agreements.h"
#include "broker/routing/case_directory.h"
#include "broker/routing/policy_snapshot.h"

namespace safeshare::unit {

// A directory of its own under the test's temporary directory.
inline std::filesystem::path FreshDirectory(const std::string& name) {
  static int next = 0;
  auto dir = std::filesystem::path(::testing::TempDir()) /
             (name + "-" + std::to_string(::getpid()) + "-" + std::to_string(next++));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// A policy from one agreement file with `yaml` as its text, for `agencies`.
inline std::shared_ptr<const policy::Policy> PolicyFrom(const std::string& yaml,
                                                        std::vector<config::Agency> agencies,
                                                        std::vector<std::string> barred = {}) {
  const auto dir = FreshDirectory("agreements");
  std::ofstream(dir / "agreement.yaml") << yaml;
  auto set = policy::LoadAgreements(dir, "2026-01-01");
  if (!set.ok()) {
    ADD_FAILURE() << set.status();
    return nullptr;
  }
  return std::make_shared<const policy::Policy>(std::move(*set), std::move(agencies),
                                                std::move(barred));
}

// A person-hash key file (mode 0600) with fixed test bytes.
inline PersonKey TestPersonKey() {
  const auto file = FreshDirectory("key") / "person-hash.key";
  std::ofstream(file) << std::string(32, 'k');
  ::chmod(file.c_str(), 0600);
  auto key = PersonKey::Load(file);
  EXPECT_TRUE(key.ok()) << key.status();
  return std::move(*key);
}

}  // namespace safeshare::unit
