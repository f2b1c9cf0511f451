#ifndef SAFESHARE_CLIENT_REVIEW_OUTPUT_FILES_H_
#define SAFESHARE_CLIENT_REVIEW_OUTPUT_FILES_H_

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"

// Files the IG lead's commands write (exports, saved checkpoints): written
// whole or not at all, and errors that name the path and why.
namespace safeshare::review {

// Writes `content` beside `path` (PATH.partial) and renames it into place,
// so a reader, or an interrupted write, never sees half a file; the partial
// file is removed when the write fails. INTERNAL naming the path and why.
absl::Status WriteAtomically(const std::filesystem::path& path, const std::string& content);

// Writes each (name, content) into `dir` with WriteAtomically, creating
// `dir` (and missing parents) first. When one fails, the files written
// before it and the directories created are removed again, so a failed
// save leaves no trace. INTERNAL naming the path and why.
absl::Status WriteFilesInto(const std::filesystem::path& dir,
                            const std::vector<std::pair<std::string, std::string>>& files);

}  // namespace safeshare::review

#endif  // SAFESHARE_CLIENT_REVIEW_OUTPUT_FILES_H_
