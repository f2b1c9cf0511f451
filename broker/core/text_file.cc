#include "broker/core/text_file.h"

#include <fstream>
#include <sstream>

namespace safeshare {

absl::StatusOr<std::string> ReadTextFile(const std::filesystem::path& file, std::string_view what) {
  std::ifstream in(file);
  if (!in) return absl::NotFoundError("cannot read " + std::string(what) + " " + file.string());
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace safeshare
