#include "output_files.h"

#include <fstream>

#include "absl/strings/str_cat.h"

namespace safeshare::review {
namespace {

namespace fs = std::filesystem;

// The directories from `dir` up to (not including) the first that exists,
// deepest first: what create_directories(dir) would create.
std::vector<fs::path> Missing(const fs::path& dir) {
  std::vector<fs::path> missing;
  std::error_code error;
  for (fs::path p = fs::absolute(dir, error); !p.empty() && !fs::exists(p, error);
       p = p.parent_path()) {
    missing.push_back(p);
    if (p == p.parent_path()) break;
  }
  return missing;
}

}  // namespace

absl::Status WriteAtomically(const fs::path& path, const std::string& content) {
  const fs::path partial = path.string() + ".partial";
  std::error_code error;
  {
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    out << content;
    out.close();
    if (!out) {
      fs::remove(partial, error);
      return absl::InternalError(absl::StrCat("cannot write ", partial.string()));
    }
  }
  fs::rename(partial, path, error);
  if (error) {
    fs::remove(partial, error);
    return absl::InternalError(
        absl::StrCat("cannot rename ", partial.string(), " to ", path.string()));
  }
  return absl::OkStatus();
}

absl::Status WriteFilesInto(const fs::path& dir,
                            const std::vector<std::pair<std::string, std::string>>& files) {
  const std::vector<fs::path> created = Missing(dir);
  std::error_code error;
  fs::create_directories(dir, error);
  absl::Status written =
      error
          ? absl::InternalError(absl::StrCat("cannot create ", dir.string(), ": ", error.message()))
          : absl::OkStatus();
  size_t count = 0;
  for (; written.ok() && count < files.size(); ++count) {
    written = WriteAtomically(dir / files[count].first, files[count].second);
  }
  if (written.ok()) return written;
  for (size_t i = 0; i + 1 < count; ++i) fs::remove(dir / files[i].first, error);
  for (const fs::path& made : created) fs::remove(made, error);  // deepest first; only if empty
  return written;
}

}  // namespace safeshare::review
