#include "output_files.h"

#include <unistd.h>

#include <cctype>
#include <cerrno>
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

// The nearest of `path`'s ancestors (or `path`) that exists; "." for a
// relative path none of whose parents exists.
fs::path NearestExisting(const fs::path& path) {
  std::error_code error;
  fs::path p = path;
  while (!p.empty() && !fs::exists(p, error) && p != p.parent_path()) p = p.parent_path();
  return p.empty() ? fs::path(".") : p;
}

bool Writable(const fs::path& dir) { return ::access(dir.c_str(), W_OK | X_OK) == 0; }

}  // namespace

std::string Reason(const std::error_code& error) {
  std::string reason = error.message();
  if (!reason.empty()) reason[0] = static_cast<char>(std::tolower(reason[0]));
  return reason;
}

absl::Status CheckFileDestination(const fs::path& file) {
  const std::string what = file.string() + ": cannot write it: ";
  std::error_code error;
  if (fs::is_directory(file, error))
    return absl::FailedPreconditionError(what + "it is a directory");
  const fs::path parent = file.parent_path().empty() ? fs::path(".") : file.parent_path();
  if (!fs::exists(parent, error)) {
    return absl::FailedPreconditionError(what + "no such directory " + parent.string());
  }
  if (!fs::is_directory(parent, error)) {
    return absl::FailedPreconditionError(what + parent.string() + " is not a directory");
  }
  if (!Writable(parent)) {
    return absl::FailedPreconditionError(what + "permission denied in " + parent.string());
  }
  return absl::OkStatus();
}

absl::Status CheckDirectoryDestination(const fs::path& dir) {
  std::error_code error;
  if (fs::exists(dir, error)) {
    if (!fs::is_directory(dir, error)) {
      return absl::FailedPreconditionError(dir.string() + ": not a directory (it is a file)");
    }
    if (!Writable(dir)) {
      return absl::FailedPreconditionError(dir.string() +
                                           ": permission denied (cannot write in it)");
    }
    return absl::OkStatus();
  }
  const fs::path nearest = NearestExisting(dir);
  const std::string what = dir.string() + ": cannot create it: ";
  if (!fs::is_directory(nearest, error)) {
    return absl::FailedPreconditionError(what + nearest.string() + " is not a directory");
  }
  if (!Writable(nearest)) {
    return absl::FailedPreconditionError(what + "permission denied in " + nearest.string());
  }
  return absl::OkStatus();
}

absl::Status WriteAtomically(const fs::path& path, const std::string& content) {
  const fs::path partial = path.string() + ".partial";
  std::error_code error;
  {
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    std::error_code write_error(out ? 0 : errno, std::generic_category());
    out << content;
    out.close();
    if (!out && !write_error) write_error = std::error_code(errno, std::generic_category());
    if (!out) {
      fs::remove(partial, error);
      return absl::InternalError(absl::StrCat("cannot write ", partial.string(), ": ",
                                              write_error ? Reason(write_error) : "write failed"));
    }
  }
  fs::rename(partial, path, error);
  if (error) {
    fs::remove(partial, error);
    return absl::InternalError(absl::StrCat("cannot rename ", partial.string(), " to ",
                                            path.string(), ": ", Reason(error)));
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
