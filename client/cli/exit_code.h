#ifndef SAFESHARE_CLIENT_CLI_EXIT_CODE_H_
#define SAFESHARE_CLIENT_CLI_EXIT_CODE_H_

#include <iostream>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace safeshare::cli {

// Exit codes of the safeshare command. Scripts rely on them: 1 means the
// broker (or the network to it) said no, or knows nothing by the name given
// (NOT_FOUND: `case show` of an unknown case, `audit report` of a case no
// audit entry names), 2 means fix the command line or files, 4 means an
// audit log did not verify.
enum ExitCode : int {
  kExitOk = 0,
  kExitBrokerError = 1,  // the broker said no, or NOT_FOUND
  kExitUsage = 2,        // bad flags, unreadable or invalid files, missing PKI
  kExitInternal = 3,     // a bug: an unexpected exception reached main
  kExitNotVerified = 4,  // audit verify: the log or a checkpoint failed verification
};

// Prints `message` as one line to stderr and returns `code`.
inline int Fail(ExitCode code, absl::string_view message) {
  std::cerr << message << '\n';
  return code;
}

// Prints "WHAT: CODE: message" for an error from the broker; returns 1.
inline int FailBroker(absl::string_view what, const absl::Status& status) {
  std::cerr << what << ": " << absl::StatusCodeToString(status.code()) << ": " << status.message()
            << '\n';
  return kExitBrokerError;
}

}  // namespace safeshare::cli

#endif  // SAFESHARE_CLIENT_CLI_EXIT_CODE_H_
