#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace safeshare {

// The whole of a text file (a config file, a PEM file), or NOT_FOUND
// "cannot read <what> <file>", where `what` names it for the reader
// (e.g. "config file", "tls.certificate").
absl::StatusOr<std::string> ReadTextFile(const std::filesystem::path& file, std::string_view what);

}  // namespace safeshare
