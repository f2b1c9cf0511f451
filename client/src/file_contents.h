#ifndef SAFESHARE_CLIENT_SRC_FILE_CONTENTS_H_
#define SAFESHARE_CLIENT_SRC_FILE_CONTENTS_H_

#include <string>

#include "absl/status/statusor.h"

namespace safeshare::client {

// Returns the whole content of the file at `path`. On failure returns
// NOT_FOUND, PERMISSION_DENIED or INVALID_ARGUMENT with the message
// "cannot read PATH: REASON" (REASON from errno, e.g. "No such file or
// directory").
absl::StatusOr<std::string> ReadFileContents(const std::string& path);

}  // namespace safeshare::client

#endif  // SAFESHARE_CLIENT_SRC_FILE_CONTENTS_H_
