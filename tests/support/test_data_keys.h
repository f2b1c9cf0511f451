#pragma once

#include <map>
#include <memory>
#include <string>

#include "broker/core/data_keys.h"

namespace safeshare {

// Data keys for stores a test opens itself (not a broker process's, which
// uses the test PKI's data-keys/dev-1.key): "test-1", current, and
// "test-0", an older one.
inline std::shared_ptr<const DataKeys> TestDataKeys(const std::string& current = "test-1") {
  return std::make_shared<const DataKeys>(
      std::map<std::string, std::string>{{"test-0", std::string(32, '\x5a')},
                                         {"test-1", std::string(32, '\xa5')}},
      current);
}

}  // namespace safeshare
