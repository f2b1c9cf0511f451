#pragma once

#include <filesystem>
#include <string_view>

#include "absl/status/status.h"

namespace safeshare {

// Checks a secret key file before it is read: it exists, is a regular file,
// and neither group nor others may read or write it (mode 600 or 400).
// FAILED_PRECONDITION otherwise, worded
//   "<config_key> FILE: no such file; <create>"
//   "<config_key> FILE: group or others may read or write it (mode 0644);
//    run `chmod 600 FILE`"
// where `config_key` names the setting (e.g. "audit.signing_key") and
// `create` says how to make one. Never reads the key.
absl::Status CheckOwnerOnlyKeyFile(const std::filesystem::path& file, std::string_view config_key,
                                   std::string_view create);

}  // namespace safeshare
