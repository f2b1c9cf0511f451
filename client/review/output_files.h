#ifndef SAFESHARE_CLIENT_REVIEW_OUTPUT_FILES_H_
#define SAFESHARE_CLIENT_REVIEW_OUTPUT_FILES_H_

#include <filesystem>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/status/status.h"

// Files the IG lead's commands write (exports, saved checkpoints): written
// whole or not at all, and errors that name the path and why.
namespace safeshare::review {

// Why a file cannot be written at `file`, before anything is fetched:
// FAILED_PRECONDITION "FILE: cannot write it: " and the reason (no such
// directory D, D is not a directory, it is a directory, permission denied
// in D); OK when it looks writable.
absl::Status CheckFileDestination(const std::filesystem::path& file);

// The same for a directory to write files in, created when missing:
// "DIR: not a directory (it is a file)", "DIR: cannot create it: D is not a
// directory", or permission denied in it or in the parent it would be
// created in.
absl::Status CheckDirectoryDestination(const std::filesystem::path& dir);

// A failed file operation's reason in a few words ("no such file or
// directory", "not a directory", "permission denied", ...).
std::string Reason(const std::error_code& error);

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
