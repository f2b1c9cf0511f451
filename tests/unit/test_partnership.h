#pragma once

#include <sys/stat.h>

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "broker/core/person_key.h"
#include "broker/policy/agreements.h"
#include "tests/unit/temp_dir.h"

// What the service tests decide with: an agreement written in the test and a
// person-hash key.
namespace safeshare::unit {

// A policy from one agreement file with `yaml` as its text, for `agencies`.
inline std::shared_ptr<const policy::Policy> PolicyFrom(const std::string& yaml,
                                                        std::vector<config::Agency> agencies,
                                                        std::vector<std::string> barred = {}) {
  const testing::TempDir dir("agreements");
  dir.Write("agreement.yaml", yaml);
  auto set = policy::LoadAgreements(dir.path(), "2026-01-01");
  if (!set.ok()) {
    ADD_FAILURE() << set.status();
    return nullptr;
  }
  return std::make_shared<const policy::Policy>(std::move(*set), std::move(agencies),
                                                std::move(barred));
}

// A person-hash key (from a mode 0600 file of fixed test bytes).
inline PersonKey TestPersonKey() {
  const testing::TempDir dir("key");
  const auto file = dir.Write("person-hash.key", std::string(32, 'k'));
  ::chmod(file.c_str(), 0600);
  auto key = PersonKey::Load(file);
  if (!key.ok()) throw std::runtime_error(std::string(key.status().message()));
  return std::move(*key);
}

}  // namespace safeshare::unit
